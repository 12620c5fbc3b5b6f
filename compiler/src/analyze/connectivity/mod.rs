//! Who can reach whom, on which protocols and ports: Kubernetes
//! NetworkPolicy semantics for manifests (`kube`), Compose network semantics
//! for Compose projects (`compose`). The result is a list of edges between
//! endpoints (workloads and external IPv4 ranges), printed by
//! `emit::graph` in np-guard's connlist format and others.

pub mod compose;
pub mod conn;
pub mod explain;
pub mod ipset;
pub mod kube;

pub use conn::ConnSet;
pub use ipset::Range;

use crate::ir::{Topology, WorkloadId};
use crate::resolve::Resolved;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    Workload(WorkloadId),
    External(Range),
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
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub src: u32,
    pub dst: u32,
    pub conn: ConnSet,
}

#[derive(Debug, Default, Clone)]
pub struct Connectivity {
    pub endpoints: Vec<Endpoint>,
    pub edges: Vec<Edge>,
    index: HashMap<EndpointKind, u32>,
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
                (
                    format!("{ns}/{}[{}]", wl.name, wl.kind.as_str()),
                    Some(ns),
                )
            }
            EndpointKind::External(r) => (format!("{r}[External]"), None),
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

    pub fn push(&mut self, src: u32, dst: u32, conn: ConnSet) {
        self.edges.push(Edge { src, dst, conn });
    }

    pub fn src(&self, e: &Edge) -> &Endpoint {
        &self.endpoints[e.src as usize]
    }

    pub fn dst(&self, e: &Edge) -> &Endpoint {
        &self.endpoints[e.dst as usize]
    }

    /// Byte order of source then destination names, as the reference prints.
    fn sort(&mut self) {
        let eps = &self.endpoints;
        self.edges.sort_by(|a, b| {
            (eps[a.src as usize].name.as_str(), eps[a.dst as usize].name.as_str())
                .cmp(&(eps[b.src as usize].name.as_str(), eps[b.dst as usize].name.as_str()))
        });
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
                EndpointKind::External(_) => e.name == focus,
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
