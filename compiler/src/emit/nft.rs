//! Compose (or Kubernetes, given its connectivity) → one nftables table, as
//! design §8 lays out:
//! - `table inet X {}` / `delete table inet X` / `table inet X { … }` in one
//!   file, so `nft -f` replaces it atomically and can be re-run;
//! - named sets of workload addresses (`managed`: every destination the
//!   ruleset owns; `egress_limited`: sources whose traffic to the outside is
//!   restricted; one set per workload for operators; one per group, below);
//! - the `forward` hook (which also sees bridged IPv4 when
//!   `bridge-nf-call-iptables=1`) sends only traffic to or from managed
//!   addresses to the `managed` chain, so unrelated host traffic is never
//!   touched; that chain starts with the `ct state` vmap, then one
//!   `ip saddr @g ip daddr @g accept` per group whose members all reach each
//!   other (`groups.rs`: a network, or an `open` project), then the
//!   exceptions: ONE interval verdict map over `ip saddr . ip daddr .
//!   meta l4proto . th dport` between workloads (talks-to, default-deny
//!   allowances, members a group rule would widen), one over `ip daddr .
//!   meta l4proto . th dport` from unmanaged sources (publications) and one
//!   over `ip saddr . meta l4proto . th dport` to unmanaged destinations
//!   (limited egress); then a counted drop. Every piece is one element or
//!   rule per workload, network, publication or policy rule, never per pair
//!   of a group (design §8);
//! - DNAT of published ports in `prerouting` and `output` (local clients),
//!   dispatched by verdict maps to one small chain per publication, because
//!   nft 1.0.6's optimiser (`nft -o`) aborts on `dnat … map` and suggests
//!   merging consecutive `dnat` rules; the DNAT'd packet then passes `forward`
//!   through the flow `External → workload:container-port` like any other.
//!
//! Flows between compose services use their addresses on the networks they
//! share (Docker isolates networks from each other, so that is the only path);
//! "external" is every IPv4 address that is not a managed one.

mod boxes;
mod groups;

use super::names::{self, Namer};
use super::reach::{Peer, Reach};
use super::{EmitContext, EmitError, Emitted, render};
use crate::analyze::connectivity::ConnSet;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::{NetworkId, NetworkMode, Origin, Protocol, WorkloadId};
use boxes::FlowBox;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Serialize)]
pub struct ElementView {
    /// The fields of a (concatenated) key, joined with ` . ` by the template.
    pub key: Vec<String>,
    pub comment: String,
    /// Map elements: the chain a `jump` goes to.
    pub jump: Option<String>,
}

fn elem(key: Vec<String>, comment: String) -> ElementView {
    ElementView {
        key,
        comment,
        jump: None,
    }
}

#[derive(Debug, Serialize)]
pub struct SetView {
    pub name: String,
    pub comment: String,
    pub elements: Vec<ElementView>,
}

/// What a whole group allows: its members reach each other.
#[derive(Debug, Serialize)]
pub struct GroupRule {
    pub set: String,
    pub comment: String,
}

#[derive(Debug, Serialize)]
pub struct PublishChain {
    pub name: String,
    pub proto: &'static str,
    pub target: String,
    pub comment: String,
}

#[derive(Debug, Serialize)]
pub struct NftView {
    pub table: String,
    pub comment: String,
    pub sets: Vec<SetView>,
    /// One `ip saddr @set ip daddr @set accept` rule per group.
    pub groups: Vec<GroupRule>,
    /// Exceptions between workloads: source . destination . protocol . port.
    pub flows: Vec<ElementView>,
    /// From any address that is not managed: destination . protocol . port.
    pub from_outside: Vec<ElementView>,
    /// To any address that is not managed, from an egress-limited workload:
    /// source . protocol . port.
    pub to_outside: Vec<ElementView>,
    pub publish_local: Vec<ElementView>,
    pub publish_addr: Vec<ElementView>,
    pub publish_chains: Vec<PublishChain>,
}

fn proto_num(p: Protocol) -> u8 {
    match p {
        Protocol::Tcp => 6,
        Protocol::Udp => 17,
        Protocol::Sctp => 132,
    }
}

fn proto_name(n: u8) -> &'static str {
    match n {
        6 => "tcp",
        17 => "udp",
        _ => "sctp",
    }
}

