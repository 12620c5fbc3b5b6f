//! ## route-subset-undefined (TOPO502, error)
//!
//! A route (or mirror) destination names a `subset` that no DestinationRule
//! for its host defines: Istio answers 503 (no healthy upstream).

use super::kube_common::resource;
use super::mesh_common::{DestinationRules, host_service};
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, ROUTE_SUBSET_UNDEFINED};

pub static RULE: Rule = Rule {
    code: &ROUTE_SUBSET_UNDEFINED,
    doc: "A VirtualService destination with `subset: v2` needs a DestinationRule for the same \
host that defines a subset named `v2`. Without it Envoy has no cluster for the route and \
every request gets a 503 \"no healthy upstream\". Define the subset in the host's \
DestinationRule (with the labels of that version) or fix the subset name.",
    fail_example: fixture!("route-subset-undefined", "fail"),
    pass_example: fixture!("route-subset-undefined", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    let rules = DestinationRules::new(t, k);
    for vs in &t.virtual_services {
        let dests = vs.http.iter().flat_map(|r| {
            r.route
                .iter()
                .map(|w| &w.destination)
                .chain(r.mirror.as_ref())
        });
        for d in dests {
            let Some((subset, so)) = &d.subset else {
                continue;
            };
            let svc = host_service(t, k, vs, &d.host);
            // Of the same host: naming the same Service, or, where either
            // names none, written the same.
            let by_text = rules
                .of_host(&d.host)
                .filter(|&(i, _)| svc.is_none() || k.dr_service[i].is_none());
            let defined = svc
                .into_iter()
                .flat_map(|a| rules.of_service(a))
                .chain(by_text)
                .any(|(_, dr)| dr.subsets.iter().any(|s| &s.name == subset));
            if !defined {
                out.push(
                    Diagnostic::new(
                        &ROUTE_SUBSET_UNDEFINED,
                        so.span,
                        format!("subset `{subset}` of host `{}` is defined by no DestinationRule", d.host),
                    )
                    .with_help("define the subset (with its pod labels) in a DestinationRule for this host")
                    .with_resource(resource(t, "VirtualService", vs.namespace, &vs.name)),
                );
            }
        }
    }
    out
}
