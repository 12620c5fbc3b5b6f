//! Kubernetes → Compose networks from the allowed connectivity.
//!
//! Compose can only say "these services reach each other on every port, both
//! ways". The closest safe approximation of a finer policy: connect exactly
//! the pairs that have some allowed flow, by covering the "may talk" graph
//! with cliques (greedy, deterministic), one network per clique. No pair that
//! cannot talk ever shares a network; what is widened is the ports and the
//! direction within pairs that can, and each such flow is reported.

use super::{AttachView, ComposeView, NetworkView, PortView, ServiceView, compose_name};
use crate::analyze::connectivity::ConnSet;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::emit::EmitContext;
use crate::emit::k8s::kv;
use crate::emit::names::Namer;
use crate::emit::reach::{Peer, Reach};
use crate::ir::{ServiceType, WorkloadId};
use std::collections::{BTreeMap, BTreeSet};

/// Cover every edge of an undirected graph with cliques, greedily: take the
/// first uncovered edge, grow it with every vertex adjacent to all members.
pub fn clique_cover(
    vertices: &[WorkloadId],
    edges: &BTreeSet<(WorkloadId, WorkloadId)>,
) -> Vec<Vec<WorkloadId>> {
    let adj = |a: WorkloadId, b: WorkloadId| edges.contains(&(a.min(b), a.max(b)));
    let mut covered: BTreeSet<(WorkloadId, WorkloadId)> = BTreeSet::new();
    let mut cliques = Vec::new();
    for &(a, b) in edges {
        if covered.contains(&(a, b)) {
            continue;
        }
        let mut clique = vec![a, b];
        for &v in vertices {
            if !clique.contains(&v) && clique.iter().all(|&m| adj(m, v)) {
                clique.push(v);
            }
        }
        clique.sort();
        for (i, &x) in clique.iter().enumerate() {
            for &y in &clique[i + 1..] {
                covered.insert((x.min(y), x.max(y)));
            }
        }
        cliques.push(clique);
    }
    cliques
}

