//! ## route-weights-invalid (TOPO501, error)
//!
//! The weights of an HTTP route's destinations must sum to 100 (a single
//! destination without a weight takes 100).

use super::kube_common::resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, ROUTE_WEIGHTS_INVALID};

pub static RULE: Rule = Rule {
    code: &ROUTE_WEIGHTS_INVALID,
    doc: "Istio splits an HTTP route's traffic between its destinations by `weight`, and \
the weights must add up to 100 (a lone destination without weight takes 100). istiod \
rejects other totals (\"total destination weight != 100\"), and negative weights are invalid. \
Fix the numbers so that the split is what you mean — e.g. 90 and 10 for a canary.",
    fail_example: fixture!("route-weights-invalid", "fail"),
    pass_example: fixture!("route-weights-invalid", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for vs in &t.virtual_services {
        for r in &vs.http {
            if r.route.is_empty() || (r.route.len() == 1 && r.route[0].weight.is_none()) {
                continue;
            }
            let negative = r.route.iter().find(|w| w.weight.is_some_and(|x| x < 0));
            let total: i64 = r.route.iter().map(|w| w.weight.unwrap_or(0).max(0)).sum();
            if negative.is_none() && total == 100 {
                continue;
            }
            let span = negative
                .and_then(|w| w.weight_origin)
                .or(r.route_origin)
                .unwrap_or(r.origin)
                .span;
            let msg = match negative {
                Some(w) => format!("route weight {} is negative", w.weight.unwrap_or(0)),
                None => format!(
                    "route weights of VirtualService `{}` sum to {total}, not 100",
                    vs.name
                ),
            };
            let mut d = Diagnostic::new(&ROUTE_WEIGHTS_INVALID, span, msg)
                .with_help("make the destination weights of each route add up to 100")
                .with_resource(resource(t, "VirtualService", vs.namespace, &vs.name));
            for w in &r.route {
                if let Some(o) = w.weight_origin {
                    d = d.with_related(
                        o.span,
                        format!(
                            "weight {} for `{}`",
                            w.weight.unwrap_or(0),
                            w.destination.host
                        ),
                    );
                }
            }
            out.push(d);
        }
    }
    out
}
