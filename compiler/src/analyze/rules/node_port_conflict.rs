//! ## node-port-conflict (TOPO208, error)
//!
//! Two Services claim the same `nodePort` and protocol. nodePorts are
//! cluster-wide: the API server rejects the second Service. Services of
//! different clusters (kustomize overlays) never conflict.

use super::kube_common::service_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, NODE_PORT_CONFLICT};
use crate::ir::FastMap;
use crate::ir::{Origin, Protocol};

pub static RULE: Rule = Rule {
    code: &NODE_PORT_CONFLICT,
    doc: "A `nodePort` is opened on every node of the cluster, across all namespaces: two \
Services (or two ports of one Service) cannot claim the same nodePort and protocol, and the \
API server rejects the later one with \"provided port is already allocated\". Pick another \
nodePort or leave it empty to let Kubernetes allocate one.",
    fail_example: fixture!("node-port-conflict", "fail"),
    pass_example: fixture!("node-port-conflict", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut seen: FastMap<(Option<&str>, u16, Protocol), (Origin, String)> = FastMap::default();
    let mut out = Vec::new();
    let mut ports: Vec<_> = t
        .services
        .iter()
        .flat_map(|s| s.ports.iter().map(move |p| (s, p)))
        .filter_map(|(s, p)| Some((p.node_port_origin?, p.node_port?, p.protocol, s)))
        .collect();
    ports.sort_by_key(|(o, ..)| *o);
    for (origin, np, proto, s) in ports {
        let key = (t.cluster_of(s.namespace), np, proto);
        match seen.get(&key) {
            Some((first, other)) => out.push(
                Diagnostic::new(
                    &NODE_PORT_CONFLICT,
                    origin.span,
                    format!(
                        "nodePort {np}/{} of Service `{}` is already claimed by Service `{other}`",
                        proto.as_str(),
                        s.name
                    ),
                )
                .with_related(first.span, format!("first claimed here by `{other}`"))
                .with_help(
                    "nodePorts are cluster-wide; pick another one or let Kubernetes allocate it",
                )
                .with_resource(service_resource(t, s)),
            ),
            None => {
                seen.insert(key, (origin, s.name.clone()));
            }
        }
    }
    out
}
