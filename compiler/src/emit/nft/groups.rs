//! Flows a whole group of workloads allows, written once per group instead of
//! once per pair (design §8: the ruleset is linear in workloads + networks +
//! policy rules). A group is a network (its members' addresses on it) or an
//! `open` project (every address of its services); its rule is
//! `ip saddr @g ip daddr @g accept`.
//!
//! The rule must never accept more than the connectivity engine allows, so a
//! group's set holds only its *exact* members: workloads that reach, and are
//! reached by, every other member of the group with All Connections
//! (counted from the engine's flows, never re-derived). Any two exact
//! members then reach each other fully, so the rule is exact whatever else
//! the group holds; a `default-deny` service, an internal-network member
//! with narrower flows or a member of an overlapping policy simply stays out
//! and its flows stay per-pair exceptions. An address is exact only when
//! every workload answering on it is (`network_mode: service:X` shares X's).

use super::super::EmitContext;
use super::super::reach::{Peer, Reach};
use crate::ir::{ComposePolicy, NetworkId, WorkloadId};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// What a group stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Network(NetworkId),
    /// A project under `x-topoc.policy: open` (index into `Topology::projects`).
    Project(usize),
}

#[derive(Debug)]
pub struct Group {
    pub kind: Kind,
    /// Member address → the workloads answering on it.
    pub members: BTreeMap<u32, Vec<WorkloadId>>,
    /// The addresses whose workloads all reach every other member fully.
    pub exact: BTreeSet<u32>,
}

/// Every group with at least two exact addresses, and per workload the
/// groups it belongs to (to test whether a pair's addresses are covered).
pub struct Groups {
    pub groups: Vec<Group>,
    of: HashMap<WorkloadId, Vec<usize>>,
}

impl Groups {
    /// Whether a group rule already accepts everything from `s` to `d`
    /// (addresses of `a` and `b`).
    pub fn covers(&self, a: WorkloadId, b: WorkloadId, s: u32, d: u32) -> bool {
        let (Some(ga), Some(gb)) = (self.of.get(&a), self.of.get(&b)) else {
            return false;
        };
        ga.iter().any(|g| {
            gb.contains(g) && {
                let e = &self.groups[*g].exact;
                e.contains(&s) && e.contains(&d)
            }
        })
    }
}

pub fn exact_groups(
    cx: &EmitContext,
    reach: &Reach,
    addrs: &BTreeMap<WorkloadId, Vec<(NetworkId, Ipv4Addr)>>,
) -> Groups {
    let t = cx.topology;
    let mut groups: Vec<Group> = Vec::new();
    let mut by_network: BTreeMap<NetworkId, usize> = BTreeMap::new();
    let mut by_project: BTreeMap<usize, usize> = BTreeMap::new();
    let new_group = |groups: &mut Vec<Group>, kind| {
        groups.push(Group {
            kind,
            members: BTreeMap::new(),
            exact: BTreeSet::new(),
        });
        groups.len() - 1
    };
    for (&w, list) in addrs {
        let open = t
            .workload(w)
            .project
            .filter(|p| t.projects[p.index()].policy == ComposePolicy::Open)
            .map(|p| p.index());
        for &(n, ip) in list {
            let g = *by_network
                .entry(n)
                .or_insert_with(|| new_group(&mut groups, Kind::Network(n)));
            groups[g].members.entry(u32::from(ip)).or_default().push(w);
            if let Some(p) = open {
                let g = *by_project
                    .entry(p)
                    .or_insert_with(|| new_group(&mut groups, Kind::Project(p)));
                groups[g].members.entry(u32::from(ip)).or_default().push(w);
            }
        }
    }
    // Per workload, its groups; per group, how many distinct workloads.
    let mut of: HashMap<WorkloadId, Vec<usize>> = HashMap::new();
    let mut size = vec![0usize; groups.len()];
    for (g, group) in groups.iter().enumerate() {
        let ws: BTreeSet<WorkloadId> = group.members.values().flatten().copied().collect();
        size[g] = ws.len();
        for w in ws {
            of.entry(w).or_default().push(g);
        }
    }
    // Full flows within each common group, counted per side: the engine's
    // flows are unique per (source, destination), so a count equal to the
    // group's size minus one means "with every other member".
    let mut out: HashMap<(WorkloadId, usize), usize> = HashMap::new();
    let mut inn: HashMap<(WorkloadId, usize), usize> = HashMap::new();
    for (&(from, to), conn) in &reach.flows {
        let (Peer::Workload(a), Peer::Workload(b)) = (from, to) else {
            continue;
        };
        if !conn.is_all() {
            continue;
        }
        let (Some(ga), Some(gb)) = (of.get(&a), of.get(&b)) else {
            continue;
        };
        for g in ga.iter().filter(|g| gb.contains(g)) {
            *out.entry((a, *g)).or_default() += 1;
            *inn.entry((b, *g)).or_default() += 1;
        }
    }
    let full = |w: WorkloadId, g: usize| {
        let need = size[g] - 1;
        out.get(&(w, g)).copied().unwrap_or(0) == need
            && inn.get(&(w, g)).copied().unwrap_or(0) == need
    };
    for (g, group) in groups.iter_mut().enumerate() {
        group.exact = group
            .members
            .iter()
            .filter(|(_, ws)| ws.iter().all(|&w| full(w, g)))
            .map(|(ip, _)| *ip)
            .collect();
    }
    // Only groups whose rule accepts something; indices re-mapped.
    let mut keep = vec![None; groups.len()];
    let mut kept = Vec::new();
    for (g, group) in groups.into_iter().enumerate() {
        if group.exact.len() >= 2 {
            keep[g] = Some(kept.len());
            kept.push(group);
        }
    }
    for list in of.values_mut() {
        *list = list.iter().filter_map(|g| keep[*g]).collect();
    }
    of.retain(|_, l| !l.is_empty());
    Groups { groups: kept, of }
}
