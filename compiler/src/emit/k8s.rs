//! Compose → Kubernetes. Per Compose service: a Deployment (StatefulSet when it
//! has named volumes) and a ClusterIP Service carrying every container port (the
//! DNS name other services use), plus a NodePort/LoadBalancer Service for the
//! published ports; per project: a Namespace and the NetworkPolicies of
//! `k8s_policy` that keep the Compose isolation exactly.

pub mod policy;

use super::names::{self, Namer};
use super::reach::{Peer, Reach};
use super::{EmitContext, EmitError, Emitted, render};
use crate::diagnostic as diag;
use crate::ir::{NamespaceId, NetworkMode, Protocol, ServiceType, WorkloadId};
use serde::Serialize;
use std::collections::BTreeMap;

pub use policy::PolicyView;

/// Label every emitted pod carries with its workload name (selectors use it).
pub const WORKLOAD_LABEL: &str = "topoc.dev/workload";
/// Annotation (set from `x-topoc.service-type`) choosing the published Service type.
pub const SERVICE_TYPE_ANNOTATION: &str = "topoc.dev/service-type";

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Kv {
    pub key: String,
    pub value: String,
}

pub fn kv(key: impl Into<String>, value: impl Into<String>) -> Kv {
    Kv {
        key: key.into(),
        value: value.into(),
    }
}

#[derive(Debug, Serialize)]
pub struct K8sView {
    pub namespaces: Vec<NamespaceView>,
}

#[derive(Debug, Serialize)]
pub struct NamespaceView {
    pub name: String,
    pub source: String,
    pub workloads: Vec<WorkloadView>,
    pub services: Vec<ServiceView>,
    pub policies: Vec<PolicyView>,
}

#[derive(Debug, Serialize)]
pub struct ContainerPortView {
    pub name: String,
    pub port: u16,
    pub protocol: &'static str,
}

#[derive(Debug, Serialize)]
pub struct WorkloadView {
    /// `Deployment` or `StatefulSet`.
    pub kind: &'static str,
    pub name: String,
    pub source: String,
    pub replicas: u32,
    pub labels: Vec<Kv>,
    pub annotations: Vec<Kv>,
    pub selector: Vec<Kv>,
    pub container: String,
    pub image: Option<String>,
    pub ports: Vec<ContainerPortView>,
    pub env: Vec<Kv>,
    pub host_network: bool,
    /// StatefulSet: the governing Service.
    pub service_name: String,
    /// StatefulSet: one claim template per named volume.
    pub volumes: Vec<String>,
    /// Where the claims are mounted in the container.
    pub mounts: Vec<MountView>,
}

#[derive(Debug, Serialize)]
pub struct MountView {
    pub name: String,
    pub path: String,
}

#[derive(Debug, Serialize)]
pub struct ServicePortView {
    pub name: String,
    pub port: u16,
    pub target_port: u16,
    pub protocol: &'static str,
    pub node_port: Option<u16>,
}

#[derive(Debug, Serialize)]
pub struct ServiceView {
    pub name: String,
    pub source: String,
    #[serde(rename = "type")]
    pub service_type: &'static str,
    pub headless: bool,
    pub selector: Vec<Kv>,
    pub ports: Vec<ServicePortView>,
}

fn k8s_protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}

/// Names chosen for one namespace: workloads, and label keys per network.
pub struct NsNames {
    pub namespace: String,
    pub workloads: BTreeMap<WorkloadId, String>,
}

pub fn emit(cx: &EmitContext) -> Result<Emitted, EmitError> {
    let (view, diagnostics, renames) = build(cx);
    let text = render::render(
        "k8s/manifests.yaml.j2",
        &view,
        &cx.options.template_overrides,
    )?;
    Ok(Emitted {
        text,
        diagnostics,
        renames,
    })
}

