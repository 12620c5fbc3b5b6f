//! ## service-target-port-undefined (TOPO205, error / warning)
//!
//! A Service port whose `targetPort` no selected container declares. A named
//! targetPort that no container defines (with that protocol) is an error:
//! the endpoint has no port and traffic goes nowhere. A numeric one that no
//! container declares is a warning when the containers declare ports and not
//! this one (the numbers drifted apart); when a selected container declares
//! no ports at all nothing is reported, since `containerPort` is
//! informational (Pod API) and the process may listen on any port.

use super::kube_common::service_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, SERVICE_TARGET_PORT_UNDEFINED, Severity};
use crate::ir::{PortRef, Workload};

pub static RULE: Rule = Rule {
    code: &SERVICE_TARGET_PORT_UNDEFINED,
    doc: "A Service `targetPort` must be a port the selected containers listen on. A named \
targetPort that no selected container defines (with the same protocol) is an error: the \
endpoints get no port and connections fail. A numeric targetPort that no selected container \
declares in `ports` is a warning when the containers declare other ports: the process may \
still listen, but the declarations have drifted. A container that declares no ports at all \
is not judged (`containerPort` is informational in the Pod API; the process may listen on \
any port), so then nothing is reported. Fix the targetPort or add the port (with its name) to the container.",
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
            // `containerPort` is informational: a container that declares no
            // ports may listen on this one.
            if matches!(p.target, PortRef::Number(_))
                && ws.iter().any(|&w| declares_no_ports(t.workload(w)))
            {
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

/// Whether some container of the workload has no `ports` list entries.
fn declares_no_ports(w: &Workload) -> bool {
    if w.containers.is_empty() {
        return w.ports.is_empty();
    }
    w.containers.iter().any(|c| {
        !w.ports
            .iter()
            .any(|p| p.container.as_deref().is_none_or(|n| n == c.name))
    })
}
