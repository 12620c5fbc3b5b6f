//! Helpers shared by the Kubernetes and Istio rules.

use crate::ir::{Policy, Service, Topology, WorkloadId};

/// `Kind/namespace/name`, the resource identity of a finding.
pub fn resource(t: &Topology, kind: &str, ns: crate::ir::NamespaceId, name: &str) -> String {
    format!("{kind}/{}/{name}", t.namespace(ns).name)
}

pub fn workload_resource(t: &Topology, w: WorkloadId) -> String {
    let wl = t.workload(w);
    resource(t, wl.kind.as_str(), wl.namespace, &wl.name)
}

pub fn service_resource(t: &Topology, s: &Service) -> String {
    resource(t, "Service", s.namespace, &s.name)
}

pub fn policy_resource(t: &Topology, p: &Policy) -> String {
    resource(t, "NetworkPolicy", p.namespace, &p.name)
}

/// A short list for messages: `a`, `b`, `c` and 4 more.
pub fn list(items: &[String]) -> String {
    const MAX: usize = 3;
    let shown: Vec<String> = items.iter().take(MAX).map(|s| format!("`{s}`")).collect();
    if items.len() > MAX {
        format!("{} and {} more", shown.join(", "), items.len() - MAX)
    } else {
        shown.join(", ")
    }
}
