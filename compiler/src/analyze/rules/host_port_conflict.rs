//! ## host-port-conflict (TOPO201, error / info)
//!
//! **What it finds.** Publications that cannot all bind their host ports.
//! Compose: a fixed host port is needed once per replica, so `replicas: 2`
//! (or `scale: 2`) with `"8080:80"` fails for the second replica; a range
//! with one container port (`"6000-6001:80"`) takes any free port of the
//! range, so it conflicts only when the fixed ports and the other ranges
//! leave it none (a matching of publications to ports, computed greedily by
//! range end, which is exact for intervals). `0.0.0.0` overlaps every IPv4
//! address and `::` every IPv6 address; a mapping without a host IP binds
//! both. Kubernetes `hostPort`s bind a node: two pods conflict only when they
//! land on one node — a DaemonSet runs on every node, pods pinned with the
//! same `nodeName` share it (both errors); two other workloads are kept apart
//! by the scheduler (or one stays Pending), which is only an info.
//!
//! The earlier declaration is the one in merge order (base file before
//! override), never the alphabetical one.
//!
//! **Why it matters.** The second container fails to start with "port is
//! already allocated" — at runtime, after the deploy.
//!
//! **How to fix.** Publish one of them on another host port (or a range),
//! bind them to different host addresses, or drop the fixed host port of a
//! replicated service.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, HOST_PORT_CONFLICT, Severity};
use crate::ir::{DeclarationOrder, Publication, Topology, WorkloadKind};
use std::collections::BTreeSet;
use std::net::IpAddr;

pub static RULE: Rule = Rule {
    code: &HOST_PORT_CONFLICT,
    doc: "Publications that cannot all bind their host address, host port and protocol. \
Compose: a fixed host port is bound once per replica, so `deploy.replicas: 2` (or `scale: 2`) \
with `\"8080:80\"` fails for the second replica; a published range with one container port \
(`\"6000-6001:80\"`) takes any free port of the range, so it conflicts only when the fixed \
ports and other ranges leave it none. `0.0.0.0` overlaps every IPv4 address and `::` every \
IPv6 address; a mapping without a host IP binds both. Kubernetes `hostPort` binds a node: \
an error when the pods land on one node (a DaemonSet runs on every node; pods pinned to the \
same `nodeName`), an info otherwise, since the scheduler keeps such pods apart (or leaves \
one Pending). The container that loses fails with \"port is already allocated\". Publish one \
of them on another host port or a range, bind them to different host addresses, or drop the \
fixed host port of a replicated service.",
    fail_example: fixture!("host-port-conflict", "fail"),
    pass_example: fixture!("host-port-conflict", "pass"),
    check,
};

fn is_compose(t: &Topology, p: &Publication) -> bool {
    t.workload(p.workload).project.is_some()
}

