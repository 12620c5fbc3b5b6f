//! `topoc diff`: the connectivity change between two inputs, as np-guard
//! netpol-analyzer's `diff` computes it (ref1 = the old input, ref2 = the
//! new one). Pure: it reads two connectivity results and the workloads of
//! both topologies; `cli/diff.rs` loads them (from paths or a git revision).
//!
//! The reference's semantics:
//! - pairs are keyed by the printed source and destination names; a pair
//!   allowed on one side only is `added` or `removed`, a pair allowed on
//!   both with different connections is `changed`, equal pairs are not
//!   reported;
//! - external ranges are first refined to the disjoint pieces of every
//!   range either side prints, sources and destinations together
//!   (netpol-analyzer's `DisjointPeerIPMap` + `RefineConnListByDisjointPeers`),
//!   so `0.0.0.0-255.255.255.255` on one side and `10.0.0.0-10.255.255.255`
//!   on the other compare piece by piece;
//! - an `added` (`removed`) pair names the workloads that do not exist in
//!   the old (new) topology at all (`workloads-diff-info`); external ranges
//!   and the ingress controller are never "added".

mod render;

pub use render::{Format, render};

use crate::analyze::connectivity::{ConnSet, Connectivity, EndpointKind, Range, ipset};
use crate::ir::Topology;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
        }
    }
}

/// One pair whose allowed connections differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub src: String,
    pub dst: String,
    /// Allowed in the old input (ref1); empty when `added`.
    pub old: ConnSet,
    /// Allowed in the new input (ref2); empty when `removed`.
    pub new: ConnSet,
    /// The source is a workload only the new (`added`) or only the old
    /// (`removed`) topology has.
    pub src_workload_changed: bool,
    pub dst_workload_changed: bool,
}

impl Change {
    /// netpol-analyzer's `workloads-diff-info`: `workload A added`,
    /// `workload A and B removed`, or nothing.
    pub fn workloads_info(&self) -> Option<String> {
        let names: Vec<&str> = [
            (self.src_workload_changed, self.src.as_str()),
            (self.dst_workload_changed, self.dst.as_str()),
        ]
        .into_iter()
        .filter_map(|(changed, n)| changed.then_some(n))
        .collect();
        if names.is_empty() {
            return None;
        }
        Some(format!(
            "workload {} {}",
            names.join(" and "),
            self.kind.as_str()
        ))
    }

    /// Connections allowed now that were not before.
    pub fn opened(&self) -> ConnSet {
        self.new.difference(&self.old)
    }

    /// Connections allowed before that are not any more.
    pub fn closed(&self) -> ConnSet {
        self.old.difference(&self.new)
    }
}

/// What `--fail-on` looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// A connection allowed now that was not: an added pair, or a changed
    /// pair that gained protocols or ports.
    Added,
    /// A connection allowed before that is not any more.
    Removed,
    /// Any change at all.
    Any,
}

/// The changes, sorted by kind, then source, then destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnDiff {
    pub changes: Vec<Change>,
}

impl ConnDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether some change is of the kind `fail_on` names.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        self.changes.iter().any(|c| match fail_on {
            FailOn::Added => !c.opened().is_empty(),
            FailOn::Removed => !c.closed().is_empty(),
            FailOn::Any => true,
        })
    }
}

/// One side of the comparison: its connectivity and the printed names of
/// every workload of its topology (connected or not).
pub struct Side<'a> {
    pub connectivity: &'a Connectivity,
    pub workloads: BTreeSet<String>,
}

impl<'a> Side<'a> {
    pub fn new(connectivity: &'a Connectivity, topology: &Topology) -> Self {
        Side {
            connectivity,
            workloads: workload_names(topology),
        }
    }
}

/// Every workload's printed name, as the connectivity result names it.
pub fn workload_names(t: &Topology) -> BTreeSet<String> {
    // The engine's own naming: a scratch result interns each workload once.
    let mut scratch = Connectivity::default();
    t.workload_ids()
        .map(|w| {
            let id = scratch.endpoint(t, EndpointKind::Workload(w));
            scratch.endpoints[id as usize].name.clone()
        })
        .collect()
}

/// An endpoint after refinement: a named one (workload, ingress
/// controller) or one piece of the external space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Peer {
    Named(u32),
    External(Range),
}

