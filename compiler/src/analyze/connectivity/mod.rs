//! Who can reach whom, on which protocols and ports: Kubernetes
//! NetworkPolicy semantics for manifests (`kube`), Compose network semantics
//! for Compose projects (`compose`). The result is a list of edges between
//! endpoints (workloads and external IPv4 ranges), printed by
//! `emit::graph` in np-guard's connlist format and others: `flows` gives it
//! grouped and walked in print order (`Flows`, for output of any size),
//! `compute` materialised (`Connectivity`).

pub mod compose;
pub mod conn;
pub mod explain;
pub mod exposure;
pub mod flows;
pub mod ingress;
pub mod ipset;
pub mod kube;
pub mod networks;
pub mod tiers;
pub mod walk;

pub use conn::ConnSet;
pub use flows::{FlowRows, Flows};
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
    /// The pod network of a Kubernetes workload (`networks::views` index;
    /// `networks::POD_NETWORK` for every other endpoint).
    pub network: u32,
}

/// A new endpoint of `kind`, named as the printers write it.
pub(super) fn new_endpoint(t: &Topology, kind: EndpointKind) -> Endpoint {
    let (name, namespace, network) = match kind {
        EndpointKind::Workload(w) => {
            let wl = t.workload(w);
            let ns = t.namespace(wl.namespace).shown().into_owned();
            let network = if wl.project.is_none() {
                networks::network_index(t, w)
            } else {
                networks::POD_NETWORK
            };
            (networks::workload_name(t, w), Some(ns), network)
        }
        EndpointKind::External(r) => (format!("{r}[External]"), None, networks::POD_NETWORK),
        EndpointKind::IngressController => (
            ingress::INGRESS_CONTROLLER.to_string(),
            None,
            networks::POD_NETWORK,
        ),
    };
    Endpoint {
        kind,
        name,
        namespace,
        network,
    }
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
    /// The pod networks (`networks::views`): empty unless some workload is
    /// on a user-defined network.
    pub networks: Vec<networks::NetworkView>,
    index: HashMap<EndpointKind, u32>,
    conn_index: HashMap<ConnSet, u32>,
}

impl Connectivity {
    /// A result from its endpoints, its sorted edges and their connections.
    pub fn from_parts(
        endpoints: Vec<Endpoint>,
        edges: Vec<Edge>,
        conns: Vec<(ConnSet, String)>,
    ) -> Self {
        let index = endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| (e.kind, i as u32))
            .collect();
        let conn_index = conns
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (c.clone(), i as u32))
            .collect();
        Connectivity {
            endpoints,
            edges,
            conns,
            networks: Vec::new(),
            index,
            conn_index,
        }
    }

    /// The id of an endpoint, created on first use.
    pub fn endpoint(&mut self, t: &Topology, kind: EndpointKind) -> u32 {
        if let Some(&i) = self.index.get(&kind) {
            return i;
        }
        let i = self.endpoints.len() as u32;
        self.endpoints.push(new_endpoint(t, kind));
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

    /// Keep the edges that touch an endpoint matching `focus`: a workload
    /// name, `ns/name`, or the printed name.
    pub fn focus(&mut self, t: &Topology, focus: &str) {
        let keep = focus_marks(t, &self.endpoints, focus);
        self.edges
            .retain(|e| keep[e.src as usize] || keep[e.dst as usize]);
    }
}

impl FlowRows for Connectivity {
    fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    fn conn_text_of(&self, conn: u32) -> &str {
        &self.conns[conn as usize].1
    }

    fn rows(&self) -> Box<dyn Iterator<Item = Edge> + '_> {
        Box::new(self.edges.iter().copied())
    }

    fn networks(&self) -> &[networks::NetworkView] {
        &self.networks
    }
}

/// Which endpoints `--focus` names: a workload name, `ns/name`, or the
/// printed name.
fn focus_marks(t: &Topology, endpoints: &[Endpoint], focus: &str) -> Vec<bool> {
    endpoints
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
        .collect()
}

/// Every allowed flow of the topology, grouped, ready to be walked in
/// print order.
pub fn flows(t: &Topology, r: &Resolved) -> Flows {
    let mut f = Flows::default();
    walk::edges(t, &r.kube, &mut f);
    compose::edges(t, r, &mut f);
    f.finish();
    f.networks = networks::views(t);
    f
}

/// Every allowed flow of the topology, sorted, one edge per line.
pub fn compute(t: &Topology, r: &Resolved) -> Connectivity {
    flows(t, r).collect()
}
