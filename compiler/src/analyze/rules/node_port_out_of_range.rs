//! ## node-port-out-of-range (TOPO209, error)
//!
//! A `nodePort` outside the default service node port range 30000–32767.

use super::kube_common::service_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, NODE_PORT_OUT_OF_RANGE};

pub static RULE: Rule = Rule {
    code: &NODE_PORT_OUT_OF_RANGE,
    doc: "Kubernetes only allocates nodePorts from `--service-node-port-range`, 30000-32767 \
by default; the API server rejects a Service asking for a port outside it (\"provided port is \
not in the valid range\"). Use a port in the range, or omit `nodePort`.",
    fail_example: fixture!("node-port-out-of-range", "fail"),
    pass_example: fixture!("node-port-out-of-range", "pass"),
    check,
};

pub const RANGE: std::ops::RangeInclusive<u16> = 30000..=32767;

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    t.services
        .iter()
        .flat_map(|s| s.ports.iter().map(move |p| (s, p)))
        .filter_map(|(s, p)| {
            let np = p.node_port?;
            if RANGE.contains(&np) {
                return None;
            }
            Some(
                Diagnostic::new(
                    &NODE_PORT_OUT_OF_RANGE,
                    p.node_port_origin?.span,
                    format!(
                        "nodePort {np} of Service `{}` is outside the node port range 30000-32767",
                        s.name
                    ),
                )
                .with_help("use a port between 30000 and 32767, or omit nodePort")
                .with_resource(service_resource(t, s)),
            )
        })
        .collect()
}
