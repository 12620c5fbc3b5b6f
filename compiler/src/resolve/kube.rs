//! Kubernetes resolution: equivalence classes of workloads (same namespace,
//! labels and named ports behave alike under every selector), namespace
//! labels with the implicit `kubernetes.io/metadata.name`, policy and Service
//! selection, peer matching, named ports, Service DNS names and Istio hosts.
//!
//! Selectors are evaluated once per class, never per workload, and only
//! against the classes of the namespaces they can reach — never those of
//! another cluster (`Namespace::cluster`: each kustomize overlay is one).

use super::classset::BitSet;
use super::selection::{Compiled, Interner, Universe, Within};
use crate::ir::FastMap;
use crate::ir::{
    LabelSelector, Labels, NamespaceId, Peer, Policy, Protocol, ServiceId, ServiceIndex, Topology,
    WorkloadId,
};
use crate::parallel;
use kube_peers::{PeerMemo, PolicyPeers};
use std::collections::hash_map::Entry;
use std::sync::{Mutex, MutexGuard};

#[path = "kube_peers.rs"]
mod kube_peers;
pub use kube_peers::PeerSelection;

/// The label every namespace carries implicitly.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(pub u32);

impl ClassId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Kubernetes workloads that no selector and no named port can tell apart.
#[derive(Debug, Clone)]
pub struct Class {
    pub namespace: NamespaceId,
    pub labels: Labels,
    /// (name, protocol, port), sorted.
    pub named_ports: Vec<(String, Protocol, u16)>,
    pub members: Vec<WorkloadId>,
}

impl Class {
    /// The port a named port resolves to on this class's pods.
    pub fn named_port(&self, name: &str, protocol: Protocol) -> Option<u16> {
        self.named_ports
            .iter()
            .find(|(n, p, _)| n == name && *p == protocol)
            .map(|(_, _, port)| *port)
    }
}

#[derive(Debug, Default)]
pub struct KubeResolved {
    /// Per namespace: its labels plus the implicit name label.
    pub ns_labels: Vec<Labels>,
    /// Per namespace: the index of its cluster (`Namespace::cluster`).
    pub ns_cluster: Vec<u32>,
    /// Per admin policy (ANP/BANP): the index of its cluster.
    pub admin_cluster: Vec<u32>,
    pub classes: Vec<Class>,
    /// Per workload: its class (None for Compose services).
    pub class_of: Vec<Option<ClassId>>,
    /// Per namespace: its classes.
    pub ns_classes: Vec<Vec<ClassId>>,
    /// Per policy: the classes its podSelector selects.
    pub policy_classes: Vec<Vec<ClassId>>,
    /// Per admin policy (ANP/BANP): the classes its subject selects.
    pub admin_classes: Vec<Vec<ClassId>>,
    /// Per Service: the workloads its selector picks (empty without selector).
    pub service_workloads: Vec<Vec<WorkloadId>>,
    pub services: ServiceIndex,
    /// Per VirtualService, per host: the Service it names.
    pub vs_hosts: Vec<Vec<Option<ServiceId>>>,
    /// Per DestinationRule: the Service of its host.
    pub dr_service: Vec<Option<ServiceId>>,
    /// Interned labels of namespaces and classes, for selection by ids.
    interner: Interner,
    ns_universe: Universe,
    class_universe: Universe,
    /// Per namespace: its classes as plain ids (posting-list form).
    ns_class_ids: Vec<Vec<u32>>,
    /// Per class: its namespace (a compact copy of `Class::namespace` for
    /// the membership tests of selection).
    class_ns: Vec<u32>,
    /// Peer selections by meaning, for the peers asked for by
    /// `peer_set_in` (admin policies, the language server).
    peer_memo: Mutex<PeerMemo>,
    /// Every NetworkPolicy peer's selection, until `release_peer_cache`.
    policy_peers: Option<PolicyPeers>,
}

