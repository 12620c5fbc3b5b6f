//! NetworkPolicy semantics on equivalence classes. Each policy rule is
//! evaluated once into a bitset of peer classes plus an IPv4 interval list;
//! each class gets its isolation flags and the rules that apply to it. A pair
//! of classes then costs one bit test per applicable rule — there is no
//! pod × pod × policy loop.
//!
//! A flow needs the source's egress AND the destination's ingress to allow
//! it; a direction no policy isolates allows everything; named ports resolve
//! on the destination's containers (and never for ipBlock destinations).

use super::conn::ConnSet;
use super::ipset::{self, Range};
use super::{Connectivity, EndpointKind};
use crate::ir::{Direction, PolicyRule, PortRef, Protocol, Topology};
use crate::resolve::kube::{Class, ClassId, KubeResolved};

/// A small fixed-size bitset over classes.
#[derive(Debug, Clone)]
pub struct BitSet(Vec<u64>);

impl BitSet {
    pub fn new(n: usize) -> Self {
        BitSet(vec![0; n.div_ceil(64)])
    }
    pub fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    pub fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    pub fn union_with(&mut self, o: &BitSet) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }
}

/// One rule of one policy, pre-evaluated.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// `from`/`to` absent or empty: every pod and every address.
    pub all_peers: bool,
    pub classes: BitSet,
    /// Addresses its ipBlock peers allow.
    pub ips: Vec<Range>,
    /// Ports that do not depend on the destination.
    pub fixed: ConnSet,
    /// Named ports, resolved on each destination class.
    pub named: Vec<(String, Protocol)>,
}

