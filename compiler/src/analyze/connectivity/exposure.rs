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
//! - external address ranges: the connlist's flows with addresses.
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
use crate::ir::{
    Direction, LabelSelector, NamespaceId, Peer, Protocol, SelectorOp, Topology, WorkloadId,
};
use crate::resolve::Resolved;
use crate::resolve::kube::{ClassId, KubeResolved, NAMESPACE_NAME_LABEL};
use std::collections::{BTreeMap, HashSet};

/// How the reference names any pod of any namespace.
pub const ENTIRE_CLUSTER: &str = "entire-cluster";

/// One exposure: the workload, and the peer outside the inputs (or an
/// external range) it is exposed to or from.
#[derive(Debug, Clone)]
pub struct ExposureLine {
    pub workload: WorkloadId,
    /// The workload's printed name (`ns/name[Kind]`).
    pub name: String,
    /// `entire-cluster`, `first-last[External]`, or a representative peer.
    pub peer: String,
    pub conn: ExposedConn,
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
    pub unprotected: Vec<(WorkloadId, String, Direction)>,
}

/// One requirement of a selector in comparable form: `matchLabels` entries
/// are `=`, expression values a sorted set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Op {
    Equals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// A selector as a sorted set of requirements (empty: everything).
type Requirements = Vec<Requirement>;

fn requirements(sel: Option<&LabelSelector>) -> Requirements {
    let Some(sel) = sel else {
        return Vec::new();
    };
    let mut out: Requirements = sel
        .match_labels
        .iter()
        .map(|(k, v)| Requirement {
            key: k.clone(),
            op: Op::Equals,
            values: vec![v.clone()],
        })
        .collect();
    for r in &sel.match_expressions {
        let mut values = r.values.clone();
        values.sort();
        values.dedup();
        let op = match r.op {
            SelectorOp::In => Op::In,
            SelectorOp::NotIn => Op::NotIn,
            SelectorOp::Exists => Op::Exists,
            SelectorOp::DoesNotExist => Op::DoesNotExist,
        };
        out.push(Requirement {
            key: r.key.clone(),
            op,
            values,
        });
    }
    out.sort();
    out.dedup();
    out
}

/// Whether every requirement of `rule` is one of `rep`'s (both sorted).
fn subset(rule: &Requirements, rep: &Requirements) -> bool {
    rule.iter().all(|r| rep.binary_search(r).is_ok())
}

/// The reference's text of a selector: `matchLabels` as `k=v` by key, then
/// each expression as Go prints a `LabelSelectorRequirement`, by key, with
/// its values as written.
fn selector_text(sel: &LabelSelector) -> String {
    let mut labels: Vec<(&String, &String)> = sel.match_labels.iter().collect();
    labels.sort();
    let mut exprs: Vec<_> = sel.match_expressions.iter().collect();
    exprs.sort_by(|a, b| a.key.cmp(&b.key));
    let parts: Vec<String> = labels
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(exprs.into_iter().map(|r| {
            let op = match r.op {
                SelectorOp::In => "In",
                SelectorOp::NotIn => "NotIn",
                SelectorOp::Exists => "Exists",
                SelectorOp::DoesNotExist => "DoesNotExist",
            };
            format!(
                "{{Key:{},Operator:{op},Values:[{}],}}",
                r.key,
                r.values.join(" ")
            )
        }))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// A representative peer: pods of the namespaces `ns` selects, with the
/// labels `pods` selects.
struct Representative {
    ns: Requirements,
    pods: Requirements,
    name: String,
}

/// The namespace requirement of a peer without `namespaceSelector`.
fn own_namespace(name: &str) -> Requirements {
    vec![Requirement {
        key: NAMESPACE_NAME_LABEL.to_string(),
        op: Op::Equals,
        values: vec![name.to_string()],
    }]
}

/// The namespace a selector names by `kubernetes.io/metadata.name` alone.
fn named_namespace(ns: &Requirements) -> Option<&str> {
    match ns.as_slice() {
        [r] if r.key == NAMESPACE_NAME_LABEL && r.op == Op::Equals => Some(&r.values[0]),
        _ => None,
    }
}

/// A rule peer's selector pair, in comparable form.
fn peer_requirements(
    t: &Topology,
    policy_ns: Option<NamespaceId>,
    p: &Peer,
) -> (Requirements, Requirements) {
    let ns = match (&p.namespace_selector, policy_ns) {
        (None, Some(ns)) => own_namespace(&t.namespace(ns).name),
        (sel, _) => requirements(sel.as_ref()),
    };
    (ns, requirements(p.pod_selector.as_ref()))
}

/// The printed name of a new representative for peer `p`.
fn representative_name(
    t: &Topology,
    policy_ns: Option<NamespaceId>,
    p: &Peer,
    ns: &Requirements,
) -> String {
    let ns_text = match (named_namespace(ns), &p.namespace_selector, policy_ns) {
        (Some(name), _, _) => name.to_string(),
        (None, None, Some(id)) => t.namespace(id).name.clone(),
        (None, Some(sel), _) if !sel.is_empty() => {
            format!("[namespace with {}]", selector_text(sel))
        }
        _ => "[all namespaces]".to_string(),
    };
    let pod_text = match &p.pod_selector {
        Some(sel) if !sel.is_empty() => format!("[pod with {}]", selector_text(sel)),
        _ => "[all pods]".to_string(),
    };
    format!("{ns_text}/{pod_text}")
}

/// Per engine rule in use: its direction's peers and the namespace of its
/// NetworkPolicy (None for an admin rule).
fn rules_in_use<'t>(t: &'t Topology, e: &Engine) -> Vec<(u32, &'t [Peer], Option<NamespaceId>)> {
    let mut seen = vec![false; e.rules.len()];
    let mut out = Vec::new();
    for (d, dir) in [(0, Direction::Ingress), (1, Direction::Egress)] {
        let np = if d == 0 {
            &e.ingress_rules
        } else {
            &e.egress_rules
        };
        let lists = np
            .iter()
            .chain(&e.admin_rules[d])
            .chain(&e.baseline_rules[d]);
        for list in lists {
            for &ri in list {
                if std::mem::replace(&mut seen[ri as usize], true) {
                    continue;
                }
                let (pi, rj) = e.rule_source[ri as usize];
                let (peers, ns): (&[Peer], _) = match e.actions[ri as usize] {
                    None => {
                        let p = &t.policies[pi as usize];
                        let rules = match dir {
                            Direction::Ingress => &p.ingress,
                            Direction::Egress => &p.egress,
                        };
                        (&rules[rj as usize].peers, Some(p.namespace))
                    }
                    Some(_) => {
                        let p = &t.admin_policies[pi as usize];
                        let rules = match dir {
                            Direction::Ingress => &p.ingress,
                            Direction::Egress => &p.egress,
                        };
                        (&rules[rj as usize].peers, None)
                    }
                };
                out.push((ri, peers, ns));
            }
        }
    }
    out.sort_by_key(|(ri, _, _)| *ri);
    out
}

