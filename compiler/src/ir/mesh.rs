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
    /// `gateways:` as written (`name`, `namespace/name`, or `mesh`, the
    /// sidecars); empty means `[mesh]`.
    pub gateways: Vec<(String, Origin)>,
    pub http: Vec<HttpRoute>,
    pub origin: Origin,
}

/// The reserved gateway name of every sidecar in the mesh.
pub const MESH_GATEWAY: &str = "mesh";

impl VirtualService {
    /// Whether the routes apply to sidecar traffic (`gateways` empty or
    /// naming `mesh`), not only to the listed gateways.
    pub fn applies_to_mesh(&self) -> bool {
        self.gateways.is_empty() || self.gateways.iter().any(|(g, _)| g == MESH_GATEWAY)
    }
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
    pub port_origin: Option<Origin>,
    pub protocol: Option<String>,
    /// `[namespace/]dnsName`, as written (`*`, `*.example.com`, `./host`).
    pub hosts: Vec<(String, Origin)>,
    pub origin: Origin,
}

impl GatewayServer {
    /// Whether this server accepts VirtualService host `host` bound from a
    /// VirtualService of namespace `vs_ns` (the gateway being in `gw_ns`):
    /// the namespace part is `*`, `.` (the gateway's own namespace) or a
    /// name; the DNS part is exact or a `*` / `*.suffix` wildcard, either
    /// side (Istio's host matching).
    pub fn accepts(&self, host: &str, vs_ns: &str, gw_ns: &str) -> bool {
        self.hosts.iter().any(|(pattern, _)| {
            let (ns, dns) = match pattern.split_once('/') {
                Some((ns, dns)) => (ns, dns),
                None => ("*", pattern.as_str()),
            };
            let ns_ok = match ns {
                "*" => true,
                "." => vs_ns == gw_ns,
                "~" => false,
                ns => ns == vs_ns,
            };
            ns_ok && dns_matches(dns, host)
        })
    }
}

/// Istio host matching: equal, or one side a wildcard that covers the other.
fn dns_matches(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    let covers = |w: &str, h: &str| {
        w == "*"
            || w.strip_prefix('*')
                .is_some_and(|suffix| h.ends_with(suffix))
    };
    a == b || covers(&a, &b) || covers(&b, &a)
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub name: String,
    pub namespace: NamespaceId,
    pub selector: Labels,
    pub selector_origin: Option<Origin>,
    pub servers: Vec<GatewayServer>,
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_hosts_match_like_istio() {
        let o = Origin::from(crate::source::Span {
            file: crate::source::FileId(0),
            start: Default::default(),
            end: Default::default(),
        });
        let server = |hosts: &[&str]| GatewayServer {
            port: Some(80),
            port_origin: None,
            protocol: None,
            hosts: hosts.iter().map(|h| (h.to_string(), o)).collect(),
            origin: o,
        };
        assert!(server(&["*"]).accepts("bookinfo.example.com", "a", "b"));
        assert!(server(&["*.example.com"]).accepts("bookinfo.example.com", "a", "b"));
        assert!(!server(&["*.example.com"]).accepts("example.org", "a", "b"));
        assert!(server(&["./shop.example.com"]).accepts("shop.example.com", "gw", "gw"));
        assert!(!server(&["./shop.example.com"]).accepts("shop.example.com", "app", "gw"));
        assert!(server(&["app/*"]).accepts("x.y", "app", "gw"));
        assert!(!server(&["other/*"]).accepts("x.y", "app", "gw"));
        assert!(server(&["uk.bookinfo.com"]).accepts("*.bookinfo.com", "a", "b"));
    }
}
