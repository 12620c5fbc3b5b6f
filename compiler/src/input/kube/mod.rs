//! The Kubernetes front end (workloads, Services, Ingresses and OpenShift
//! Routes, NetworkPolicies and the admin tiers around them, Namespaces and
//! OVN-Kubernetes user-defined networks; Istio routing objects) — lowered
//! into the IR.
//!
//! Lowering runs in passes over the flattened object list: Namespaces first
//! (so later objects find their labels), then every other kind, then the
//! intents (env URLs, `topoc.dev/talks-to`, Istio route destinations), which
//! need every Service to be known. Intents are produced here, in the front
//! end, so that the IR is complete before `resolve` runs.

mod admin;
mod dedupe;
mod intents;
mod istio;
mod merge;
mod meta;
mod parallel;
mod policies;
mod routes;
mod services;
#[cfg(test)]
mod split_tests;
mod udn;
mod workloads;

use super::Loaded;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::FastMap;
use crate::ir::{
    NamespaceId, ObjectIgnore, OpaqueObject, Origin, Topology, WorkloadId, WorkloadKind,
};
use crate::syntax::{Document, Node};

pub use meta::Meta;

/// Namespace of objects that do not name one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// The lowering state shared by every pass.
pub struct Cx<'a> {
    pub t: &'a mut Topology,
    pub diags: &'a mut Vec<Diagnostic>,
    /// Workloads by (namespace, kind, name): controllers and the pods they own
    /// become one workload.
    owners: FastMap<(NamespaceId, String, String), WorkloadId>,
    /// Intents waiting for every Service to be lowered.
    pending: Vec<intents::Pending>,
    /// The clusters of the input (`Namespace::cluster`), and the index of
    /// the one the object being lowered belongs to.
    clusters: Vec<Option<String>>,
    cluster: usize,
    /// Primary user-defined networks waiting for every namespace.
    pending_networks: Vec<udn::Pending>,
    /// Set when lowering the second half of the input on its own
    /// (`parallel.rs`): what the merge needs to know about each workload.
    log: Option<Vec<merge::Created>>,
}

/// One object of a stream or of a `List`'s items, with its effective kind.
struct Object<'n> {
    node: &'n Node,
    kind: &'n str,
    api_version: &'n str,
    /// Index into `Cx::clusters`.
    cluster: usize,
}

/// Flatten `List` / `*List` kinds; items without a `kind` take it from the
/// list's (`PodList` → `Pod`), as `kubectl get -o yaml` output omits it.
fn flatten<'n>(node: &'n Node, inherited: Option<&'n str>, out: &mut Vec<Object<'n>>, cx: &mut Cx) {
    if node.as_map().is_none() {
        cx.error(
            &diag::INVALID_VALUE,
            node.span,
            format!(
                "a Kubernetes object must be a mapping, found {}",
                node.describe()
            ),
        );
        return;
    }
    let kind = node
        .get("kind")
        .and_then(Node::as_str)
        .or(inherited)
        .unwrap_or_default();
    let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    if (kind == "List" || kind.ends_with("List")) && node.get("items").is_some() {
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        for item in cx.seq_field(node, "items") {
            flatten(item, item_kind, out, cx);
        }
        return;
    }
    out.push(Object {
        node,
        kind,
        api_version,
        cluster: cx.cluster,
    });
}

/// Lower Kubernetes documents (already classified) into `loaded.topology`.
/// Each kustomize overlay is a cluster of its own (the overlay of the
/// document's file); the other documents share one.
/// Each document's syntax tree is freed once its objects are lowered: the
/// IR then grows into the memory of the trees before it instead of beside
/// all of them (at 100k objects the trees are ~500 MB, the IR ~400 MB).
/// Large inputs are lowered in two halves on two threads and merged into
/// exactly what lowering them in order gives (`parallel.rs`, `merge.rs`).
pub fn lower(loaded: &mut Loaded, mut docs: Vec<Document>) {
    let mut cx = Cx::new(&mut loaded.topology, &mut loaded.diagnostics);
    let mut objects = Vec::new();
    let mut shape = Vec::with_capacity(docs.len());
    for doc in &docs {
        let before = objects.len();
        cx.enter(&loaded.sources.get(doc.file).kustomize_overlay);
        flatten(&doc.root, None, &mut objects, &mut cx);
        shape.push(parallel::DocShape {
            objects: objects.len() - before,
            cluster: cx.cluster,
        });
    }
    let keep = dedupe::last_copies(&objects, cx.diags);
    for (o, _) in objects
        .iter()
        .zip(&keep)
        .filter(|(o, keep)| **keep && o.kind == "Namespace")
    {
        cx.cluster = o.cluster;
        cx.namespace(o.node);
    }
    drop(objects);
    parallel::lower_objects(&mut cx, &mut docs, &shape, &keep);
    cx.assign_pod_networks();
    cx.resolve_intents();
    tag_namespaces(loaded);
}