/// Build the view model (public so tests can inspect the policies directly).
pub fn build(cx: &EmitContext) -> (K8sView, Vec<diag::Diagnostic>, BTreeMap<String, String>) {
    let t = cx.topology;
    let mut diags = Vec::new();
    let mut renames = BTreeMap::new();
    let mut ns_namer = Namer::new();
    let mut namespaces = Vec::new();
    let none = Reach::default();
    let reach = match &cx.options.reach {
        Some(r) => r,
        None => {
            if let Some(w) = t.workloads.iter().find(|w| w.project.is_some()) {
                diags.push(cx.diag(
                    &diag::CONNECTIVITY_UNAVAILABLE,
                    w.origin,
                    "the NetworkPolicies need the connectivity engine's result, and it was not computed",
                ));
            }
            &none
        }
    };

    for w in &t.workloads {
        if w.project.is_none() {
            diags.push(cx.diag(
                &diag::NOT_CONVERTED,
                w.origin,
                format!("`{}` is already a Kubernetes workload; `--to k8s` converts Compose services only", w.name),
            ));
        }
    }

    // One namespace per Compose project namespace, in declaration order.
    let mut ns_ids: Vec<NamespaceId> = Vec::new();
    for p in &t.projects {
        if !ns_ids.contains(&p.namespace) {
            ns_ids.push(p.namespace);
        }
    }
    for ns in ns_ids {
        let ir_ns = t.namespace(ns);
        let ns_name = ns_namer.unique(&names::dns_label(&ir_ns.name), "-", 63);
        if ns_name != ir_ns.name {
            diags.push(cx.diag(
                &diag::NAME_CHANGED,
                ir_ns.origin,
                format!(
                    "namespace `{}` is emitted as `{ns_name}` (Kubernetes names are DNS labels)",
                    ir_ns.name
                ),
            ));
        }
        let members: Vec<WorkloadId> = t
            .workload_ids()
            .filter(|&id| {
                let w = t.workload(id);
                w.namespace == ns && w.project.is_some()
            })
            .collect();

        // Workload names first, so `-published` Services never take one.
        let mut namer = Namer::new();
        let mut wnames = BTreeMap::new();
        for &id in &members {
            let w = t.workload(id);
            let n = namer.unique(&names::dns_label(&w.name), "-", 63);
            if n != w.name || ns_name != ir_ns.name {
                renames.insert(t.workload_id(id), format!("{ns_name}/{n}"));
            }
            if n != w.name {
                diags.push(cx.diag(
                    &diag::NAME_CHANGED,
                    w.origin,
                    format!(
                        "service `{}` is emitted as `{n}` (Kubernetes names are DNS labels)",
                        w.name
                    ),
                ));
            }
            wnames.insert(id, n);
        }
        let nsn = NsNames {
            namespace: ns_name.clone(),
            workloads: wnames,
        };
        let net_labels = policy::network_labels(cx, reach, ns, &members);

        let mut workloads = Vec::new();
        let mut services = Vec::new();
        for &id in &members {
            let (wv, svcs) = workload(cx, reach, id, &nsn, &net_labels, &mut namer, &mut diags);
            workloads.push(wv);
            services.extend(svcs);
        }
        let policies = policy::policies(cx, reach, ns, &members, &nsn, &net_labels);
        namespaces.push(NamespaceView {
            name: ns_name,
            source: cx.at(ir_ns.origin),
            workloads,
            services,
            policies,
        });
    }
    (K8sView { namespaces }, diags, renames)
}

