//! ## gateway-port-not-declared (TOPO507, warning)
//!
//! A Gateway server's `port.number` is where its proxies listen: the port
//! of a Service in front of the gateway pods (Istio maps it to the
//! Service's targetPort) or a container port of those pods. A number that
//! is neither, while the pods declare their ports, opens a listener no
//! client reaches. Pods that declare no ports are not judged
//! (`containerPort` is informational).

use super::kube_common::resource;
use super::mesh_common::gateway_pods;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, GATEWAY_PORT_NOT_DECLARED};
use crate::ir::PortRef;

pub static RULE: Rule = Rule {
    code: &GATEWAY_PORT_NOT_DECLARED,
    doc: "A Gateway server listens on `port.number` of its gateway proxies: Istio takes it as \
the port of a Service selecting those pods (and listens on that port's targetPort), or as a \
container port. A server port that is neither a Service port nor a container port of the \
selected pods opens a listener no client can reach — typically `port: 80` after the gateway \
Service was changed to 8080. Pods that declare no ports are not judged. Use a port the \
gateway Service exposes, or add it to the Service.",
    fail_example: fixture!("gateway-port-not-declared", "fail"),
    pass_example: fixture!("gateway-port-not-declared", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    for gw in &t.gateways {
        let pods = gateway_pods(t, gw);
        if pods.is_empty() || pods.iter().any(|&w| t.workload(w).ports.is_empty()) {
            continue;
        }
        // Service ports in front of the gateway pods, and container ports.
        let mut ports: Vec<u16> = Vec::new();
        for (si, s) in t.services.iter().enumerate() {
            if k.service_workloads[si].iter().any(|w| pods.contains(w)) {
                ports.extend(s.ports.iter().map(|p| p.port));
                ports.extend(s.ports.iter().filter_map(|p| match p.target {
                    PortRef::Number(n) => Some(n),
                    PortRef::Name(_) => None,
                }));
            }
        }
        for &w in &pods {
            ports.extend(t.workload(w).ports.iter().map(|p| p.port));
        }
        for server in &gw.servers {
            let Some(port) = server.port else { continue };
            if ports.contains(&port) {
                continue;
            }
            let mut declared: Vec<u16> = ports.clone();
            declared.sort();
            declared.dedup();
            let declared: Vec<String> = declared.iter().map(u16::to_string).collect();
            out.push(
                Diagnostic::new(
                    &GATEWAY_PORT_NOT_DECLARED,
                    server.port_origin.unwrap_or(server.origin).span,
                    format!(
                        "server port {port} of Gateway `{}` is no Service or container port of its pods (`{}`: {})",
                        gw.name,
                        t.workload(pods[0]).name,
                        declared.join(", ")
                    ),
                )
                .with_related(t.workload(pods[0]).origin.span, "a gateway pod")
                .with_help("use a port the gateway's Service exposes, or add this port to it")
                .with_resource(resource(t, "Gateway", gw.namespace, &gw.name)),
            );
        }
    }
    out
}
