//! Name and selector resolution over the IR: which workloads a selector
//! picks, which names resolve to whom on which network, named ports.
//! Computed once and shared by connectivity, rules and emitters.

pub mod classset;
pub mod kube;
mod selection;

use crate::ir::{NetworkId, NetworkMode, Topology, WorkloadId};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Resolved {
    /// Per network: DNS name → workloads answering to it (service names,
    /// aliases, container names, hostnames), in declaration order.
    pub network_names: Vec<BTreeMap<String, Vec<WorkloadId>>>,
    /// Per workload: the networks it is effectively on, after following
    /// `network_mode: service:X`.
    pub effective_networks: Vec<Vec<NetworkId>>,
    /// Selectors, classes, Service names and Istio hosts of Kubernetes objects.
    pub kube: kube::KubeResolved,
}

pub fn resolve(t: &Topology) -> Resolved {
    let mut r = Resolved {
        network_names: vec![BTreeMap::new(); t.networks.len()],
        effective_networks: vec![Vec::new(); t.workloads.len()],
        kube: kube::resolve(t),
    };
    for id in t.workload_ids() {
        r.effective_networks[id.index()] = effective_networks(t, id, 0);
    }
    for id in t.workload_ids() {
        let w = t.workload(id);
        for a in &w.attachments {
            let names = &mut r.network_names[a.network.index()];
            let mut add = |n: &str| {
                let list = names.entry(n.to_string()).or_default();
                if !list.contains(&id) {
                    list.push(id);
                }
            };
            add(&w.name);
            for (alias, _) in &a.aliases {
                add(alias);
            }
            if let Some((c, _)) = &w.container_name {
                add(c);
            }
        }
    }
    r
}

/// `network_mode: service:X` joins X's networks (bounded against cycles).
fn effective_networks(t: &Topology, id: WorkloadId, depth: usize) -> Vec<NetworkId> {
    let w = t.workload(id);
    match &w.network_mode {
        NetworkMode::Service(other) if depth < 16 => t
            .find_workload(w.namespace, other)
            .map(|o| effective_networks(t, o, depth + 1))
            .unwrap_or_default(),
        _ => w.attachments.iter().map(|a| a.network).collect(),
    }
}

impl Resolved {
    /// Workloads a name resolves to on network `net`.
    pub fn lookup(&self, net: NetworkId, name: &str) -> &[WorkloadId] {
        self.network_names[net.index()]
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Networks two workloads share.
    pub fn shared_networks(&self, a: WorkloadId, b: WorkloadId) -> Vec<NetworkId> {
        let nb = &self.effective_networks[b.index()];
        self.effective_networks[a.index()]
            .iter()
            .copied()
            .filter(|n| nb.contains(n))
            .collect()
    }
}
