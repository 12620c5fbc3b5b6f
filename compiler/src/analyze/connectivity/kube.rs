//! NetworkPolicy semantics on equivalence classes, inside the admin tiers
//! (`tiers.rs`: AdminNetworkPolicy before, BaselineAdminNetworkPolicy after).
//! Each policy rule is evaluated once into a bitset of peer classes plus an
//! IPv4 interval list; each class gets its isolation flags and the rules that
//! apply to it. A pair of classes then costs one bit test per applicable rule
//! — there is no pod × pod × policy loop.
//!
//! A flow needs the source's egress AND the destination's ingress to allow
//! it; a direction no policy isolates allows everything; named ports resolve
//! on the destination's containers (and never for ipBlock destinations).
//! Pods of different pod networks (OVN-Kubernetes primary user-defined
//! networks, `networks.rs`) never connect, before any policy is consulted.

use super::conn::ConnSet;
use super::ipset::{self, Range};
use crate::ir::{
    AdminAction, Direction, LabelSelector, Peer, PolicyRule, PortRef, Protocol, Topology,
};
use crate::resolve::kube::{Class, ClassId, KubeResolved};

pub use crate::resolve::classset::BitSet;

/// The other side of a flow, seen from the pod a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remote {
    Class(ClassId),
    /// An external address range (one printed piece).
    Piece(Range),
    /// A pod of which nothing is known — any namespace, any labels (the
    /// ingress controller): only peers that select every pod match it.
    AnyPod,
    /// A representative of pods not in the inputs (`exposure`): matched by
    /// the rules that list it in `RuleInfo::representatives`.
    Representative(u32),
}

/// One rule of one policy, pre-evaluated.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// `from`/`to` absent or empty: every pod and every address.
    pub all_peers: bool,
    /// Some peer selects every pod of every namespace.
    pub any_pod: bool,
    pub classes: BitSet,
    /// Addresses its ipBlock peers allow.
    pub ips: Vec<Range>,
    /// Ports that do not depend on the destination.
    pub fixed: ConnSet,
    /// Named ports, resolved on each destination class.
    pub named: Vec<(String, Protocol)>,
    /// Representative peers (`exposure`) the rule matches, ascending; filled
    /// only by the exposure analysis.
    pub representatives: Vec<u32>,
}

impl RuleInfo {
    pub fn new(
        t: &Topology,
        r: &KubeResolved,
        ns: crate::ir::NamespaceId,
        rule: &PolicyRule,
    ) -> Self {
        let _ = t;
        let (fixed, named) = rule_ports(rule);
        let cluster = r.ns_cluster[ns.index()];
        let mut info = RuleInfo::peers(r, cluster, ns, &rule.peers, fixed, named);
        info.all_peers = rule.peers.is_empty();
        info
    }

    /// Rule `ri` of policy `pi` (an ingress rule when `ingress`), from the
    /// peer selections resolve made: `new` without selecting anything.
    pub fn of_policy(
        t: &Topology,
        r: &KubeResolved,
        pi: usize,
        ingress: bool,
        ri: usize,
        rule: &PolicyRule,
    ) -> Self {
        let (fixed, named) = rule_ports(rule);
        let selections = r.policy_peer_selections(t, pi, ingress, ri);
        let mut info = RuleInfo::build(
            r,
            &rule.peers,
            |k, _| selections[k].classes.clone(),
            fixed,
            named,
        );
        info.all_peers = rule.peers.is_empty();
        info
    }

    /// A rule over `peers` (never "every peer": an empty list matches
    /// nothing) with its ports already split, selecting in cluster
    /// `cluster` (`KubeResolved::ns_cluster`).
    pub fn peers(
        r: &KubeResolved,
        cluster: u32,
        ns: crate::ir::NamespaceId,
        peers: &[Peer],
        fixed: ConnSet,
        named: Vec<(String, Protocol)>,
    ) -> Self {
        RuleInfo::build(
            r,
            peers,
            |_, peer| r.peer_set_in(cluster, ns, peer),
            fixed,
            named,
        )
    }

    /// A rule over `peers` whose pod peers select `selection(index, peer)`.
    fn build(
        r: &KubeResolved,
        peers: &[Peer],
        mut selection: impl FnMut(usize, &Peer) -> BitSet,
        fixed: ConnSet,
        named: Vec<(String, Protocol)>,
    ) -> Self {
        let mut classes = BitSet::new(r.classes.len());
        let mut ips = Vec::new();
        let mut any_pod = false;
        for (k, peer) in peers.iter().enumerate() {
            match &peer.ip_block {
                Some(b) => ips.extend(ipset::block_intervals(b)),
                None => {
                    any_pod |= selects_every_pod(peer);
                    // The first peer's selection is shared, not copied.
                    classes.union_with(&selection(k, peer));
                }
            }
        }
        RuleInfo {
            all_peers: false,
            any_pod,
            classes,
            ips,
            fixed,
            named,
            representatives: Vec::new(),
        }
    }

