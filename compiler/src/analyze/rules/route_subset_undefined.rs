//! ## route-subset-undefined (TOPO502, error)
//!
//! A route (or mirror) destination names a `subset` that no DestinationRule
//! for its host defines: Istio answers 503 (no healthy upstream).

use super::kube_common::resource;
use super::mesh_common::host_service;
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
            let defined = t.destination_rules.iter().enumerate().any(|(i, dr)| {
                let same_host = match (svc, k.dr_service[i]) {
                    (Some(a), Some(b)) => a == b,
                    _ => dr.host == d.host,
                };
                same_host && dr.subsets.iter().any(|s| &s.name == subset)
            });
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