fn range_v4(r: (u32, u32)) -> String {
    if r.0 == r.1 {
        Ipv4Addr::from(r.0).to_string()
    } else {
        format!("{}-{}", Ipv4Addr::from(r.0), Ipv4Addr::from(r.1))
    }
}

fn range_port(r: (u16, u16)) -> String {
    if r.0 == r.1 {
        r.0.to_string()
    } else {
        format!("{}-{}", r.0, r.1)
    }
}

/// The addresses a workload answers on, per network (following
/// `network_mode: service:X` to X's, bounded against cycles).
fn addresses(cx: &EmitContext, id: WorkloadId) -> Vec<(NetworkId, Ipv4Addr)> {
    let t = cx.topology;
    let mut cur = id;
    for _ in 0..16 {
        let w = t.workload(cur);
        match &w.network_mode {
            NetworkMode::Service(other) => match t.find_workload(w.namespace, other) {
                Some(o) => cur = o,
                None => return Vec::new(),
            },
            NetworkMode::Bridge | NetworkMode::DefaultBridge => {
                return w
                    .attachments
                    .iter()
                    .filter_map(|a| a.address.map(|ip| (a.network, ip)))
                    .collect();
            }
            _ => return Vec::new(),
        }
    }
    Vec::new()
}

pub fn emit(cx: &EmitContext) -> Result<Emitted, EmitError> {
    let (view, diagnostics) = build(cx);
    let text = render::render("nft/ruleset.nft.j2", &view, &cx.options.template_overrides)?;
    Ok(Emitted {
        text,
        diagnostics,
        renames: BTreeMap::new(),
    })
}

fn table_name(cx: &EmitContext) -> String {
    let t = cx.topology;
    let mut parts: Vec<&str> = t.projects.iter().map(|p| p.name.as_str()).collect();
    if parts.is_empty() {
        parts = t
            .workloads
            .iter()
            .map(|w| t.namespace(w.namespace).name.as_str())
            .collect();
    }
    parts.sort_unstable();
    parts.dedup();
    names::nft_ident("topoc_", &parts.join("_"))
}