impl RuleInfo {
    pub fn new(
        t: &Topology,
        r: &KubeResolved,
        ns: crate::ir::NamespaceId,
        rule: &PolicyRule,
    ) -> Self {
        let mut classes = BitSet::new(r.classes.len());
        let mut ips = Vec::new();
        for peer in &rule.peers {
            match &peer.ip_block {
                Some(b) => ips.extend(ipset::block_intervals(b)),
                None => {
                    for c in r.peer_classes(ns, peer) {
                        classes.insert(c.index());
                    }
                }
            }
        }
        let _ = t;
        let (fixed, named) = rule_ports(rule);
        RuleInfo {
            all_peers: rule.peers.is_empty(),
            classes,
            ips,
            fixed,
            named,
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
    pub rules: Vec<RuleInfo>,
    pub ingress_isolated: Vec<bool>,
    pub egress_isolated: Vec<bool>,
    pub ingress_rules: Vec<Vec<u32>>,
    pub egress_rules: Vec<Vec<u32>>,
    /// Every interval of ingress (resp. egress) ipBlocks, for the pieces.
    pub ingress_ips: Vec<Range>,
    pub egress_ips: Vec<Range>,
    /// Per class and direction: an index into `reach`, the union of the
    /// peers its rules can match — a cheap test that skips most pairs.
    /// Classes with the same rule list share one entry.
    ingress_reach: Vec<u32>,
    egress_reach: Vec<u32>,
    reach: Vec<(bool, BitSet)>,
}

impl<'a> Engine<'a> {
    pub fn new(t: &Topology, r: &'a KubeResolved) -> Self {
        let n = r.classes.len();
        let mut e = Engine {
            r,
            rules: Vec::new(),
            ingress_isolated: vec![false; n],
            egress_isolated: vec![false; n],
            ingress_rules: vec![Vec::new(); n],
            egress_rules: vec![Vec::new(); n],
            ingress_ips: Vec::new(),
            egress_ips: Vec::new(),
            ingress_reach: Vec::new(),
            egress_reach: Vec::new(),
            reach: Vec::new(),
        };
        for (pi, p) in t.policies.iter().enumerate() {
            let mut ids = [Vec::new(), Vec::new()];
            for (d, rules) in [(0, &p.ingress), (1, &p.egress)] {
                for rule in rules {
                    let info = RuleInfo::new(t, r, p.namespace, rule);
                    if d == 0 {
                        e.ingress_ips.extend_from_slice(&info.ips);
                    } else {
                        e.egress_ips.extend_from_slice(&info.ips);
                    }
                    ids[d].push(e.rules.len() as u32);
                    e.rules.push(info);
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
        let mut seen: std::collections::HashMap<Vec<u32>, u32> = std::collections::HashMap::new();
        for dir in 0..2 {
            let lists = if dir == 0 {
                &e.ingress_rules
            } else {
                &e.egress_rules
            };
            let mut ids = Vec::with_capacity(n);
            for list in lists {
                let id = *seen.entry(list.clone()).or_insert_with(|| {
                    let mut all = false;
                    let mut bits = BitSet::new(n);
                    for &ri in list {
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
    fn may_allow(&self, src: ClassId, dst: ClassId) -> bool {
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

    fn class(&self, c: ClassId) -> &Class {
        &self.r.classes[c.index()]
    }

    /// What one direction allows between two classes.
    pub fn allowed(&self, dir: Direction, src: ClassId, dst: ClassId) -> ConnSet {
        let (isolated, rules, subject, peer) = match dir {
            Direction::Egress => (&self.egress_isolated, &self.egress_rules, src, dst),
            Direction::Ingress => (&self.ingress_isolated, &self.ingress_rules, dst, src),
        };
        if !isolated[subject.index()] {
            return ConnSet::all();
        }
        let mut c = ConnSet::none();
        for &ri in &rules[subject.index()] {
            let rule = &self.rules[ri as usize];
            if rule.matches_class(peer) {
                c.union_with(&rule.conn_to(self.class(dst)));
                if c.is_all() {
                    break;
                }
            }
        }
        c
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
        if !self.ingress_isolated[dst.index()] {
            return ConnSet::all();
        }
        let mut c = ConnSet::none();
        for &ri in &self.ingress_rules[dst.index()] {
            let rule = &self.rules[ri as usize];
            if rule.matches_piece(piece) {
                c.union_with(&rule.conn_to(self.class(dst)));
            }
        }
        c
    }

    /// From a class to an external piece (named ports never match addresses).
    pub fn to_external(&self, src: ClassId, piece: Range) -> ConnSet {
        if !self.egress_isolated[src.index()] {
            return ConnSet::all();
        }
        let mut c = ConnSet::none();
        for &ri in &self.egress_rules[src.index()] {
            let rule = &self.rules[ri as usize];
            if rule.matches_piece(piece) {
                c.union_with(&rule.fixed);
            }
        }
        c
    }
}

/// Add every Kubernetes flow to `out`.
pub fn edges(t: &Topology, r: &KubeResolved, out: &mut Connectivity) {
    if r.classes.is_empty() {
        return;
    }
    let e = Engine::new(t, r);
    let eps: Vec<Vec<u32>> = r
        .classes
        .iter()
        .map(|c| {
            c.members
                .iter()
                .map(|&w| out.endpoint(t, EndpointKind::Workload(w)))
                .collect()
        })
        .collect();
    let classes: Vec<ClassId> = (0..r.classes.len() as u32).map(ClassId).collect();
    for &s in &classes {
        for &d in &classes {
            let conn = e.pair(s, d);
            if conn.is_empty() {
                continue;
            }
            let conn = out.conn_id(conn);
            for &a in &eps[s.index()] {
                for &b in &eps[d.index()] {
                    if a != b {
                        out.push_id(a, b, conn);
                    }
                }
            }
        }
    }
    for piece in ipset::pieces(&e.ingress_ips) {
        let x = out.endpoint(t, EndpointKind::External(piece));
        for &d in &classes {
            let conn = e.from_external(piece, d);
            if !conn.is_empty() {
                let conn = out.conn_id(conn);
                for &b in &eps[d.index()] {
                    out.push_id(x, b, conn);
                }
            }
        }
    }
    for piece in ipset::pieces(&e.egress_ips) {
        let x = out.endpoint(t, EndpointKind::External(piece));
        for &s in &classes {
            let conn = e.to_external(s, piece);
            if !conn.is_empty() {
                let conn = out.conn_id(conn);
                for &a in &eps[s.index()] {
                    out.push_id(a, x, conn);
                }
            }
        }
    }
}