pub fn from_kube(
    cx: &EmitContext,
    diags: &mut Vec<Diagnostic>,
    renames: &mut BTreeMap<String, String>,
) -> ComposeView {
    let t = cx.topology;
    let members: Vec<WorkloadId> = t
        .workload_ids()
        .filter(|&w| t.workload(w).project.is_none())
        .collect();
    let namespaces: BTreeSet<&str> = members
        .iter()
        .map(|&w| t.namespace(t.workload(w).namespace).name.as_str())
        .collect();
    let project = namespaces
        .iter()
        .next()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "topoc".into());
    let Some(reach) = cx.options.reach.as_ref() else {
        if let Some(&w) = members.first() {
            diags.push(Diagnostic::new(
                &diag::CONNECTIVITY_UNAVAILABLE,
                t.workload(w).origin.span,
                "deriving Compose networks from Kubernetes needs the connectivity of the workloads, which was not computed",
            ));
        }
        return ComposeView {
            name: compose_name(&project),
            namespace: None,
            policy: None,
            services: Vec::new(),
            networks: Vec::new(),
            volumes: Vec::new(),
        };
    };

    // Names: plain when one namespace, `ns-name` on collisions across several.
    let mut namer = Namer::new();
    let mut wnames = BTreeMap::new();
    for &id in &members {
        let w = t.workload(id);
        let plain = compose_name(&w.name);
        let base = if namer.is_used(&plain) {
            compose_name(&format!("{}-{}", t.namespace(w.namespace).name, w.name))
        } else {
            plain
        };
        let name = namer.unique(&base, "-", 64);
        if name != w.name || namespaces.len() > 1 || t.namespace(w.namespace).name != project {
            renames.insert(t.workload_id(id), format!("{project}/{name}"));
        }
        wnames.insert(id, name);
    }

    let get = |a: Peer, b: Peer| reach.get(a, b).filter(|p| !p.is_empty());
    let mut edges = BTreeSet::new();
    for &a in &members {
        for &b in &members {
            if a < b
                && (get(Peer::Workload(a), Peer::Workload(b)).is_some()
                    || get(Peer::Workload(b), Peer::Workload(a)).is_some())
            {
                edges.insert((a, b));
            }
        }
    }
    let cliques = clique_cover(&members, &edges);
    let mut widened: Vec<(WorkloadId, String)> = Vec::new();
    let describe = |p: Option<&ConnSet>| {
        p.map(ConnSet::to_string)
            .unwrap_or_else(|| "nothing".into())
    };
    // Pairs that share a network get All Connections both ways.
    let mut linked: BTreeSet<(WorkloadId, WorkloadId)> = BTreeSet::new();
    for c in &cliques {
        for &a in c {
            for &b in c {
                if a != b && linked.insert((a, b)) {
                    let have = get(Peer::Workload(a), Peer::Workload(b));
                    if !have.is_some_and(ConnSet::is_all) {
                        widened.push((
                            a,
                            format!(
                                "{} => {}: {} becomes All Connections",
                                wnames[&a],
                                wnames[&b],
                                describe(have)
                            ),
                        ));
                    }
                }
            }
        }
    }
    let egress_all =
        |w: WorkloadId| get(Peer::Workload(w), Peer::External).is_some_and(ConnSet::is_all);
    let egress_any = |w: WorkloadId| get(Peer::Workload(w), Peer::External).is_some();

    let mut net_namer = Namer::new();
    let mut networks = Vec::new();
    let mut attach: BTreeMap<WorkloadId, Vec<String>> = BTreeMap::new();
    for c in &cliques {
        let label: Vec<&str> = c.iter().map(|w| wnames[w].as_str()).collect();
        let name = net_namer.unique(
            &compose_name(&format!("net-{}", label.join("-")))
                .chars()
                .take(48)
                .collect::<String>(),
            "-",
            64,
        );
        let internal = !c.iter().all(|&w| egress_all(w));
        networks.push(NetworkView {
            name: name.clone(),
            source: cx.at(t.workload(c[0]).origin),
            internal,
            external: false,
            subnet: None,
        });
        for &w in c {
            attach.entry(w).or_default().push(name.clone());
        }
    }

    let mut services = Vec::new();
    // Pods have addresses of their own; on one Compose host, published ports
    // must not collide.
    let mut host_ports: BTreeSet<(&'static str, u16)> = BTreeSet::new();
    for &id in &members {
        let w = t.workload(id);
        let name = wnames[&id].clone();
        let ports = published(cx, reach, id, &name, &mut host_ports, diags);
        let on_external = cliques
            .iter()
            .any(|c| c.contains(&id) && c.iter().all(|&m| egress_all(m)));
        // Egress to the outside or a publication needs a non-internal network.
        if !on_external && (egress_any(id) || !ports.is_empty()) {
            let n = net_namer.unique(
                &format!("{}-external", name.chars().take(48).collect::<String>()),
                "-",
                64,
            );
            networks.push(NetworkView {
                name: n.clone(),
                source: cx.at(w.origin),
                internal: false,
                external: false,
                subnet: None,
            });
            attach.entry(id).or_default().push(n);
            let have = get(Peer::Workload(id), Peer::External);
            if !have.is_some_and(ConnSet::is_all) {
                widened.push((
                    id,
                    format!(
                        "{name} => outside: {} becomes All Connections",
                        describe(have)
                    ),
                ));
            }
        }
        let nets = attach.remove(&id).unwrap_or_default();
        if let Some(conn) = reach.from_ingress_controller.get(&id) {
            diags.push(Diagnostic::new(
                &diag::FLOW_NOT_EXPRESSIBLE,
                w.origin.span,
                format!(
                    "{{ingress-controller}} => {name}: {conn} (an Ingress or Route) has no Compose counterpart and is left out: publish the port or run a reverse proxy service"
                ),
            ));
        }
        if !w.volume_mounts.is_empty() {
            let paths: Vec<String> = w
                .volume_mounts
                .iter()
                .map(|m| format!("`{}`", m.target))
                .collect();
            diags.push(Diagnostic::new(
                &diag::NOT_CONVERTED,
                w.volume_mounts[0].origin.span,
                format!(
                    "the volume mounts of `{}` ({}) are not converted: Kubernetes volumes (claims, config maps, secrets) have no Compose counterpart topoc can fill",
                    w.name,
                    paths.join(", ")
                ),
            ));
        }
        if w.containers.len() > 1 {
            let rest: Vec<String> = w.containers[1..]
                .iter()
                .map(|c| format!("`{}`", c.name))
                .collect();
            diags.push(Diagnostic::new(
                &diag::NOT_CONVERTED,
                w.containers[1].origin.span,
                format!(
                    "`{}` runs {} containers; the Compose service runs the first (`{}`) only: {} left out",
                    w.name,
                    w.containers.len(),
                    w.containers[0].name,
                    rest.join(", ")
                ),
            ));
        }
        let published_targets: Vec<(u16, &str)> =
            ports.iter().map(|p| (p.target, p.protocol)).collect();
        services.push(ServiceView {
            name,
            source: cx.at(w.origin),
            image: w.containers.iter().find_map(|c| c.image.clone()),
            network_mode: nets.is_empty().then(|| "none".to_string()),
            networks: nets
                .into_iter()
                .map(|n| AttachView {
                    name: n,
                    ipv4_address: None,
                    aliases: Vec::new(),
                })
                .collect(),
            ports,
            expose: w
                .ports
                .iter()
                .filter(|p| !published_targets.contains(&(p.port, p.protocol.as_str())))
                .map(|p| format!("{}/{}", p.port, p.protocol.as_str()))
                .collect(),
            environment: super::clients::environment(t, cx.resolved, id, &wnames, diags)
                .into_iter()
                .map(|(k, v)| kv(k, v))
                .collect(),
            volumes: Vec::new(),
            talks_to: Vec::new(),
            exposure: None,
        });
    }
    for (id, msg) in widened {
        diags.push(Diagnostic::new(
            &diag::COMPOSE_FLOW_WIDENED,
            t.workload(id).origin.span,
            format!("Compose networks widen a flow: {msg}"),
        ));
    }
    ComposeView {
        name: compose_name(&project),
        namespace: None,
        policy: None,
        services,
        networks,
        volumes: Vec::new(),
    }
}