pub fn resolve<'t>(t: &'t Topology) -> KubeResolved {
    let mut r = KubeResolved {
        ns_labels: t
            .namespaces
            .iter()
            .map(|n| {
                let mut l = n.labels.clone();
                l.insert(NAMESPACE_NAME_LABEL.into(), n.name.clone());
                l
            })
            .collect(),
        class_of: vec![None; t.workloads.len()],
        ns_classes: vec![Vec::new(); t.namespaces.len()],
        ns_cluster: Vec::with_capacity(t.namespaces.len()),
        ..Default::default()
    };
    let mut clusters: Vec<Option<&str>> = Vec::new();
    let mut cluster_index = |c: Option<&'t str>| -> u32 {
        match clusters.iter().position(|&x| x == c) {
            Some(i) => i as u32,
            None => {
                clusters.push(c);
                clusters.len() as u32 - 1
            }
        }
    };
    r.ns_cluster = t
        .namespaces
        .iter()
        .map(|n| cluster_index(n.cluster.as_deref()))
        .collect();
    r.admin_cluster = t
        .admin_policies
        .iter()
        .map(|p| cluster_index(p.cluster.as_deref()))
        .collect();
    r.classes = group_classes(t);
    for (c, class) in r.classes.iter().enumerate() {
        let c = ClassId(c as u32);
        r.ns_classes[class.namespace.index()].push(c);
        for &w in &class.members {
            r.class_of[w.index()] = Some(c);
        }
    }
    r.class_ns = r.classes.iter().map(|c| c.namespace.0).collect();
    // The Service index needs no class: on large inputs it is built on
    // another thread while this one interns the labels.
    let services = || ServiceIndex::new(t);
    let (services, (interner, ns_universe, class_universe)) =
        if t.services.len() + t.workloads.len() < PARALLEL_WORKLOADS {
            (services(), r.universes())
        } else {
            std::thread::scope(|s| {
                let index = s.spawn(services);
                let universes = r.universes();
                match index.join() {
                    Ok(index) => (index, universes),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            })
        };
    r.services = services;
    r.interner = interner;
    r.ns_universe = ns_universe;
    r.class_universe = class_universe;
    r.ns_class_ids = r
        .ns_classes
        .iter()
        .map(|cs| cs.iter().map(|c| c.0).collect())
        .collect();
    r.select_policies(t);
    // An admin subject always has a namespaceSelector: the namespace given
    // here is never used.
    r.admin_classes = (0..t.admin_policies.len())
        .map(|pi| r.admin_peer_classes(pi, &t.admin_policies[pi].subject))
        .collect();
    r.service_workloads = r.select_services(t);
    r.vs_hosts = t
        .virtual_services
        .iter()
        .map(|v| {
            let ns = t.namespace(v.namespace);
            v.hosts
                .iter()
                .map(|(h, _)| r.services.lookup(ns, h))
                .collect()
        })
        .collect();
    r.dr_service = t
        .destination_rules
        .iter()
        .map(|d| r.services.lookup(t.namespace(d.namespace), &d.host))
        .collect();
    r
}

/// Inputs with fewer workloads (and Services) than this are resolved on
/// one thread (tests split theirs too).
const PARALLEL_WORKLOADS: usize = if cfg!(test) { 2 } else { 4096 };

/// The classes of the Kubernetes workloads, numbered by their first
/// member. Classes never span namespaces, so the namespaces are shared out
/// among threads, each grouping the workloads of its own; sorting the
/// groups by first member gives the numbering of one pass over every
/// workload.
fn group_classes(t: &Topology) -> Vec<Class> {
    let parts = if t.workloads.len() < PARALLEL_WORKLOADS {
        1
    } else {
        parallel::threads()
    };
    let mut ids: Vec<Vec<WorkloadId>> = vec![Vec::new(); parts];
    for id in t.workload_ids() {
        let w = t.workload(id);
        if w.project.is_none() {
            ids[w.namespace.index() % parts].push(id);
        }
    }
    let mut classes: Vec<Class> = parallel::ordered(parts, || (), |_, part| group(t, &ids[part]))
        .into_iter()
        .flatten()
        .collect();
    classes.sort_unstable_by_key(|c| c.members[0]);
    classes
}