    /// Connections the rule allows to pods of class `dst`.
    pub fn conn_to(&self, dst: &Class) -> ConnSet {
        let mut c = self.fixed.clone();
        for (name, proto) in &self.named {
            if let Some(p) = dst.named_port(name, *proto) {
                c.add(*proto, p, p);
            }
        }
        c
    }

    pub fn matches_class(&self, c: ClassId) -> bool {
        self.all_peers || self.classes.contains(c.index())
    }

    pub fn matches_piece(&self, piece: Range) -> bool {
        self.all_peers || ipset::covers(&self.ips, piece)
    }

    pub fn matches(&self, remote: Remote) -> bool {
        match remote {
            Remote::Class(c) => self.matches_class(c),
            Remote::Piece(p) => self.matches_piece(p),
            Remote::AnyPod => self.all_peers || self.any_pod,
            Remote::Representative(k) => {
                self.all_peers || self.any_pod || self.representatives.binary_search(&k).is_ok()
            }
        }
    }

    /// The connections of `within` the rule allows to `dst` (as
    /// `conn_for(dst).intersect(within)`, without a copy when the rule
    /// names no port).
    pub fn conn_within(&self, dst: Option<&Class>, within: &ConnSet) -> ConnSet {
        match dst {
            Some(c) if !self.named.is_empty() => self.conn_to(c).intersect(within),
            _ => self.fixed.intersect(within),
        }
    }

    /// Connections to `dst`: a class (named ports resolve on it) or an
    /// address (named ports never match).
    pub fn conn_for(&self, dst: Option<&Class>) -> ConnSet {
        match dst {
            Some(c) => self.conn_to(c),
            None => self.fixed.clone(),
        }
    }
}

/// A peer whose selectors match every pod of every namespace
/// (`namespaceSelector: {}` with no or an empty `podSelector`).
fn selects_every_pod(peer: &Peer) -> bool {
    let empty = |s: &Option<LabelSelector>| s.as_ref().is_some_and(LabelSelector::is_empty);
    empty(&peer.namespace_selector)
        && peer
            .pod_selector
            .as_ref()
            .is_none_or(LabelSelector::is_empty)
}

/// The ports of a rule: numeric ones and whole protocols as a fixed set,
/// named ones kept for per-destination resolution. No ports: everything.
pub fn rule_ports(rule: &PolicyRule) -> (ConnSet, Vec<(String, Protocol)>) {
    if rule.ports.is_empty() {
        return (ConnSet::all(), Vec::new());
    }
    let mut fixed = ConnSet::none();
    let mut named = Vec::new();
    for p in &rule.ports {
        match &p.port {
            None => fixed.add(p.protocol, 1, 65535),
            Some(PortRef::Number(n)) => fixed.add(p.protocol, *n, p.end_port.unwrap_or(*n).max(*n)),
            Some(PortRef::Name(name)) => named.push((name.clone(), p.protocol)),
        }
    }
    (fixed, named)
}

/// Isolation and applicable rules of every class, per direction.
pub struct Engine<'a> {
    pub r: &'a KubeResolved,
    /// NetworkPolicy rules first (numbered policy by policy, ingress then
    /// egress), then the admin tiers' rules (`actions` says which).
    pub rules: Vec<RuleInfo>,
    /// Per rule: None for a NetworkPolicy rule, the action of an admin rule.
    pub actions: Vec<Option<AdminAction>>,
    /// Per rule: (policy index in `t.policies` or `t.admin_policies`, rule
    /// index in its direction).
    pub rule_source: Vec<(u32, u32)>,
    pub ingress_isolated: Vec<bool>,
    pub egress_isolated: Vec<bool>,
    pub ingress_rules: Vec<Vec<u32>>,
    pub egress_rules: Vec<Vec<u32>>,
    /// Per class and direction ([ingress, egress]): the ANP rules that apply,
    /// in evaluation order, and the BANP's.
    pub admin_rules: [Vec<Vec<u32>>; 2],
    pub baseline_rules: [Vec<Vec<u32>>; 2],
    /// Every interval of ingress (resp. egress) ipBlocks and admin
    /// `networks`, for the pieces.
    pub ingress_ips: Vec<Range>,
    pub egress_ips: Vec<Range>,
    /// Per class and direction: an index into `reach`, the union of the
    /// peers that its rules able to allow anything to an isolated subject
    /// (NetworkPolicy rules and ANP `Allow` rules) can match — a cheap test
    /// that skips most pairs. Classes with the same lists share one entry.
    pub(super) ingress_reach: Vec<u32>,
    pub(super) egress_reach: Vec<u32>,
    pub(super) reach: Vec<(bool, BitSet)>,
    /// Per class: its pod network, and its cluster: `networks::POD_NETWORK`
    /// or 1 + the user-defined network's id, plus the class's cluster
    /// (`KubeResolved::ns_cluster`) times the number of pod networks.
    /// Classes of different networks never connect: OVN-Kubernetes isolates
    /// every primary network, and two clusters (kustomize overlays, each a
    /// deployment of its own) share none.
    pub class_network: Vec<u32>,
}

