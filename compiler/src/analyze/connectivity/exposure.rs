//! Exposure analysis (`topoc connectivity --exposure`, np-guard
//! netpol-analyzer's `list --exposure`): beyond the flows between the
//! workloads of the inputs, to what each Kubernetes workload is exposed from
//! pods the inputs do not contain, per direction:
//!
//! - `entire-cluster`: any pod of any namespace — what the rules whose peers
//!   select every pod (and the cluster default) allow;
//! - a *representative peer* per distinct selector pair of the policies'
//!   rules (`[namespace with {..}]/[pod with {..}]`, `ns/[all pods]`,
//!   `[all namespaces]/[pod with {..}]`): the pods such a peer may stand for.
//!   A rule peer without `namespaceSelector` stands for its policy's
//!   namespace. Selector pairs equal as requirement sets are one peer.
//!   A rule matches a representative when each of its selectors'
//!   requirements is one of the representative's (so `role NotIn [x y]`
//!   does not match `role NotIn [w x y z]`), as the reference decides;
//! - external address ranges: the connlist's flows with addresses (for
//!   Compose services too: the only exposure Compose semantics define).
//!
//! A representative's connection is reported only where it differs from the
//! entire-cluster one (otherwise it says nothing more); the entire-cluster
//! one only when it is not empty. A representative in a namespace named in
//! the inputs whose `matchLabels` are exactly the labels of a workload there
//! stands for that workload, already in the connlist: it is dropped.
//! Representatives are never subjects of the policies (their own side is not
//! governed by the inputs), so a flow is decided by the real workload's side
//! alone, with every tier (`tiers.rs`) applied; named ports resolve on the
//! real workload, never on a representative.
//!
//! A workload is *not protected* in a direction when no NetworkPolicy
//! isolates it there and no AdminNetworkPolicy or BANP has rules there for it.

use super::conn::ConnSet;
use super::kube::{Engine, Remote};
use super::{Connectivity, EndpointKind};
use crate::ir::{AdminAction, Direction, Protocol, Topology, WorkloadId};
use crate::resolve::Resolved;
use crate::resolve::kube::ClassId;
use std::collections::BTreeMap;
use std::sync::Arc;

mod representative;
use representative::representatives;

/// How the reference names any pod of any namespace.
pub const ENTIRE_CLUSTER: &str = "entire-cluster";

/// One exposure: the workload, and the peer outside the inputs (or an
/// external range) it is exposed to or from.
#[derive(Debug, Clone)]
pub struct ExposureLine {
    pub workload: WorkloadId,
    /// The workload's printed name (`ns/name[Kind]`).
    pub name: Arc<str>,
    /// `entire-cluster`, `first-last[External]`, or a representative peer.
    pub peer: Arc<str>,
    /// Shared by the lines of one class and peer (results can have millions
    /// of lines).
    pub conn: Arc<ExposedConn>,
}

/// The connections of an exposure: a connection set, plus the named ports
/// of egress rules towards pods not in the inputs, which no container
/// resolves (kept by name, as the reference does: `TCP 80,http`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposedConn {
    pub set: ConnSet,
    /// (protocol, port name), sorted; never of a protocol `set` covers whole.
    pub named: Vec<(Protocol, String)>,
}

impl ExposedConn {
    fn new(set: ConnSet, mut named: Vec<(Protocol, String)>) -> Self {
        named.retain(|(p, _)| set.ranges(*p) != [(1, 65535)]);
        named.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
        named.dedup();
        ExposedConn { set, named }
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.named.is_empty()
    }
}

impl std::fmt::Display for ExposedConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.named.is_empty() || self.set.is_all() {
            return self.set.fmt(f);
        }
        let mut groups = Vec::new();
        for p in [Protocol::Sctp, Protocol::Tcp, Protocol::Udp] {
            let mut one = ConnSet::none();
            for &(lo, hi) in self.set.ranges(p) {
                one.add(p, lo, hi);
            }
            // `TCP 80,8080-8090` without its protocol; nothing when empty.
            let mut ports: Vec<String> = match one.is_empty() {
                true => Vec::new(),
                false => vec![
                    one.to_string()
                        .split_once(' ')
                        .map_or(String::new(), |x| x.1.to_string()),
                ],
            };
            ports.extend(
                self.named
                    .iter()
                    .filter(|(q, _)| *q == p)
                    .map(|(_, n)| n.clone()),
            );
            if !ports.is_empty() {
                groups.push(format!(
                    "{} {}",
                    p.as_str().to_ascii_uppercase(),
                    ports.join(",")
                ));
            }
        }
        f.write_str(&groups.join(","))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Exposure {
    /// Workload => peer, sorted by workload then peer name.
    pub egress: Vec<ExposureLine>,
    /// Workload <= peer, sorted likewise.
    pub ingress: Vec<ExposureLine>,
    /// Workloads with no policy of any tier in a direction, sorted by name
    /// then direction (Egress before Ingress).
    pub unprotected: Vec<(WorkloadId, Arc<str>, Direction)>,
}

