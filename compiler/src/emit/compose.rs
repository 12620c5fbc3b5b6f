//! → Compose. Two sources:
//! - a Compose project is written back from the IR (normalised: long port
//!   syntax, explicit networks), keeping its `x-topoc` settings;
//! - Kubernetes workloads become services whose networks are derived from the
//!   allowed connectivity (`groups`): one network per group of workloads that
//!   may all talk to each other, and a `compose-flow-widened` finding for
//!   every flow the networks allow beyond the policies.

mod clients;
mod groups;

use super::k8s::{Kv, kv};
use super::names::{self, Namer};
use super::{EmitContext, EmitError, Emitted, render};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::{ComposePolicy, IntentSource, IntentTarget, NetworkMode, ProjectId, WorkloadId};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, Default)]
pub struct PortView {
    pub target: u16,
    pub published: Option<String>,
    pub host_ip: Option<String>,
    pub protocol: &'static str,
}

#[derive(Debug, Serialize)]
pub struct AttachView {
    pub name: String,
    pub ipv4_address: Option<String>,
    pub aliases: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ServiceView {
    pub name: String,
    pub source: String,
    pub image: Option<String>,
    pub network_mode: Option<String>,
    pub networks: Vec<AttachView>,
    pub ports: Vec<PortView>,
    pub expose: Vec<String>,
    pub environment: Vec<Kv>,
    pub volumes: Vec<String>,
    pub talks_to: Vec<String>,
    pub exposure: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct NetworkView {
    pub name: String,
    pub source: String,
    pub internal: bool,
    pub external: bool,
    pub subnet: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ComposeView {
    pub name: String,
    pub namespace: Option<String>,
    pub policy: Option<&'static str>,
    pub services: Vec<ServiceView>,
    pub networks: Vec<NetworkView>,
    pub volumes: Vec<String>,
}

/// A Compose service / network name (`^[a-zA-Z0-9._-]+$` in compose-spec).
pub fn compose_name(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() { "x".into() } else { out }
}

pub fn emit(cx: &EmitContext) -> Result<Emitted, EmitError> {
    let mut diags = Vec::new();
    let mut renames = BTreeMap::new();
    let t = cx.topology;
    let view = if let Some(first) = t.projects.first() {
        for (i, p) in t.projects.iter().enumerate().skip(1) {
            diags.push(cx.diag(&diag::NOT_CONVERTED, p.origin, format!("project `{}` is left out: one Compose file holds one project (compile it on its own)", p.name)));
            let _ = i;
        }
        for w in t.workloads.iter().filter(|w| w.project.is_none()) {
            diags.push(cx.diag(&diag::NOT_CONVERTED, w.origin, format!("Kubernetes workload `{}` is left out: compile Compose and Kubernetes inputs separately", w.name)));
        }
        let _ = first;
        from_compose(cx, ProjectId(0), &mut diags, &mut renames)
    } else {
        groups::from_kube(cx, &mut diags, &mut renames)
    };
    let text = render::render(
        "compose/compose.yaml.j2",
        &view,
        &cx.options.template_overrides,
    )?;
    Ok(Emitted {
        text,
        diagnostics: diags,
        renames,
    })
}

fn from_compose(
    cx: &EmitContext,
    pid: ProjectId,
    diags: &mut Vec<Diagnostic>,
    renames: &mut BTreeMap<String, String>,
) -> ComposeView {
    let t = cx.topology;
    let project = &t.projects[pid.index()];
    let ns = t.namespace(project.namespace);
    let mut net_namer = Namer::new();
    let mut net_names = BTreeMap::new();
    let mut networks = Vec::new();
    for (i, n) in t.networks.iter().enumerate() {
        if n.project != Some(pid) || n.default_bridge {
            continue;
        }
        let name = net_namer.unique(&compose_name(&n.name), "-", 64);
        if name != n.name {
            diags.push(cx.diag(
                &diag::NAME_CHANGED,
                n.origin,
                format!("network `{}` is written as `{name}`", n.name),
            ));
        }
        net_names.insert(i, name.clone());
        networks.push(NetworkView {
            name,
            source: cx.at(n.origin),
            internal: n.internal,
            external: n.external,
            subnet: if n.external {
                None
            } else {
                n.subnet.map(|s| s.to_string())
            },
        });
    }
    let members: Vec<WorkloadId> = t
        .workload_ids()
        .filter(|&w| t.workload(w).project == Some(pid))
        .collect();
    let mut namer = Namer::new();
    let mut wnames = BTreeMap::new();
    for &id in &members {
        let w = t.workload(id);
        let name = namer.unique(&compose_name(&w.name), "-", 64);
        if name != w.name {
            renames.insert(t.workload_id(id), format!("{}/{name}", ns.name));
        }
        wnames.insert(id, name);
    }
    let mut volumes: Vec<String> = Vec::new();
    let mut services = Vec::new();
    for &id in &members {
        let w = t.workload(id);
        let network_mode = match &w.network_mode {
            NetworkMode::Bridge => None,
            NetworkMode::DefaultBridge => Some("bridge".to_string()),
            NetworkMode::Host => Some("host".into()),
            NetworkMode::None => Some("none".into()),
            NetworkMode::Service(s) => Some(format!(
                "service:{}",
                t.find_workload(w.namespace, s)
                    .and_then(|o| wnames.get(&o).cloned())
                    .unwrap_or_else(|| compose_name(s))
            )),
            NetworkMode::Container(c) => Some(format!("container:{c}")),
            NetworkMode::Network(n) => Some(n.clone()),
        };
        let networks = if network_mode.is_some() {
            Vec::new()
        } else {
            w.attachments
                .iter()
                .filter_map(|a| {
                    Some(AttachView {
                        name: net_names.get(&a.network.index())?.clone(),
                        ipv4_address: a
                            .address
                            .filter(|_| a.address_declared)
                            .map(|ip| ip.to_string()),
                        aliases: a.aliases.iter().map(|(s, _)| s.clone()).collect(),
                    })
                })
                .collect()
        };
        let ports = t
            .publications
            .iter()
            .filter(|p| p.workload == id && p.port != 0)
            .map(|p| PortView {
                target: p.port,
                // Host port 0 is Docker's "any free port", as when omitted.
                published: p.host_ports.filter(|r| r.start != 0).map(|r| {
                    if r.start == r.end {
                        r.start.to_string()
                    } else {
                        format!("{}-{}", r.start, r.end)
                    }
                }),
                host_ip: p.host_ip_declared.then(|| p.host_ip.to_string()),
                protocol: p.protocol.as_str(),
            })
            .collect::<Vec<_>>();
        let published: Vec<(u16, &str)> = ports.iter().map(|p| (p.target, p.protocol)).collect();
        let expose = w
            .ports
            .iter()
            .filter(|p| p.port != 0 && !published.contains(&(p.port, p.protocol.as_str())))
            .map(|p| format!("{}/{}", p.port, p.protocol.as_str()))
            .collect();
        let talks_to = t
            .intents
            .iter()
            .filter(|i| i.from == id && i.source == IntentSource::TalksTo)
            .filter_map(|i| {
                let IntentTarget::Workload(to) = i.to else {
                    return None;
                };
                let name = wnames.get(&to)?;
                Some(match i.port {
                    Some(p) => format!("{name}:{p}/{}", i.protocol.as_str()),
                    None => name.clone(),
                })
            })
            .collect();
        for v in &w.named_volumes {
            if !volumes.contains(v) {
                volumes.push(v.clone());
            }
        }
        services.push(ServiceView {
            name: wnames[&id].clone(),
            source: cx.at(w.origin),
            image: w.containers.iter().find_map(|c| c.image.clone()),
            network_mode,
            networks,
            ports,
            expose,
            environment: w
                .env
                .iter()
                .map(|e| kv(e.name.clone(), e.value.clone()))
                .collect(),
            volumes: w
                .named_volumes
                .iter()
                .map(|v| format!("{v}:/var/lib/topoc/{}", names::label_name(v)))
                .collect(),
            talks_to,
            exposure: w.exposure.map(|e| match e {
                crate::ir::Exposure::Internal => "internal",
                crate::ir::Exposure::Public => "public",
            }),
        });
    }
    ComposeView {
        name: project.name.clone(),
        namespace: (ns.name != project.name).then(|| ns.name.clone()),
        policy: (project.policy != ComposePolicy::IsolateNetworks).then(|| project.policy.as_str()),
        services,
        networks,
        volumes,
    }
}