/// Whether two bindings can collide on one host.
fn addresses_overlap(t: &Topology, a: &Publication, b: &Publication) -> bool {
    // Compose ports bind the Docker host; Kubernetes hostPorts bind cluster
    // nodes: the two never share a host.
    if is_compose(t, a) != is_compose(t, b) {
        return false;
    }
    // Every Compose project is its own world: alternatives of one stack
    // (variants of a directory) and unrelated projects never share a host.
    if t.workload(a.workload).project != t.workload(b.workload).project {
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

fn ports_text(p: &Publication) -> String {
    let ports = p.host_ports.expect("only fixed host ports are compared");
    if ports.start == ports.end {
        format!("host port {}", ports.start)
    } else {
        format!("host port range {}-{}", ports.start, ports.end)
    }
}

/// `host port 8080/tcp on all interfaces`.
fn binding(p: &Publication) -> String {
    let ip = if p.host_ip_declared {
        p.host_ip.to_string()
    } else {
        "all interfaces".into()
    };
    format!("{}/{} on {ip}", ports_text(p), p.protocol.as_str())
}

fn describe(t: &Topology, p: &Publication) -> String {
    format!("{} (`{}`)", binding(p), t.workload(p.workload).name)
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = replicated_fixed_ports(t);
    out.extend(compose_conflicts(t));
    out.extend(node_conflicts(t));
    out.sort_by_key(|d| d.span);
    out
}

/// Compose replicas each bind the published port: a fixed one fits one.
fn replicated_fixed_ports(t: &Topology) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for p in &t.publications {
        let w = t.workload(p.workload);
        let Some(range) = p.host_ports else { continue };
        if !is_compose(t, p) || w.replicas < 2 || range.start != range.end {
            continue;
        }
        let mut d = Diagnostic::new(
            &HOST_PORT_CONFLICT,
            p.origin.span,
            format!(
                "`{}` runs {} replicas, but {} is fixed: only one replica can bind it, the others fail with \"port is already allocated\"",
                w.name,
                w.replicas,
                binding(p)
            ),
        )
        .with_help("publish a host port range with room for every replica (`\"8080-8081:80\"`), only the container port, or run one replica")
        .with_resource(t.workload_id(p.workload));
        if let Some(o) = w.replicas_origin {
            d = d.with_related(o.span, format!("{} replicas here", w.replicas));
        }
        out.push(d);
    }
    out
}

/// Groups of Compose publications whose ports and addresses overlap,
/// found by a sweep over publications sorted by protocol and first port.
fn compose_groups<'t>(t: &'t Topology, decl: &DeclarationOrder) -> Vec<Vec<&'t Publication>> {
    let mut order: Vec<&Publication> = t
        .publications
        .iter()
        .filter(|p| p.host_ports.is_some() && is_compose(t, p))
        .filter(|p| t.workload(p.workload).replicas > 0)
        .collect();
    let project = |p: &Publication| t.workload(p.workload).project;
    order.sort_by_key(|p| {
        (
            project(p),
            p.protocol,
            p.host_ports.map(|r| r.start),
            decl.key(p.origin),
        )
    });
    let mut parent: Vec<usize> = (0..order.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut open: Vec<usize> = Vec::new();
    for i in 0..order.len() {
        let (p, range) = (order[i], order[i].host_ports.unwrap());
        open.retain(|&q| {
            project(order[q]) == project(p)
                && order[q].protocol == p.protocol
                && order[q].host_ports.unwrap().end >= range.start
        });
        for &q in &open {
            if addresses_overlap(t, p, order[q]) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, q));
                parent[a] = b;
            }
        }
        open.push(i);
    }
    let mut groups: Vec<Vec<&Publication>> = vec![Vec::new(); order.len()];
    for (i, p) in order.iter().enumerate() {
        let r = root(&mut parent, i);
        groups[r].push(p);
    }
    groups.retain(|g| g.len() > 1);
    groups
}

/// Within each group, give every publication its ports (one per replica;
/// a fixed port that several replicas need is reported on its own) in
/// order of range end — narrow and fixed ports first — each taking the
/// lowest free port of its range. For intervals this greedy finds an
/// assignment whenever one exists; a publication left without a port is
/// the conflict. Members of a group that do not overlap each other in
/// address (two distinct host IPs joined by a wildcard) are still treated
/// as competing, which can only over-approximate that rare case.
fn compose_conflicts(t: &Topology) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let decl = t.declaration_order();
    for mut group in compose_groups(t, &decl) {
        group.sort_by_key(|p| {
            let r = p.host_ports.unwrap();
            (r.end, std::cmp::Reverse(r.start), decl.key(p.origin))
        });
        let mut used: BTreeSet<u16> = BTreeSet::new();
        for (i, p) in group.iter().enumerate() {
            let range = p.host_ports.unwrap();
            let w = t.workload(p.workload);
            let demand = if range.start == range.end {
                1
            } else {
                w.replicas
            };
            let mut got = 0;
            let mut port = range.start;
            while got < demand {
                if !used.contains(&port) {
                    used.insert(port);
                    got += 1;
                }
                if port == range.end {
                    break;
                }
                port += 1;
            }
            if got >= demand {
                continue;
            }
            // Who holds the ports of this range, earliest declaration first.
            let mut holders: Vec<&Publication> = group[..i]
                .iter()
                .copied()
                .filter(|q| q.host_ports.unwrap().overlaps(&range) && addresses_overlap(t, p, q))
                .collect();
            holders.sort_by_key(|q| decl.key(q.origin));
            out.push(conflict(t, p, &holders, demand));
        }
    }
    out
}

