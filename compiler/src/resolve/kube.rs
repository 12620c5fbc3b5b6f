//! Kubernetes resolution: equivalence classes of workloads (same namespace,
//! labels and named ports behave alike under every selector), namespace
//! labels with the implicit `kubernetes.io/metadata.name`, policy and Service
//! selection, peer matching, named ports, Service DNS names and Istio hosts.
//!
//! Selectors are evaluated once per class, never per workload, and only
//! against the classes of the namespaces they can reach — never those of
//! another cluster (`Namespace::cluster`: each kustomize overlay is one).

use crate::ir::{
    LabelSelector, Labels, NamespaceId, Peer, Policy, Protocol, SelectorOp, ServiceId,
    ServiceIndex, Topology, WorkloadId,
};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Mutex;

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
    /// Namespaces and classes by label, so that a selector with `matchLabels`
    /// visits only what carries one of its labels: a peer such as
    /// `namespaceSelector: {matchLabels: {team: x}}` costs the few namespaces
    /// of team x, not a scan of every namespace per peer (which made large
    /// clusters quadratic: peers and namespaces both grow with the input).
    ns_by_label: LabelIndex,
    class_by_label: LabelIndex,
    /// Per namespace: its classes by label (a policy's podSelector and a
    /// peer without namespaceSelector only look in one namespace).
    class_by_ns_label: Vec<LabelIndex>,
    /// `peer_classes` by peer content: connectivity and several rules ask
    /// for the same peers, and most peers repeat across namespaces (the same
    /// `allow-dns` or monitoring peer in every one).
    peer_cache: Mutex<HashMap<String, Vec<ClassId>>>,
}

/// label key → label value → ids (namespace or class indices), ascending.
#[derive(Debug, Default)]
struct LabelIndex(HashMap<String, HashMap<String, Vec<u32>>>);

/// Posting lists that every match of a selector is in, and their total
/// length. The lists are disjoint except when an `In` repeats a value, so
/// walking them yields each id at most twice (callers sort and dedup what
/// they keep). They are not merged: a selector's candidates are often far
/// more than its matches, and merging them cost a sort per distinct peer.
struct Candidates<'a> {
    lists: Vec<&'a [u32]>,
    len: usize,
}

impl<'a> Candidates<'a> {
    fn new(lists: Vec<&'a [u32]>) -> Self {
        let len = lists.iter().map(|l| l.len()).sum();
        Candidates { lists, len }
    }

    fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.lists.iter().flat_map(|l| l.iter().copied())
    }
}

impl LabelIndex {
    fn add(&mut self, labels: &Labels, id: usize) {
        for (k, v) in labels {
            let ids = self
                .0
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default();
            ids.push(id as u32);
        }
    }

    /// The shortest candidate lists of `sel`: the ids carrying one of its
    /// `matchLabels`, or the ids carrying a key of an `In` / `Exists`
    /// requirement (with one of its values). None when the selector has
    /// neither (only `NotIn` / `DoesNotExist`, or empty): then every id is a
    /// candidate.
    fn candidates(&self, sel: &LabelSelector) -> Option<Candidates<'_>> {
        let by_value = |k: &str, v: &str| {
            self.0
                .get(k)
                .and_then(|vs| vs.get(v))
                .map_or(&[][..], Vec::as_slice)
        };
        let labels = sel
            .match_labels
            .iter()
            .map(|(k, v)| Candidates::new(vec![by_value(k, v)]));
        // Postings of one requirement: one list per value (an id carries
        // one value per key, so the lists are disjoint).
        let expressions = sel.match_expressions.iter().filter_map(|r| match r.op {
            SelectorOp::In => Some(Candidates::new(
                r.values.iter().map(|v| by_value(&r.key, v)).collect(),
            )),
            SelectorOp::Exists => Some(Candidates::new(
                self.0
                    .get(r.key.as_str())
                    .map(|vs| vs.values().map(Vec::as_slice).collect())
                    .unwrap_or_default(),
            )),
            SelectorOp::NotIn | SelectorOp::DoesNotExist => None,
        });
        // The first shortest, matchLabels before expressions (as before the
        // lists were kept unmerged; only the cost depends on the choice).
        labels
            .chain(expressions)
            .reduce(|best, c| if c.len < best.len { c } else { best })
    }
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
        services: ServiceIndex::new(t),
        ..Default::default()
    };
    type Key = (
        NamespaceId,
        Vec<(String, String)>,
        Vec<(String, Protocol, u16)>,
    );
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
    for (i, labels) in r.ns_labels.iter().enumerate() {
        r.ns_by_label.add(labels, i);
    }
    r.class_by_ns_label = (0..t.namespaces.len())
        .map(|_| LabelIndex::default())
        .collect();
    for (i, c) in r.classes.iter().enumerate() {
        r.class_by_label.add(&c.labels, i);
        r.class_by_ns_label[c.namespace.index()].add(&c.labels, i);
    }
    r.policy_classes = t.policies.iter().map(|p| r.selected(p)).collect();
    // An admin subject always has a namespaceSelector: the namespace given
    // here is never used.
    r.admin_classes = (0..t.admin_policies.len())
        .map(|pi| r.admin_peer_classes(pi, &t.admin_policies[pi].subject))
        .collect();
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
                let mut ws: Vec<WorkloadId> = r
                    .classes_matching(s.namespace, Some(&sel))
                    .into_iter()
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

impl KubeResolved {
    /// Classes a policy's podSelector selects (its own namespace only).
    pub fn selected(&self, p: &Policy) -> Vec<ClassId> {
        self.classes_matching(p.namespace, Some(&p.pod_selector))
    }