pub fn build(cx: &EmitContext) -> (NftView, Vec<Diagnostic>) {
    let t = cx.topology;
    let mut diags = Vec::new();
    let none = Reach::default();
    let reach = match &cx.options.reach {
        Some(r) => r,
        None => {
            if let Some(w) = t.workloads.first() {
                diags.push(Diagnostic::new(
                    &diag::CONNECTIVITY_UNAVAILABLE,
                    w.origin.span,
                    "compiling to nft needs the connectivity engine's result, and it was not computed",
                ));
            }
            &none
        }
    };

    // Addresses and sets.
    let mut addrs: BTreeMap<WorkloadId, Vec<(NetworkId, Ipv4Addr)>> = BTreeMap::new();
    let mut managed: BTreeMap<u32, String> = BTreeMap::new();
    let mut sets = Vec::new();
    let mut set_namer = Namer::new();
    for reserved in ["managed", "egress_limited"] {
        set_namer.reserve(reserved);
    }
    for id in t.workload_ids() {
        let w = t.workload(id);
        let a = addresses(cx, id);
        if a.is_empty() {
            if !matches!(w.network_mode, NetworkMode::None) {
                diags.push(cx.diag(
                    &diag::WORKLOAD_WITHOUT_ADDRESS,
                    w.network_mode_origin.unwrap_or(w.origin),
                    format!(
                        "`{}` has no IPv4 address ({}): its traffic is not filtered",
                        t.workload_id(id),
                        w.network_mode.display()
                    ),
                ));
            }
            continue;
        }
        let at = cx.at(w.origin);
        let elements = a
            .iter()
            .map(|(n, ip)| {
                elem(
                    vec![ip.to_string()],
                    // The set's comment names the workload and its source.
                    format!("on network {}", t.network(*n).name),
                )
            })
            .collect::<Vec<_>>();
        for (_, ip) in &a {
            managed
                .entry(u32::from(*ip))
                .or_insert_with(|| format!("{} ({at})", t.workload_id(id)));
        }
        sets.push(SetView {
            name: set_namer.unique(&names::nft_ident("w_", &w.name), "_", 48),
            comment: format!("addresses of {} ({at})", t.workload_id(id)),
            elements,
        });
        addrs.insert(id, a);
    }
    for n in &t.networks {
        if n.enable_ipv6 {
            diags.push(cx.diag(
                &diag::IPV6_NOT_ENFORCED,
                n.origin,
                format!(
                    "network `{}` enables IPv6, which this ruleset does not filter",
                    n.name
                ),
            ));
        }
    }
    // Where the table comes from: the Compose project, else (Kubernetes
    // inputs) the first workload's file; a comment is never empty.
    let project_at = t
        .projects
        .first()
        .map(|p| cx.at(p.origin))
        .or_else(|| t.workload_ids().next().map(|w| cx.at(t.workload(w).origin)))
        .unwrap_or_else(|| "no workloads".into());

    // What whole groups allow: one rule each; the pairs they cover need no
    // element.
    let groups = groups::exact_groups(cx, reach, &addrs);
    let mut group_rules = Vec::new();
    for g in &groups.groups {
        let (base, what) = match g.kind {
            groups::Kind::Network(n) => {
                let net = t.network(n);
                (
                    names::nft_ident("net_", &net.name),
                    format!("network {} ({})", net.name, cx.at(net.origin)),
                )
            }
            groups::Kind::Project(p) => {
                let pr = &t.projects[p];
                (
                    names::nft_ident("project_", &pr.name),
                    format!("open project {} ({})", pr.name, cx.at(pr.origin)),
                )
            }
        };
        let name = set_namer.unique(&base, "_", 48);
        sets.push(SetView {
            name: name.clone(),
            comment: format!("members of {what} that reach every other member on every port"),
            elements: g
                .exact
                .iter()
                .map(|ip| {
                    // Sources are in the workloads' own sets.
                    let who = g.members[ip]
                        .iter()
                        .map(|w| t.workload_id(*w))
                        .collect::<Vec<_>>()
                        .join(", ");
                    elem(vec![Ipv4Addr::from(*ip).to_string()], who)
                })
                .collect(),
        });
        group_rules.push(GroupRule {
            set: name,
            comment: format!("members of {what} reach each other"),
        });
    }

    // The rest, per pair (workload to workload) or per workload (to and
    // from the outside) → boxes.
    let mut labels: Vec<String> = Vec::new();
    let mut pair_boxes: Vec<FlowBox> = Vec::new();
    let mut inbound_boxes: Vec<FlowBox> = Vec::new();
    let mut outbound_boxes: Vec<FlowBox> = Vec::new();
    let mut egress_limited: BTreeSet<u32> = BTreeSet::new();
    let name = |p: Peer| match p {
        Peer::Workload(w) => t.workload(w).name.clone(),
        Peer::External => "outside".to_string(),
    };
    for id in addrs.keys() {
        let reaches_all_outside = reach
            .get(Peer::Workload(*id), Peer::External)
            .is_some_and(ConnSet::is_all);
        if !reaches_all_outside {
            egress_limited.extend(addrs[id].iter().map(|(_, ip)| u32::from(*ip)));
        }
    }
    let single = |ip: &Ipv4Addr| (u32::from(*ip), u32::from(*ip));
    for (&(from, to), ports) in &reach.flows {
        match (from, to) {
            (Peer::Workload(a), Peer::Workload(b)) => {
                let (Some(aa), Some(ba)) = (addrs.get(&a), addrs.get(&b)) else {
                    continue;
                };
                let shared = cx.resolved.shared_networks(a, b);
                let on = |list: &[(NetworkId, Ipv4Addr)], n: NetworkId| {
                    list.iter()
                        .find(|(m, _)| *m == n)
                        .map(|(_, ip)| u32::from(*ip))
                };
                // Per shared network its addresses (Docker isolates networks
                // from each other), or without one every address pair.
                let mut pairs: Vec<(Option<NetworkId>, u32, u32)> = shared
                    .iter()
                    .filter_map(|&n| Some((Some(n), on(aa, n)?, on(ba, n)?)))
                    .collect();
                if pairs.is_empty() {
                    for (_, s) in aa {
                        for (_, d) in ba {
                            pairs.push((None, u32::from(*s), u32::from(*d)));
                        }
                    }
                }
                pairs.retain(|&(_, s, d)| !groups.covers(a, b, s, d));
                let mut labelled: BTreeMap<Option<NetworkId>, usize> = BTreeMap::new();
                for (n, s, d) in pairs {
                    let label = *labelled.entry(n).or_insert_with(|| {
                        // The reason is the network (or, without one, the destination).
                        let why = match n {
                            Some(n) => format!(
                                "network {} at {}",
                                t.network(n).name,
                                cx.at(t.network(n).origin)
                            ),
                            None => cx.at(t.workload(b).origin),
                        };
                        push_label(
                            &mut labels,
                            format!("{}->{} {} ({why})", name(from), name(to), ports),
                        )
                    });
                    push_boxes(&mut pair_boxes, (s, s), (d, d), ports, label);
                }
            }
            (Peer::External, Peer::Workload(b)) => {
                let Some(ba) = addrs.get(&b) else { continue };
                let label = push_label(
                    &mut labels,
                    format!(
                        "outside->{} {} ({})",
                        name(to),
                        ports,
                        cx.at(t.workload(b).origin)
                    ),
                );
                for (_, ip) in ba {
                    push_boxes(&mut inbound_boxes, (0, 0), single(ip), ports, label);
                }
            }
            (Peer::Workload(a), Peer::External) => {
                let Some(aa) = addrs.get(&a) else { continue };
                if !egress_limited.contains(&u32::from(aa[0].1)) {
                    continue; // not dispatched by source: no element needed
                }
                let label = push_label(
                    &mut labels,
                    format!("{}->outside {} ({project_at})", name(from), ports),
                );
                for (_, ip) in aa {
                    push_boxes(&mut outbound_boxes, single(ip), (0, 0), ports, label);
                }
            }
            (Peer::External, Peer::External) => {}
        }
    }
    let elements = |boxes_: &[FlowBox], fields: &dyn Fn(&boxes::Element) -> Vec<String>| {
        boxes::disjoint(boxes_)
            .into_iter()
            .map(|e| {
                let mut key = fields(&e);
                key.push(proto_name(e.proto).to_string());
                key.push(range_port(e.ports));
                elem(
                    key,
                    e.labels
                        .iter()
                        .map(|&i| labels[i].as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            })
            .collect::<Vec<_>>()
    };
    let flows = elements(&pair_boxes, &|e| vec![range_v4(e.src), range_v4(e.dst)]);
    let from_outside = elements(&inbound_boxes, &|e| vec![range_v4(e.dst)]);
    let to_outside = elements(&outbound_boxes, &|e| vec![range_v4(e.src)]);

    let managed_set = SetView {
        name: "managed".into(),
        comment: format!("every workload address this table filters traffic to ({project_at})"),
        elements: managed
            .iter()
            .map(|(ip, c)| elem(vec![Ipv4Addr::from(*ip).to_string()], c.clone()))
            .collect(),
    };
    let limited_set = SetView {
        name: "egress_limited".into(),
        comment: format!(
            "workload addresses whose traffic to the outside is restricted ({project_at})"
        ),
        elements: egress_limited
            .iter()
            .map(|ip| elem(vec![Ipv4Addr::from(*ip).to_string()], managed[ip].clone()))
            .collect(),
    };
    sets.insert(0, limited_set);
    sets.insert(0, managed_set);

    let (publish_local, publish_addr, publish_chains) = publications(cx, &addrs, &mut diags);
    let view = NftView {
        table: table_name(cx),
        comment: project_at,
        sets,
        groups: group_rules,
        flows,
        from_outside,
        to_outside,
        publish_local,
        publish_addr,
        publish_chains,
    };
    (view, diags)
}

fn push_label(labels: &mut Vec<String>, s: String) -> usize {
    labels.push(s);
    labels.len() - 1
}

/// The boxes of one flow between two address ranges (a point, or `(0, 0)`
/// for a field the map does not key on).
fn push_boxes(
    out: &mut Vec<FlowBox>,
    src: (u32, u32),
    dst: (u32, u32),
    ports: &ConnSet,
    label: usize,
) {
    for p in Protocol::ALL {
        for &(lo, hi) in ports.ranges(p) {
            out.push(FlowBox {
                src,
                dst,
                proto: proto_num(p),
                ports: (lo, hi),
                label,
            });
        }
    }
}

/// A host address (None: every local one), protocol and port range already DNAT'd.
type Taken = (Option<Ipv4Addr>, Protocol, (u16, u16), Origin);

type Publications = (Vec<ElementView>, Vec<ElementView>, Vec<PublishChain>);

/// DNAT of every publication with a known host port to the workload's
/// address (the first one on a non-internal network, as Docker picks).
fn publications(
    cx: &EmitContext,
    addrs: &BTreeMap<WorkloadId, Vec<(NetworkId, Ipv4Addr)>>,
    diags: &mut Vec<Diagnostic>,
) -> Publications {
    let t = cx.topology;
    let mut local = Vec::new();
    let mut by_addr = Vec::new();
    let mut chains = Vec::new();
    // (address or None for "any local", proto, port range) already taken.
    let mut taken: Vec<Taken> = Vec::new();
    let mut namer = Namer::new();
    let not = |diags: &mut Vec<Diagnostic>, o: Origin, msg: String| {
        diags.push(Diagnostic::new(
            &diag::PUBLICATION_NOT_COMPILED,
            o.span,
            msg,
        ))
    };
    for p in &t.publications {
        let Some(list) = addrs.get(&p.workload) else {
            continue;
        };
        // Docker reads host port 0 as "any free port", like an omitted one.
        let Some(r) = p.host_ports.filter(|r| r.start != 0 && p.port != 0) else {
            not(
                diags,
                p.origin,
                format!(
                    "port {} is published on an ephemeral host port the engine picks at run time: no DNAT rule",
                    p.port
                ),
            );
            continue;
        };
        let host = match p.host_ip {
            IpAddr::V4(ip) if ip.is_unspecified() => None,
            IpAddr::V4(ip) => Some(ip),
            IpAddr::V6(ip) if ip.is_unspecified() && !p.host_ip_declared => None,
            IpAddr::V6(_) => {
                not(
                    diags,
                    p.origin,
                    format!(
                        "publication on IPv6 address {} is not compiled: the ruleset handles IPv4",
                        p.host_ip
                    ),
                );
                continue;
            }
        };
        let ports = (r.start, r.end);
        if let Some((_, _, _, first)) = taken.iter().find(|(h, pr, pp, _)| {
            *pr == p.protocol
                && pp.0 <= ports.1
                && ports.0 <= pp.1
                && (h.is_none() || host.is_none() || *h == host)
        }) {
            let d = Diagnostic::new(
                &diag::PUBLICATION_NOT_COMPILED,
                p.origin.span,
                "host port already taken by another publication: no DNAT rule",
            )
            .with_related(first.span, "taken here");
            diags.push(d);
            continue;
        }
        taken.push((host, p.protocol, ports, p.origin));
        let target_ip = list
            .iter()
            .find(|(n, _)| !t.network(*n).internal)
            .or(list.first())
            .map(|(_, ip)| *ip);
        let Some(target_ip) = target_ip else { continue };
        if host.is_some_and(|h| h.is_loopback()) {
            diags.push(Diagnostic::new(
                &diag::PUBLICATION_NOT_COMPILED,
                p.origin.span,
                "a loopback publication is DNAT'd in the output hook only, which needs `net.ipv4.conf.all.route_localnet=1` to route",
            ).with_help("publish on a non-loopback address, or set route_localnet on the host"));
        }
        let w = t.workload(p.workload);
        let chain = namer.unique(
            &names::nft_ident(
                "publish_",
                &format!("{}_{}_{}", w.name, p.protocol.as_str(), r.start),
            ),
            "_",
            48,
        );
        let comment = format!(
            "{} {}:{}/{} ({})",
            t.workload_id(p.workload),
            range_port(ports),
            p.port,
            p.protocol.as_str(),
            cx.at(p.origin)
        );
        let mut key = vec![p.protocol.as_str().to_string(), range_port(ports)];
        if let Some(h) = host {
            key.insert(0, h.to_string());
        }
        let e = ElementView {
            key,
            comment: comment.clone(),
            jump: Some(chain.clone()),
        };
        if host.is_some() {
            by_addr.push(e)
        } else {
            local.push(e)
        }
        chains.push(PublishChain {
            name: chain,
            proto: p.protocol.as_str(),
            target: format!("{target_ip}:{}", p.port),
            comment,
        });
    }
    (local, by_addr, chains)
}
