//! Istio routing objects: VirtualServices (hosts, HTTP routes with matches,
//! weighted destinations, mirrors), DestinationRules (subsets) and Gateways.
//! Hosts are kept as written; `resolve` maps them to Services.

use super::{Labels, NamespaceId, Origin};

/// A string match of an HTTP route (`exact`, `prefix` or `regex`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringMatch {
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct HttpMatch {
    pub uri: Option<StringMatch>,
    pub headers: Vec<(String, StringMatch)>,
    pub origin: Origin,
}

/// Where a route sends traffic: `destination: {host, subset, port}`.
#[derive(Debug, Clone)]
pub struct Destination {
    pub host: String,
    pub host_origin: Origin,
    pub subset: Option<(String, Origin)>,
    pub port: Option<u16>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct WeightedDestination {
    pub destination: Destination,
    /// None when not written (a single destination then takes 100).
    pub weight: Option<i64>,
    pub weight_origin: Option<Origin>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct HttpRoute {
    pub name: Option<String>,
    pub matches: Vec<HttpMatch>,
    pub route: Vec<WeightedDestination>,
    /// The `route` key, for findings about the whole list (weights).
    pub route_origin: Option<Origin>,
    pub mirror: Option<Destination>,
    /// `mirrorPercentage.value` (percent, 0–100).
    pub mirror_percentage: Option<f64>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct VirtualService {
    pub name: String,
    pub namespace: NamespaceId,
    pub hosts: Vec<(String, Origin)>,
    pub gateways: Vec<String>,
    pub http: Vec<HttpRoute>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Subset {
    pub name: String,
    pub labels: Labels,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct DestinationRule {
    pub name: String,
    pub namespace: NamespaceId,
    pub host: String,
    pub host_origin: Origin,
    pub subsets: Vec<Subset>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct GatewayServer {
    pub port: Option<u16>,
    pub protocol: Option<String>,
    pub hosts: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub name: String,
    pub namespace: NamespaceId,
    pub selector: Labels,
    pub servers: Vec<GatewayServer>,
    pub origin: Origin,
}
