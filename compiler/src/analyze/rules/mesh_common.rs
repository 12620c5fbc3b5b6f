//! Helpers of the Istio rules: host resolution and route destinations.

use crate::ir::{
    Destination, DestinationRule, FastMap, ServiceId, Topology, VirtualService, parse_service_host,
};
use crate::resolve::kube::KubeResolved;

/// DestinationRules by the Service their host names and by their host
/// text, in input order: a route destination finds its subsets here (a
/// scan of every DestinationRule per destination was quadratic in the
/// mesh: 3,521 of each at 100k objects).
pub struct DestinationRules<'t> {
    rules: &'t [DestinationRule],
    of_service: FastMap<ServiceId, Vec<usize>>,
    of_host: FastMap<&'t str, Vec<usize>>,
}

impl<'t> DestinationRules<'t> {
    pub fn new(t: &'t Topology, k: &KubeResolved) -> Self {
        let mut of_service: FastMap<ServiceId, Vec<usize>> = FastMap::default();
        let mut of_host: FastMap<&str, Vec<usize>> = FastMap::default();
        for (i, dr) in t.destination_rules.iter().enumerate() {
            if let Some(svc) = k.dr_service[i] {
                of_service.entry(svc).or_default().push(i);
            }
            of_host.entry(dr.host.as_str()).or_default().push(i);
        }
        DestinationRules {
            rules: &t.destination_rules,
            of_service,
            of_host,
        }
    }

    /// The DestinationRules whose host names `svc`, in input order.
    pub fn of_service(&self, svc: ServiceId) -> impl Iterator<Item = (usize, &'t DestinationRule)> {
        let rules = self.rules;
        let found = self.of_service.get(&svc).map_or(&[][..], Vec::as_slice);
        found.iter().map(move |&i| (i, &rules[i]))
    }

    /// The DestinationRules whose host is written `host`, in input order.
    pub fn of_host(&self, host: &str) -> impl Iterator<Item = (usize, &'t DestinationRule)> {
        let rules = self.rules;
        let found = self.of_host.get(host).map_or(&[][..], Vec::as_slice);
        found.iter().map(move |&i| (i, &rules[i]))
    }
}

/// The Service a route host names, from the VirtualService's namespace.
pub fn host_service(
    t: &Topology,
    k: &KubeResolved,
    vs: &VirtualService,
    host: &str,
) -> Option<ServiceId> {
    k.services.lookup(t.namespace(vs.namespace), host)
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

/// The workloads an Istio Gateway's `selector` picks: Kubernetes pods of
/// every namespace of its cluster carrying all its labels (Istio's
/// default; an empty selector is not judged and picks nothing here).
pub fn gateway_pods(t: &Topology, gw: &crate::ir::Gateway) -> Vec<crate::ir::WorkloadId> {
    if gw.selector.is_empty() {
        return Vec::new();
    }
    t.workload_ids()
        .filter(|&w| {
            let wl = t.workload(w);
            wl.project.is_none()
                && t.same_cluster(wl.namespace, gw.namespace)
                && gw.selector.iter().all(|(k, v)| wl.labels.get(k) == Some(v))
        })
        .collect()
}

/// The labels Istio's own installation gives its ingress and egress
/// gateways: a selector of these names pods installed with Istio (istioctl,
/// Helm), rarely part of an application's manifests.
pub fn selects_istio_installed_gateway(gw: &crate::ir::Gateway) -> bool {
    gw.selector.len() == 1
        && gw.selector.iter().all(|(k, v)| {
            matches!(
                (k.as_str(), v.as_str()),
                ("istio", "ingressgateway" | "egressgateway")
                    | ("app", "istio-ingressgateway" | "istio-egressgateway")
            )
        })
}

/// The Gateway a VirtualService `gateways:` entry names (`name` in the
/// VirtualService's namespace, or `namespace/name`), if the input has it.
pub fn named_gateway<'t>(
    t: &'t Topology,
    vs: &VirtualService,
    name: &str,
) -> Option<&'t crate::ir::Gateway> {
    let (ns, name) = match name.split_once('/') {
        Some((ns, n)) => (ns, n),
        None => (t.namespace(vs.namespace).name.as_str(), name),
    };
    let ns = t.namespace_near(vs.namespace, ns)?;
    t.gateways
        .iter()
        .find(|g| g.name == name && g.namespace == ns)
}