/// The classes of workloads `ids` (ascending), in order of first member.
fn group(t: &Topology, ids: &[WorkloadId]) -> Vec<Class> {
    // Borrowed from the IR: one key per workload, and cloning its labels
    // was most of this loop.
    type Key<'t> = (
        NamespaceId,
        Vec<(&'t str, &'t str)>,
        Vec<(&'t str, Protocol, u16)>,
    );
    let mut classes: Vec<Class> = Vec::new();
    let mut by_key: FastMap<Key, usize> = FastMap::default();
    by_key.reserve(ids.len());
    for &id in ids {
        let w = t.workload(id);
        // Label keys are unique: sorting pairs sorts by key.
        let mut labels: Vec<(&str, &str)> = w
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        labels.sort_unstable();
        let mut named: Vec<(&str, Protocol, u16)> = w
            .ports
            .iter()
            .filter_map(|p| Some((p.name.as_deref()?, p.protocol, p.port)))
            .collect();
        named.sort();
        named.dedup();
        let c = match by_key.entry((w.namespace, labels, named)) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                classes.push(Class {
                    namespace: w.namespace,
                    labels: w.labels.clone(),
                    named_ports: e
                        .key()
                        .2
                        .iter()
                        .map(|&(n, p, port)| (n.to_string(), p, port))
                        .collect(),
                    members: Vec::new(),
                });
                *e.insert(classes.len() - 1)
            }
        };
        classes[c].members.push(id);
    }
    classes
}

impl KubeResolved {
    /// The labels of namespaces and classes, interned.
    fn universes(&self) -> (Interner, Universe, Universe) {
        let mut interner = Interner::default();
        let mut ns = Universe::new(&mut interner, self.ns_labels.iter());
        let mut classes = Universe::new(&mut interner, self.classes.iter().map(|c| &c.labels));
        ns.finish(&interner);
        classes.finish(&interner);
        (interner, ns, classes)
    }

    /// Classes a policy's podSelector selects (its own namespace only).
    pub fn selected(&self, p: &Policy) -> Vec<ClassId> {
        self.classes_matching(p.namespace, Some(&p.pod_selector))
    }

    /// Per Service: the workloads its selector picks, ascending, on every
    /// core (chunks of Services joined in order).
    fn select_services(&self, t: &Topology) -> Vec<Vec<WorkloadId>> {
        const PER_TASK: usize = if cfg!(test) { 3 } else { 1024 };
        let tasks = t.services.len().div_ceil(PER_TASK);
        let chunks = parallel::ordered(
            tasks,
            || (),
            |_, task| {
                let from = task * PER_TASK;
                let to = (from + PER_TASK).min(t.services.len());
                t.services[from..to]
                    .iter()
                    .map(|s| match &s.selector {
                        None => Vec::new(),
                        Some(sel) => {
                            let sel = self.interner.compile_labels(sel);
                            let mut ws: Vec<WorkloadId> = self
                                .select_in_namespaces(&[s.namespace.0], None, &sel)
                                .iter()
                                .flat_map(|c| self.classes[c].members.iter().copied())
                                .collect();
                            ws.sort_unstable();
                            ws
                        }
                    })
                    .collect::<Vec<_>>()
            },
        );
        chunks.into_iter().flatten().collect()
    }

    /// Classes of namespace `ns` that `sel` matches, ascending.
    fn classes_matching(&self, ns: NamespaceId, sel: Option<&LabelSelector>) -> Vec<ClassId> {
        let sel = sel.map_or_else(Compiled::everything, |s| self.interner.compile(s));
        self.select_in_namespaces(&[ns.0], None, &sel)
            .iter()
            .map(|c| ClassId(c as u32))
            .collect()
    }

