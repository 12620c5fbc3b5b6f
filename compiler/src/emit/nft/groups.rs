//! Flows a whole group of workloads allows, written once per group instead of
//! once per pair (design §8: the ruleset is linear in workloads + networks +
//! policy rules). A group is a network (its members' addresses on it) or an
//! `open` project (every address of its services); its rule is
//! `ip saddr @g ip daddr @g accept`.
//!
//! The rule must never accept more than the connectivity engine allows, so a
//! group's set holds only its *exact* members: a subset of the members in
//! which each reaches, and is reached by, every other with All Connections
//! (counted from the engine's flows, never re-derived). Any two exact
//! members then reach each other fully, so the rule is exact whatever else
//! the group holds; a `default-deny` service with narrower talks-to, or a
//! member of an overlapping policy, simply stays out and its flows stay
//! per-pair exceptions. An address is exact only when
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

/// How many times members are dropped and the rest recounted before only
/// the members full with every other one are kept (each round is one pass
/// over the engine's flows; a clique settles in the first).
const MAX_ROUNDS: usize = 8;

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
    for (g, group) in groups.iter().enumerate() {
        let ws: BTreeSet<WorkloadId> = group.members.values().flatten().copied().collect();
        for w in ws {
            of.entry(w).or_default().push(g);
        }
    }
    // Full flows within each group, counted per side among the members still
    // in it: the engine's flows are unique per (source, destination), so a
    // member with `size - 1` full flows out and in is full with every other
    // one. Members missing some are dropped, the worst first (a member that
    // misses every pair goes before one that misses a single narrow pair),
    // and the rest recounted, until every remaining member is full.
    let mut alive: Vec<BTreeSet<WorkloadId>> = groups
        .iter()
        .map(|g| g.members.values().flatten().copied().collect())
        .collect();
    let full_flows: Vec<(WorkloadId, WorkloadId, Vec<usize>)> = reach
        .flows
        .iter()
        .filter_map(|(&(from, to), conn)| {
            let (Peer::Workload(a), Peer::Workload(b)) = (from, to) else {
                return None;
            };
            let (ga, gb) = (of.get(&a)?, of.get(&b)?);
            let common: Vec<usize> = ga.iter().filter(|g| gb.contains(g)).copied().collect();
            (conn.is_all() && !common.is_empty()).then_some((a, b, common))
        })
        .collect();
    for round in 0.. {
        let mut count: HashMap<(WorkloadId, usize), usize> = HashMap::new();
        for (a, b, common) in &full_flows {
            for &g in common {
                if alive[g].contains(a) && alive[g].contains(b) {
                    *count.entry((*a, g)).or_default() += 1;
                    *count.entry((*b, g)).or_default() += 1;
                }
            }
        }
        let mut changed = false;
        for (g, members) in alive.iter_mut().enumerate() {
            let need = 2 * members.len().saturating_sub(1);
            let deficit =
                |w: &WorkloadId| need.saturating_sub(count.get(&(*w, g)).copied().unwrap_or(0));
            let worst = members.iter().map(deficit).max().unwrap_or(0);
            if worst == 0 {
                continue;
            }
            changed = true;
            if round + 1 == MAX_ROUNDS {
                // Full with every member of a superset: exact.
                members.retain(|w| deficit(w) == 0);
            } else {
                members.retain(|w| deficit(w) < worst);
            }
        }
        if !changed || round + 1 == MAX_ROUNDS {
            break;
        }
    }
    for (g, group) in groups.iter_mut().enumerate() {
        group.exact = group
            .members
            .iter()
            .filter(|(_, ws)| ws.iter().all(|w| alive[g].contains(w)))
            .map(|(ip, _)| *ip)
            .collect();
    }
    // Only groups whose rule accepts something that no `open` project's
    // rule already accepts; indices re-mapped.
    let projects: Vec<&BTreeSet<u32>> = groups
        .iter()
        .filter(|g| matches!(g.kind, Kind::Project(_)))
        .map(|g| &g.exact)
        .collect();
    let redundant: Vec<bool> = groups
        .iter()
        .map(|g| {
            matches!(g.kind, Kind::Network(_)) && projects.iter().any(|p| g.exact.is_subset(p))
        })
        .collect();
    let mut keep = vec![None; groups.len()];
    let mut kept = Vec::new();
    for (g, group) in groups.into_iter().enumerate() {
        if group.exact.len() >= 2 && !redundant[g] {
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