    /// Classes of namespace `ns` that `sel` matches, ascending. Walks the
    /// namespace's classes carrying the selector's labels when they are
    /// fewer than all its classes: a namespace of thousands of workloads and
    /// policies would otherwise cost policies × classes.
    fn classes_matching(&self, ns: NamespaceId, sel: Option<&LabelSelector>) -> Vec<ClassId> {
        let mut out = Vec::new();
        self.push_matching_in(ns, sel, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Push the classes of namespace `ns` that `sel` matches (None: every
    /// class of it), in no particular order, possibly twice.
    fn push_matching_in(
        &self,
        ns: NamespaceId,
        sel: Option<&LabelSelector>,
        out: &mut Vec<ClassId>,
    ) {
        let in_ns = &self.ns_classes[ns.index()];
        let Some(sel) = sel else {
            out.extend_from_slice(in_ns);
            return;
        };
        let matches = |c: &ClassId| sel.matches(&self.classes[c.index()].labels);
        match self.class_by_ns_label[ns.index()]
            .candidates(sel)
            .filter(|c| c.len < in_ns.len())
        {
            Some(c) => out.extend(c.ids().map(ClassId).filter(matches)),
            None => out.extend(in_ns.iter().copied().filter(matches)),
        }
    }

    /// Whether `sel` matches any namespace of the cluster of `near` (its
    /// labels with the implicit name label).
    pub fn any_namespace_matches(&self, near: NamespaceId, sel: &LabelSelector) -> bool {
        let cluster = self.ns_cluster[near.index()];
        let matches = |i: usize| self.ns_cluster[i] == cluster && sel.matches(&self.ns_labels[i]);
        match self.ns_by_label.candidates(sel) {
            Some(c) => c.ids().any(|i| matches(i as usize)),
            None => (0..self.ns_labels.len()).any(matches),
        }
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
        if peer.ip_block.is_some() {
            return Vec::new();
        }
        let key = peer_key(cluster, policy_ns, peer);
        let cache = || self.peer_cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = cache().get(&key) {
            return hit.clone();
        }
        let classes = self.evaluate_peer(cluster, policy_ns, peer);
        cache().insert(key, classes.clone());
        classes
    }

    fn evaluate_peer(&self, cluster: u32, policy_ns: NamespaceId, peer: &Peer) -> Vec<ClassId> {
        let in_cluster = |i: usize| self.ns_cluster[i] == cluster;
        let mut namespaces: Vec<usize> = match &peer.namespace_selector {
            None => vec![policy_ns.index()],
            Some(sel) => match self.ns_by_label.candidates(sel) {
                Some(c) => c
                    .ids()
                    .map(|i| i as usize)
                    .filter(|&i| in_cluster(i) && sel.matches(&self.ns_labels[i]))
                    .collect(),
                None => (0..self.ns_labels.len())
                    .filter(|&i| in_cluster(i) && sel.matches(&self.ns_labels[i]))
                    .collect(),
            },
        };
        namespaces.sort_unstable();
        namespaces.dedup();
        let pod_sel = peer.pod_selector.as_ref();
        // Walk whichever is shorter: the classes of the whole cluster
        // carrying one of the pod selector's labels, or, namespace by
        // namespace, those of the selected namespaces (each namespace
        // choosing between its classes carrying the labels and all of them).
        let in_namespaces: usize = namespaces.iter().map(|&n| self.ns_classes[n].len()).sum();
        let global = pod_sel
            .and_then(|s| self.class_by_label.candidates(s).map(|c| (s, c)))
            .filter(|(_, c)| c.len < in_namespaces);
        let mut out: Vec<ClassId> = Vec::new();
        match global {
            Some((sel, c)) => {
                let mut selected = vec![false; self.ns_labels.len()];
                for &n in &namespaces {
                    selected[n] = true;
                }
                out.extend(c.ids().map(ClassId).filter(|c| {
                    let class = &self.classes[c.index()];
                    selected[class.namespace.index()] && sel.matches(&class.labels)
                }));
            }
            None => {
                for n in namespaces {
                    self.push_matching_in(NamespaceId(n as u32), pod_sel, &mut out);
                }
            }
        }
        // One order whichever way was walked.
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Forget the memo of peer selections (it is rebuilt on demand): at
    /// 100k objects it holds tens of millions of class ids that nothing
    /// needs once the rules have run.
    pub fn release_peer_cache(&self) {
        let mut cache = self.peer_cache.lock().unwrap_or_else(|e| e.into_inner());
        *cache = HashMap::new();
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

/// What a peer's selection depends on: its selectors, and the policy's
/// namespace when it has no namespaceSelector (else its cluster).
fn peer_key(cluster: u32, policy_ns: NamespaceId, peer: &Peer) -> String {
    let mut key = String::new();
    if peer.namespace_selector.is_none() {
        let _ = write!(key, "ns={};", policy_ns.0);
    } else if cluster != 0 {
        let _ = write!(key, "c={cluster};");
    }
    for (tag, sel) in [("p", &peer.pod_selector), ("n", &peer.namespace_selector)] {
        let Some(sel) = sel else { continue };
        key.push_str(tag);
        for (k, v) in &sel.match_labels {
            let _ = write!(key, "{{{k:?}={v:?}}}");
        }
        for r in &sel.match_expressions {
            let _ = write!(key, "{{{:?} {:?} {:?}}}", r.key, r.op, r.values);
        }
        key.push(';');
    }
    key
}

#[cfg(test)]
#[path = "kube_tests.rs"]
mod tests;