    /// The classes of the namespaces `namespaces` (ascending) that `sel`
    /// matches; `words`: their classes as bits, when the caller keeps them.
    fn select_in_namespaces(
        &self,
        namespaces: &[u32],
        words: Option<&[u64]>,
        sel: &Compiled,
    ) -> BitSet {
        let lists: Vec<&[u32]> = namespaces
            .iter()
            .map(|&n| self.ns_class_ids[n as usize].as_slice())
            .collect();
        let len = lists.iter().map(|l| l.len()).sum();
        let mask = |c: u32| namespaces.binary_search(&self.class_ns[c as usize]).is_ok();
        self.class_universe.select(
            sel,
            Within::Lists {
                lists,
                len,
                mask: &mask,
                words,
            },
        )
    }

    /// The namespaces of cluster `cluster` that `sel` matches, ascending.
    fn namespaces_matching(&self, cluster: u32, sel: &Compiled) -> Vec<u32> {
        self.ns_universe
            .select(sel, Within::All)
            .iter()
            .map(|n| n as u32)
            .filter(|&n| self.ns_cluster[n as usize] == cluster)
            .collect()
    }

    /// Whether `sel` matches any namespace of the cluster of `near` (its
    /// labels with the implicit name label).
    pub fn any_namespace_matches(&self, near: NamespaceId, sel: &LabelSelector) -> bool {
        let cluster = self.ns_cluster[near.index()];
        !self
            .namespaces_matching(cluster, &self.interner.compile(sel))
            .is_empty()
    }

    /// Classes a peer of a policy in namespace `policy_ns` selects; an
    /// ipBlock peer selects no pods.
    pub fn peer_classes(&self, policy_ns: NamespaceId, peer: &Peer) -> Vec<ClassId> {
        self.peer_classes_in(self.ns_cluster[policy_ns.index()], policy_ns, peer)
    }

    /// Classes a peer (or the subject) of admin policy `policy` selects:
    /// those of its cluster (an admin peer always has a namespaceSelector).
    pub fn admin_peer_classes(&self, policy: usize, peer: &Peer) -> Vec<ClassId> {
        self.peer_classes_in(self.admin_cluster[policy], NamespaceId(0), peer)
    }

    /// Classes a peer selects among the namespaces of cluster `cluster`
    /// (an index of `ns_cluster`); `policy_ns` is the namespace of a peer
    /// without namespaceSelector.
    pub fn peer_classes_in(
        &self,
        cluster: u32,
        policy_ns: NamespaceId,
        peer: &Peer,
    ) -> Vec<ClassId> {
        self.peer_set_in(cluster, policy_ns, peer)
            .iter()
            .map(|c| ClassId(c as u32))
            .collect()
    }

    /// `peer_classes_in` as a set whose storage is shared with every other
    /// peer of the same selection (cheap to clone and to keep).
    pub fn peer_set_in(&self, cluster: u32, policy_ns: NamespaceId, peer: &Peer) -> BitSet {
        self.peer_selection(&mut self.memo(), cluster, policy_ns, peer)
            .classes
    }

    fn memo(&self) -> MutexGuard<'_, PeerMemo> {
        self.peer_memo.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget the peer selections (those asked for again are recomputed):
    /// they hold class sets that nothing needs once the rules have run.
    pub fn release_peer_cache(&mut self) {
        *self.memo() = PeerMemo::default();
        self.policy_peers = None;
    }

    pub fn class(&self, w: WorkloadId) -> Option<&Class> {
        self.class_of[w.index()].map(|c| &self.classes[c.index()])
    }

    /// Workloads of classes.
    pub fn members<'a>(&'a self, classes: &'a [ClassId]) -> impl Iterator<Item = WorkloadId> + 'a {
        classes
            .iter()
            .flat_map(|c| self.classes[c.index()].members.iter().copied())
    }
}

#[cfg(test)]
#[path = "kube_tests.rs"]
mod tests;
