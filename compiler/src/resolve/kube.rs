//! Kubernetes resolution: equivalence classes of workloads (same namespace,
//! labels and named ports behave alike under every selector), namespace
//! labels with the implicit `kubernetes.io/metadata.name`, policy and Service
//! selection, peer matching, named ports, Service DNS names and Istio hosts.
//!
//! Selectors are evaluated once per class, never per workload, and only
//! against the classes of the namespaces they can reach.

use crate::ir::{
    LabelSelector, Labels, NamespaceId, Peer, Policy, Protocol, ServiceId, ServiceIndex, Topology,
    WorkloadId,
};
use std::collections::{BTreeMap, HashMap};

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
    pub classes: Vec<Class>,
    /// Per workload: its class (None for Compose services).
    pub class_of: Vec<Option<ClassId>>,
    /// Per namespace: its classes.
    pub ns_classes: Vec<Vec<ClassId>>,
    /// Per policy: the classes its podSelector selects.
    pub policy_classes: Vec<Vec<ClassId>>,
    /// Per Service: the workloads its selector picks (empty without selector).
    pub service_workloads: Vec<Vec<WorkloadId>>,
    pub services: ServiceIndex,
    /// Per VirtualService, per host: the Service it names.
    pub vs_hosts: Vec<Vec<Option<ServiceId>>>,
    /// Per DestinationRule: the Service of its host.
    pub dr_service: Vec<Option<ServiceId>>,
}

pub fn resolve(t: &Topology) -> KubeResolved {
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
        services: ServiceIndex::new(t),
        ..Default::default()
    };
    type Key = (
        NamespaceId,
        Vec<(String, String)>,
        Vec<(String, Protocol, u16)>,
    );
    let mut by_key: HashMap<Key, ClassId> = HashMap::new();
    for id in t.workload_ids() {
        let w = t.workload(id);
        if w.project.is_some() {
            continue;
        }
        let labels: BTreeMap<_, _> = w
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut named: Vec<_> = w
            .ports
            .iter()
            .filter_map(|p| Some((p.name.clone()?, p.protocol, p.port)))
            .collect();
        named.sort();
        named.dedup();
        let key = (w.namespace, labels.into_iter().collect(), named.clone());
        let next = ClassId(r.classes.len() as u32);
        let c = *by_key.entry(key).or_insert(next);
        if c == next {
            r.classes.push(Class {
                namespace: w.namespace,
                labels: w.labels.clone(),
                named_ports: named,
                members: Vec::new(),
            });
            r.ns_classes[w.namespace.index()].push(c);
        }
        r.classes[c.index()].members.push(id);
        r.class_of[id.index()] = Some(c);
    }
    r.policy_classes = t.policies.iter().map(|p| r.selected(p)).collect();
    r.service_workloads = t
        .services
        .iter()
        .map(|s| match &s.selector {
            None => Vec::new(),
            Some(sel) => {
                let sel = LabelSelector {
                    match_labels: sel.clone(),
                    ..Default::default()
                };
                let mut ws: Vec<WorkloadId> = r.ns_classes[s.namespace.index()]
                    .iter()
                    .filter(|c| sel.matches(&r.classes[c.index()].labels))
                    .flat_map(|c| r.classes[c.index()].members.iter().copied())
                    .collect();
                ws.sort();
                ws
            }
        })
        .collect();
    r.vs_hosts = t
        .virtual_services
        .iter()
        .map(|v| {
            let ns = &t.namespace(v.namespace).name;
            v.hosts
                .iter()
                .map(|(h, _)| r.services.lookup(ns, h))
                .collect()
        })
        .collect();
    r.dr_service = t
        .destination_rules
        .iter()
        .map(|d| r.services.lookup(&t.namespace(d.namespace).name, &d.host))
        .collect();
    r
}

impl KubeResolved {
    /// Classes a policy's podSelector selects (its own namespace only).
    pub fn selected(&self, p: &Policy) -> Vec<ClassId> {
        self.ns_classes[p.namespace.index()]
            .iter()
            .copied()
            .filter(|c| p.pod_selector.matches(&self.classes[c.index()].labels))
            .collect()
    }

    /// Classes a peer of a policy in namespace `policy_ns` selects; an
    /// ipBlock peer selects no pods.
    pub fn peer_classes(&self, policy_ns: NamespaceId, peer: &Peer) -> Vec<ClassId> {
        if peer.ip_block.is_some() {
            return Vec::new();
        }
        let namespaces: Vec<usize> = match &peer.namespace_selector {
            None => vec![policy_ns.index()],
            Some(sel) => (0..self.ns_labels.len())
                .filter(|&i| sel.matches(&self.ns_labels[i]))
                .collect(),
        };
        namespaces
            .into_iter()
            .flat_map(|n| self.ns_classes[n].iter().copied())
            .filter(|c| {
                peer.pod_selector
                    .as_ref()
                    .is_none_or(|s| s.matches(&self.classes[c.index()].labels))
            })
            .collect()
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
