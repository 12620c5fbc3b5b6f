//! Helpers of the Istio rules: host resolution and route destinations.

use crate::ir::{Destination, ServiceId, Topology, VirtualService, parse_service_host};
use crate::resolve::kube::KubeResolved;

/// The Service a route host names, from the VirtualService's namespace.
pub fn host_service(
    t: &Topology,
    k: &KubeResolved,
    vs: &VirtualService,
    host: &str,
) -> Option<ServiceId> {
    k.services.lookup(&t.namespace(vs.namespace).name, host)
}

/// Whether a host that names no Service looks like an in-cluster name (a
/// short name, `svc.ns` of a namespace of the input, or `*.svc[.cluster.local]`)
/// rather than an external host such as `api.example.com`.
pub fn looks_in_cluster(t: &Topology, host: &str) -> bool {
    match parse_service_host(host) {
        None => false,
        Some((_, None)) => true,
        Some((_, Some(ns))) => {
            host.trim_end_matches('.').ends_with(".svc")
                || host.trim_end_matches('.').ends_with(".svc.cluster.local")
                || t.namespaces.iter().any(|n| n.name == ns)
        }
    }
}

/// Every route destination of a VirtualService (not mirrors).
pub fn destinations(vs: &VirtualService) -> impl Iterator<Item = &Destination> {
    vs.http
        .iter()
        .flat_map(|r| r.route.iter().map(|w| &w.destination))
}
