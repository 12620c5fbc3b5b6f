//! A Compose service: network keys typed precisely, every other key Compose
//! defines listed with a looser type so that real files validate.

use crate::schema::helpers::{
    BoolOrString, ExposeString, IntOrString, ListOrDict, NumOrString, PortString, RuleName,
    StringOrList, TalksTo,
};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde_json::Value;

/// # Service
/// One container definition. topoc reads its network configuration; the
/// other keys are accepted as Compose defines them.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    // ---- network-relevant (design §4.1) ----
    /// # Image
    /// The image to run; topoc uses it to recognise databases and caches.
    pub image: Option<String>,
    /// # Published ports
    /// Ports published on the host: short syntax strings or long-syntax mappings.
    pub ports: Option<Vec<PortEntry>>,
    /// # Exposed ports
    /// Container ports reachable from other services (not published on the host).
    pub expose: Option<Vec<ExposeEntry>>,
    /// # Networks
    /// Networks to join, as a list of names or a mapping with per-network
    /// settings. Without it (and without `network_mode`) the service joins `default`.
    pub networks: Option<ServiceNetworks>,
    /// # Network mode
    /// `bridge` (Docker's default bridge: names do not resolve), `host`, `none`,
    /// `service:NAME` (share that service's network stack) or `container:NAME`.
    /// Exclusive with `networks` and `ports`.
    #[schemars(extend("examples" = ["host", "none", "service:api", "container:vpn"]))]
    pub network_mode: Option<String>,
    /// Legacy links `SERVICE[:ALIAS]`: imply `depends_on` and an extra DNS name.
    pub links: Option<Vec<String>>,
    /// Links to containers outside the project, `CONTAINER[:ALIAS]`.
    pub external_links: Option<Vec<String>>,
    /// # Dependencies
    /// Services to start first; topoc checks that each one is reachable.
    pub depends_on: Option<DependsOn>,
    /// Extra `/etc/hosts` entries: `HOST:IP` / `HOST=IP` strings or a mapping.
    pub extra_hosts: Option<ExtraHosts>,
    /// Custom DNS servers.
    pub dns: Option<StringOrList>,
    pub dns_opt: Option<Vec<String>>,
    pub dns_search: Option<StringOrList>,
    /// The container's hostname (also a DNS name on its networks).
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    /// A fixed container name (also a DNS name on its networks).
    pub container_name: Option<String>,
    /// Profiles the service belongs to; it is only part of the topology when one is active.
    pub profiles: Option<Vec<String>>,
    /// Environment variables; URLs and `*_HOST`/`*_PORT` pairs naming other
    /// services become expected flows.
    pub environment: Option<ListOrDict>,
    pub env_file: Option<Value>,
    pub labels: Option<ListOrDict>,
    pub deploy: Option<Deploy>,
    /// Inherit configuration from another service (same or other file).
    pub extends: Option<Extends>,
    pub mac_address: Option<String>,
    #[serde(rename = "x-topoc")]
    pub x_topoc: Option<ServiceExtension>,

    // ---- other Compose keys ----
    pub annotations: Option<ListOrDict>,
    pub attach: Option<BoolOrString>,
    pub blkio_config: Option<Value>,
    pub build: Option<Value>,
    pub cap_add: Option<Vec<String>>,
    pub cap_drop: Option<Vec<String>>,
    pub cgroup: Option<String>,
    pub cgroup_parent: Option<String>,
    pub command: Option<Value>,
    pub configs: Option<Vec<Value>>,
    pub cpu_count: Option<IntOrString>,
    pub cpu_percent: Option<IntOrString>,
    pub cpu_period: Option<NumOrString>,
    pub cpu_quota: Option<NumOrString>,
    pub cpu_rt_period: Option<NumOrString>,
    pub cpu_rt_runtime: Option<NumOrString>,
    pub cpu_shares: Option<NumOrString>,
    pub cpus: Option<NumOrString>,
    pub cpuset: Option<String>,
    pub credential_spec: Option<Value>,
    pub develop: Option<Value>,
    pub device_cgroup_rules: Option<Vec<String>>,
    pub devices: Option<Vec<Value>>,
    pub entrypoint: Option<Value>,
    pub gpus: Option<Value>,
    pub group_add: Option<Vec<Value>>,
    pub healthcheck: Option<Value>,
    pub init: Option<BoolOrString>,
    pub ipc: Option<String>,
    pub isolation: Option<String>,
    pub label_file: Option<StringOrList>,
    pub logging: Option<Value>,
    pub mem_limit: Option<NumOrString>,
    pub mem_reservation: Option<NumOrString>,
    pub mem_swappiness: Option<IntOrString>,
    pub memswap_limit: Option<NumOrString>,
    pub models: Option<Value>,
    pub oom_kill_disable: Option<BoolOrString>,
    pub oom_score_adj: Option<IntOrString>,
    pub pid: Option<String>,
    pub pids_limit: Option<NumOrString>,
    pub platform: Option<String>,
    pub post_start: Option<Vec<Value>>,
    pub pre_stop: Option<Vec<Value>>,
    pub privileged: Option<BoolOrString>,
    pub provider: Option<Value>,
    pub pull_policy: Option<String>,
    pub pull_refresh_after: Option<String>,
    pub read_only: Option<BoolOrString>,
    pub restart: Option<String>,
    pub runtime: Option<String>,
    pub scale: Option<IntOrString>,
    pub secrets: Option<Vec<Value>>,
    pub security_opt: Option<Vec<String>>,
    pub shm_size: Option<NumOrString>,
    pub stdin_open: Option<BoolOrString>,
    pub stop_grace_period: Option<String>,
    pub stop_signal: Option<String>,
    pub storage_opt: Option<IndexMap<String, Value>>,
    pub sysctls: Option<ListOrDict>,
    pub tmpfs: Option<StringOrList>,
    pub tty: Option<BoolOrString>,
    pub ulimits: Option<IndexMap<String, Value>>,
    pub use_api_socket: Option<BoolOrString>,
    pub user: Option<String>,
    pub userns_mode: Option<String>,
    pub uts: Option<String>,
    pub volumes: Option<Vec<Value>>,
    pub volumes_from: Option<Vec<String>>,
    pub working_dir: Option<String>,
}