/// Whether a representative stands for a workload of the inputs: its
/// namespace is named and present, and its `matchLabels` (no expressions)
/// are exactly the labels of a class there.
fn stands_for_a_workload(t: &Topology, r: &KubeResolved, rep: &Representative) -> bool {
    let Some(name) = named_namespace(&rep.ns) else {
        return false;
    };
    if rep.pods.is_empty() || rep.pods.iter().any(|q| q.op != Op::Equals) {
        return false;
    }
    let Some(ns) = t.namespaces.iter().position(|n| n.name == name) else {
        return false;
    };
    r.ns_classes[ns].iter().any(|c| {
        let labels = &r.classes[c.index()].labels;
        labels.len() == rep.pods.len()
            && rep
                .pods
                .iter()
                .all(|q| labels.get(&q.key) == Some(&q.values[0]))
    })
}

/// The representatives of every rule in use, and the engine's rules told
/// which of them they match.
fn representatives(t: &Topology, r: &KubeResolved, e: &mut Engine) -> Vec<Representative> {
    let rules = rules_in_use(t, e);
    let mut reps: Vec<Representative> = Vec::new();
    let mut seen: HashSet<(Requirements, Requirements)> = HashSet::new();
    let mut rule_peers: Vec<(u32, Vec<(Requirements, Requirements)>)> = Vec::new();
    for (ri, peers, policy_ns) in rules {
        let mut pairs = Vec::new();
        for p in peers.iter().filter(|p| p.ip_block.is_none()) {
            let (ns, pods) = peer_requirements(t, policy_ns, p);
            // Both selectors empty: the entire cluster, not a representative.
            let entire = ns.is_empty() && pods.is_empty();
            if !entire && seen.insert((ns.clone(), pods.clone())) {
                let name = representative_name(t, policy_ns, p, &ns);
                reps.push(Representative {
                    ns: ns.clone(),
                    pods: pods.clone(),
                    name,
                });
            }
            pairs.push((ns, pods));
        }
        rule_peers.push((ri, pairs));
    }
    reps.retain(|rep| !stands_for_a_workload(t, r, rep));
    for (ri, pairs) in rule_peers {
        let matched: Vec<u32> = (0..reps.len() as u32)
            .filter(|&k| {
                let rep = &reps[k as usize];
                pairs
                    .iter()
                    .any(|(ns, pods)| subset(ns, &rep.ns) && subset(pods, &rep.pods))
            })
            .collect();
        e.rules[ri as usize].representatives = matched;
    }
    reps
}

