//! ## address-outside-subnet (TOPO102, error)
//!
//! A static `ipv4_address` that does not lie inside its network's subnet (or
//! is the subnet's network or broadcast address). Docker fails to start the
//! container ("no configured subnet contains IP").

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{ADDRESS_OUTSIDE_SUBNET, Diagnostic};

pub static RULE: Rule = Rule {
    code: &ADDRESS_OUTSIDE_SUBNET,
    doc: "A static `ipv4_address` lies outside its network's subnet, or is the subnet's network \
or broadcast address. Docker refuses to start the container (\"no configured subnet contains \
IP\"), and a network without a declared subnet gets an allocated one the address is unlikely \
to match. Pick an address inside the subnet, or declare the subnet under `ipam.config`.",
    fail_example: fixture!("address-outside-subnet", "fail"),
    pass_example: fixture!("address-outside-subnet", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for id in t.workload_ids() {
        let w = t.workload(id);
        for a in w.attachments.iter().filter(|a| a.address_declared) {
            let (Some(addr), Some(origin)) = (a.address, a.address_origin) else {
                continue;
            };
            let net = t.network(a.network);
            let Some(subnet) = net.subnet else { continue };
            let inside = subnet.contains(&addr)
                && (subnet.prefix_len() >= 31
                    || (addr != subnet.network() && addr != subnet.broadcast()));
            if inside {
                continue;
            }
            let message = if net.subnet_declared {
                format!(
                    "address {addr} of `{}` is not a usable host address of network `{}` (subnet {subnet})",
                    w.name, net.name
                )
            } else {
                format!(
                    "address {addr} of `{}` is outside network `{}`, which declares no subnet (topoc allocated {subnet}); Docker only honours `ipv4_address` on networks with a configured subnet",
                    w.name, net.name
                )
            };
            let mut d = Diagnostic::new(&ADDRESS_OUTSIDE_SUBNET, origin.span, message)
            .with_help(format!("use an address inside {subnet}, or declare the subnet under the network's `ipam.config`"))
            .with_resource(t.workload_id(id));
            if let Some(s) = net.subnet_origin {
                d = d.with_related(s.span, "subnet declared here");
            }
            out.push(d);
        }
    }
    out
}