/// Namespaces of one name in several clusters are told apart in output as
/// Compose projects sharing a name are: `name@TAG`, TAG the shortest end of
/// the overlay directory's path that no other of them shares. The
/// namespaces outside every overlay keep the plain name.
fn tag_namespaces(loaded: &mut Loaded) {
    let t = &mut loaded.topology;
    let mut by_name: FastMap<&str, Vec<usize>> = FastMap::default();
    for (i, n) in t.namespaces.iter().enumerate() {
        by_name.entry(n.name.as_str()).or_default().push(i);
    }
    let mut tags: Vec<(usize, String)> = Vec::new();
    for same in by_name.values().filter(|v| v.len() > 1) {
        let dirs: Vec<Option<&std::path::Path>> = same
            .iter()
            .map(|&i| t.namespaces[i].cluster.as_deref().map(std::path::Path::new))
            .collect();
        for (k, &i) in same.iter().enumerate() {
            let Some(dir) = dirs[k] else { continue };
            let others: Vec<&std::path::Path> = dirs
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .filter_map(|(_, d)| *d)
                .collect();
            let tag = super::distinguishing_suffix(dir, &others)
                .unwrap_or_else(|| dir.display().to_string());
            tags.push((i, tag));
        }
    }
    for (i, tag) in tags {
        t.namespaces[i].tag = Some(tag);
    }
}

impl<'a> Cx<'a> {
    fn new(t: &'a mut Topology, diags: &'a mut Vec<Diagnostic>) -> Self {
        Cx {
            t,
            diags,
            owners: FastMap::default(),
            pending: Vec::new(),
            pending_networks: Vec::new(),
            clusters: vec![None],
            cluster: 0,
            log: None,
        }
    }

    /// Enter the cluster of a document read through `overlay`.
    fn enter(&mut self, overlay: &Option<String>) {
        self.cluster = match self.clusters.iter().position(|c| c == overlay) {
            Some(i) => i,
            None => {
                self.clusters.push(overlay.clone());
                self.clusters.len() - 1
            }
        };
    }

    /// Lower one object (Namespaces were lowered before every other kind).
    fn object(&mut self, o: &Object) {
        self.cluster = o.cluster;
        let cx = self;
        if WorkloadKind::parse(o.kind).is_none() {
            cx.object_ignores(o);
        }
        match o.kind {
            "Namespace" => {}
            "Pod"
            | "Deployment"
            | "ReplicaSet"
            | "ReplicationController"
            | "StatefulSet"
            | "DaemonSet"
            | "Job"
            | "CronJob" => cx.workload(o.node, o.kind),
            "Service" => cx.service(o.node),
            "Ingress" => cx.ingress(o.node),
            "NetworkPolicy" => cx.policy(o.node),
            "AdminNetworkPolicy" if o.api_version.starts_with("policy.networking.k8s.io") => {
                cx.admin_policy(o.node, false)
            }
            "BaselineAdminNetworkPolicy"
                if o.api_version.starts_with("policy.networking.k8s.io") =>
            {
                cx.admin_policy(o.node, true)
            }
            "Route" if o.api_version.starts_with("route.openshift.io") => cx.route(o.node),
            "UserDefinedNetwork" if o.api_version.starts_with("k8s.ovn.org") => {
                cx.user_defined_network(o.node, false)
            }
            "ClusterUserDefinedNetwork" if o.api_version.starts_with("k8s.ovn.org") => {
                cx.user_defined_network(o.node, true)
            }
            "VirtualService" if o.api_version.starts_with("networking.istio.io") => {
                cx.virtual_service(o.node)
            }
            "DestinationRule" if o.api_version.starts_with("networking.istio.io") => {
                cx.destination_rule(o.node)
            }
            "Gateway" if o.api_version.starts_with("networking.istio.io") => cx.gateway(o.node),
            _ => cx.opaque(o),
        }
    }

    /// The cluster of the object being lowered.
    fn cluster(&self) -> Option<&str> {
        self.clusters[self.cluster].as_deref()
    }

    /// `name` interned in the cluster of the object being lowered.
    fn intern(&mut self, name: &str, origin: Origin) -> NamespaceId {
        let cluster = self.clusters[self.cluster].as_deref();
        self.t.intern_namespace_in(cluster, name, origin)
    }

    /// The namespace of an object (`default` when not given), interned.
    fn namespace_of(&mut self, meta: &Meta, origin: Origin) -> NamespaceId {
        let name = meta.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        self.intern(name, origin)
    }

    fn namespace(&mut self, node: &Node) {
        let Some((m, origin)) = self.named_meta(node, "Namespace") else {
            return;
        };
        let id = self.intern(&m.name, origin);
        let ns = &mut self.t.namespaces[id.index()];
        ns.labels.extend(m.labels);
        ns.declared = true;
        ns.origin = origin;
    }

    /// `topoc.dev/ignore` of a non-workload object (workloads read theirs
    /// with their pod template's annotations).
    fn object_ignores(&mut self, o: &Object) {
        let md = o.node.get("metadata");
        let Some(value) = md
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(workloads::IGNORE))
        else {
            return;
        };
        let (Some(text), Some(name)) = (
            value.as_str(),
            md.and_then(|m| m.get("name")).and_then(|n| n.as_str()),
        ) else {
            return;
        };
        let origin = Origin::from(value.span);
        let namespace = if o.kind == "Namespace" {
            self.intern(name, origin)
        } else {
            let ns = md
                .and_then(|m| m.get("namespace"))
                .and_then(|n| n.as_str())
                .filter(|n| !n.is_empty())
                .unwrap_or(DEFAULT_NAMESPACE);
            self.intern(ns, origin)
        };
        for rule in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            self.t.object_ignores.push(ObjectIgnore {
                kind: o.kind.to_string(),
                namespace,
                name: name.to_string(),
                rule: rule.to_string(),
                origin,
            });
        }
    }

    fn opaque(&mut self, o: &Object) {
        let m = self.meta(o.node);
        let origin = meta::name_origin(o.node, &m);
        self.t.opaque.push(OpaqueObject {
            api_version: o.api_version.to_string(),
            kind: o.kind.to_string(),
            name: m.name,
            namespace: m.namespace,
            origin,
        });
    }
}
