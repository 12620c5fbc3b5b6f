//! ## route-host-unknown (TOPO504, warning)
//!
//! A route destination host that names no Service of the input, while looking like an
//! in-cluster name (short name, `svc.ns` of a known namespace, or
//! `*.svc.cluster.local`). External hosts such as `api.example.com` are
//! left alone (they may come from a ServiceEntry).

use super::kube_common::resource;
use super::mesh_common::{host_service, looks_in_cluster};
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, ROUTE_HOST_UNKNOWN};

pub static RULE: Rule = Rule {
    code: &ROUTE_HOST_UNKNOWN,
    doc: "Istio resolves a route destination `host` like a DNS name from the VirtualService's namespace: a short name `reviews` means `reviews.<namespace>.svc.cluster.local`. A host that names no Service sends the traffic nowhere (503, or a silently lost copy for a mirror). Usually a typo, a short name used from another namespace, or a Service that was renamed. Use the Service's name (qualified with its namespace when it lives elsewhere).",
    fail_example: fixture!("route-host-unknown", "fail"),
    pass_example: fixture!("route-host-unknown", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    for vs in &t.virtual_services {
        for d in super::mesh_common::destinations(vs) {
            if host_service(t, k, vs, &d.host).is_some() || !looks_in_cluster(t, &d.host) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &ROUTE_HOST_UNKNOWN,
                    d.host_origin.span,
                    format!(
                        "route destination host `{}` names no Service (seen from namespace `{}`)",
                        d.host,
                        t.namespace(vs.namespace).name
                    ),
                )
                .with_help("use the name of a Service; qualify it as name.namespace when it lives in another namespace")
                .with_resource(resource(t, "VirtualService", vs.namespace, &vs.name)),
            );
        }
    }
    out
}
