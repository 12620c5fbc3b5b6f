//! Namespaces and the clusters they belong to: every kustomize overlay is
//! a cluster of its own (`Namespace::cluster`), so namespaces are interned
//! by (cluster, name), and output tells same-named namespaces of different
//! clusters apart (`Namespace::shown`).

use super::{Labels, NamespaceId, Origin, PodNetworkId, Topology};

#[derive(Debug, Clone)]
pub struct Namespace {
    pub name: String,
    /// The world it belongs to: the kustomize overlay that built it
    /// (`SourceFile::kustomize_overlay`), None for raw manifests and Compose.
    /// Namespaces are interned by (cluster, name); selectors, Service names
    /// and flows never cross from one cluster into another.
    pub cluster: Option<String>,
    /// Set when namespaces of this name exist in several clusters: output
    /// names this one `name@TAG` (`shown`), as Compose names projects that
    /// share a name.
    pub tag: Option<String>,
    pub labels: Labels,
    /// Declared by a `Namespace` object (rather than implied by a reference).
    pub declared: bool,
    /// The primary OVN-Kubernetes user-defined network of its pods (`None`:
    /// the cluster's pod network).
    pub pod_network: Option<PodNetworkId>,
    pub origin: Origin,
}

impl Namespace {
    /// The namespace as output names it: its name, or `name@TAG` when
    /// another cluster has a namespace of the same name.
    pub fn shown(&self) -> std::borrow::Cow<'_, str> {
        match &self.tag {
            None => std::borrow::Cow::Borrowed(&self.name),
            Some(tag) => std::borrow::Cow::Owned(format!("{}@{tag}", self.name)),
        }
    }
}

impl Topology {
    /// The namespace with `name` outside any cluster (raw manifests,
    /// Compose), created (undeclared) when missing.
    pub fn intern_namespace(&mut self, name: &str, origin: Origin) -> NamespaceId {
        self.intern_namespace_in(None, name, origin)
    }

    /// The namespace with `name` in `cluster`, created (undeclared) when
    /// missing.
    pub fn intern_namespace_in(
        &mut self,
        cluster: Option<&str>,
        name: &str,
        origin: Origin,
    ) -> NamespaceId {
        if let Some(id) = self.find_namespace(cluster, name) {
            return id;
        }
        self.namespaces.push(Namespace {
            name: name.to_string(),
            cluster: cluster.map(String::from),
            tag: None,
            labels: Labels::default(),
            declared: false,
            pod_network: None,
            origin,
        });
        let id = NamespaceId(self.namespaces.len() as u32 - 1);
        self.index_namespace(name, id);
        id
    }

    fn index_namespace(&mut self, name: &str, id: NamespaceId) {
        let ids = self.namespace_index.entry(name.to_string()).or_default();
        if !ids.contains(&id) {
            ids.push(id);
            self.namespace_indexed += 1;
        }
    }

    /// The namespace `name` of `cluster`: through the index, or by a scan
    /// (remembered) when the index is stale or incomplete.
    fn find_namespace(&mut self, cluster: Option<&str>, name: &str) -> Option<NamespaceId> {
        let is = |n: &Namespace| n.name == name && n.cluster.as_deref() == cluster;
        let ids = self
            .namespace_index
            .get(name)
            .map_or(&[][..], Vec::as_slice);
        if let Some(&id) = ids
            .iter()
            .find(|id| self.namespaces.get(id.index()).is_some_and(is))
        {
            return Some(id);
        }
        let stale = ids.iter().any(|id| {
            self.namespaces
                .get(id.index())
                .is_none_or(|n| n.name != name)
        });
        // The index is complete only if every namespace came through here.
        if !stale && self.namespace_indexed == self.namespaces.len() {
            return None;
        }
        let i = self.namespaces.iter().position(is)?;
        self.index_namespace(name, NamespaceId(i as u32));
        Some(NamespaceId(i as u32))
    }

    /// The cluster a namespace belongs to.
    pub fn cluster_of(&self, ns: NamespaceId) -> Option<&str> {
        self.namespace(ns).cluster.as_deref()
    }

    /// Whether two namespaces are in one cluster.
    pub fn same_cluster(&self, a: NamespaceId, b: NamespaceId) -> bool {
        a == b || self.cluster_of(a) == self.cluster_of(b)
    }

    /// The namespace `name` in the cluster of `near`, if there is one.
    pub fn namespace_near(&self, near: NamespaceId, name: &str) -> Option<NamespaceId> {
        let cluster = self.cluster_of(near);
        let is = |n: &Namespace| n.name == name && n.cluster.as_deref() == cluster;
        let ids = self
            .namespace_index
            .get(name)
            .map_or(&[][..], Vec::as_slice);
        let stale = || {
            ids.iter().any(|id| {
                self.namespaces
                    .get(id.index())
                    .is_none_or(|n| n.name != name)
            })
        };
        match ids
            .iter()
            .find(|id| self.namespaces.get(id.index()).is_some_and(is))
        {
            Some(&id) => Some(id),
            None if self.namespace_indexed == self.namespaces.len() && !stale() => None,
            None => self
                .namespaces
                .iter()
                .position(is)
                .map(|i| NamespaceId(i as u32)),
        }
    }
}

#[cfg(test)]
mod intern_tests {
    use super::*;
    use crate::source::{FileId, Pos, Span};

    fn origin() -> Origin {
        let p = Pos::default();
        Origin::from(Span {
            file: FileId(0),
            start: p,
            end: p,
        })
    }

    #[test]
    fn intern_namespace_finds_existing_and_survives_direct_pushes() {
        let o = origin();
        let mut t = Topology::default();
        let a = t.intern_namespace("a", o);
        let b = t.intern_namespace("b", o);
        assert_eq!((a.0, b.0), (0, 1));
        assert_eq!(t.intern_namespace("a", o), a);
        let mut c = t.namespaces[0].clone();
        c.name = "c".into();
        t.namespaces.push(c);
        assert_eq!(t.intern_namespace("c", o).0, 2);
        assert_eq!(t.intern_namespace("d", o).0, 3);
        assert_eq!(t.namespaces.len(), 4);
    }

    #[test]
    fn namespaces_are_interned_per_cluster() {
        let o = origin();
        let mut t = Topology::default();
        let raw = t.intern_namespace("default", o);
        let a = t.intern_namespace_in(Some("overlays/a"), "default", o);
        let b = t.intern_namespace_in(Some("overlays/b"), "default", o);
        assert_eq!((raw.0, a.0, b.0), (0, 1, 2));
        assert_eq!(t.intern_namespace_in(Some("overlays/a"), "default", o), a);
        assert!(t.same_cluster(a, a) && !t.same_cluster(a, b) && !t.same_cluster(raw, a));
        let shop = t.intern_namespace_in(Some("overlays/b"), "shop", o);
        assert_eq!(t.namespace_near(b, "shop"), Some(shop));
        assert_eq!(t.namespace_near(a, "shop"), None);
        assert_eq!(t.namespace_near(raw, "default"), Some(raw));
    }
}