fn workload(
    cx: &EmitContext,
    reach: &Reach,
    id: WorkloadId,
    nsn: &NsNames,
    net_labels: &policy::NetLabels,
    namer: &mut Namer,
    diags: &mut Vec<diag::Diagnostic>,
) -> (WorkloadView, Vec<ServiceView>) {
    let t = cx.topology;
    let w = t.workload(id);
    let name = nsn.workloads[&id].clone();
    let mut host_network = false;
    match &w.network_mode {
        NetworkMode::Bridge | NetworkMode::DefaultBridge | NetworkMode::None => {}
        NetworkMode::Host => {
            host_network = true;
            diags.push(cx.diag(
                &diag::UNSUPPORTED_NETWORK_MODE,
                w.network_mode_origin.unwrap_or(w.origin),
                format!("`{}` uses `network_mode: host`: emitted with `hostNetwork: true`, which NetworkPolicies do not isolate", w.name),
            ));
        }
        NetworkMode::Service(other) => diags.push(cx.diag(
            &diag::UNSUPPORTED_NETWORK_MODE,
            w.network_mode_origin.unwrap_or(w.origin),
            format!("`{}` shares the network stack of `{other}`: pods cannot share one, so it is emitted as its own pod on `{other}`'s networks (localhost between them is lost)", w.name),
        )),
        NetworkMode::Network(other) => diags.push(cx.diag(
            &diag::UNSUPPORTED_NETWORK_MODE,
            w.network_mode_origin.unwrap_or(w.origin),
            format!("`{}` joins the engine network `{other}`, which is not part of the project: emitted isolated", w.name),
        )),
        NetworkMode::Container(other) => diags.push(cx.diag(
            &diag::UNSUPPORTED_NETWORK_MODE,
            w.network_mode_origin.unwrap_or(w.origin),
            format!("`{}` shares the network stack of container `{other}`, which is not part of the project: emitted isolated", w.name),
        )),
    }

    let mut labels = vec![
        kv("app.kubernetes.io/name", name.clone()),
        kv(WORKLOAD_LABEL, name.clone()),
    ];
    labels.extend(net_labels.pod_labels(id));
    let selector = vec![kv(WORKLOAD_LABEL, name.clone())];
    let mut annotations = vec![kv("topoc.dev/source", cx.at(w.origin))];
    let mut compose_labels: Vec<Kv> = w
        .labels
        .iter()
        .map(|(k, v)| kv(format!("compose.label/{}", names::label_name(k)), v.clone()))
        .collect();
    compose_labels.sort();
    compose_labels.dedup_by(|a, b| a.key == b.key);
    annotations.extend(compose_labels);

    let image = w.containers.iter().find_map(|c| c.image.clone());
    if image.is_none() {
        diags.push(cx.diag(
            &diag::MISSING_IMAGE,
            w.origin,
            format!("service `{}` has no `image` (built locally?): set `image:` so the cluster can pull it", w.name),
        ));
    }
    let ports: Vec<ContainerPortView> = w
        .ports
        .iter()
        .filter(|p| p.port != 0)
        .map(|p| ContainerPortView {
            name: names::port_name(p.protocol.as_str(), p.port),
            port: p.port,
            protocol: k8s_protocol(p.protocol),
        })
        .collect();
    let mut env = Vec::new();
    for e in &w.env {
        if is_env_var_name(&e.name) {
            env.push(kv(e.name.clone(), e.value.clone()));
        } else {
            diags.push(cx.diag(
                &diag::NOT_CONVERTED,
                e.origin,
                format!(
                    "environment variable \"{}\" of `{}` is left out: Kubernetes env names match `[-._a-zA-Z][-._a-zA-Z0-9]*`",
                    e.name.escape_debug(),
                    w.name
                ),
            ));
        }
    }

    let mut services = Vec::new();
    // The ClusterIP Service keeps the compose DNS name; headless and port-less
    // when the service listens on nothing declared (names still resolve).
    services.push(ServiceView {
        name: name.clone(),
        source: cx.at(w.origin),
        service_type: "ClusterIP",
        headless: w.ports.is_empty(),
        selector: selector.clone(),
        ports: w
            .ports
            .iter()
            .filter(|p| p.port != 0)
            .map(|p| ServicePortView {
                name: names::port_name(p.protocol.as_str(), p.port),
                port: p.port,
                target_port: p.port,
                protocol: k8s_protocol(p.protocol),
                node_port: None,
            })
            .collect(),
    });
    if let Some(s) = published_service(cx, reach, id, &name, &selector, namer, diags) {
        services.push(s);
    }
    // Named volumes become claim templates mounted at their paths; bind
    // mounts and anonymous volumes have no counterpart and are reported.
    let claims: Vec<(&String, String)> = {
        let mut vn = Namer::new();
        w.named_volumes
            .iter()
            .map(|v| (v, vn.unique(&names::dns_label(v), "-", 63)))
            .collect()
    };
    let mut mounts = Vec::new();
    for m in &w.volume_mounts {
        let claim = m
            .source
            .as_ref()
            .filter(|_| m.named)
            .and_then(|s| claims.iter().find(|(v, _)| *v == s));
        match claim {
            Some((_, c)) => mounts.push(MountView {
                name: c.clone(),
                path: m.target.clone(),
            }),
            None => diags.push(cx.diag(
                &diag::NOT_CONVERTED,
                m.origin,
                format!(
                    "{} mounted at `{}` of `{}` is not converted: only named volumes become PersistentVolumeClaims",
                    match &m.source {
                        Some(s) => format!("`{s}`"),
                        None => "an anonymous volume".to_string(),
                    },
                    m.target,
                    w.name
                ),
            )),
        }
    }
    let wv = WorkloadView {
        kind: if w.named_volumes.is_empty() {
            "Deployment"
        } else {
            "StatefulSet"
        },
        name: name.clone(),
        source: cx.at(w.origin),
        replicas: w.replicas,
        labels,
        annotations,
        selector,
        container: name.clone(),
        image,
        ports,
        env,
        host_network,
        service_name: name,
        volumes: claims.iter().map(|(_, c)| c.clone()).collect(),
        mounts,
    };
    (wv, services)
}

