//! Who may reach whom, as the emitters see it. The decision (who may talk to
//! whom, on which ports) is the connectivity engine's
//! (`analyze::connectivity`, Compose and Kubernetes alike); this module only
//! projects its result onto the emitters' view: workload pairs and ONE
//! outside peer, with the engine's connection sets.
//!
//! What a target cannot express is the emitter's business: nft skips
//! workloads without an address, k8s pods on the host network.

use crate::analyze::connectivity::{ConnSet, Connectivity, EndpointKind};
use crate::ir::WorkloadId;
use std::collections::BTreeMap;

/// One end of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Workload(WorkloadId),
    /// Any address that is not a workload's.
    External,
}

/// Allowed flows: (source, destination) → connections at the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    pub flows: BTreeMap<(Peer, Peer), ConnSet>,
    /// What the cluster's ingress controller (Ingress, Route) may reach:
    /// no emitter has a peer for it, so they report these flows.
    pub from_ingress_controller: BTreeMap<WorkloadId, ConnSet>,
}

impl Reach {
    pub fn allow(&mut self, from: Peer, to: Peer, conn: &ConnSet) {
        if from == to || conn.is_empty() {
            return;
        }
        self.flows.entry((from, to)).or_default().union_with(conn);
    }

    pub fn get(&self, from: Peer, to: Peer) -> Option<&ConnSet> {
        self.flows.get(&(from, to))
    }

    /// The engine's result in the emitters' view. The emitters know one
    /// outside peer only: flows to or from a narrower external range (only
    /// Kubernetes ipBlocks make those; Compose's outside is every address) are
    /// widened to every outside address and listed in the second value
    /// (`src => dst: range`) so the emitter can report them.
    pub fn from_connectivity(c: &Connectivity) -> (Reach, Vec<(Peer, Peer, String)>) {
        let mut reach = Reach::default();
        let mut widened = Vec::new();
        for e in &c.edges {
            // The ingress controller is neither a workload of the inputs nor
            // the outside: emitters have no peer for it.
            if [c.src(e).kind, c.dst(e).kind].contains(&EndpointKind::IngressController) {
                if let (EndpointKind::IngressController, EndpointKind::Workload(w)) =
                    (c.src(e).kind, c.dst(e).kind)
                {
                    reach
                        .from_ingress_controller
                        .entry(w)
                        .or_default()
                        .union_with(c.conn(e));
                }
                continue;
            }
            let mut narrow = None;
            let mut peer = |k: EndpointKind| match k {
                EndpointKind::Workload(w) => Peer::Workload(w),
                EndpointKind::External(r) => {
                    if (r.first, r.last) != (0, u32::MAX) {
                        narrow = Some(format!("{r}"));
                    }
                    Peer::External
                }
                EndpointKind::IngressController => unreachable!("skipped above"),
            };
            let (a, b) = (peer(c.src(e).kind), peer(c.dst(e).kind));
            if a == Peer::External && b == Peer::External {
                continue;
            }
            if let Some(r) = narrow {
                widened.push((a, b, r));
            }
            reach.allow(a, b, c.conn(e));
        }
        widened.sort();
        widened.dedup();
        (reach, widened)
    }
}