/// # topoc service settings
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceExtension {
    /// # Talks to
    /// Flows this service needs, `service[:port][/protocol]`.
    #[serde(rename = "talks-to")]
    pub talks_to: Option<Vec<TalksTo>>,
    /// # Exposure
    /// Whether the service is meant to be reachable from outside.
    pub exposure: Option<Exposure>,
    /// # Ignored rules
    /// Rules silenced for this service (names or codes); the findings are
    /// counted as suppressed.
    pub ignore: Option<Vec<RuleName>>,
    /// # Service type
    /// Kubernetes Service type for the published ports when compiled with
    /// `topoc compile --to k8s` (default `NodePort`, or `--service-type`).
    #[serde(rename = "service-type")]
    pub service_type: Option<PublishedServiceType>,
}

/// # Published service type
#[derive(JsonSchema)]
pub enum PublishedServiceType {
    NodePort,
    LoadBalancer,
}

/// # Exposure
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Exposure {
    /// Only other services reach it; compiled to a ClusterIP Service.
    Internal,
    /// Reachable from outside; compiled to a NodePort/LoadBalancer Service.
    Public,
}

/// A `ports` entry: a container port number, a short-syntax string or a
/// long-syntax mapping. Chosen by the value's type (`if`/`then`/`else`, not
/// `anyOf`), so an editor reports a malformed string with the port
/// pattern's message instead of "Incorrect type".
pub enum PortEntry {
    Number(u32),
    Short(PortString),
    Long(PortLong),
}

