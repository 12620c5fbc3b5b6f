//! ## host-port-conflict (TOPO201, error)
//!
//! **What it finds.** Two publications that bind the same host address, host
//! port and protocol: Compose `ports` entries (ranges included) or Kubernetes
//! `hostPort`s. `0.0.0.0` overlaps every IPv4 address and `::` every IPv6
//! address; a mapping without a host IP binds both.
//!
//! **Why it matters.** The second container fails to start with "port is
//! already allocated" — at runtime, after the deploy.
//!
//! **How to fix.** Publish one of them on another host port, or bind them to
//! different host addresses.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, HOST_PORT_CONFLICT};
use crate::ir::{Publication, Topology};
use std::net::IpAddr;

pub static RULE: Rule = Rule {
    code: &HOST_PORT_CONFLICT,
    doc: "Two publications bind the same host address, host port and protocol \
(Compose `ports`, ranges included, or Kubernetes `hostPort`). `0.0.0.0` overlaps every IPv4 \
address and `::` every IPv6 address; a mapping without a host IP binds both. The second \
container fails to start with \"port is already allocated\". Publish one of them on another \
host port or bind them to different host addresses.",
    fail_example: fixture!("host-port-conflict", "fail"),
    pass_example: fixture!("host-port-conflict", "pass"),
    check,
};

/// Whether two bindings can collide on the host.
fn addresses_overlap(t: &Topology, a: &Publication, b: &Publication) -> bool {
    // Compose ports bind the Docker host; Kubernetes hostPorts bind cluster
    // nodes: the two never share a host.
    let compose = |p: &Publication| t.workload(p.workload).project.is_some();
    if compose(a) != compose(b) {
        return false;
    }
    if !a.host_ip_declared || !b.host_ip_declared {
        return true;
    }
    match (a.host_ip, b.host_ip) {
        (IpAddr::V4(x), IpAddr::V4(y)) => x.is_unspecified() || y.is_unspecified() || x == y,
        (IpAddr::V6(x), IpAddr::V6(y)) => x.is_unspecified() || y.is_unspecified() || x == y,
        _ => false,
    }
}

fn describe(t: &Topology, p: &Publication) -> String {
    let ports = p.host_ports.expect("only fixed host ports are compared");
    let port = if ports.start == ports.end {
        ports.start.to_string()
    } else {
        format!("{}-{}", ports.start, ports.end)
    };
    let ip = if p.host_ip_declared {
        p.host_ip.to_string()
    } else {
        "all interfaces".into()
    };
    format!(
        "host port {port}/{} on {ip} (`{}`)",
        p.protocol.as_str(),
        t.workload(p.workload).name
    )
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    // Sweep over publications sorted by protocol and first port: only
    // publications whose ranges are still open can overlap the next one.
    let mut order: Vec<&Publication> = t
        .publications
        .iter()
        .filter(|p| p.host_ports.is_some())
        .collect();
    order.sort_by_key(|p| (p.protocol, p.host_ports.map(|r| r.start), p.origin));
    let mut first_conflict: Vec<(&Publication, &Publication)> = Vec::new();
    let mut open: Vec<&Publication> = Vec::new();
    for p in order {
        let range = p.host_ports.unwrap();
        open.retain(|q| q.protocol == p.protocol && q.host_ports.unwrap().end >= range.start);
        for q in &open {
            if !addresses_overlap(t, p, q) {
                continue;
            }
            let (earlier, later) = if q.origin < p.origin {
                (*q, p)
            } else {
                (p, *q)
            };
            match first_conflict
                .iter_mut()
                .find(|(l, _)| std::ptr::eq(*l, later))
            {
                Some(entry) if entry.1.origin > earlier.origin => entry.1 = earlier,
                Some(_) => {}
                None => first_conflict.push((later, earlier)),
            }
        }
        open.push(p);
    }
    first_conflict.sort_by_key(|(l, _)| l.origin);
    first_conflict
        .into_iter()
        .map(|(later, earlier)| {
            let w = t.workload(earlier.workload);
            Diagnostic::new(
                &HOST_PORT_CONFLICT,
                later.origin.span,
                format!(
                    "{} conflicts with {}",
                    describe(t, later),
                    describe(t, earlier)
                ),
            )
            .with_related(
                earlier.origin.span,
                format!("first published here by `{}`", w.name),
            )
            .with_help("publish one of them on another host port, or bind them to different host addresses")
            .with_resource(t.workload_id(later.workload))
        })
        .collect()
}
