//! Kubernetes-shaped IR elements: Services, Ingresses, normalised
//! NetworkPolicies (defaulting already applied by the front end) and the
//! primary pod networks of OVN-Kubernetes user-defined networks.

use super::{Labels, Namespace, NamespaceId, Origin, Protocol, ServiceId, Topology};
use ipnet::IpNet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    ClusterIp,
    NodePort,
    LoadBalancer,
    ExternalName,
}

impl ServiceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::ClusterIp => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::ExternalName => "ExternalName",
        }
    }
}

/// A port given by number or by container port name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

#[derive(Debug, Clone)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: u16,
    pub target: PortRef,
    pub target_origin: Option<Origin>,
    pub node_port: Option<u16>,
    pub node_port_origin: Option<Origin>,
    pub protocol: Protocol,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub namespace: NamespaceId,
    pub service_type: ServiceType,
    /// None: no selector (endpoints managed elsewhere), never "select all".
    pub selector: Option<Labels>,
    pub selector_origin: Option<Origin>,
    pub ports: Vec<ServicePort>,
    /// `clusterIP: None`.
    pub headless: bool,
    pub external_name: Option<String>,
    pub annotations: Labels,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorOp {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone)]
pub struct LabelRequirement {
    pub key: String,
    pub op: SelectorOp,
    pub values: Vec<String>,
}

/// `matchLabels` and `matchExpressions`, ANDed. Empty selects everything.
#[derive(Debug, Clone, Default)]
pub struct LabelSelector {
    pub match_labels: Labels,
    pub match_expressions: Vec<LabelRequirement>,
    pub origin: Option<Origin>,
}

impl LabelSelector {
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        // Label maps are small: comparing keys beats hashing each lookup
        // (selectors are evaluated against every candidate class).
        let get = |key: &str| -> Option<&String> {
            if labels.len() <= 8 {
                labels
                    .iter()
                    .find(|(k, _)| k.as_str() == key)
                    .map(|(_, v)| v)
            } else {
                labels.get(key)
            }
        };
        self.match_labels.iter().all(|(k, v)| get(k) == Some(v))
            && self.match_expressions.iter().all(|r| {
                let got = get(&r.key);
                match r.op {
                    SelectorOp::In => got.is_some_and(|v| r.values.contains(v)),
                    SelectorOp::NotIn => got.is_none_or(|v| !r.values.contains(v)),
                    SelectorOp::Exists => got.is_some(),
                    SelectorOp::DoesNotExist => got.is_none(),
                }
            })
    }
}

#[derive(Debug, Clone)]
pub struct IpBlock {
    pub cidr: IpNet,
    pub except: Vec<IpNet>,
    /// The span of each `except` entry (same order as `except`).
    pub except_origins: Vec<Origin>,
    pub origin: Origin,
}