/// The exposure of every Kubernetes workload; `c` is the connectivity of the
/// same inputs (its flows with external ranges are reported too).
pub fn compute(t: &Topology, r: &Resolved, c: &Connectivity) -> Exposure {
    let k = &r.kube;
    let mut out = Exposure::default();
    if !k.classes.is_empty() {
        let mut e = Engine::new(t, k);
        let reps = representatives(t, k, &mut e);
        let names: Vec<Arc<str>> = reps.iter().map(|r| Arc::from(r.name.as_str())).collect();
        let entire: Arc<str> = Arc::from(ENTIRE_CLUSTER);
        for ci in 0..k.classes.len() {
            class_exposure(t, &e, &names, &entire, ClassId(ci as u32), &mut out);
        }
    }
    let mut endpoint_names: Vec<Option<Arc<str>>> = vec![None; c.endpoints.len()];
    let mut conns: Vec<Option<Arc<ExposedConn>>> = vec![None; c.conns.len()];
    let mut name_of = |i: u32| {
        endpoint_names[i as usize]
            .get_or_insert_with(|| Arc::from(c.endpoints[i as usize].name.as_str()))
            .clone()
    };
    for edge in &c.edges {
        let (w, own, peer, lines) = match (c.src(edge).kind, c.dst(edge).kind) {
            (EndpointKind::Workload(w), EndpointKind::External(_)) => {
                (w, edge.src, edge.dst, &mut out.egress)
            }
            (EndpointKind::External(_), EndpointKind::Workload(w)) => {
                (w, edge.dst, edge.src, &mut out.ingress)
            }
            _ => continue,
        };
        let conn = conns[edge.conn as usize]
            .get_or_insert_with(|| Arc::new(ExposedConn::new(c.conn(edge).clone(), Vec::new())))
            .clone();
        lines.push(ExposureLine {
            workload: w,
            name: name_of(own),
            peer: name_of(peer),
            conn,
        });
    }
    for lines in [&mut out.egress, &mut out.ingress] {
        lines.sort_by(|a, b| (&a.name, &a.peer).cmp(&(&b.name, &b.peer)));
    }
    out.unprotected
        .sort_by(|a, b| (&a.1, dir_name(a.2)).cmp(&(&b.1, dir_name(b.2))));
    out
}

/// `Egress` or `Ingress`, as the reference prints a direction.
pub fn dir_name(d: Direction) -> &'static str {
    match d {
        Direction::Egress => "Egress",
        Direction::Ingress => "Ingress",
    }
}

/// The exposures of the members of one class; `reps` are the printed
/// names of the representatives.
fn class_exposure(
    t: &Topology,
    e: &Engine,
    reps: &[Arc<str>],
    entire_cluster: &Arc<str>,
    class: ClassId,
    out: &mut Exposure,
) {
    let members = &e.class(class).members;
    let names: Vec<Arc<str>> = members
        .iter()
        .map(|&w| Arc::from(super::networks::workload_name(t, w)))
        .collect();
    for dir in [Direction::Egress, Direction::Ingress] {
        let d = super::kube::dir_index(dir);
        let protected = e.isolated(dir, class)
            || !e.admin_rules[d][class.index()].is_empty()
            || !e.baseline_rules[d][class.index()].is_empty();
        if !protected {
            for (&w, name) in members.iter().zip(&names) {
                out.unprotected.push((w, name.clone(), dir));
            }
        }
        let dst = match dir {
            Direction::Ingress => Some(e.class(class)),
            Direction::Egress => None,
        };
        let exposed = |remote| {
            let set = e.decide(dir, class, remote, dst);
            ExposedConn::new(set, unresolved_named_ports(e, dir, class, remote))
        };
        let entire = exposed(Remote::AnyPod);
        let mut peers: BTreeMap<Arc<str>, Arc<ExposedConn>> = BTreeMap::new();
        // A representative no rule of this class names by selector is
        // matched exactly where the entire cluster is: it cannot differ.
        let np = match dir {
            Direction::Ingress => &e.ingress_rules,
            Direction::Egress => &e.egress_rules,
        };
        let mut named: Vec<u32> = np[class.index()]
            .iter()
            .chain(&e.admin_rules[d][class.index()])
            .chain(&e.baseline_rules[d][class.index()])
            .flat_map(|&ri| e.rules[ri as usize].representatives.iter().copied())
            .collect();
        named.sort_unstable();
        named.dedup();
        for k in named {
            let conn = exposed(Remote::Representative(k));
            if conn != entire {
                peers.insert(reps[k as usize].clone(), Arc::new(conn));
            }
        }
        if !entire.is_empty() {
            peers.insert(entire_cluster.clone(), Arc::new(entire));
        }
        let lines = match dir {
            Direction::Egress => &mut out.egress,
            Direction::Ingress => &mut out.ingress,
        };
        for (&w, name) in members.iter().zip(&names) {
            for (peer, conn) in &peers {
                lines.push(ExposureLine {
                    workload: w,
                    name: name.clone(),
                    peer: peer.clone(),
                    conn: conn.clone(),
                });
            }
        }
    }
}

