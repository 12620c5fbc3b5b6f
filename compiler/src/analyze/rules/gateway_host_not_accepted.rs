//! ## gateway-host-not-accepted (TOPO509, warning)
//!
//! A Gateway server accepts the VirtualService hosts its `hosts` patterns
//! (`[namespace/]dnsName`, `*` wildcards, `.` for the Gateway's namespace)
//! admit. A VirtualService bound to a Gateway none of whose servers accepts
//! any of its hosts is ignored by that Gateway: requests get a 404.

use super::kube_common::resource;
use super::mesh_common::named_gateway;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, GATEWAY_HOST_NOT_ACCEPTED};

pub static RULE: Rule = Rule {
    code: &GATEWAY_HOST_NOT_ACCEPTED,
    doc: "A Gateway only applies the VirtualServices whose `hosts` one of its servers accepts: \
a server host is `[namespace/]dnsName`, where the DNS part is exact or a `*`/`*.suffix` \
wildcard and the namespace part (`*` by default, `.` for the Gateway's own namespace) limits \
which namespaces may bind. When no server of a bound Gateway accepts any host of the \
VirtualService, the Gateway ignores it and requests get a 404. Add the host to a server, or \
fix the VirtualService's hosts.",
    fail_example: fixture!("gateway-host-not-accepted", "fail"),
    pass_example: fixture!("gateway-host-not-accepted", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for vs in &t.virtual_services {
        let vs_ns = &t.namespace(vs.namespace).name;
        for (name, origin) in &vs.gateways {
            let Some(gw) = named_gateway(t, vs, name) else {
                continue; // gateway-undefined
            };
            let gw_ns = &t.namespace(gw.namespace).name;
            let accepted = vs
                .hosts
                .iter()
                .any(|(h, _)| gw.servers.iter().any(|s| s.accepts(h, vs_ns, gw_ns)));
            if accepted || vs.hosts.is_empty() {
                continue;
            }
            let hosts: Vec<String> = vs.hosts.iter().map(|(h, _)| format!("`{h}`")).collect();
            let mut d = Diagnostic::new(
                &GATEWAY_HOST_NOT_ACCEPTED,
                vs.hosts[0].1.span,
                format!(
                    "no server of Gateway `{}` accepts the hosts of VirtualService `{}` ({}): the Gateway ignores it",
                    gw.name,
                    vs.name,
                    hosts.join(", ")
                ),
            )
            .with_related(origin.span, format!("bound to `{name}` here"))
            .with_help("add the host to a server of the Gateway (`hosts:`), or fix the VirtualService's hosts")
            .with_resource(resource(t, "VirtualService", vs.namespace, &vs.name));
            if let Some(s) = gw.servers.first() {
                d = d.with_related(s.origin.span, "the Gateway's servers start here");
            }
            out.push(d);
        }
    }
    out
}