/// Publications for external ingress: each allowed container port is
/// published on the port a NodePort/LoadBalancer Service exposes it on (else
/// on itself). Allowed ports that are no declared container port cannot be
/// published one by one and are reported.
fn published(
    cx: &EmitContext,
    reach: &Reach,
    id: WorkloadId,
    name: &str,
    used: &mut BTreeSet<(&'static str, u16)>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<PortView> {
    let t = cx.topology;
    let w = t.workload(id);
    let Some(allowed) = reach.get(Peer::External, Peer::Workload(id)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut covered = ConnSet::none();
    for p in &w.ports {
        if p.port == 0 || !allowed.contains_port(p.protocol, p.port) {
            continue;
        }
        covered.add(p.protocol, p.port, p.port);
        let host = t
            .services
            .iter()
            .filter(|s| {
                s.namespace == w.namespace
                    && matches!(
                        s.service_type,
                        ServiceType::NodePort | ServiceType::LoadBalancer
                    )
            })
            .filter(|s| {
                s.selector.as_ref().is_some_and(|sel| {
                    !sel.is_empty() && sel.iter().all(|(k, v)| w.labels.get(k) == Some(v))
                })
            })
            .flat_map(|s| s.ports.iter().map(move |sp| (s.service_type, sp)))
            .find(|(_, sp)| {
                sp.protocol == p.protocol
                    && (sp.target == crate::ir::PortRef::Number(p.port)
                        || p.name
                            .as_ref()
                            .is_some_and(|n| sp.target == crate::ir::PortRef::Name(n.clone())))
            })
            .map(|(ty, sp)| {
                if ty == ServiceType::NodePort {
                    sp.node_port.unwrap_or(sp.port)
                } else {
                    sp.port
                }
            })
            .unwrap_or(p.port);
        let proto = p.protocol.as_str();
        let mut port = host;
        while used.contains(&(proto, port)) && port < u16::MAX {
            port += 1;
        }
        if !used.insert((proto, port)) {
            continue;
        }
        if port != host {
            diags.push(Diagnostic::new(
                &diag::PUBLICATION_NOT_COMPILED,
                p.origin.span,
                format!("host port {host}/{proto} of `{name}` is taken by another service on the Compose host: published on {port}"),
            ));
        }
        out.push(PortView {
            target: p.port,
            published: Some(port.to_string()),
            host_ip: None,
            protocol: proto,
        });
    }
    if !covered.contains(allowed) {
        diags.push(Diagnostic::new(
            &diag::FLOW_NOT_EXPRESSIBLE,
            w.origin.span,
            format!("outside => {name}: {} is allowed, but Compose publishes declared container ports only ({})", allowed, if covered.is_empty() { "none".into() } else { covered.to_string() }),
        ));
    }
    out
}
