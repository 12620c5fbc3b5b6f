//! Who can reach whom, on which protocols and ports: Kubernetes
//! NetworkPolicy semantics for manifests (`kube`), Compose network semantics
//! for Compose projects (`compose`). The result is a list of edges between
//! endpoints (workloads and external IPv4 ranges), printed by
//! `emit::graph` in np-guard's connlist format and others.

pub mod compose;
pub mod conn;
pub mod explain;
pub mod exposure;
pub mod ingress;
pub mod ipset;
pub mod kube;
pub mod tiers;

pub use conn::ConnSet;
pub use ipset::Range;

use crate::ir::{Topology, WorkloadId};
use crate::resolve::Resolved;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    Workload(WorkloadId),
    External(Range),
    /// The cluster's ingress controller, the source of Ingress and Route
    /// traffic (`{ingress-controller}`, as netpol-analyzer prints it).
    IngressController,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub kind: EndpointKind,
    /// `ns/name[Kind]` or `first-last[External]`.
    pub name: String,
    /// The namespace (or Compose project) of a workload.
    pub namespace: Option<String>,
}

impl Endpoint {
    pub fn is_external(&self) -> bool {
        matches!(self.kind, EndpointKind::External(_))
    }

    pub fn is_ingress_controller(&self) -> bool {
        self.kind == EndpointKind::IngressController
    }
}

/// One allowed pair; `conn` indexes `Connectivity::conns` (edges share
/// their connection sets, so millions of edges stay small).
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub src: u32,
    pub dst: u32,
    pub conn: u32,
}

#[derive(Debug, Default, Clone)]
pub struct Connectivity {
    pub endpoints: Vec<Endpoint>,
    pub edges: Vec<Edge>,
    /// Distinct connection sets, and their printed form.
    pub conns: Vec<(ConnSet, String)>,
    index: HashMap<EndpointKind, u32>,
    conn_index: HashMap<ConnSet, u32>,
}

impl Connectivity {
    /// The id of an endpoint, created on first use.
    pub fn endpoint(&mut self, t: &Topology, kind: EndpointKind) -> u32 {
        if let Some(&i) = self.index.get(&kind) {
            return i;
        }
        let (name, namespace) = match kind {
            EndpointKind::Workload(w) => {
                let wl = t.workload(w);
                let ns = t.namespace(wl.namespace).name.clone();
                (format!("{ns}/{}[{}]", wl.name, wl.kind.as_str()), Some(ns))
            }
            EndpointKind::External(r) => (format!("{r}[External]"), None),
            EndpointKind::IngressController => (ingress::INGRESS_CONTROLLER.to_string(), None),
        };
        let i = self.endpoints.len() as u32;
        self.endpoints.push(Endpoint {
            kind,
            name,
            namespace,
        });
        self.index.insert(kind, i);
        i
    }

    /// The id of a connection set, interned.
    pub fn conn_id(&mut self, conn: ConnSet) -> u32 {
        if let Some(&i) = self.conn_index.get(&conn) {
            return i;
        }
        let i = self.conns.len() as u32;
        let text = conn.to_string();
        self.conn_index.insert(conn.clone(), i);
        self.conns.push((conn, text));
        i
    }

    pub fn push(&mut self, src: u32, dst: u32, conn: ConnSet) {
        let conn = self.conn_id(conn);
        self.push_id(src, dst, conn);
    }

    pub fn push_id(&mut self, src: u32, dst: u32, conn: u32) {
        self.edges.push(Edge { src, dst, conn });
    }

    pub fn conn(&self, e: &Edge) -> &ConnSet {
        &self.conns[e.conn as usize].0
    }

    /// The printed connection set of an edge.
    pub fn conn_text(&self, e: &Edge) -> &str {
        &self.conns[e.conn as usize].1
    }

    pub fn src(&self, e: &Edge) -> &Endpoint {
        &self.endpoints[e.src as usize]
    }

    pub fn dst(&self, e: &Edge) -> &Endpoint {
        &self.endpoints[e.dst as usize]
    }

    /// Byte order of source then destination names, as the reference prints.
    fn sort(&mut self) {
        // Rank endpoints by name once, then sort edges by integer pairs.
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
    }

    /// Keep the edges that touch an endpoint matching `focus`: a workload
    /// name, `ns/name`, or the printed name.
    pub fn focus(&mut self, t: &Topology, focus: &str) {
        let keep: Vec<bool> = self
            .endpoints
            .iter()
            .map(|e| match e.kind {
                EndpointKind::Workload(w) => {
                    let wl = t.workload(w);
                    e.name == focus
                        || wl.name == focus
                        || format!("{}/{}", t.namespace(wl.namespace).name, wl.name) == focus
                }
                EndpointKind::External(_) | EndpointKind::IngressController => e.name == focus,
            })
            .collect();
        self.edges
            .retain(|e| keep[e.src as usize] || keep[e.dst as usize]);
    }
}

/// Every allowed flow of the topology, sorted.
pub fn compute(t: &Topology, r: &Resolved) -> Connectivity {
    let mut c = Connectivity::default();
    kube::edges(t, &r.kube, &mut c);
    compose::edges(t, r, &mut c);
    c.sort();
    c
}
