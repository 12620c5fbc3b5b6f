//! The admin tiers around NetworkPolicy (network-policy-api v1alpha1), on
//! the same classes and rule bitsets as `kube`:
//!
//! 1. AdminNetworkPolicies by ascending `priority`, each one's rules in
//!    order: the first rule that matches a connection decides it — `Allow`,
//!    `Deny`, or `Pass` (hand it to the NetworkPolicy tier);
//! 2. NetworkPolicies: a pod they isolate in a direction gets exactly what
//!    their rules allow for every connection the ANPs left undecided or
//!    passed;
//! 3. otherwise the BaselineAdminNetworkPolicy `default`: its first
//!    matching rule `Allow`s or `Deny`s;
//! 4. otherwise the cluster default: allowed.
//!
//! Decisions are per connection (protocol and port), so a direction is
//! computed as connection sets: what is still open shrinks rule by rule.
//! Two ANPs of the same priority have no defined order in the API (the
//! `admin-priority-overlap` check reports them); here they run by name.
//! A BANP not named `default` is refused by the API server, so it never
//! applies (`baseline-not-default` reports it).

use super::conn::ConnSet;
use super::kube::{Engine, Remote, RuleInfo, dir_index};
use crate::ir::{AdminAction, AdminPolicy, AdminPort, Direction, NamespaceId, Protocol, Topology};
use crate::resolve::kube::{Class, ClassId};

/// The name the API requires of the one BaselineAdminNetworkPolicy.
pub const BASELINE_NAME: &str = "default";

/// Indices of the ANPs in evaluation order: priority, then name (the API
/// leaves ties undefined), then input order.
pub fn admin_order(t: &Topology) -> Vec<usize> {
    let mut order: Vec<usize> = (0..t.admin_policies.len())
        .filter(|&i| !t.admin_policies[i].is_baseline())
        .collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&t.admin_policies[a], &t.admin_policies[b]);
        (pa.priority, &pa.name, a).cmp(&(pb.priority, &pb.name, b))
    });
    order
}

/// The BaselineAdminNetworkPolicies in effect: per cluster (each
/// kustomize overlay is one, `AdminPolicy::cluster`), the first one named
/// `default`.
pub fn baselines(t: &Topology) -> Vec<usize> {
    let mut seen: Vec<Option<&str>> = Vec::new();
    let mut out = Vec::new();
    for (i, p) in t.admin_policies.iter().enumerate() {
        if p.is_baseline() && p.name == BASELINE_NAME && !seen.contains(&p.cluster.as_deref()) {
            seen.push(p.cluster.as_deref());
            out.push(i);
        }
    }
    out
}

/// The ports of an admin rule as a fixed set plus named ports (a named port
/// carries its protocol on the pod, so each protocol is tried).
pub fn admin_ports(ports: &[AdminPort]) -> (ConnSet, Vec<(String, Protocol)>) {
    if ports.is_empty() {
        return (ConnSet::all(), Vec::new());
    }
    let mut fixed = ConnSet::none();
    let mut named = Vec::new();
    for p in ports {
        match p {
            AdminPort::Number { protocol, port } => fixed.add(*protocol, *port, *port),
            AdminPort::Range {
                protocol,
                start,
                end,
            } => fixed.add(*protocol, *start, *end),
            AdminPort::Named(n) => {
                named.extend(Protocol::ALL.iter().map(|&proto| (n.clone(), proto)))
            }
        }
    }
    (fixed, named)
}

/// Number the rules of every admin policy in effect into the engine and
/// attach them to the classes their subjects select.
pub fn add_admin_rules(e: &mut Engine, t: &Topology) {
    let r = e.r;
    let order: Vec<(usize, bool)> = admin_order(t)
        .into_iter()
        .map(|i| (i, false))
        .chain(baselines(t).into_iter().map(|i| (i, true)))
        .collect();
    for (pi, is_baseline) in order {
        let p: &AdminPolicy = &t.admin_policies[pi];
        for (dir, rules) in [
            (Direction::Ingress, &p.ingress),
            (Direction::Egress, &p.egress),
        ] {
            let d = dir_index(dir);
            let mut ids = Vec::with_capacity(rules.len());
            for (ri, rule) in rules.iter().enumerate() {
                let (fixed, named) = admin_ports(&rule.ports);
                let cluster = r.admin_cluster[pi];
                let info = RuleInfo::peers(r, cluster, NamespaceId(0), &rule.peers, fixed, named);
                match dir {
                    Direction::Ingress => e.ingress_ips.extend_from_slice(&info.ips),
                    Direction::Egress => e.egress_ips.extend_from_slice(&info.ips),
                }
                ids.push(e.rules.len() as u32);
                e.rules.push(info);
                e.actions.push(Some(rule.action));
                e.rule_source.push((pi as u32, ri as u32));
            }
            for &c in &r.admin_classes[pi] {
                let list = if is_baseline {
                    &mut e.baseline_rules[d][c.index()]
                } else {
                    &mut e.admin_rules[d][c.index()]
                };
                list.extend_from_slice(&ids);
            }
        }
    }
}

impl Engine<'_> {
    /// What one direction of `subject` allows with `remote`, every tier
    /// applied; `dst` is the destination class (None: an address).
    pub fn decide(
        &self,
        dir: Direction,
        subject: ClassId,
        remote: Remote,
        dst: Option<&Class>,
    ) -> ConnSet {
        let d = dir_index(dir);
        let admin = &self.admin_rules[d][subject.index()];
        let baseline = &self.baseline_rules[d][subject.index()];
        if admin.is_empty() && baseline.is_empty() {
            return self.np_allowed(dir, subject, remote, dst);
        }
        let mut allowed = ConnSet::none();
        // Connections no ANP rule has decided yet, and those passed on.
        let mut open = ConnSet::all();
        let mut passed = ConnSet::none();
        for &ri in admin {
            let rule = &self.rules[ri as usize];
            if !rule.matches(remote) {
                continue;
            }
            let hit = rule.conn_within(dst, &open);
            if hit.is_empty() {
                continue;
            }
            match self.actions[ri as usize] {
                Some(AdminAction::Allow) => allowed.union_with(&hit),
                Some(AdminAction::Pass) => passed.union_with(&hit),
                _ => {}
            }
            open = open.difference(&hit);
            if open.is_empty() {
                break;
            }
        }
        let mut rest = open;
        rest.union_with(&passed);
        if rest.is_empty() {
            return allowed;
        }
        if self.isolated(dir, subject) {
            allowed.union_with(&self.np_allowed(dir, subject, remote, dst).intersect(&rest));
            return allowed;
        }
        for &ri in baseline {
            let rule = &self.rules[ri as usize];
            if !rule.matches(remote) {
                continue;
            }
            let hit = rule.conn_within(dst, &rest);
            if hit.is_empty() {
                continue;
            }
            if self.actions[ri as usize] == Some(AdminAction::Allow) {
                allowed.union_with(&hit);
            }
            rest = rest.difference(&hit);
            if rest.is_empty() {
                break;
            }
        }
        allowed.union_with(&rest);
        allowed
    }
}
