//! The network IR: one `Topology` that every front end lowers into and every
//! later stage reads. Plain typed arrays with index ids; every element carries
//! the `Origin` of the YAML node it came from.

mod admin;
mod dump;
mod kube;
mod mesh;
mod namespace;

pub use admin::*;
pub use dump::{IrDump, dump};
pub use kube::*;
pub use mesh::*;
pub use namespace::Namespace;

use crate::source::{FileId, Pos, Span};
use indexmap::IndexMap;
use ipnet::{IpNet, Ipv4Net};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

/// The hasher of the maps keyed by names and labels: foldhash, seeded per
/// process as std's `RandomState` is (so no iteration order of a `HashMap`
/// becomes more predictable than before), at a fraction of SipHash's cost on
/// short keys. `IndexMap`s iterate in insertion order whatever the hasher.
pub type HashState = foldhash::fast::RandomState;
pub type FastMap<K, V> = HashMap<K, V, HashState>;
pub type FastSet<K> = std::collections::HashSet<K, HashState>;

pub type Labels = IndexMap<String, String, HashState>;

/// Where an element was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub span: Span,
}

impl Origin {
    pub fn file(&self) -> FileId {
        self.span.file
    }
}

impl From<Span> for Origin {
    fn from(span: Span) -> Self {
        Origin { span }
    }
}

macro_rules! ids {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}
ids!(
    ProjectId,
    NamespaceId,
    NetworkId,
    WorkloadId,
    ServiceId,
    PolicyId,
    PodNetworkId
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }

    /// Case-insensitive, as both Compose and Kubernetes accept `TCP`/`tcp`.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Some(Protocol::Tcp),
            "udp" => Some(Protocol::Udp),
            "sctp" => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    pub fn single(p: u16) -> Self {
        PortRange { start: p, end: p }
    }
    pub fn overlaps(&self, o: &PortRange) -> bool {
        self.start <= o.end && o.start <= self.end
    }
    pub fn contains(&self, p: u16) -> bool {
        self.start <= p && p <= self.end
    }
}

/// How Compose's `x-topoc.policy` turns networks into reachability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ComposePolicy {
    /// Compose's own meaning: services sharing a network reach each other on every port.
    #[default]
    IsolateNetworks,
    /// Only `talks-to` flows, publications and DNS.
    DefaultDeny,
    /// Everything reaches everything.
    Open,
}

impl ComposePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ComposePolicy::IsolateNetworks => "isolate-networks",
            ComposePolicy::DefaultDeny => "default-deny",
            ComposePolicy::Open => "open",
        }
    }
}

