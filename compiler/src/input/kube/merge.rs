//! Appending the fragment lowered on the second thread (`parallel.rs`) to
//! the main state, so that the result is byte for byte that of lowering
//! every document in order:
//!
//! - namespaces the fragment created are interned into the main table in
//!   the fragment's order (one the first half also created keeps the first
//!   half's entry, as it was mentioned first), and every `NamespaceId` of
//!   the fragment is mapped;
//! - a fragment workload whose owner (namespace, kind, name) the first half
//!   already has is what the sequential lowering would have seen as a
//!   further copy of that owner: it adds its Pods to the first workload's
//!   replicas (`workloads.rs`), and whatever the fragment did after finding
//!   it new (its diagnostics, publications and pending intents) is dropped;
//!   the other workloads are appended, their `WorkloadId`s mapped;
//! - everything else is appended in order, diagnostics after the first
//!   half's.

use super::{Cx, intents, udn};
use crate::diagnostic::Diagnostic;
use crate::ir::{FastMap, NamespaceId, Topology, WorkloadId};
use std::ops::Range;

/// What the fragment did for one workload it created.
pub(super) struct Created {
    /// The diagnostics reported after its owner was found new.
    pub diags: Range<usize>,
    /// How many Pods of the fragment it stands for (each one a replica).
    pub pods: u32,
}

/// The fragment's lowering state besides its topology and diagnostics.
pub(super) struct Parts {
    owners: FastMap<(NamespaceId, String, String), WorkloadId>,
    pending: Vec<intents::Pending>,
    pending_networks: Vec<udn::Pending>,
    clusters: Vec<Option<String>>,
    log: Vec<Created>,
}

impl Parts {
    pub(super) fn of(cx: Cx) -> Parts {
        let Cx {
            t: _,
            diags: _,
            owners,
            pending,
            clusters,
            cluster: _,
            pending_networks,
            log,
        } = cx;
        Parts {
            owners,
            pending,
            pending_networks,
            clusters,
            log: log.unwrap_or_default(),
        }
    }
}

/// The second half of the input, lowered on its own.
pub(super) struct Fragment {
    pub t: Topology,
    pub diags: Vec<Diagnostic>,
    pub parts: Parts,
}

/// Append `f` to `cx`; `base` is how many namespaces both started with.
pub(super) fn merge(cx: &mut Cx, f: Fragment, base: usize) {
    let Fragment { t, diags, parts } = f;
    let Parts {
        owners,
        pending,
        pending_networks,
        clusters,
        log,
    } = parts;
    // Every cluster is entered by the first flattening, before the split.
    debug_assert_eq!(clusters, cx.clusters);
    let Topology {
        projects,
        namespaces,
        networks,
        workloads,
        services,
        publications,
        policies,
        admin_policies,
        ingresses,
        pod_networks,
        intents,
        opaque,
        dangling,
        virtual_services,
        destination_rules,
        gateways,
        object_ignores,
        namespace_index: _,
        namespace_indexed: _,
    } = t;
    // Made by other front ends, or after every object is lowered
    // (`assign_pod_networks`, `resolve_intents`): never by the fragment.
    debug_assert!(
        projects.is_empty()
            && networks.is_empty()
            && pod_networks.is_empty()
            && intents.is_empty()
            && dangling.is_empty()
    );

    let mut ns: Vec<NamespaceId> = (0..base as u32).map(NamespaceId).collect();
    for n in &namespaces[base..] {
        ns.push(cx.t.intern_namespace_in(n.cluster.as_deref(), &n.name, n.origin));
    }
    let ns = |id: NamespaceId| ns[id.index()];

    let mut keys: Vec<Option<(NamespaceId, String, String)>> = vec![None; workloads.len()];
    for (key, id) in owners {
        keys[id.index()] = Some(key);
    }
    // Growing these one push at a time rehashed and copied the first
    // half's tens of thousands of entries.
    cx.t.workloads.reserve(workloads.len());
    cx.owners.reserve(workloads.len());
    cx.diags.reserve(diags.len());
    cx.t.publications.reserve(publications.len());
    cx.pending.reserve(pending.len());
    let mut ids: Vec<Option<WorkloadId>> = Vec::with_capacity(workloads.len());
    let mut undone: Vec<Range<usize>> = Vec::new();
    for ((mut w, key), created) in workloads.into_iter().zip(keys).zip(&log) {
        let key = key.map(|(n, kind, name)| (ns(n), kind, name));
        if let Some(first) = key.as_ref().and_then(|k| cx.owners.get(k)) {
            let first = &mut cx.t.workloads[first.index()];
            first.replicas = first.replicas.saturating_add(created.pods);
            undone.push(created.diags.clone());
            ids.push(None);
            continue;
        }
        let id = WorkloadId(cx.t.workloads.len() as u32);
        w.namespace = ns(w.namespace);
        cx.t.workloads.push(w);
        if let Some(key) = key {
            cx.owners.insert(key, id);
        }
        ids.push(Some(id));
    }
    let id = |w: WorkloadId| ids[w.index()];

    let mut undone = undone.into_iter().peekable();
    for (i, d) in diags.into_iter().enumerate() {
        while undone.next_if(|r| r.end <= i).is_some() {}
        if !undone.peek().is_some_and(|r| r.contains(&i)) {
            cx.diags.push(d);
        }
    }
    for mut p in publications {
        if let Some(w) = id(p.workload) {
            p.workload = w;
            cx.t.publications.push(p);
        }
    }
    for mut p in pending {
        if let Some(w) = id(p.from) {
            p.from = w;
            p.namespace = ns(p.namespace);
            cx.pending.push(p);
        }
    }
    for mut p in pending_networks {
        p.map_namespace(ns);
        cx.pending_networks.push(p);
    }
    cx.t.services.extend(services.into_iter().map(|mut s| {
        s.namespace = ns(s.namespace);
        s
    }));
    cx.t.policies.extend(policies.into_iter().map(|mut p| {
        p.namespace = ns(p.namespace);
        p
    }));
    cx.t.admin_policies.extend(admin_policies);
    cx.t.ingresses.extend(ingresses.into_iter().map(|mut i| {
        i.namespace = ns(i.namespace);
        i
    }));
    cx.t.opaque.extend(opaque);
    cx.t.virtual_services
        .extend(virtual_services.into_iter().map(|mut v| {
            v.namespace = ns(v.namespace);
            v
        }));
    cx.t.destination_rules
        .extend(destination_rules.into_iter().map(|mut d| {
            d.namespace = ns(d.namespace);
            d
        }));
    cx.t.gateways.extend(gateways.into_iter().map(|mut g| {
        g.namespace = ns(g.namespace);
        g
    }));
    cx.t.object_ignores
        .extend(object_ignores.into_iter().map(|mut o| {
            o.namespace = ns(o.namespace);
            o
        }));
}