impl JsonSchema for PortEntry {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("PortEntry")
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let short = generator.subschema_for::<PortString>();
        let long = generator.subschema_for::<PortLong>();
        schemars::json_schema!({
            "description": "A `ports` entry: a container port number (published on an ephemeral host port), a short-syntax string or a long-syntax mapping.",
            "type": ["integer", "string", "object"],
            "if": {"type": "string"},
            "then": short,
            "else": {
                "if": {"type": "integer"},
                "then": {"minimum": 0, "maximum": 65535},
                "else": long
            }
        })
    }
}

/// # Port mapping (long syntax)
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortLong {
    /// # Container port
    pub target: IntOrString,
    /// # Host port
    /// A port or a range such as `8000-8010`; omitted: an ephemeral port.
    pub published: Option<IntOrString>,
    /// # Host address
    /// The host address to bind (default: every address).
    pub host_ip: Option<String>,
    pub protocol: Option<PortProtocol>,
    /// `ingress` (routing mesh in Swarm; the default) or `host`.
    pub mode: Option<PortMode>,
    /// A name for the port (documentation; Kubernetes port name when compiled).
    pub name: Option<String>,
    /// The application protocol, e.g. `http` or `grpc`.
    pub app_protocol: Option<String>,
}

/// # Protocol
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PortProtocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PortMode {
    /// Published through the ingress routing mesh (the default).
    Ingress,
    /// Published on the node the container runs on.
    Host,
}

/// An `expose` entry: a port number, or a port/range string with a protocol.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum ExposeEntry {
    Number(#[schemars(range(min = 0, max = 65535))] u32),
    Text(ExposeString),
}

/// A service's `networks`: a list of names, or a mapping name → settings.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum ServiceNetworks {
    List(Vec<String>),
    Map(IndexMap<String, Option<ServiceNetwork>>),
}

/// # Network attachment
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNetwork {
    /// Extra DNS names of the service on this network (may be shared).
    pub aliases: Option<Vec<String>>,
    /// # Static IPv4 address
    /// Must lie inside the network's subnet and be unique on it.
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
    pub link_local_ips: Option<Vec<String>>,
    pub mac_address: Option<String>,
    pub interface_name: Option<String>,
    pub driver_opts: Option<IndexMap<String, Value>>,
    /// Order in which networks are connected (higher first).
    pub priority: Option<NumOrString>,
    pub gw_priority: Option<NumOrString>,
}

/// `depends_on`: a list of services, or a mapping with start conditions.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum DependsOn {
    List(Vec<String>),
    Map(IndexMap<String, Dependency>),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub condition: Condition,
    /// Restart this service when the dependency is restarted.
    pub restart: Option<BoolOrString>,
    /// Whether the dependency must exist (default true).
    pub required: Option<BoolOrString>,
}

/// # Start condition
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The dependency has started.
    ServiceStarted,
    /// The dependency's healthcheck passes.
    ServiceHealthy,
    /// The dependency ran to completion with exit code 0.
    ServiceCompletedSuccessfully,
}

/// `extra_hosts` as `HOST:IP` strings or a mapping of host to address(es).
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum ExtraHosts {
    List(Vec<String>),
    Map(IndexMap<String, StringOrList>),
}

/// `extends: service` or `extends: {service, file}`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum Extends {
    Service(String),
    Long(ExtendsLong),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendsLong {
    pub service: String,
    pub file: Option<String>,
}

/// # Deployment
/// Swarm/deploy settings; topoc reads `replicas`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deploy {
    /// Number of containers (Kubernetes replicas when compiled).
    pub replicas: Option<IntOrString>,
    pub mode: Option<String>,
    pub endpoint_mode: Option<String>,
    pub labels: Option<ListOrDict>,
    pub placement: Option<Value>,
    pub resources: Option<Value>,
    pub restart_policy: Option<Value>,
    pub rollback_config: Option<Value>,
    pub update_config: Option<Value>,
}
