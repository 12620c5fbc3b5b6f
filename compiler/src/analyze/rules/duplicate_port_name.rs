//! ## duplicate-port-name (TOPO206, error)
//!
//! Two ports of one pod (across its containers) or of one Service share a
//! name. The API server rejects such a pod; for a Service, named targetPorts
//! and policy ports become ambiguous.

use super::kube_common::{service_resource, workload_resource};
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{DUPLICATE_PORT_NAME, Diagnostic};
use crate::ir::Origin;

pub static RULE: Rule = Rule {
    code: &DUPLICATE_PORT_NAME,
    doc: "Port names must be unique within a pod (across all its containers) and within a \
Service. Kubernetes rejects a pod with duplicate port names, and a named `targetPort` or \
NetworkPolicy port that matches two ports is ambiguous. Rename one of the ports.",
    fail_example: fixture!("duplicate-port-name", "fail"),
    pass_example: fixture!("duplicate-port-name", "pass"),
    check,
};

/// (name, origin) pairs → (later, earlier) for every repeated name.
fn duplicates(items: Vec<(&str, Origin)>) -> Vec<(&str, Origin, Origin)> {
    let mut seen: Vec<(&str, Origin)> = Vec::new();
    let mut out = Vec::new();
    for (n, o) in items {
        match seen.iter().find(|(s, _)| *s == n) {
            Some((_, first)) => out.push((n, o, *first)),
            None => seen.push((n, o)),
        }
    }
    out
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for w in t.workload_ids() {
        let wl = t.workload(w);
        if wl.project.is_some() {
            continue;
        }
        let named = wl
            .ports
            .iter()
            .filter_map(|p| Some((p.name.as_deref()?, p.origin)))
            .collect();
        for (n, later, first) in duplicates(named) {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_PORT_NAME,
                    later.span,
                    format!("port name `{n}` is used twice in the pod of `{}`", wl.name),
                )
                .with_related(first.span, "first named here")
                .with_help("give every container port of a pod a distinct name")
                .with_resource(workload_resource(t, w)),
            );
        }
    }
    for s in &t.services {
        let named = s
            .ports
            .iter()
            .filter_map(|p| Some((p.name.as_deref()?, p.origin)))
            .collect();
        for (n, later, first) in duplicates(named) {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_PORT_NAME,
                    later.span,
                    format!("port name `{n}` is used twice in Service `{}`", s.name),
                )
                .with_related(first.span, "first named here")
                .with_help("give every port of a Service a distinct name")
                .with_resource(service_resource(t, s)),
            );
        }
    }
    out
}