/// Names shared by both sides, so pairs compare by integers.
#[derive(Default)]
struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
    /// Whether the name is a workload's (not the ingress controller).
    workload: Vec<bool>,
}

impl Names {
    fn id(&mut self, name: &str, workload: bool) -> u32 {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.ids.insert(name.to_string(), i);
        self.names.push(name.to_string());
        self.workload.push(workload);
        i
    }
}

/// The connections of one pair on each side (indices into each side's
/// connection table).
#[derive(Default, Clone, Copy)]
struct Pair {
    old: Option<u32>,
    new: Option<u32>,
}

/// The connectivity change from `old` (ref1) to `new` (ref2).
pub fn diff(old: &Side, new: &Side) -> ConnDiff {
    let pieces = refinement(&[old.connectivity, new.connectivity]);
    let mut names = Names::default();
    let mut pairs: HashMap<(Peer, Peer), Pair> = HashMap::new();
    for (side, is_new) in [(old, false), (new, true)] {
        let c = side.connectivity;
        let peers: Vec<Vec<Peer>> = c
            .endpoints
            .iter()
            .map(|e| match e.kind {
                EndpointKind::External(r) => pieces_of(&pieces, r)
                    .iter()
                    .map(|p| Peer::External(*p))
                    .collect(),
                EndpointKind::Workload(_) => vec![Peer::Named(names.id(&e.name, true))],
                EndpointKind::IngressController => vec![Peer::Named(names.id(&e.name, false))],
            })
            .collect();
        for e in &c.edges {
            for &s in &peers[e.src as usize] {
                for &d in &peers[e.dst as usize] {
                    let p = pairs.entry((s, d)).or_default();
                    if is_new {
                        p.new = Some(e.conn);
                    } else {
                        p.old = Some(e.conn);
                    }
                }
            }
        }
    }
    let name = |p: Peer| match p {
        Peer::Named(i) => names.names[i as usize].clone(),
        Peer::External(r) => format!("{r}[External]"),
    };
    let is_workload = |p: Peer| matches!(p, Peer::Named(i) if names.workload[i as usize]);
    let mut changes = Vec::new();
    for ((s, d), p) in pairs {
        let old_conn = p.old.map(|i| &old.connectivity.conns[i as usize].0);
        let new_conn = p.new.map(|i| &new.connectivity.conns[i as usize].0);
        let (kind, other) = match (old_conn, new_conn) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(_), Some(_)) => (ChangeKind::Changed, None),
            (None, Some(_)) => (ChangeKind::Added, Some(&old.workloads)),
            (Some(_), None) => (ChangeKind::Removed, Some(&new.workloads)),
            (None, None) => continue,
        };
        let (src, dst) = (name(s), name(d));
        // A workload is added (removed) when the other side has none of
        // that name at all.
        let missing =
            |peer: Peer, n: &str| other.is_some_and(|w| is_workload(peer) && !w.contains(n));
        changes.push(Change {
            kind,
            src_workload_changed: missing(s, &src),
            dst_workload_changed: missing(d, &dst),
            old: old_conn.cloned().unwrap_or_default(),
            new: new_conn.cloned().unwrap_or_default(),
            src,
            dst,
        });
    }
    changes.sort_by(|a, b| (a.kind, &a.src, &a.dst).cmp(&(b.kind, &b.src, &b.dst)));
    ConnDiff { changes }
}

/// The disjoint pieces of every external range either result prints.
fn refinement(results: &[&Connectivity]) -> Vec<Range> {
    let mut used = vec![];
    for c in results {
        let mut seen = vec![false; c.endpoints.len()];
        for e in &c.edges {
            seen[e.src as usize] = true;
            seen[e.dst as usize] = true;
        }
        used.extend(
            c.endpoints
                .iter()
                .zip(seen)
                .filter_map(|(e, seen)| match e.kind {
                    EndpointKind::External(r) if seen => Some(r),
                    _ => None,
                }),
        );
    }
    ipset::pieces(&used)
}

/// The pieces that make up `r` (a range the refinement was built from).
fn pieces_of(pieces: &[Range], r: Range) -> &[Range] {
    let start = pieces.partition_point(|p| p.first < r.first);
    let end = pieces.partition_point(|p| p.first <= r.last);
    &pieces[start..end.max(start)]
}

#[cfg(test)]
mod tests;
