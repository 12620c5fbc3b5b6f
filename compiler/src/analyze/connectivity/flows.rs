//! The engine's result before it is expanded into lines: flows between
//! *groups* of endpoints that behave alike (the members of one Kubernetes
//! class; an external piece on its own), plus single flows (Compose, the
//! ingress controller). A Kubernetes result of 16M lines is a few hundred
//! thousand class pairs here.
//!
//! `rows` walks the lines in print order (SRC then DST, byte order of the
//! names) without materialising them: sources in name order, and per
//! source its destinations gathered from its group's flows and sorted. So a
//! printer streams the output in memory proportional to one source's lines,
//! and `collect` gives the materialised `Connectivity` to the callers that
//! want every edge at hand.

use super::conn::ConnSet;
use super::networks::NetworkView;
use super::{Connectivity, Edge, Endpoint, EndpointKind};
use crate::ir::Topology;
use std::collections::HashMap;

/// An endpoint in no group.
const NO_GROUP: u32 = u32::MAX;

/// A connectivity result walked in print order: what the printers of
/// `emit::graph` read (`Flows` streams it, `Connectivity` holds it).
pub trait FlowRows {
    fn endpoints(&self) -> &[Endpoint];
    /// The printed connection set of interned id `conn`.
    fn conn_text_of(&self, conn: u32) -> &str;
    /// Every line, sorted by source then destination name (byte order).
    fn rows(&self) -> Box<dyn Iterator<Item = Edge> + '_>;
    /// The pod networks that `Endpoint::network` indexes; empty unless some
    /// workload is on a user-defined network (then printers split per
    /// network).
    fn networks(&self) -> &[NetworkView] {
        &[]
    }
}

#[derive(Debug, Default)]
pub struct Flows {
    pub endpoints: Vec<Endpoint>,
    /// Distinct connection sets, and their printed form.
    pub conns: Vec<(ConnSet, String)>,
    /// The pod networks (`networks::views`).
    pub networks: Vec<NetworkView>,
    index: HashMap<EndpointKind, u32>,
    conn_index: HashMap<ConnSet, u32>,
    /// The connection id `conn_id` returned last (0 before any: `conns` is
    /// empty then, so nothing matches).
    last_conn: u32,
    /// Endpoints that share their flows; an endpoint is in one group at most.
    groups: Vec<Vec<u32>>,
    group_of: Vec<u32>,
    /// Per group: (destination group, connection id) of its flows; a group
    /// flowing to itself leaves out each member's pair with itself.
    group_flows: Vec<Vec<(u32, u32)>>,
    /// Flows between single endpoints, sorted by `finish`.
    edges: Vec<Edge>,
    /// Per endpoint, its place in name order (set by `finish`).
    rank: Vec<u32>,
    /// Endpoints in name order.
    order: Vec<u32>,
    /// `--focus`: only lines with an end marked here.
    keep: Option<Vec<bool>>,
}

impl Flows {
    /// The id of an endpoint, created on first use.
    pub fn endpoint(&mut self, t: &Topology, kind: EndpointKind) -> u32 {
        if let Some(&i) = self.index.get(&kind) {
            return i;
        }
        let i = self.endpoints.len() as u32;
        self.endpoints.push(super::new_endpoint(t, kind));
        self.group_of.push(NO_GROUP);
        self.index.insert(kind, i);
        i
    }

    /// The id of a connection set, interned. Consecutive flows mostly carry
    /// the same set, so the last one is compared before hashing.
    pub fn conn_id(&mut self, conn: ConnSet) -> u32 {
        if let Some((last, _)) = self.conns.get(self.last_conn as usize)
            && *last == conn
        {
            return self.last_conn;
        }
        let i = match self.conn_index.get(&conn) {
            Some(&i) => i,
            None => {
                let i = self.conns.len() as u32;
                let text = conn.to_string();
                self.conn_index.insert(conn.clone(), i);
                self.conns.push((conn, text));
                i
            }
        };
        self.last_conn = i;
        i
    }

    /// A flow between two single endpoints.
    pub fn push(&mut self, src: u32, dst: u32, conn: ConnSet) {
        let conn = self.conn_id(conn);
        self.edges.push(Edge { src, dst, conn });
    }

