//! `topoc explain`: why a flow is allowed or denied. For Kubernetes, each
//! direction is walked separately — the policies that select the source and
//! isolate its egress, the policies that select the destination and isolate
//! its ingress, and each rule (file:line) that allows part of the flow. For
//! Compose, the shared networks and the project policy decide.

use super::conn::ConnSet;
use super::ipset::{self, Range};
use super::kube::{Engine, Remote, RuleInfo, dir_index};
use crate::ir::{
    AdminAction, ComposePolicy, Direction, Origin, PolicyRule, Protocol, Topology, WorkloadId,
};
use crate::resolve::Resolved;
use crate::resolve::kube::ClassId;
use crate::source::SourceMap;
use std::fmt::Write;
use std::net::Ipv4Addr;

/// One side of a flow as the user named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Workload(WorkloadId),
    External(Range),
}

/// Resolve `--from`/`--to`: `name`, `ns/name`, `ns/name[Kind]`, an IPv4
/// address or CIDR, or `external` (every address).
pub fn find_subject(t: &Topology, s: &str) -> Result<Subject, String> {
    if s.eq_ignore_ascii_case("external") {
        return Ok(Subject::External(Range::ALL));
    }
    if let Ok(ip) = s.parse::<Ipv4Addr>() {
        let a = u32::from(ip);
        return Ok(Subject::External(Range { first: a, last: a }));
    }
    if let Ok(n) = s.parse::<ipnet::Ipv4Net>() {
        return Ok(Subject::External(Range {
            first: u32::from(n.network()),
            last: u32::from(n.broadcast()),
        }));
    }
    // `ns[udn]/name[Kind]` (a workload on a user-defined network) names `ns/name`.
    let unmarked = s.replacen("[udn]/", "/", 1).replacen("[cudn]/", "/", 1);
    let bare = unmarked.split('[').next().unwrap_or(s);
    let found: Vec<WorkloadId> = t
        .workload_ids()
        .filter(|&w| t.workload(w).name == bare || t.workload_id(w) == bare)
        .collect();
    match found.as_slice() {
        [w] => Ok(Subject::Workload(*w)),
        [] => Err(format!("no workload named `{s}`")),
        many => Err(format!(
            "`{s}` is ambiguous: {}",
            many.iter()
                .map(|w| t.workload_id(*w))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `5432/tcp`, `53/udp`, `8080` (TCP).
pub fn parse_port(s: &str) -> Result<(u16, Protocol), String> {
    let (p, proto) = match s.split_once('/') {
        Some((p, proto)) => (
            p,
            Protocol::parse(proto).ok_or_else(|| format!("unknown protocol `{proto}`"))?,
        ),
        None => (s, Protocol::Tcp),
    };
    let port = p
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("`{p}` is not a port number 1-65535"))?;
    Ok((port, proto))
}

struct Writer<'a> {
    t: &'a Topology,
    sources: &'a SourceMap,
    out: String,
}

impl Writer<'_> {
    fn at(&self, o: Origin) -> String {
        format!(
            "{}:{}",
            self.sources.get(o.span.file).name,
            o.span.start.line
        )
    }

    fn name(&self, s: Subject) -> String {
        match s {
            Subject::Workload(w) => super::networks::workload_name(self.t, w),
            Subject::External(r) => format!("{r}[External]"),
        }
    }
}

/// The explanation as text: the verdict first, then each direction.
pub fn explain(
    t: &Topology,
    r: &Resolved,
    sources: &SourceMap,
    from: Subject,
    to: Subject,
    port: Option<(u16, Protocol)>,
) -> String {
    let mut w = Writer {
        t,
        sources,
        out: String::new(),
    };
    let compose = |s: Subject| matches!(s, Subject::Workload(x) if t.workload(x).project.is_some());
    let (conn, body) = if compose(from) || compose(to) {
        compose_explain(&mut w, r, from, to)
    } else if let Some(body) = across_clusters(t, from, to) {
        (ConnSet::none(), body)
    } else if let Some(body) = across_pod_networks(t, from, to) {
        (ConnSet::none(), body)
    } else {
        let mut body = Writer {
            t,
            sources,
            out: String::new(),
        };
        let eg = direction(&mut body, r, Direction::Egress, from, to);
        let ing = direction(&mut body, r, Direction::Ingress, from, to);
        (eg.intersect(&ing), body.out)
    };
    let (src, dst) = (w.name(from), w.name(to));
    let verdict = match port {
        Some((p, proto)) if conn.contains_port(proto, p) => {
            format!("ALLOWED: {src} => {dst} on {p}/{}", proto.as_str())
        }
        Some((p, proto)) => format!("DENIED: {src} => {dst} on {p}/{}", proto.as_str()),
        None if conn.is_empty() => format!("DENIED: {src} => {dst} : nothing is allowed"),
        None => format!("ALLOWED: {src} => {dst} : {conn}"),
    };
    let _ = writeln!(w.out, "{verdict}");
    if port.is_some() && !conn.is_empty() {
        let _ = writeln!(w.out, "  (everything allowed: {conn})");
    }
    w.out.push_str(&body);
    w.out
}

/// Two workloads of different clusters (built by different kustomize
/// overlays: separate deployments, `Namespace::cluster`): the
/// explanation, else None.
fn across_clusters(t: &Topology, from: Subject, to: Subject) -> Option<String> {
    let (Subject::Workload(a), Subject::Workload(b)) = (from, to) else {
        return None;
    };
    let (na, nb) = (t.workload(a).namespace, t.workload(b).namespace);
    if t.same_cluster(na, nb) {
        return None;
    }
    let built = |ns| match t.cluster_of(ns) {
        Some(overlay) => format!("built by overlay `{overlay}`"),
        None => "outside every kustomize overlay".to_string(),
    };
    Some(format!(
        "\n  {} is {}, {} is {}: each overlay is a deployment of its own, so nothing connects them\n",
        t.workload_id(a),
        built(na),
        t.workload_id(b),
        built(nb)
    ))
}

/// Two workloads on different pod networks (OVN-Kubernetes primary
/// user-defined networks isolate each other, whatever the policies say):
/// the explanation, else None.
fn across_pod_networks(t: &Topology, from: Subject, to: Subject) -> Option<String> {
    let (Subject::Workload(a), Subject::Workload(b)) = (from, to) else {
        return None;
    };
    if super::networks::network_index(t, a) == super::networks::network_index(t, b) {
        return None;
    }
    let net = |w: WorkloadId| {
        t.pod_network_of(w)
            .map_or("the pod network".to_string(), |p| {
                format!("primary {} {}", p.scope.as_str(), p.name)
            })
    };
    let (na, nb) = (net(a), net(b));
    Some({
        format!(
            "\n  {} is on {na}, {} on {nb}: pods of different pod networks cannot connect\n",
            t.workload_id(a),
            t.workload_id(b)
        )
    })
}

/// One direction of a Kubernetes flow, every tier: the AdminNetworkPolicy
/// rules that decide part of it (priority, action, file:line), the
/// NetworkPolicies, then the BaselineAdminNetworkPolicy's rules; returns
/// what it allows.
fn direction(w: &mut Writer, r: &Resolved, dir: Direction, from: Subject, to: Subject) -> ConnSet {
    let t = w.t;
    let k = &r.kube;
    let (subject, peer, label) = match dir {
        Direction::Egress => (from, to, "egress"),
        Direction::Ingress => (to, from, "ingress"),
    };
    let subject_name = w.name(subject);
    let _ = writeln!(w.out, "\n{} of {subject_name}:", capitalize(label));
    let Subject::Workload(sw) = subject else {
        let _ = writeln!(
            w.out,
            "  external addresses are not governed by NetworkPolicies: all allowed"
        );
        return ConnSet::all();
    };
    let Some(sc) = k.class_of[sw.index()] else {
        return ConnSet::all();
    };
    if t.admin_policies.is_empty() {
        return np_direction(w, r, dir, sc, peer, to, label);
    }
    let engine = Engine::new(t, k);
    let remote = match peer {
        Subject::Workload(pw) => match k.class_of[pw.index()] {
            Some(pc) => Remote::Class(pc),
            None => return np_direction(w, r, dir, sc, peer, to, label),
        },
        Subject::External(range) => Remote::Piece(range),
    };
    let dst = match to {
        Subject::Workload(x) => k.class_of[x.index()].map(|c| &k.classes[c.index()]),
        Subject::External(_) => None,
    };
    let d = dir_index(dir);
    let mut open = ConnSet::all();
    // Prints the rules that decide part of the flow; returns what was passed.
    let rule_lines = |w: &mut Writer, ids: &[u32], open: &mut ConnSet| {
        let mut passed = ConnSet::none();
        for &ri in ids {
            let rule = &engine.rules[ri as usize];
            if !rule.matches(remote) {
                continue;
            }
            let hit = rule.conn_for(dst).intersect(open);
            if hit.is_empty() {
                continue;
            }
            let (pi, rj) = engine.rule_source[ri as usize];
            let p = &t.admin_policies[pi as usize];
            let rules = match dir {
                Direction::Ingress => &p.ingress,
                Direction::Egress => &p.egress,
            };
            let ar = &rules[rj as usize];
            let tier = match p.priority {
                Some(prio) => format!("AdminNetworkPolicy {} (priority {prio})", p.name),
                None => format!("BaselineAdminNetworkPolicy {}", p.name),
            };
            let _ = writeln!(
                w.out,
                "  {tier} {label} rule #{} `{}` ({}): {} {hit}",
                rj + 1,
                ar.name,
                w.at(ar.origin),
                ar.action.as_str()
            );
            if ar.action == AdminAction::Pass {
                passed.union_with(&hit);
            }
            *open = open.difference(&hit);
        }
        passed
    };
    let passed = rule_lines(w, &engine.admin_rules[d][sc.index()], &mut open);
    open.union_with(&passed);
    np_direction(w, r, dir, sc, peer, to, label);
    if !engine.isolated(dir, sc) && !open.is_empty() {
        rule_lines(w, &engine.baseline_rules[d][sc.index()], &mut open);
    }
    let allowed = engine.decide(dir, sc, remote, dst);
    let _ = writeln!(
        w.out,
        "  => all tiers: {}",
        if allowed.is_empty() {
            "denied".to_string()
        } else {
            format!("allows {allowed}")
        }
    );
    allowed
}

/// The NetworkPolicy tier of one direction; returns what it allows.
fn np_direction(
    w: &mut Writer,
    r: &Resolved,
    dir: Direction,
    sc: ClassId,
    peer: Subject,
    to: Subject,
    label: &str,
) -> ConnSet {
    let t = w.t;
    let k = &r.kube;
    let dst_class = match to {
        Subject::Workload(x) => k.class_of[x.index()].map(|c| &k.classes[c.index()]),
        Subject::External(_) => None,
    };
    let mut isolated = false;
    let mut allowed = ConnSet::none();
    for (pi, p) in t.policies.iter().enumerate() {
        if !k.policy_classes[pi].contains(&sc) {
            continue;
        }
        let (isolates, rules): (bool, &[PolicyRule]) = match dir {
            Direction::Egress => (p.isolates_egress, &p.egress),
            Direction::Ingress => (p.isolates_ingress, &p.ingress),
        };
        let pname = format!("{}/{}", t.namespace(p.namespace).name, p.name);
        if !isolates {
            let _ = writeln!(
                w.out,
                "  policy {pname} ({}) selects it but does not isolate its {label}",
                w.at(p.origin)
            );
            continue;
        }
        isolated = true;
        let _ = writeln!(
            w.out,
            "  policy {pname} ({}) selects it and isolates its {label}",
            w.at(p.origin)
        );
        for (i, rule) in rules.iter().enumerate() {
            let info = RuleInfo::new(t, k, p.namespace, rule);
            let conn = match (peer, dst_class) {
                (Subject::Workload(pw), Some(dc)) => match k.class_of[pw.index()] {
                    Some(pc) if info.matches_class(pc) => info.conn_to(dc),
                    _ => ConnSet::none(),
                },
                (Subject::External(range), _) => {
                    if info.all_peers || ipset::covers_range(&info.ips, range) {
                        match dst_class {
                            Some(dc) => info.conn_to(dc),
                            None => info.fixed.clone(),
                        }
                    } else {
                        ConnSet::none()
                    }
                }
                _ => ConnSet::none(),
            };
            if conn.is_empty() {
                let _ = writeln!(
                    w.out,
                    "    {label} rule #{} ({}) does not match this flow",
                    i + 1,
                    w.at(rule.origin)
                );
            } else {
                let _ = writeln!(
                    w.out,
                    "    {label} rule #{} ({}) allows {conn}",
                    i + 1,
                    w.at(rule.origin)
                );
                allowed.union_with(&conn);
            }
        }
    }
    if !isolated {
        let _ = writeln!(
            w.out,
            "  no policy isolates its {label}: all connections allowed"
        );
        return ConnSet::all();
    }
    if allowed.is_empty() {
        let _ = writeln!(w.out, "  => denied: no rule allows it");
    } else {
        let _ = writeln!(w.out, "  => allows {allowed}");
    }
    allowed
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Compose: recompute the pair from the connectivity of the topology and
/// say which networks (or which policy) decide it.
fn compose_explain(w: &mut Writer, r: &Resolved, from: Subject, to: Subject) -> (ConnSet, String) {
    let t = w.t;
    let c = super::compute(t, r);
    let (fname, tname) = (w.name(from), w.name(to));
    let conn = c
        .edges
        .iter()
        .filter(|e| {
            let (s, d) = (c.src(e), c.dst(e));
            let m = |ep: &super::Endpoint, want: &str| {
                ep.name == want || (ep.is_external() && want.ends_with("[External]"))
            };
            m(s, &fname) && m(d, &tname)
        })
        .fold(ConnSet::none(), |mut acc, e| {
            acc.union_with(c.conn(e));
            acc
        });
    let mut body = String::new();
    let nets = |s: Subject| match s {
        Subject::Workload(x) => r.effective_networks[x.index()].clone(),
        Subject::External(_) => Vec::new(),
    };
    let (na, nb) = (nets(from), nets(to));
    let shared: Vec<String> = na
        .iter()
        .filter(|n| nb.contains(n))
        .map(|n| format!("{} ({})", t.network_id(*n), w.at(t.network(*n).origin)))
        .collect();
    if let Subject::Workload(x) = from
        && let Some(p) = t
            .workload(x)
            .project
            .and_then(|p| t.projects.get(p.index()))
    {
        let _ = writeln!(
            body,
            "\nproject {} uses policy `{}`",
            p.name,
            p.policy.as_str()
        );
        if p.policy == ComposePolicy::DefaultDeny {
            let _ = writeln!(body, "  only `talks-to` flows and publications are allowed");
        }
    }
    if shared.is_empty() {
        let _ = writeln!(body, "\n{fname} and {tname} share no network");
    } else {
        let _ = writeln!(body, "\nshared networks: {}", shared.join(", "));
    }
    for p in t.publications.iter() {
        if let Subject::Workload(x) = to
            && p.workload == x
            && matches!(from, Subject::External(_))
        {
            let _ = writeln!(
                body,
                "  publication {}:{} -> {}/{} ({})",
                p.host_ip,
                p.host_ports.map_or("*".into(), |h| h.start.to_string()),
                p.port,
                p.protocol.as_str(),
                w.at(p.origin)
            );
        }
    }
    (conn, body)
}