fn conflict(t: &Topology, p: &Publication, holders: &[&Publication], demand: u32) -> Diagnostic {
    let range = p.host_ports.unwrap();
    let message = match holders.first() {
        Some(first) if range.start == range.end => {
            format!("{} conflicts with {}", describe(t, p), describe(t, first))
        }
        Some(_) => {
            let names: Vec<String> = holders
                .iter()
                .map(|q| format!("`{}`", t.workload(q.workload).name))
                .collect();
            format!(
                "{} has no free port left for {}: the ports of the range are taken by {}",
                describe(t, p),
                if demand > 1 {
                    format!("its {demand} replicas")
                } else {
                    "it".into()
                },
                names.join(", ")
            )
        }
        None => format!(
            "{} has {} ports for {demand} replicas",
            describe(t, p),
            u32::from(range.end - range.start) + 1
        ),
    };
    let mut d = Diagnostic::new(&HOST_PORT_CONFLICT, p.origin.span, message)
        .with_help("publish one of them on another host port or a wider range, or bind them to different host addresses")
        .with_resource(t.workload_id(p.workload));
    for (n, q) in holders.iter().take(3).enumerate() {
        let label = if n == 0 && range.start == range.end {
            format!("first published here by `{}`", t.workload(q.workload).name)
        } else {
            format!(
                "{} published here by `{}`",
                ports_text(q),
                t.workload(q.workload).name
            )
        };
        d = d.with_related(q.origin.span, label);
    }
    d
}

/// Whether the pods of two workloads are pinned to different nodes.
fn apart(t: &Topology, a: &Publication, b: &Publication) -> bool {
    let (x, y) = (t.workload(a.workload), t.workload(b.workload));
    // Workloads of different clusters (kustomize overlays) share no node.
    !t.same_cluster(x.namespace, y.namespace)
        || !same_node(t, a, b) && x.node_name.is_some() && y.node_name.is_some()
}

/// Whether the pods of two workloads must share a node.
fn same_node(t: &Topology, a: &Publication, b: &Publication) -> bool {
    let (x, y) = (t.workload(a.workload), t.workload(b.workload));
    a.workload == b.workload
        || x.kind == WorkloadKind::DaemonSet
        || y.kind == WorkloadKind::DaemonSet
        || x.node_name.is_some() && x.node_name == y.node_name
}

/// Kubernetes hostPorts: the earliest other declaration each one collides
/// with, an error when the two pods share a node, else an info.
fn node_conflicts(t: &Topology) -> Vec<Diagnostic> {
    let mut order: Vec<&Publication> = t
        .publications
        .iter()
        .filter(|p| p.host_ports.is_some() && !is_compose(t, p))
        .collect();
    let decl = t.declaration_order();
    order.sort_by_key(|p| {
        (
            p.protocol,
            p.host_ports.map(|r| r.start),
            decl.key(p.origin),
        )
    });
    // later → (earlier, same node), preferring a definite conflict, then
    // the earliest declaration.
    let mut first_conflict: Vec<(&Publication, &Publication, bool)> = Vec::new();
    let mut open: Vec<&Publication> = Vec::new();
    for p in order {
        let range = p.host_ports.unwrap();
        open.retain(|q| q.protocol == p.protocol && q.host_ports.unwrap().end >= range.start);
        for q in &open {
            if !addresses_overlap(t, p, q) || apart(t, p, q) {
                continue;
            }
            let (earlier, later) = if decl.before(q.origin, p.origin) {
                (*q, p)
            } else {
                (p, *q)
            };
            let definite = same_node(t, earlier, later);
            match first_conflict
                .iter_mut()
                .find(|(l, _, _)| std::ptr::eq(*l, later))
            {
                Some(entry)
                    if (definite, std::cmp::Reverse(decl.key(earlier.origin)))
                        > (entry.2, std::cmp::Reverse(decl.key(entry.1.origin))) =>
                {
                    entry.1 = earlier;
                    entry.2 = definite;
                }
                Some(_) => {}
                None => first_conflict.push((later, earlier, definite)),
            }
        }
        open.push(p);
    }
    first_conflict
        .into_iter()
        .map(|(later, earlier, definite)| {
            let w = t.workload(earlier.workload);
            let mut d = Diagnostic::new(
                &HOST_PORT_CONFLICT,
                later.origin.span,
                if definite {
                    format!(
                        "{} conflicts with {}: the pods share a node",
                        describe(t, later),
                        describe(t, earlier)
                    )
                } else {
                    format!(
                        "{} is also used by {}: the scheduler keeps their pods on different nodes, or leaves one Pending when no node is free",
                        describe(t, later),
                        describe(t, earlier)
                    )
                },
            )
            .with_related(
                earlier.origin.span,
                format!("first published here by `{}`", w.name),
            )
            .with_help(
                "use another hostPort, or a Service (NodePort/LoadBalancer) instead of hostPort",
            )
            .with_resource(t.workload_id(later.workload));
            if !definite {
                d.severity = Severity::Info;
            }
            d
        })
        .collect()
}