/// The named ports the egress rules of `class` allow towards `remote`, a
/// pod not in the inputs (no container to resolve them on), every tier
/// applied as `Engine::decide` does, with each named port an opaque port:
/// a rule decides it when it names it or allows its whole protocol. An
/// admin rule's `namedPort` counts as TCP (its protocol is the unknown
/// container's).
fn unresolved_named_ports(
    e: &Engine,
    dir: Direction,
    class: ClassId,
    remote: Remote,
) -> Vec<(Protocol, String)> {
    if dir != Direction::Egress {
        return Vec::new();
    }
    let d = super::kube::dir_index(dir);
    let admin = &e.admin_rules[d][class.index()];
    let np = &e.egress_rules[class.index()];
    let baseline = &e.baseline_rules[d][class.index()];
    let tokens = |ri: u32| -> Vec<(Protocol, String)> {
        let rule = &e.rules[ri as usize];
        if !rule.matches(remote) {
            return Vec::new();
        }
        let admin_rule = e.actions[ri as usize].is_some();
        rule.named
            .iter()
            .filter(|(_, p)| !admin_rule || *p == Protocol::Tcp)
            .map(|(n, p)| (*p, n.clone()))
            .collect()
    };
    let decides = |ri: u32, (p, n): &(Protocol, String)| {
        let rule = &e.rules[ri as usize];
        rule.matches(remote)
            && (rule.fixed.ranges(*p) == [(1, 65535)]
                || rule.named.iter().any(|(m, q)| m == n && q == p))
    };
    let mut candidates: Vec<(Protocol, String)> = admin
        .iter()
        .chain(np)
        .chain(baseline)
        .flat_map(|&ri| tokens(ri))
        .collect();
    candidates.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    candidates.dedup();
    candidates.retain(|token| {
        // The first ANP rule that decides it; a Pass goes on below.
        match admin.iter().find(|&&ri| decides(ri, token)) {
            Some(&ri) if e.actions[ri as usize] == Some(AdminAction::Allow) => return true,
            Some(&ri) if e.actions[ri as usize] == Some(AdminAction::Deny) => return false,
            _ => {}
        }
        if e.isolated(dir, class) {
            return np.iter().any(|&ri| decides(ri, token));
        }
        baseline
            .iter()
            .find(|&&ri| decides(ri, token))
            .is_none_or(|&ri| e.actions[ri as usize] == Some(AdminAction::Allow))
    });
    candidates
}

impl Exposure {
    /// Keep the exposures of the workloads `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(WorkloadId) -> bool) {
        self.egress.retain(|l| keep(l.workload));
        self.ingress.retain(|l| keep(l.workload));
        self.unprotected.retain(|u| keep(u.0));
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unresolved_named_ports_print_beside_numbers() {
        let mut set = ConnSet::ports(Protocol::Udp, 53, 53);
        set.add(Protocol::Tcp, 80, 80);
        let named = vec![
            (Protocol::Tcp, "web".to_string()),
            (Protocol::Tcp, "http".to_string()),
            (Protocol::Sctp, "sig".to_string()),
        ];
        let c = ExposedConn::new(set.clone(), named);
        assert_eq!(c.to_string(), "SCTP sig,TCP 80,http,web,UDP 53");
        let only = ExposedConn::new(ConnSet::none(), vec![(Protocol::Tcp, "http".into())]);
        assert_eq!(only.to_string(), "TCP http");
        assert!(!only.is_empty());
        let whole = ExposedConn::new(
            ConnSet::protocol(Protocol::Tcp),
            vec![(Protocol::Tcp, "http".into())],
        );
        assert_eq!(
            whole.to_string(),
            "TCP 1-65535",
            "a whole protocol covers its named ports"
        );
        assert_eq!(
            ExposedConn::new(set, Vec::new()).to_string(),
            "TCP 80,UDP 53"
        );
    }
}
