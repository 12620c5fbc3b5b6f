//! ## service-target-port-undefined (TOPO205, error / warning)
//!
//! A Service port whose `targetPort` no selected container declares. A named
//! targetPort that no container defines (with that protocol) is an error:
//! the endpoint has no port and traffic goes nowhere. A numeric one that no
//! container declares is a warning: the container may listen anyway, but
//! usually the numbers drifted apart.

use super::kube_common::service_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, SERVICE_TARGET_PORT_UNDEFINED, Severity};
use crate::ir::PortRef;

pub static RULE: Rule = Rule {
    code: &SERVICE_TARGET_PORT_UNDEFINED,
    doc: "A Service `targetPort` must be a port the selected containers listen on. A named \
targetPort that no selected container defines (with the same protocol) is an error: the \
endpoints get no port and connections fail. A numeric targetPort that no selected container \
declares in `ports` is a warning: the process may still listen, but the declarations have \
drifted. Fix the targetPort or add the port (with its name) to the container.",
    fail_example: fixture!("service-target-port-undefined", "fail"),
    pass_example: fixture!("service-target-port-undefined", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    for (i, s) in t.services.iter().enumerate() {
        let ws = &k.service_workloads[i];
        if ws.is_empty() {
            continue;
        }
        for p in &s.ports {
            let declared = ws.iter().any(|&w| {
                t.workload(w).ports.iter().any(|cp| {
                    cp.protocol == p.protocol
                        && match &p.target {
                            PortRef::Number(n) => cp.port == *n,
                            PortRef::Name(n) => cp.name.as_deref() == Some(n),
                        }
                })
            });
            if declared {
                continue;
            }
            let span = p.target_origin.unwrap_or(p.origin).span;
            let proto = p.protocol.as_str().to_ascii_uppercase();
            let mut d = match &p.target {
                PortRef::Name(n) => Diagnostic::new(
                    &SERVICE_TARGET_PORT_UNDEFINED,
                    span,
                    format!(
                        "targetPort `{n}` of Service `{}` is not a {proto} port name of any selected container",
                        s.name
                    ),
                )
                .with_help("name the container port (ports[].name) or use the port number"),
                PortRef::Number(n) => {
                    let mut d = Diagnostic::new(
                        &SERVICE_TARGET_PORT_UNDEFINED,
                        span,
                        format!(
                            "targetPort {n}/{proto} of Service `{}` is not declared by any selected container",
                            s.name
                        ),
                    )
                    .with_help("declare the port in the container's `ports`, or fix the targetPort");
                    d.severity = Severity::Warning;
                    d
                }
            };
            if let Some(&w) = ws.first() {
                d = d.with_related(t.workload(w).origin.span, "a selected workload");
            }
            out.push(d.with_resource(service_resource(t, s)));
        }
    }
    out
}