/// Index of a direction in `[ingress, egress]` arrays.
pub fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

impl<'a> Engine<'a> {
    pub fn new(t: &Topology, r: &'a KubeResolved) -> Self {
        let n = r.classes.len();
        let mut e = Engine {
            r,
            rules: Vec::new(),
            actions: Vec::new(),
            rule_source: Vec::new(),
            ingress_isolated: vec![false; n],
            egress_isolated: vec![false; n],
            ingress_rules: vec![Vec::new(); n],
            egress_rules: vec![Vec::new(); n],
            admin_rules: [vec![Vec::new(); n], vec![Vec::new(); n]],
            baseline_rules: [vec![Vec::new(); n], vec![Vec::new(); n]],
            ingress_ips: Vec::new(),
            egress_ips: Vec::new(),
            ingress_reach: Vec::new(),
            egress_reach: Vec::new(),
            reach: Vec::new(),
            class_network: r
                .classes
                .iter()
                .map(|c| {
                    let pod = t
                        .namespace(c.namespace)
                        .pod_network
                        .map_or(super::networks::POD_NETWORK, |p| p.0 + 1);
                    let networks = t.pod_networks.len() as u32 + 1;
                    r.ns_cluster[c.namespace.index()] * networks + pod
                })
                .collect(),
        };
        for (pi, p) in t.policies.iter().enumerate() {
            let mut ids = [Vec::new(), Vec::new()];
            for (d, rules) in [(0, &p.ingress), (1, &p.egress)] {
                for (ri, rule) in rules.iter().enumerate() {
                    let info = RuleInfo::of_policy(t, r, pi, d == 0, ri, rule);
                    if d == 0 {
                        e.ingress_ips.extend_from_slice(&info.ips);
                    } else {
                        e.egress_ips.extend_from_slice(&info.ips);
                    }
                    ids[d].push(e.rules.len() as u32);
                    e.rules.push(info);
                    e.actions.push(None);
                    e.rule_source.push((pi as u32, ri as u32));
                }
            }
            for &c in &r.policy_classes[pi] {
                let c = c.index();
                if p.isolates_ingress {
                    e.ingress_isolated[c] = true;
                    e.ingress_rules[c].extend_from_slice(&ids[0]);
                }
                if p.isolates_egress {
                    e.egress_isolated[c] = true;
                    e.egress_rules[c].extend_from_slice(&ids[1]);
                }
            }
        }
        super::tiers::add_admin_rules(&mut e, t);
        let mut seen: crate::ir::FastMap<Vec<u32>, u32> = crate::ir::FastMap::default();
        for dir in 0..2 {
            let lists = if dir == 0 {
                &e.ingress_rules
            } else {
                &e.egress_rules
            };
            let mut ids = Vec::with_capacity(n);
            for (c, list) in lists.iter().enumerate() {
                // The reach set is consulted for isolated subjects only, and
                // there an admin rule can allow only by `Allow` (a `Pass`
                // hands over to the NetworkPolicy rules, which are in the
                // set; the baseline never decides an isolated subject).
                let admin = &e.admin_rules[dir][c];
                let mut key = list.clone();
                key.push(u32::MAX);
                key.extend(
                    admin
                        .iter()
                        .copied()
                        .filter(|&ri| e.actions[ri as usize] == Some(AdminAction::Allow)),
                );
                let id = *seen.entry(key).or_insert_with_key(|key| {
                    let mut all = false;
                    let mut bits = BitSet::new(n);
                    for &ri in key.iter().filter(|&&ri| ri != u32::MAX) {
                        let rule = &e.rules[ri as usize];
                        all |= rule.all_peers;
                        bits.union_with(&rule.classes);
                    }
                    e.reach.push((all, bits));
                    e.reach.len() as u32 - 1
                });
                ids.push(id);
            }
            if dir == 0 {
                e.ingress_reach = ids;
            } else {
                e.egress_reach = ids;
            }
        }
        e
    }

