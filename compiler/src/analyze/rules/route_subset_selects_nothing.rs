//! ## route-subset-selects-nothing (TOPO510, warning)
//!
//! A route destination `{host, subset}` sends its share of traffic to the
//! pods behind the host's Service that carry the subset's labels (from the
//! host's DestinationRule). When none does, that share fails with 503. The
//! finding sits at the route's destination — where the traffic is sent —
//! beside `subset-selects-nothing` at the subset definition.

use super::kube_common::resource;
use super::mesh_common::{DestinationRules, destinations, host_service};
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, ROUTE_SUBSET_SELECTS_NOTHING};

pub static RULE: Rule = Rule {
    code: &ROUTE_SUBSET_SELECTS_NOTHING,
    doc: "A route destination with `subset: v2` sends traffic to the pods behind the host's \
Service whose labels match subset `v2` of the host's DestinationRule. When no such pod \
exists (the version was never deployed, or the labels drifted), every request of that route \
share fails with 503 \"no healthy upstream\". Reported at the route's destination, where the \
traffic goes (the subset definition gets `subset-selects-nothing`). Route to a subset that \
has pods, or fix the subset's labels.",
    fail_example: fixture!("route-subset-selects-nothing", "fail"),
    pass_example: fixture!("route-subset-selects-nothing", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    let rules = DestinationRules::new(t, k);
    for vs in &t.virtual_services {
        for d in destinations(vs) {
            let Some((subset, so)) = &d.subset else {
                continue;
            };
            let Some(svc) = host_service(t, k, vs, &d.host) else {
                continue;
            };
            let pods = &k.service_workloads[svc.index()];
            if pods.is_empty() {
                continue; // service-selects-nothing
            }
            let Some(def) = rules
                .of_service(svc)
                .find_map(|(_, dr)| dr.subsets.iter().find(|s| &s.name == subset))
            else {
                continue; // route-subset-undefined
            };
            let hit = pods.iter().any(|&w| {
                let l = &t.workload(w).labels;
                def.labels.iter().all(|(k, v)| l.get(k) == Some(v))
            });
            if hit {
                continue;
            }
            let labels: Vec<String> = def.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push(
                Diagnostic::new(
                    &ROUTE_SUBSET_SELECTS_NOTHING,
                    so.span,
                    format!(
                        "this route sends traffic to subset `{subset}` of `{}`, whose labels ({}) match no pod behind Service `{}`",
                        d.host,
                        labels.join(","),
                        t.services[svc.index()].name
                    ),
                )
                .with_related(def.origin.span, format!("subset `{subset}` is defined here"))
                .with_help("route to a subset that has pods, or fix the subset's labels")
                .with_resource(resource(t, "VirtualService", vs.namespace, &vs.name)),
            );
        }
    }
    out
}
