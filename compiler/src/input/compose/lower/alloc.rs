//! Deterministic, Docker-like addressing: networks without a subnet get the
//! next free /24 of 10.89.0.0/16 in declaration order; the gateway is the
//! first host; containers get the following addresses in declaration order,
//! after static `ipv4_address`es are reserved.

use crate::diagnostic::{self as diag, Diagnostic};
use crate::input::Loaded;
use crate::ir::{NetworkId, Topology};
use ipnet::Ipv4Net;
use std::collections::HashSet;
use std::net::Ipv4Addr;

/// The pool subnets are carved from.
pub const POOL: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 89, 0, 0), 16);

fn allocatable(t: &Topology, id: NetworkId) -> bool {
    let n = t.network(id);
    !n.external && !matches!(n.driver.as_str(), "host" | "none")
}

pub fn allocate_addresses(loaded: &mut Loaded) {
    let t = &mut loaded.topology;
    let diags = &mut loaded.diagnostics;
    let pool = Ipv4Net::new(POOL.0, POOL.1).expect("valid pool");
    let mut taken: Vec<Ipv4Net> = t.networks.iter().filter_map(|n| n.subnet).collect();
    let mut candidates = pool.subnets(24).expect("/24 inside /16");
    for i in 0..t.networks.len() {
        let id = NetworkId(i as u32);
        if t.network(id).subnet.is_some() || !allocatable(t, id) {
            continue;
        }
        let next = candidates.find(|c| {
            !taken
                .iter()
                .any(|s| s.contains(&c.network()) || c.contains(&s.network()))
        });
        match next {
            Some(s) => {
                taken.push(s);
                t.networks[i].subnet = Some(s);
            }
            None => diags.push(Diagnostic::new(
                &diag::ADDRESS_POOL_EXHAUSTED,
                t.networks[i].origin.span,
                format!(
                    "no free /24 left in {pool} for network `{}`",
                    t.networks[i].name
                ),
            )),
        }
    }
    for n in &mut t.networks {
        if let (Some(s), None) = (n.subnet, n.gateway) {
            n.gateway = s.hosts().next();
        }
    }
    // Per network: reserve gateway and static addresses, then hand out the rest in order.
    let mut reserved: Vec<HashSet<Ipv4Addr>> = t
        .networks
        .iter()
        .map(|n| n.gateway.into_iter().collect())
        .collect();
    for w in &t.workloads {
        for a in &w.attachments {
            if let Some(addr) = a.address {
                reserved[a.network.index()].insert(addr);
            }
        }
    }
    let mut cursors: Vec<Option<Box<dyn Iterator<Item = Ipv4Addr>>>> = t
        .networks
        .iter()
        .map(|n| {
            let range = n.ip_range.or(n.subnet)?;
            Some(Box::new(range.hosts()) as Box<dyn Iterator<Item = Ipv4Addr>>)
        })
        .collect();
    for w in &mut t.workloads {
        for a in &mut w.attachments {
            if a.address.is_some() {
                continue;
            }
            let i = a.network.index();
            let Some(cursor) = cursors[i].as_mut() else {
                continue;
            };
            let next = cursor.find(|x| !reserved[i].contains(x));
            match next {
                Some(addr) => {
                    reserved[i].insert(addr);
                    a.address = Some(addr);
                }
                None => diags.push(Diagnostic::new(
                    &diag::ADDRESS_POOL_EXHAUSTED,
                    a.origin.span,
                    format!(
                        "network `{}` has no free address left for `{}`",
                        t.networks[i].name, w.name
                    ),
                )),
            }
        }
    }
}
