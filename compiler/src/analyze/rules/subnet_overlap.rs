//! ## subnet-overlap (TOPO101, error)
//!
//! Two networks declare overlapping IPv4 or IPv6 subnets. Docker refuses to create
//! the second ("Pool overlaps with other one on this address space"), and
//! routing between them would be ambiguous anyway.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, SUBNET_OVERLAP};
use crate::ir::Origin;
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: &SUBNET_OVERLAP,
    doc: "Two networks declare overlapping subnets (IPv4 or IPv6) under `ipam.config`. Docker refuses to \
create the second one (\"Pool overlaps with other one on this address space\"). Give each \
network a disjoint subnet, or let topoc/Docker allocate one by leaving `subnet` out.",
    fail_example: fixture!("subnet-overlap", "fail"),
    pass_example: fixture!("subnet-overlap", "pass"),
    check,
};

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    // Declared subnets of both families, sorted by family and first address:
    // only a subnet still open in the sweep can overlap the next one.
    let mut declared: Vec<(IpNet, Origin, usize)> = Vec::new();
    for (i, n) in t.networks.iter().enumerate().filter(|(_, n)| !n.external) {
        if n.subnet_declared
            && let (Some(s), Some(o)) = (n.subnet, n.subnet_origin)
        {
            declared.push((IpNet::V4(s), o, i));
        }
        declared.extend(n.more_subnets.iter().map(|(s, o)| (*s, *o, i)));
    }
    // Every Compose project is its own world: the sweep runs per project.
    let project = |i: usize| t.networks[i].project;
    let order = t.declaration_order();
    declared.sort_by_key(|(s, o, i)| (project(*i), s.network(), order.key(*o)));
    let mut out = Vec::new();
    let mut widest: Option<(IpNet, Origin, usize)> = None;
    for (net, origin, i) in declared {
        if widest.is_some_and(|(_, _, j)| project(j) != project(i)) {
            widest = None;
        }
        if let Some((prev, prev_origin, j)) = widest
            && overlaps(&prev, &net)
        {
            let (later, earlier, li, ei) = if order.before(prev_origin, origin) {
                ((net, origin), (prev, prev_origin), i, j)
            } else {
                ((prev, prev_origin), (net, origin), j, i)
            };
            out.push(
                Diagnostic::new(
                    &SUBNET_OVERLAP,
                    later.1.span,
                    format!(
                        "subnet {} of network `{}` overlaps {} of network `{}`",
                        later.0, t.networks[li].name, earlier.0, t.networks[ei].name
                    ),
                )
                .with_related(
                    earlier.1.span,
                    format!("`{}` declares {} here", t.networks[ei].name, earlier.0),
                )
                .with_help("give each network a disjoint subnet")
                .with_resource(t.network_id(crate::ir::NetworkId(li as u32))),
            );
        }
        let same_family = |w: &IpNet| w.network().is_ipv4() == net.network().is_ipv4();
        if widest.is_none_or(|(w, _, _)| !same_family(&w) || net.broadcast() > w.broadcast()) {
            widest = Some((net, origin, i));
        }
    }
    out
}
