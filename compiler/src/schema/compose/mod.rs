//! The Compose file as topoc reads it (design §4.1), for editors. The
//! network-relevant keys are typed precisely; the other keys Compose defines
//! are listed so that real files validate, with looser types. `x-` keys are
//! allowed wherever a mapping is closed (see `helpers::allow_extensions`).
//!
//! Describes only; `input::compose` is the parser.

mod service;

pub use service::*;

use super::helpers::{BoolOrString, ListOrDict, StringOrList};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde_json::Value;

/// # Compose file (topoc)
/// A Compose file as topoc reads it: the Compose specification plus topoc's
/// `x-topoc` extensions. Keys starting with `x-` are allowed everywhere.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComposeFile {
    /// Obsolete: Compose ignores it (kept so old files validate).
    #[schemars(extend("deprecated" = true))]
    pub version: Option<String>,
    /// # Project name
    /// The project name (also topoc's namespace unless `x-topoc.namespace`
    /// is set): lowercase letters, digits, `_` and `-`, starting with a letter
    /// or digit. `-p` overrides it.
    #[schemars(regex(pattern = r"^(?:[a-z0-9][a-z0-9_-]*|.*\$.*)$"))]
    pub name: Option<String>,
    /// Other Compose files loaded as sub-projects.
    pub include: Option<Vec<IncludeEntry>>,
    /// # Services
    /// The containers of the project, by service name.
    #[schemars(extend("propertyNames" = {"pattern": "^[a-zA-Z0-9._-]+$"}))]
    pub services: Option<IndexMap<String, Service>>,
    /// # Networks
    /// Networks services can join. Services sharing a network reach each other
    /// by name; without `networks`, every service joins the implicit `default`.
    pub networks: Option<IndexMap<String, Option<NetworkDef>>>,
    /// Named volumes (not network-relevant; contents unchecked).
    pub volumes: Option<IndexMap<String, Value>>,
    /// Secrets (not network-relevant; contents unchecked).
    pub secrets: Option<IndexMap<String, Value>>,
    /// Configs (not network-relevant; contents unchecked).
    pub configs: Option<IndexMap<String, Value>>,
    /// AI models (not network-relevant; contents unchecked).
    pub models: Option<IndexMap<String, Value>>,
    #[serde(rename = "x-topoc")]
    pub x_topoc: Option<ProjectExtension>,
}

/// # topoc project settings
/// How topoc turns this project's networks into reachability.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectExtension {
    /// # Namespace
    /// The namespace the services get in topoc's IR and in compiled
    /// Kubernetes manifests (default: the project name).
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 63))]
    pub namespace: Option<String>,
    /// # Network policy
    /// Which flows the project allows.
    pub policy: Option<ComposePolicy>,
}

/// # Network policy
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ComposePolicy {
    /// Compose's own meaning (the default): services that share a network
    /// reach each other on every port.
    IsolateNetworks,
    /// Only `x-topoc.talks-to` flows, published ports and DNS are allowed.
    DefaultDeny,
    /// Every service reaches every other service.
    Open,
}

/// An `include` entry: a path, or a path with its own env file and directory.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum IncludeEntry {
    Path(String),
    Long(IncludeLong),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncludeLong {
    /// The Compose file(s) to include.
    pub path: StringOrList,
    /// Env file(s) for interpolating the included files.
    pub env_file: Option<StringOrList>,
    /// Directory relative paths of the included project resolve against.
    pub project_directory: Option<String>,
}

/// # Network
/// A top-level network definition.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkDef {
    /// The engine-level name (default `<project>_<key>`; the key itself for external networks).
    pub name: Option<String>,
    /// The network driver: `bridge` (default), `overlay`, `macvlan`, `host`, `none`, ...
    pub driver: Option<String>,
    /// Driver-specific options.
    pub driver_opts: Option<IndexMap<String, Value>>,
    /// Address management: subnets, gateways and ranges.
    pub ipam: Option<Ipam>,
    /// The network exists already and is not created by Compose; topoc
    /// allocates no subnet for it.
    pub external: Option<External>,
    /// # Internal
    /// An internal network has no route outside the host: its services reach
    /// each other but not external addresses, and its published ports are
    /// unreachable from outside.
    pub internal: Option<BoolOrString>,
    pub enable_ipv4: Option<BoolOrString>,
    pub enable_ipv6: Option<BoolOrString>,
    pub attachable: Option<BoolOrString>,
    pub labels: Option<ListOrDict>,
}

/// `external: true`, or the deprecated `external: {name: ...}`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum External {
    Flag(BoolOrString),
    Named(ExternalNamed),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalNamed {
    /// Deprecated: use the network's `name`.
    #[schemars(extend("deprecated" = true))]
    pub name: Option<String>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ipam {
    pub driver: Option<String>,
    pub config: Option<Vec<IpamConfig>>,
    pub options: Option<IndexMap<String, String>>,
}

/// One IPAM block. topoc allocates service addresses from `subnet` (or from
/// its pool `10.89.0.0/16` when there is none) and checks static addresses
/// against it.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IpamConfig {
    /// # Subnet
    /// CIDR, e.g. `10.5.0.0/16` or `fd00::/64`.
    pub subnet: Option<String>,
    /// The range addresses are allocated from, inside `subnet`.
    pub ip_range: Option<String>,
    /// The gateway address (default: the first address of the subnet).
    pub gateway: Option<String>,
    pub aux_addresses: Option<IndexMap<String, String>>,
}