/// The exposure of every Kubernetes workload; `c` is the connectivity of the
/// same inputs (its flows with external ranges are reported too).
pub fn compute(t: &Topology, r: &Resolved, c: &Connectivity) -> Exposure {
    let k = &r.kube;
    let mut out = Exposure::default();
    if !k.classes.is_empty() {
        let mut e = Engine::new(t, k);
        let reps = representatives(t, k, &mut e);
        for ci in 0..k.classes.len() {
            class_exposure(t, &e, &reps, ClassId(ci as u32), &mut out);
        }
    }
    for edge in &c.edges {
        let (src, dst) = (c.src(edge), c.dst(edge));
        let (w, peer, lines) = match (src.kind, dst.kind) {
            (EndpointKind::Workload(w), EndpointKind::External(_)) => (w, dst, &mut out.egress),
            (EndpointKind::External(_), EndpointKind::Workload(w)) => (w, src, &mut out.ingress),
            _ => continue,
        };
        if k.class_of.get(w.index()).copied().flatten().is_none() {
            continue;
        }
        let name = if src.is_external() {
            &dst.name
        } else {
            &src.name
        };
        lines.push(ExposureLine {
            workload: w,
            name: name.clone(),
            peer: peer.name.clone(),
            conn: ExposedConn::new(c.conn(edge).clone(), Vec::new()),
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

fn class_exposure(
    t: &Topology,
    e: &Engine,
    reps: &[Representative],
    class: ClassId,
    out: &mut Exposure,
) {
    let members = &e.class(class).members;
    let names: Vec<String> = members
        .iter()
        .map(|&w| {
            let wl = t.workload(w);
            let ns = &t.namespace(wl.namespace).name;
            format!("{ns}/{}[{}]", wl.name, wl.kind.as_str())
        })
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
        let mut peers: BTreeMap<&str, ExposedConn> = BTreeMap::new();
        for (k, rep) in reps.iter().enumerate() {
            let conn = exposed(Remote::Representative(k as u32));
            if conn != entire {
                peers.insert(&rep.name, conn);
            }
        }
        if !entire.is_empty() {
            peers.insert(ENTIRE_CLUSTER, entire);
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
                    peer: (*peer).to_string(),
                    conn: conn.clone(),
                });
            }
        }
    }
}

/// The named ports the NetworkPolicy egress rules of `class` allow towards
/// `remote`, a pod not in the inputs (no container to resolve them on).
/// Admin-tier named ports are resolved only on known pods.
fn unresolved_named_ports(
    e: &Engine,
    dir: Direction,
    class: ClassId,
    remote: Remote,
) -> Vec<(Protocol, String)> {
    let d = super::kube::dir_index(dir);
    if dir != Direction::Egress
        || !e.isolated(dir, class)
        || !e.admin_rules[d][class.index()].is_empty()
        || !e.baseline_rules[d][class.index()].is_empty()
    {
        return Vec::new();
    }
    e.egress_rules[class.index()]
        .iter()
        .map(|&ri| &e.rules[ri as usize])
        .filter(|rule| rule.matches(remote))
        .flat_map(|rule| rule.named.iter().map(|(n, p)| (*p, n.clone())))
        .collect()
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
    use crate::ir::LabelRequirement;

    fn sel(labels: &[(&str, &str)], exprs: &[(&str, SelectorOp, &[&str])]) -> LabelSelector {
        LabelSelector {
            match_labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            match_expressions: exprs
                .iter()
                .map(|(k, op, vs)| LabelRequirement {
                    key: k.to_string(),
                    op: *op,
                    values: vs.iter().map(|v| v.to_string()).collect(),
                })
                .collect(),
            origin: None,
        }
    }

    #[test]
    fn selector_text_is_the_references() {
        let s = sel(
            &[("foo", "managed")],
            &[
                ("env", SelectorOp::Exists, &[]),
                ("app", SelectorOp::NotIn, &["web", "api"]),
            ],
        );
        assert_eq!(
            selector_text(&s),
            "{foo=managed,{Key:app,Operator:NotIn,Values:[web api],},{Key:env,Operator:Exists,Values:[],}}"
        );
    }

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

    #[test]
    fn rules_match_representatives_by_literal_requirements() {
        let narrow = requirements(Some(&sel(
            &[],
            &[("role", SelectorOp::NotIn, &["w", "x", "y", "z"])],
        )));
        let wide = requirements(Some(&sel(&[], &[("role", SelectorOp::NotIn, &["y", "x"])])));
        assert!(
            !subset(&wide, &narrow),
            "NotIn [x y] is not a requirement of NotIn [w x y z]"
        );
        let same = requirements(Some(&sel(&[], &[("role", SelectorOp::NotIn, &["x", "y"])])));
        assert!(
            subset(&wide, &same) && subset(&same, &wide),
            "values are a set"
        );
        let both = requirements(Some(&sel(
            &[("app", "x")],
            &[("role", SelectorOp::NotIn, &["x", "y"])],
        )));
        assert!(subset(&wide, &both));
        assert!(
            subset(&Vec::new(), &both),
            "an empty selector matches every representative"
        );
        let eq = requirements(Some(&sel(&[("app", "x")], &[])));
        let in_op = requirements(Some(&sel(&[], &[("app", SelectorOp::In, &["x"])])));
        assert!(
            !subset(&eq, &in_op),
            "matchLabels and In are different requirements"
        );
    }
}