/// One `from`/`to` entry. Pod and namespace selectors in one peer are ANDed.
#[derive(Debug, Clone)]
pub struct Peer {
    pub pod_selector: Option<LabelSelector>,
    pub namespace_selector: Option<LabelSelector>,
    pub ip_block: Option<IpBlock>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct PolicyPort {
    /// Defaults to TCP.
    pub protocol: Protocol,
    /// None: every port of the protocol.
    pub port: Option<PortRef>,
    pub end_port: Option<u16>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct PolicyRule {
    /// Empty: every source/destination (including external addresses).
    pub peers: Vec<Peer>,
    /// Empty: every port and protocol.
    pub ports: Vec<PolicyPort>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub namespace: NamespaceId,
    pub pod_selector: LabelSelector,
    /// After defaulting: `[Ingress]`, plus `Egress` when egress rules exist.
    pub isolates_ingress: bool,
    pub isolates_egress: bool,
    /// The `policyTypes` node when written.
    pub policy_types_origin: Option<Origin>,
    pub ingress: Vec<PolicyRule>,
    pub egress: Vec<PolicyRule>,
    pub ingress_origin: Option<Origin>,
    pub egress_origin: Option<Origin>,
    pub annotations: Labels,
    pub origin: Origin,
}

/// One rule silenced by `topoc.dev/ignore` on an object. On a `Namespace`
/// it covers every object of that namespace.
#[derive(Debug, Clone)]
pub struct ObjectIgnore {
    pub kind: String,
    pub namespace: NamespaceId,
    pub name: String,
    pub rule: String,
    /// The annotation value.
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct IngressBackend {
    pub service: String,
    /// Ingress: the Service port (number or port name). Route
    /// (`spec.port.targetPort`): a number is the Service port's target port,
    /// a name the Service port's name. None: every port of the Service.
    pub port: Option<PortRef>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngressKind {
    /// `networking.k8s.io` Ingress.
    Ingress,
    /// OpenShift `route.openshift.io` Route.
    Route,
}

/// A Kubernetes Ingress or OpenShift Route, reduced to the Services it
/// routes to: the cluster's ingress controller reaches their pods.
#[derive(Debug, Clone)]
pub struct Ingress {
    pub name: String,
    pub namespace: NamespaceId,
    pub kind: IngressKind,
    pub backends: Vec<IngressBackend>,
    pub origin: Origin,
}

/// Split a Service DNS name into (service, namespace): `svc`, `svc.ns`,
/// `svc.ns.svc` and `svc.ns.svc.cluster.local` (a trailing dot allowed).
/// None for names of other shapes (external hosts).
pub fn parse_service_host(host: &str) -> Option<(&str, Option<&str>)> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    match parts.as_slice() {
        [svc] if !svc.is_empty() => Some((svc, None)),
        [svc, ns] | [svc, ns, "svc"] | [svc, ns, "svc", "cluster", "local"]
            if !svc.is_empty() && !ns.is_empty() =>
        {
            Some((svc, Some(ns)))
        }
        _ => None,
    }
}

/// Services by (cluster, namespace, name), for DNS-name lookups: a name
/// resolves within the cluster of the pod that looks it up.
#[derive(Debug, Default, Clone)]
pub struct ServiceIndex {
    by_name: indexmap::IndexMap<(Option<String>, String, String), ServiceId, super::HashState>,
}

/// A key of `ServiceIndex` borrowed from the query: lookups run once per
/// env URL and host of the input, and three `String`s each showed up.
/// Hashes as the owned key does (a tuple hashes its fields in order; a
/// `String` as its `str`).
#[derive(Hash)]
struct ServiceKey<'a>(Option<&'a str>, &'a str, &'a str);

impl indexmap::Equivalent<(Option<String>, String, String)> for ServiceKey<'_> {
    fn equivalent(&self, k: &(Option<String>, String, String)) -> bool {
        self.0 == k.0.as_deref() && self.1 == k.1 && self.2 == k.2
    }
}

impl ServiceIndex {
    pub fn new(t: &Topology) -> Self {
        let mut by_name = indexmap::IndexMap::default();
        for (i, s) in t.services.iter().enumerate() {
            let ns = t.namespace(s.namespace);
            by_name
                .entry((ns.cluster.clone(), ns.name.clone(), s.name.clone()))
                .or_insert(ServiceId(i as u32));
        }
        ServiceIndex { by_name }
    }

    /// The Service a DNS name resolves to from a pod in namespace `from`.
    pub fn lookup(&self, from: &Namespace, host: &str) -> Option<ServiceId> {
        let (svc, ns) = parse_service_host(host)?;
        let key = ServiceKey(from.cluster.as_deref(), ns.unwrap_or(&from.name), svc);
        self.by_name.get(&key).copied()
    }
}

/// Who declares a user-defined network: `UserDefinedNetwork` (namespaced)
/// or `ClusterUserDefinedNetwork` (cluster-scoped, for the namespaces its
/// `namespaceSelector` selects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PodNetworkScope {
    Namespace,
    Cluster,
}

impl PodNetworkScope {
    /// `UDN` / `CUDN`, as netpol-analyzer spells the network kind.
    pub fn as_str(self) -> &'static str {
        match self {
            PodNetworkScope::Namespace => "UDN",
            PodNetworkScope::Cluster => "CUDN",
        }
    }

    /// The marker written after the namespace of a member workload
    /// (`green[udn]/app[Pod]`).
    pub fn marker(self) -> &'static str {
        match self {
            PodNetworkScope::Namespace => "udn",
            PodNetworkScope::Cluster => "cudn",
        }
    }
}

/// `spec.topology` (UDN) or `spec.network.topology` (CUDN) of a primary
/// network; both isolate the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkTopology {
    Layer2,
    Layer3,
}

/// A primary OVN-Kubernetes user-defined network: the pod network of the
/// namespaces in `namespaces` (each namespace has at most one, recorded in
/// `Namespace::pod_network`). Pods of different pod networks cannot reach
/// each other; within one, NetworkPolicies apply as usual.
#[derive(Debug, Clone)]
pub struct PodNetwork {
    pub scope: PodNetworkScope,
    /// The name it is reported by: a UDN's namespace (a namespace has one
    /// primary UDN, and netpol-analyzer names it so), a CUDN's own name.
    pub name: String,
    /// `metadata.name` of the object.
    pub object_name: String,
    pub topology: NetworkTopology,
    pub namespaces: Vec<NamespaceId>,
    pub origin: Origin,
}

impl PodNetwork {
    /// `green[UDN]`, as in netpol-analyzer's workload-to-networks mapping.
    pub fn label(&self) -> String {
        format!("{}[{}]", self.name, self.scope.as_str())
    }
}
