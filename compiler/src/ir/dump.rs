//! `topoc ir --format json`: a stable, documented view of the IR
//! (`schemas/ir.schema.json`). Field names here are a public contract.

use super::*;
use crate::source::SourceMap;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize, schemars::JsonSchema)]
pub struct OriginDump {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The kustomize overlay (its directory) that built this element, when
    /// it came from a kustomization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct IrDump {
    pub version: u32,
    pub projects: Vec<ProjectDump>,
    pub namespaces: Vec<NamespaceDump>,
    pub networks: Vec<NetworkDump>,
    pub workloads: Vec<WorkloadDump>,
    pub publications: Vec<PublicationDump>,
    pub services: Vec<ServiceDump>,
    pub policies: Vec<PolicyDump>,
    /// Istio VirtualServices with their HTTP routes.
    pub routes: Vec<RouteDump>,
    /// Istio Gateways: the pods they select and the servers they open.
    pub gateways: Vec<GatewayDump>,
    pub intents: Vec<IntentDump>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct GatewayDump {
    /// `namespace/name` of the Gateway.
    pub id: String,
    pub name: String,
    pub namespace: String,
    /// Labels of the gateway pods (searched in every namespace).
    pub selector: BTreeMap<String, String>,
    pub servers: Vec<GatewayServerDump>,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct GatewayServerDump {
    pub port: Option<u16>,
    /// `HTTP`, `HTTPS`, `GRPC`, `TCP`, `TLS`, ... as written.
    pub protocol: Option<String>,
    /// `[namespace/]dnsName` patterns of the VirtualService hosts it accepts.
    pub hosts: Vec<String>,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct ProjectDump {
    pub name: String,
    pub namespace: String,
    /// `isolate-networks`, `default-deny` or `open`.
    pub policy: String,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct NamespaceDump {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The primary OVN-Kubernetes user-defined network of its pods
    /// (`green[UDN]`, `shared[CUDN]`); absent: the cluster's pod network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_network: Option<String>,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct NetworkDump {
    /// `namespace/name`.
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub engine_name: String,
    pub driver: String,
    pub subnet: Option<String>,
    /// Whether `subnet` was written in the file (`ipam.config`), else allocated by topoc.
    pub subnet_declared: bool,
    /// The other declared subnets of `ipam.config`: every IPv6 one, and
    /// IPv4 ones after the first (`subnet`).
    pub more_subnets: Vec<String>,
    pub gateway: Option<String>,
    pub internal: bool,
    pub external: bool,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct AttachmentDump {
    /// Network id, `namespace/name`.
    pub network: String,
    /// The static `ipv4_address`, or the address topoc allocated.
    pub address: Option<String>,
    /// Whether `address` is a static `ipv4_address` from the file.
    pub address_declared: bool,
    pub ipv6_address: Option<String>,
    pub aliases: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct PortDump {
    pub port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    pub name: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct WorkloadDump {
    /// `namespace/name`, as in connectivity output.
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub kind: String,
    pub labels: BTreeMap<String, String>,
    pub replicas: u32,
    /// `bridge`, `default-bridge`, `host`, `none`, `service:X` or `container:X`.
    pub network_mode: String,
    pub attachments: Vec<AttachmentDump>,
    pub ports: Vec<PortDump>,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct PublicationDump {
    pub workload: String,
    pub host_ip: String,
    /// The address families bound: `["ipv4", "ipv6"]` when no host IP is
    /// written (Docker binds `0.0.0.0` and `::`), else the family of `host_ip`.
    pub families: Vec<String>,
    /// Null for an ephemeral host port.
    pub host_port_start: Option<u16>,
    pub host_port_end: Option<u16>,
    pub port: u16,
    pub protocol: String,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct ServicePortDump {
    pub name: Option<String>,
    pub port: u16,
    /// A number or a container port name.
    pub target_port: serde_json::Value,
    pub node_port: Option<u16>,
    pub protocol: String,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct ServiceDump {
    pub id: String,
    pub name: String,
    pub namespace: String,
    #[serde(rename = "type")]
    pub service_type: String,
    pub selector: Option<BTreeMap<String, String>>,
    pub headless: bool,
    pub ports: Vec<ServicePortDump>,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct PolicyDump {
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub isolates_ingress: bool,
    pub isolates_egress: bool,
    pub ingress_rules: usize,
    pub egress_rules: usize,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct IntentDump {
    pub from: String,
    pub to: String,
    pub port: Option<u16>,
    pub protocol: String,
    /// `depends_on`, `links`, `environment`, `talks-to`, `annotation` or `route`.
    pub source: String,
    pub origin: OriginDump,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct StringMatchDump {
    /// `exact`, `prefix` or `regex`.
    pub kind: String,
    pub value: String,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct HttpMatchDump {
    pub uri: Option<StringMatchDump>,
    pub headers: BTreeMap<String, StringMatchDump>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct DestinationDump {
    pub host: String,
    pub subset: Option<String>,
    pub port: Option<u16>,
    /// Null when not written.
    pub weight: Option<i64>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct HttpRouteDump {
    pub name: Option<String>,
    pub matches: Vec<HttpMatchDump>,
    pub destinations: Vec<DestinationDump>,
    pub mirror: Option<DestinationDump>,
    pub mirror_percentage: Option<f64>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct RouteDump {
    /// `namespace/name` of the VirtualService.
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub hosts: Vec<String>,
    pub gateways: Vec<String>,
    pub http: Vec<HttpRouteDump>,
    pub origin: OriginDump,
}

fn string_match(m: &StringMatch) -> StringMatchDump {
    StringMatchDump {
        kind: m.kind.clone(),
        value: m.value.clone(),
    }
}

fn destination(d: &Destination, weight: Option<i64>) -> DestinationDump {
    DestinationDump {
        host: d.host.clone(),
        subset: d.subset.as_ref().map(|(s, _)| s.clone()),
        port: d.port,
        weight,
    }
}

fn http_route(r: &HttpRoute) -> HttpRouteDump {
    HttpRouteDump {
        name: r.name.clone(),
        matches: r
            .matches
            .iter()
            .map(|m| HttpMatchDump {
                uri: m.uri.as_ref().map(string_match),
                headers: m
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), string_match(v)))
                    .collect(),
            })
            .collect(),
        destinations: r
            .route
            .iter()
            .map(|w| destination(&w.destination, w.weight))
            .collect(),
        mirror: r.mirror.as_ref().map(|d| destination(d, None)),
        mirror_percentage: r.mirror_percentage,
    }
}

fn labels(l: &Labels) -> BTreeMap<String, String> {
    l.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub fn dump(t: &Topology, sources: &SourceMap) -> IrDump {
    let origin = |o: &Origin| OriginDump {
        file: sources.get(o.span.file).name.clone(),
        line: o.span.start.line,
        column: o.span.start.column,
        overlay: sources.get(o.span.file).kustomize_overlay.clone(),
    };
    let ns = |id: NamespaceId| t.namespace(id).name.clone();
    IrDump {
        version: 1,
        projects: t
            .projects
            .iter()
            .map(|p| ProjectDump {
                name: p.name.clone(),
                namespace: ns(p.namespace),
                policy: p.policy.as_str().into(),
                origin: origin(&p.origin),
            })
            .collect(),
        namespaces: t
            .namespaces
            .iter()
            .map(|n| NamespaceDump {
                name: n.name.clone(),
                labels: labels(&n.labels),
                pod_network: n.pod_network.map(|p| t.pod_networks[p.index()].label()),
                origin: origin(&n.origin),
            })
            .collect(),
        networks: (0..t.networks.len() as u32)
            .map(NetworkId)
            .map(|id| {
                let n = t.network(id);
                NetworkDump {
                    id: t.network_id(id),
                    name: n.name.clone(),
                    namespace: ns(n.namespace),
                    engine_name: n.engine_name.clone(),
                    driver: n.driver.clone(),
                    subnet: n.subnet.map(|s| s.to_string()),
                    subnet_declared: n.subnet_declared,
                    more_subnets: n.more_subnets.iter().map(|(s, _)| s.to_string()).collect(),
                    gateway: n.gateway.map(|g| g.to_string()),
                    internal: n.internal,
                    external: n.external,
                    origin: origin(&n.origin),
                }
            })
            .collect(),
        workloads: t
            .workload_ids()
            .map(|id| {
                let w = t.workload(id);
                WorkloadDump {
                    id: t.workload_id(id),
                    name: w.name.clone(),
                    namespace: ns(w.namespace),
                    kind: w.kind.as_str().into(),
                    labels: labels(&w.labels),
                    replicas: w.replicas,
                    network_mode: w.network_mode.display(),
                    attachments: w
                        .attachments
                        .iter()
                        .map(|a| AttachmentDump {
                            network: t.network_id(a.network),
                            address: a.address.map(|x| x.to_string()),
                            address_declared: a.address_declared,
                            ipv6_address: a.ipv6_address.map(|x| x.to_string()),
                            aliases: a.aliases.iter().map(|(s, _)| s.clone()).collect(),
                        })
                        .collect(),
                    ports: w
                        .ports
                        .iter()
                        .map(|p| PortDump {
                            port: p.port,
                            protocol: p.protocol.as_str().into(),
                            name: p.name.clone(),
                        })
                        .collect(),
                    origin: origin(&w.origin),
                }
            })
            .collect(),
        publications: t
            .publications
            .iter()
            .map(|p| PublicationDump {
                workload: t.workload_id(p.workload),
                host_ip: p.host_ip.to_string(),
                families: p.families().iter().map(|f| (*f).into()).collect(),
                host_port_start: p.host_ports.map(|r| r.start),
                host_port_end: p.host_ports.map(|r| r.end),
                port: p.port,
                protocol: p.protocol.as_str().into(),
                origin: origin(&p.origin),
            })
            .collect(),
        services: t
            .services
            .iter()
            .map(|s| ServiceDump {
                id: format!("{}/{}", ns(s.namespace), s.name),
                name: s.name.clone(),
                namespace: ns(s.namespace),
                service_type: s.service_type.as_str().into(),
                selector: s.selector.as_ref().map(labels),
                headless: s.headless,
                ports: s
                    .ports
                    .iter()
                    .map(|p| ServicePortDump {
                        name: p.name.clone(),
                        port: p.port,
                        target_port: match &p.target {
                            PortRef::Number(n) => (*n).into(),
                            PortRef::Name(n) => n.clone().into(),
                        },
                        node_port: p.node_port,
                        protocol: p.protocol.as_str().into(),
                    })
                    .collect(),
                origin: origin(&s.origin),
            })
            .collect(),
        policies: t
            .policies
            .iter()
            .map(|p| PolicyDump {
                id: format!("{}/{}", ns(p.namespace), p.name),
                name: p.name.clone(),
                namespace: ns(p.namespace),
                isolates_ingress: p.isolates_ingress,
                isolates_egress: p.isolates_egress,
                ingress_rules: p.ingress.len(),
                egress_rules: p.egress.len(),
                origin: origin(&p.origin),
            })
            .collect(),
        routes: t
            .virtual_services
            .iter()
            .map(|v| RouteDump {
                id: format!("{}/{}", ns(v.namespace), v.name),
                name: v.name.clone(),
                namespace: ns(v.namespace),
                hosts: v.hosts.iter().map(|(h, _)| h.clone()).collect(),
                gateways: v.gateways.iter().map(|(g, _)| g.clone()).collect(),
                http: v.http.iter().map(http_route).collect(),
                origin: origin(&v.origin),
            })
            .collect(),
        gateways: t
            .gateways
            .iter()
            .map(|g| GatewayDump {
                id: format!("{}/{}", ns(g.namespace), g.name),
                name: g.name.clone(),
                namespace: ns(g.namespace),
                selector: g
                    .selector
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                servers: g
                    .servers
                    .iter()
                    .map(|s| GatewayServerDump {
                        port: s.port,
                        protocol: s.protocol.clone(),
                        hosts: s.hosts.iter().map(|(h, _)| h.clone()).collect(),
                        origin: origin(&s.origin),
                    })
                    .collect(),
                origin: origin(&g.origin),
            })
            .collect(),
        intents: t
            .intents
            .iter()
            .map(|i| IntentDump {
                from: t.workload_id(i.from),
                to: match &i.to {
                    IntentTarget::Workload(w) => t.workload_id(*w),
                    IntentTarget::Service(s) => {
                        let s = &t.services[s.index()];
                        format!("{}/{}", ns(s.namespace), s.name)
                    }
                },
                port: i.port,
                protocol: i.protocol.as_str().into(),
                source: i.source.as_str().into(),
                origin: origin(&i.origin),
            })
            .collect(),
    }
}
