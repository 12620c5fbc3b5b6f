//! ## container-port-conflict (TOPO207, error)
//!
//! Two containers of one pod declare the same port and protocol. Containers
//! of a pod share one network namespace, so the second one cannot bind.

use super::kube_common::workload_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{CONTAINER_PORT_CONFLICT, Diagnostic};

pub static RULE: Rule = Rule {
    code: &CONTAINER_PORT_CONFLICT,
    doc: "All containers of a pod share one network namespace: two containers that declare \
the same `containerPort` and protocol cannot both bind it, and the second one crash-loops \
with \"address already in use\". Move one of them to another port.",
    fail_example: fixture!("container-port-conflict", "fail"),
    pass_example: fixture!("container-port-conflict", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for w in t.workload_ids() {
        let wl = t.workload(w);
        if wl.project.is_some() {
            continue;
        }
        for (i, p) in wl.ports.iter().enumerate() {
            let first = wl.ports[..i].iter().find(|q| {
                q.port == p.port && q.protocol == p.protocol && q.container != p.container
            });
            if let Some(q) = first {
                let c = |n: &Option<String>| n.clone().unwrap_or_default();
                out.push(
                    Diagnostic::new(
                        &CONTAINER_PORT_CONFLICT,
                        p.origin.span,
                        format!(
                            "containers `{}` and `{}` of `{}` both listen on {}/{}",
                            c(&q.container),
                            c(&p.container),
                            wl.name,
                            p.port,
                            p.protocol.as_str()
                        ),
                    )
                    .with_related(
                        q.origin.span,
                        format!("first declared by `{}`", c(&q.container)),
                    )
                    .with_help(
                        "containers of a pod share one network namespace; use different ports",
                    )
                    .with_resource(workload_resource(t, w)),
                );
            }
        }
    }
    out
}