fn service_type(cx: &EmitContext, id: WorkloadId) -> ServiceType {
    let w = cx.topology.workload(id);
    match w
        .annotations
        .get(SERVICE_TYPE_ANNOTATION)
        .map(|s| s.to_ascii_lowercase())
    {
        Some(s) if s == "loadbalancer" => ServiceType::LoadBalancer,
        Some(s) if s == "nodeport" => ServiceType::NodePort,
        _ => cx.options.service_type.unwrap_or(ServiceType::NodePort),
    }
}

/// The Service for published ports: `port` is the host port (the one clients
/// use), `targetPort` the container port; `nodePort` is pinned only when the
/// host port lies in the default NodePort range. Whether the outside may
/// reach the container port at all is the connectivity engine's answer.
fn published_service(
    cx: &EmitContext,
    reach: &Reach,
    id: WorkloadId,
    name: &str,
    selector: &[Kv],
    namer: &mut Namer,
    diags: &mut Vec<diag::Diagnostic>,
) -> Option<ServiceView> {
    let t = cx.topology;
    let ty = service_type(cx, id);
    let mut ports: Vec<ServicePortView> = Vec::new();
    let inbound = reach.get(Peer::External, Peer::Workload(id));
    // Port 0 is no port in Kubernetes (1-65535): a container port 0 is not
    // published, a host port 0 (Docker: "any free port") lets the Service
    // use the container port.
    for p in t
        .publications
        .iter()
        .filter(|p| p.workload == id && p.port != 0)
    {
        if p.host_ip.is_loopback() {
            diags.push(cx.diag(
                &diag::PUBLICATION_NOT_COMPILED,
                p.origin,
                format!("`{}` is published on loopback only; a Kubernetes Service has no host-local equivalent, so it stays cluster-internal", p.host_ip),
            ));
            continue;
        }
        if !matches!(
            t.workload(id).network_mode,
            NetworkMode::Bridge | NetworkMode::DefaultBridge
        ) {
            continue;
        }
        if !inbound.is_some_and(|c| c.contains_port(p.protocol, p.port)) {
            diags.push(cx.diag(
                &diag::PUBLICATION_NOT_COMPILED,
                p.origin,
                "published by a service on internal networks only, which Compose leaves unreachable from outside: no external Service",
            ));
            continue;
        }
        let port = p
            .host_ports
            .map(|r| r.start)
            .filter(|&h| h != 0)
            .unwrap_or(p.port);
        if p.host_ports.is_some_and(|r| r.start != r.end) {
            diags.push(cx.diag(
                &diag::PUBLICATION_NOT_COMPILED,
                p.origin,
                format!(
                    "host port range {}-{} is emitted as its first port {port}",
                    p.host_ports.map_or(0, |r| r.start),
                    p.host_ports.map_or(0, |r| r.end)
                ),
            ));
        }
        if ports
            .iter()
            .any(|q| q.port == port && q.protocol == k8s_protocol(p.protocol))
        {
            continue;
        }
        let node_port =
            (ty == ServiceType::NodePort && (30000..=32767).contains(&port)).then_some(port);
        ports.push(ServicePortView {
            name: names::port_name(p.protocol.as_str(), port),
            port,
            target_port: p.port,
            protocol: k8s_protocol(p.protocol),
            node_port,
        });
    }
    if ports.is_empty() {
        return None;
    }
    Some(ServiceView {
        name: namer.unique(
            &format!("{}-published", name.chars().take(53).collect::<String>()),
            "-",
            63,
        ),
        source: cx.at(t.workload(id).origin),
        service_type: ty.as_str(),
        headless: false,
        selector: selector.to_vec(),
        ports,
    })
}

/// Kubernetes `validation.IsEnvVarName`: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
pub fn is_env_var_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'-' | b'.' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}
