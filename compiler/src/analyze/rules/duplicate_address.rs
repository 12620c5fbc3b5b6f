//! ## duplicate-address (TOPO103, error)
//!
//! Two attachments use the same IPv4 address on one network (two static
//! `ipv4_address`es, or a static address equal to the gateway). The second
//! container fails to start ("Address already in use").

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{DUPLICATE_ADDRESS, Diagnostic};
use crate::ir::FastMap;
use crate::ir::Origin;
use std::net::Ipv4Addr;

pub static RULE: Rule = Rule {
    code: &DUPLICATE_ADDRESS,
    doc: "Two services use the same static `ipv4_address` on one network, or a static address \
equals the network's gateway. The second container fails to start (\"Address already in \
use\"). Give every static address its own value.",
    fail_example: fixture!("duplicate-address", "fail"),
    pass_example: fixture!("duplicate-address", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    let mut seen: FastMap<(usize, Ipv4Addr), (Origin, String)> = FastMap::default();
    let mut statics: Vec<(Origin, usize, Ipv4Addr, String, crate::ir::WorkloadId)> = Vec::new();
    for id in t.workload_ids() {
        let w = t.workload(id);
        for a in &w.attachments {
            if let (true, Some(addr), Some(o)) = (a.address_declared, a.address, a.address_origin) {
                statics.push((o, a.network.index(), addr, w.name.clone(), id));
            }
        }
    }
    let order = t.declaration_order();
    statics.sort_by_key(|s| order.key(s.0));
    for (origin, net, addr, name, id) in statics {
        let network = &t.networks[net];
        if network.gateway == Some(addr) {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_ADDRESS,
                    origin.span,
                    format!(
                        "address {addr} of `{name}` is the gateway of network `{}`",
                        network.name
                    ),
                )
                .with_help("the gateway address belongs to the bridge; pick another address")
                .with_resource(t.workload_id(id)),
            );
            continue;
        }
        match seen.get(&(net, addr)) {
            Some((first, other)) => out.push(
                Diagnostic::new(
                    &DUPLICATE_ADDRESS,
                    origin.span,
                    format!(
                        "address {addr} on network `{}` is already used by `{other}`",
                        network.name
                    ),
                )
                .with_related(first.span, format!("first assigned here to `{other}`"))
                .with_help("give every static address its own value")
                .with_resource(t.workload_id(id)),
            ),
            None => {
                seen.insert((net, addr), (origin, name));
            }
        }
    }
    out
}