/// A Compose project (one per compose file set).
#[derive(Debug, Clone)]
pub struct Project {
    /// Normalised project name (compose-go `NormalizeProjectName`).
    pub name: String,
    pub namespace: NamespaceId,
    pub policy: ComposePolicy,
    /// The files that make it up, in merge order.
    pub files: Vec<FileId>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Network {
    /// The key under top-level `networks:` (`default` for the implicit one).
    pub name: String,
    pub namespace: NamespaceId,
    pub project: Option<ProjectId>,
    /// The engine-level name: `name:`, the key for external networks, else `<project>_<key>`.
    pub engine_name: String,
    pub driver: String,
    pub internal: bool,
    pub external: bool,
    pub enable_ipv6: bool,
    /// Declared or allocated IPv4 subnet (None for external or host/none drivers).
    pub subnet: Option<Ipv4Net>,
    pub gateway: Option<Ipv4Addr>,
    pub ip_range: Option<Ipv4Net>,
    /// The other subnets of `ipam.config` (every IPv6 one, and IPv4 ones
    /// after the first), with the span of each value. Addresses are
    /// allocated from `subnet` only.
    pub more_subnets: Vec<(IpNet, Origin)>,
    /// Whether `subnet` was written in the file (else allocated).
    pub subnet_declared: bool,
    /// Span of the declared subnet value, when there is one.
    pub subnet_origin: Option<Origin>,
    /// The implicit `default` network Compose adds.
    pub implicit: bool,
    /// Docker's default bridge (`network_mode: bridge`): reachable by address, no DNS.
    pub default_bridge: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkMode {
    /// Attached to the networks listed in `attachments`.
    Bridge,
    /// Docker's default bridge (`network_mode: bridge`): no name resolution.
    DefaultBridge,
    Host,
    None,
    /// `service:NAME` shares another service's network stack.
    Service(String),
    /// `container:NAME` shares an external container's network stack.
    Container(String),
    /// Any other value: the engine joins the existing network of exactly
    /// that name (not `<project>_<name>`), outside the project.
    Network(String),
}

impl NetworkMode {
    pub fn display(&self) -> String {
        match self {
            NetworkMode::Bridge => "bridge".into(),
            NetworkMode::DefaultBridge => "default-bridge".into(),
            NetworkMode::Host => "host".into(),
            NetworkMode::None => "none".into(),
            NetworkMode::Service(s) => format!("service:{s}"),
            NetworkMode::Container(s) => format!("container:{s}"),
            NetworkMode::Network(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    ComposeService,
    Pod,
    Deployment,
    ReplicaSet,
    ReplicationController,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::ComposeService => "ComposeService",
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        Some(match kind {
            "Pod" => WorkloadKind::Pod,
            "Deployment" => WorkloadKind::Deployment,
            "ReplicaSet" => WorkloadKind::ReplicaSet,
            "ReplicationController" => WorkloadKind::ReplicationController,
            "StatefulSet" => WorkloadKind::StatefulSet,
            "DaemonSet" => WorkloadKind::DaemonSet,
            "Job" => WorkloadKind::Job,
            "CronJob" => WorkloadKind::CronJob,
            _ => return None,
        })
    }
}

/// A network a workload joins.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub network: NetworkId,
    /// Static (`ipv4_address`) or allocated IPv4 address.
    pub address: Option<Ipv4Addr>,
    pub address_declared: bool,
    pub ipv6_address: Option<IpAddr>,
    /// DNS names on this network besides the service name.
    pub aliases: Vec<(String, Origin)>,
    pub priority: i64,
    /// The list entry or map key that attaches it.
    pub origin: Origin,
    /// Span of the `ipv4_address` value, when given.
    pub address_origin: Option<Origin>,
}

/// A port a container listens on (Compose `expose`/port targets, Kubernetes `containerPort`).
#[derive(Debug, Clone)]
pub struct ContainerPort {
    pub container: Option<String>,
    pub port: u16,
    pub protocol: Protocol,
    pub name: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    pub namespace: NamespaceId,
    pub kind: WorkloadKind,
    pub project: Option<ProjectId>,
    /// Pod labels (the pod template's for controllers).
    pub labels: Labels,
    pub annotations: Labels,
    pub replicas: u32,
    /// The `scale` / `deploy.replicas` value, when written (Compose).
    pub replicas_origin: Option<Origin>,
    /// `spec.nodeName` of the pod template: pods pinned to one node.
    pub node_name: Option<String>,
    pub network_mode: NetworkMode,
    pub network_mode_origin: Option<Origin>,
    pub attachments: Vec<Attachment>,
    pub containers: Vec<Container>,
    pub ports: Vec<ContainerPort>,
    pub hostname: Option<String>,
    pub container_name: Option<(String, Origin)>,
    /// `x-topoc.exposure`.
    pub exposure: Option<Exposure>,
    /// Named volumes (Compose), which make a StatefulSet when compiled.
    pub named_volumes: Vec<String>,
    /// Where volumes are mounted (Compose `volumes`, Kubernetes
    /// `volumeMounts`), so conversions carry or report them.
    pub volume_mounts: Vec<VolumeMount>,
    /// Rules silenced inline (`x-topoc.ignore`, `topoc.dev/ignore`).
    pub ignores: Vec<(String, Origin)>,
    /// Environment variables as written (name, value, span of the value).
    pub env: Vec<EnvVar>,
    /// The service's `networks` key, when written (conflicts with `network_mode`).
    pub networks_key: Option<Origin>,
    /// The service's `ports` key, when written.
    pub ports_key: Option<Origin>,
    pub origin: Origin,
}

impl Workload {
    /// A workload with nothing attached yet: one replica, bridge networking.
    pub fn new(name: String, namespace: NamespaceId, kind: WorkloadKind, origin: Origin) -> Self {
        Workload {
            name,
            namespace,
            kind,
            project: None,
            labels: Labels::default(),
            annotations: Labels::default(),
            replicas: 1,
            replicas_origin: None,
            node_name: None,
            network_mode: NetworkMode::Bridge,
            network_mode_origin: None,
            attachments: Vec::new(),
            containers: Vec::new(),
            ports: Vec::new(),
            hostname: None,
            container_name: None,
            exposure: None,
            named_volumes: Vec::new(),
            volume_mounts: Vec::new(),
            ignores: Vec::new(),
            env: Vec::new(),
            networks_key: None,
            ports_key: None,
            origin,
        }
    }
}

/// One mounted volume: a named volume, a bind mount, an anonymous volume
/// (Compose) or a pod volume (Kubernetes, by volume name).
#[derive(Debug, Clone)]
pub struct VolumeMount {
    /// The volume name or host path; None for an anonymous volume.
    pub source: Option<String>,
    /// The path in the container.
    pub target: String,
    /// A Compose named volume declared under top-level `volumes`.
    pub named: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    Internal,
    Public,
}

/// A host port mapped to a workload port (Compose `ports`, Kubernetes `hostPort`).
#[derive(Debug, Clone)]
pub struct Publication {
    pub workload: WorkloadId,
    /// `0.0.0.0` when not given; `::` means every IPv6 address.
    pub host_ip: IpAddr,
    /// Whether `host_ip` was written (an unset one binds both families).
    pub host_ip_declared: bool,
    /// None: an ephemeral host port the engine picks.
    pub host_ports: Option<PortRange>,
    pub port: u16,
    pub protocol: Protocol,
    pub name: Option<String>,
    pub origin: Origin,
}

impl Publication {
    /// The address families the publication binds: both when no host IP is
    /// written (Docker listens on `0.0.0.0` and `::`), else that of `host_ip`.
    pub fn families(&self) -> &'static [&'static str] {
        match (self.host_ip_declared, self.host_ip) {
            (false, _) => &["ipv4", "ipv6"],
            (true, IpAddr::V4(_)) => &["ipv4"],
            (true, IpAddr::V6(_)) => &["ipv6"],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentSource {
    DependsOn,
    Links,
    Environment,
    TalksTo,
    Annotation,
    Route,
}

impl IntentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            IntentSource::DependsOn => "depends_on",
            IntentSource::Links => "links",
            IntentSource::Environment => "environment",
            IntentSource::TalksTo => "talks-to",
            IntentSource::Annotation => "annotation",
            IntentSource::Route => "route",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntentTarget {
    Workload(WorkloadId),
    Service(ServiceId),
}

/// An expected flow, from configuration that implies one workload talks to another.
#[derive(Debug, Clone)]
pub struct Intent {
    pub from: WorkloadId,
    pub to: IntentTarget,
    /// The name as written (`database`, `db.prod.svc`).
    pub target_name: String,
    pub port: Option<u16>,
    pub protocol: Protocol,
    pub source: IntentSource,
    /// The reference itself: the env value, the depends_on entry, the annotation.
    pub origin: Origin,
}

/// A Kubernetes object of a kind topoc does not model (CRDs): kept, never an error.
#[derive(Debug, Clone)]
pub struct OpaqueObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Network,
    Service,
}

/// A reference that names nothing (kept so rules can report it in place).
#[derive(Debug, Clone)]
pub struct DanglingRef {
    pub kind: RefKind,
    pub name: String,
    /// The workload that holds the reference.
    pub from: Option<WorkloadId>,
    /// The key it appears under: `depends_on`, `links`, `network_mode`, `extends`, ...
    pub context: &'static str,
    /// Why the name does not resolve, when it is not simply undefined.
    pub note: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Default)]
pub struct Topology {
    pub projects: Vec<Project>,
    pub namespaces: Vec<Namespace>,
    pub networks: Vec<Network>,
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub publications: Vec<Publication>,
    pub policies: Vec<Policy>,
    /// AdminNetworkPolicies and BaselineAdminNetworkPolicies (`ir/admin.rs`).
    pub admin_policies: Vec<AdminPolicy>,
    pub ingresses: Vec<Ingress>,
    /// Primary OVN-Kubernetes user-defined networks (UDN, CUDN), each the
    /// pod network of the namespaces listed in it (`ir/kube.rs`).
    pub pod_networks: Vec<PodNetwork>,
    pub intents: Vec<Intent>,
    pub opaque: Vec<OpaqueObject>,
    pub dangling: Vec<DanglingRef>,
    /// Istio routing objects.
    pub virtual_services: Vec<VirtualService>,
    pub destination_rules: Vec<DestinationRule>,
    pub gateways: Vec<Gateway>,
    /// `topoc.dev/ignore` on Kubernetes and Istio objects other than
    /// workloads (those keep theirs in `Workload.ignores`).
    pub object_ignores: Vec<ObjectIgnore>,
    /// Namespace name → its ids (one per cluster), for `intern_namespace`
    /// (every Kubernetes object interns its namespace: a linear scan made
    /// loading quadratic in the number of namespaces; keyed by name alone,
    /// a lookup allocates nothing). Checked against `namespaces` before it
    /// is trusted, so code that edits `namespaces` directly stays correct.
    /// Crate-visible only so that `input/kube/merge.rs` can destructure a
    /// whole `Topology` without `..` (a new field must not be forgotten by
    /// its merge); nothing outside `ir` reads or writes it.
    pub(crate) namespace_index: FastMap<String, Vec<NamespaceId>>,
    /// How many ids `namespace_index` holds (all of them: it is complete).
    pub(crate) namespace_indexed: usize,
}

/// Declaration order of origins: the files of each Compose project in merge
/// order (base file before override), projects in order, then every other
/// file in input order. File ids follow reading order, which for a
/// directory is alphabetical (`compose.override.yaml` before `compose.yaml`),
/// so conflicts that name "the earlier declaration" use this instead.
#[derive(Debug, Clone)]
pub struct DeclarationOrder {
    rank: HashMap<FileId, u32>,
}

impl DeclarationOrder {
    /// A sort key: earlier declarations sort first.
    pub fn key(&self, o: Origin) -> (u32, Pos, Pos) {
        let rank = self
            .rank
            .get(&o.span.file)
            .copied()
            .unwrap_or(u32::MAX / 2 + o.span.file.0);
        (rank, o.span.start, o.span.end)
    }

    pub fn before(&self, a: Origin, b: Origin) -> bool {
        self.key(a) < self.key(b)
    }
}

impl Topology {
    /// Declaration order of the origins of this topology.
    pub fn declaration_order(&self) -> DeclarationOrder {
        let mut rank = HashMap::new();
        for f in self.projects.iter().flat_map(|p| &p.files) {
            let next = rank.len() as u32;
            rank.entry(*f).or_insert(next);
        }
        DeclarationOrder { rank }
    }

    pub fn namespace(&self, id: NamespaceId) -> &Namespace {
        &self.namespaces[id.index()]
    }
    pub fn network(&self, id: NetworkId) -> &Network {
        &self.networks[id.index()]
    }
    pub fn workload(&self, id: WorkloadId) -> &Workload {
        &self.workloads[id.index()]
    }

    /// The primary user-defined network of a workload's pods (`None`: the
    /// pod network, or a Compose service).
    pub fn pod_network_of(&self, id: WorkloadId) -> Option<&PodNetwork> {
        let ns = self.workload(id).namespace;
        self.namespace(ns)
            .pod_network
            .map(|p| &self.pod_networks[p.index()])
    }

    /// `namespace/name`, the id that prefixes connectivity output (the
    /// namespace as `Namespace::shown` names it).
    pub fn workload_id(&self, id: WorkloadId) -> String {
        let w = self.workload(id);
        format!("{}/{}", self.namespace(w.namespace).shown(), w.name)
    }

    pub fn network_id(&self, id: NetworkId) -> String {
        let n = self.network(id);
        format!("{}/{}", self.namespace(n.namespace).shown(), n.name)
    }

    pub fn workload_ids(&self) -> impl Iterator<Item = WorkloadId> + use<> {
        (0..self.workloads.len() as u32).map(WorkloadId)
    }

    /// Workloads of a namespace by name.
    pub fn find_workload(&self, namespace: NamespaceId, name: &str) -> Option<WorkloadId> {
        self.workloads
            .iter()
            .position(|w| w.namespace == namespace && w.name == name)
            .map(|i| WorkloadId(i as u32))
    }
}