    /// Whether some rule could allow anything between the two classes.
    pub(super) fn may_allow(&self, src: ClassId, dst: ClassId) -> bool {
        if !self.same_network(src, dst) {
            return false;
        }
        // Without NetworkPolicy isolation the cluster default allows
        // (unless an admin rule denies, which `decide` evaluates); with it,
        // only a peer that a NetworkPolicy rule or an ANP `Allow` rule
        // matches can be allowed.
        let ok = |isolated: &[bool], reach: &[u32], subject: ClassId, peer: ClassId| {
            if !isolated[subject.index()] {
                return true;
            }
            let (all, bits) = &self.reach[reach[subject.index()] as usize];
            *all || bits.contains(peer.index())
        };
        ok(&self.egress_isolated, &self.egress_reach, src, dst)
            && ok(&self.ingress_isolated, &self.ingress_reach, dst, src)
    }

    /// Whether two classes are on one pod network (else nothing connects
    /// them, whatever the policies say).
    pub fn same_network(&self, a: ClassId, b: ClassId) -> bool {
        self.class_network[a.index()] == self.class_network[b.index()]
    }

    pub fn class(&self, c: ClassId) -> &Class {
        &self.r.classes[c.index()]
    }

    pub fn isolated(&self, dir: Direction, subject: ClassId) -> bool {
        match dir {
            Direction::Ingress => self.ingress_isolated[subject.index()],
            Direction::Egress => self.egress_isolated[subject.index()],
        }
    }

    /// What the NetworkPolicy tier alone allows in one direction of
    /// `subject` (the pod the policies select) with `remote`; `dst` is the
    /// destination class (None: an address).
    pub fn np_allowed(
        &self,
        dir: Direction,
        subject: ClassId,
        remote: Remote,
        dst: Option<&Class>,
    ) -> ConnSet {
        if !self.isolated(dir, subject) {
            return ConnSet::all();
        }
        let rules = match dir {
            Direction::Egress => &self.egress_rules,
            Direction::Ingress => &self.ingress_rules,
        };
        let mut c = ConnSet::none();
        for &ri in &rules[subject.index()] {
            let rule = &self.rules[ri as usize];
            if rule.matches(remote) {
                match dst {
                    Some(d) if !rule.named.is_empty() => c.union_with(&rule.conn_to(d)),
                    _ => c.union_with(&rule.fixed),
                }
                if c.is_all() {
                    break;
                }
            }
        }
        c
    }

    /// What one direction allows between two classes, all tiers applied.
    pub fn allowed(&self, dir: Direction, src: ClassId, dst: ClassId) -> ConnSet {
        let (subject, remote) = match dir {
            Direction::Egress => (src, dst),
            Direction::Ingress => (dst, src),
        };
        self.decide(dir, subject, Remote::Class(remote), Some(self.class(dst)))
    }

    pub fn pair(&self, src: ClassId, dst: ClassId) -> ConnSet {
        if !self.may_allow(src, dst) {
            return ConnSet::none();
        }
        let eg = self.allowed(Direction::Egress, src, dst);
        if eg.is_empty() {
            return eg;
        }
        eg.intersect(&self.allowed(Direction::Ingress, src, dst))
    }

    /// From an external piece into a class.
    pub fn from_external(&self, piece: Range, dst: ClassId) -> ConnSet {
        self.decide(
            Direction::Ingress,
            dst,
            Remote::Piece(piece),
            Some(self.class(dst)),
        )
    }

    /// From a class to an external piece (named ports never match addresses).
    pub fn to_external(&self, src: ClassId, piece: Range) -> ConnSet {
        self.decide(Direction::Egress, src, Remote::Piece(piece), None)
    }

    /// From a pod of which nothing is known (the ingress controller) into a
    /// class; its own egress is not governed by the inputs.
    pub fn from_any_pod(&self, dst: ClassId) -> ConnSet {
        self.decide(
            Direction::Ingress,
            dst,
            Remote::AnyPod,
            Some(self.class(dst)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::BitSet;

    #[test]
    fn bitset_iter_yields_members_in_order() {
        let mut b = BitSet::new(200);
        for i in [0, 5, 63, 64, 130, 199] {
            b.insert(i);
        }
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![0, 5, 63, 64, 130, 199]);
        assert_eq!(BitSet::new(10).iter().count(), 0);
    }
}