    /// A group of endpoints (none of them in another group) whose flows are
    /// given once for all of them by `push_group`.
    pub fn group(&mut self, members: Vec<u32>) -> u32 {
        let g = self.groups.len() as u32;
        for &m in &members {
            debug_assert_eq!(self.group_of[m as usize], NO_GROUP);
            self.group_of[m as usize] = g;
        }
        self.groups.push(members);
        self.group_flows.push(Vec::new());
        g
    }

    /// Every member of `src` reaches every member of `dst` (but itself) with
    /// connection `conn`; each pair of groups is given once.
    pub fn push_group(&mut self, src: u32, dst: u32, conn: u32) {
        self.group_flows[src as usize].push((dst, conn));
    }

    /// Rank the endpoints by name and sort the single flows, once every
    /// flow is in.
    pub(super) fn finish(&mut self) {
        let mut order: Vec<u32> = (0..self.endpoints.len() as u32).collect();
        order.sort_by(|a, b| {
            self.endpoints[*a as usize]
                .name
                .cmp(&self.endpoints[*b as usize].name)
        });
        let mut rank = vec![0u32; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        self.edges
            .sort_unstable_by_key(|e| (rank[e.src as usize], rank[e.dst as usize]));
        self.rank = rank;
        self.order = order;
    }

    /// Keep the lines that touch an endpoint matching `focus`: a workload
    /// name, `ns/name`, or the printed name.
    pub fn focus(&mut self, t: &Topology, focus: &str) {
        self.keep = Some(super::focus_marks(t, &self.endpoints, focus));
    }

    /// The number of lines.
    pub fn len(&self) -> usize {
        self.rows().count()
    }

    pub fn is_empty(&self) -> bool {
        self.rows().next().is_none()
    }

    /// Every line, materialised (same endpoints, same order as `rows`).
    pub fn collect(self) -> Connectivity {
        let edges: Vec<Edge> = self.rows().collect();
        let mut c = Connectivity::from_parts(self.endpoints, edges, self.conns);
        c.networks = self.networks;
        c
    }
}

impl FlowRows for Flows {
    fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    fn conn_text_of(&self, conn: u32) -> &str {
        &self.conns[conn as usize].1
    }

    fn networks(&self) -> &[NetworkView] {
        &self.networks
    }

    fn rows(&self) -> Box<dyn Iterator<Item = Edge> + '_> {
        Box::new(Rows {
            f: self,
            next_src: 0,
            next_edge: 0,
            line: Vec::new(),
            at: 0,
        })
    }
}

/// The walk of `Flows::rows`.
struct Rows<'a> {
    f: &'a Flows,
    /// Next source, as a position in name order.
    next_src: usize,
    /// Next single flow (they are sorted like the output).
    next_edge: usize,
    /// The current source's lines: (destination rank, edge).
    line: Vec<(u32, Edge)>,
    at: usize,
}

impl Rows<'_> {
    /// Gather and sort the lines of the next source that has any; false
    /// when every source is done.
    fn fill(&mut self) -> bool {
        let f = self.f;
        self.line.clear();
        self.at = 0;
        while self.line.is_empty() {
            let Some(&src) = f.order.get(self.next_src) else {
                return false;
            };
            self.next_src += 1;
            let keep_src = f.keep.as_ref().is_none_or(|k| k[src as usize]);
            let keep = |dst: u32| keep_src || f.keep.as_ref().is_some_and(|k| k[dst as usize]);
            let g = f.group_of[src as usize];
            if g != NO_GROUP {
                for &(dg, conn) in &f.group_flows[g as usize] {
                    for &dst in &f.groups[dg as usize] {
                        if dst != src && keep(dst) {
                            self.line
                                .push((f.rank[dst as usize], Edge { src, dst, conn }));
                        }
                    }
                }
            }
            let rank = f.rank[src as usize];
            while let Some(e) = f.edges.get(self.next_edge) {
                if f.rank[e.src as usize] != rank {
                    break;
                }
                if keep(e.dst) {
                    self.line.push((f.rank[e.dst as usize], *e));
                }
                self.next_edge += 1;
            }
            // Ranks are distinct, so the order is total.
            self.line.sort_unstable_by_key(|&(r, _)| r);
        }
        true
    }
}

impl Iterator for Rows<'_> {
    type Item = Edge;

    fn next(&mut self) -> Option<Edge> {
        if self.at == self.line.len() && !self.fill() {
            return None;
        }
        self.at += 1;
        Some(self.line[self.at - 1].1)
    }
}
