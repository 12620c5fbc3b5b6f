//! Compose network semantics (design §6):
//! - `isolate-networks` (the default): services sharing a network reach each
//!   other with All Connections (internal networks included);
//! - a service on a non-internal network reaches every external address;
//! - a publication on a non-loopback host address of such a service lets
//!   every external address reach it on the *container* port (after DNAT);
//! - `network_mode: none` reaches nothing; `service:X` shares X's networks;
//! - `network_mode: host` is the host itself: it reaches every external
//!   address, and external addresses reach it on the ports it declares
//!   (every port when it declares none); it shares no Compose network;
//! - `network_mode: bridge` (Docker's default bridge) counts as one shared,
//!   non-internal network of all such services;
//! - `container:X` joins a container topoc does not see: nothing is known;
//! - `default-deny` keeps only `talks-to` flows (between services that share
//!   a network) and publications; DNS is the engine's embedded resolver, not
//!   a workload, so it prints no line;
//! - `open`: every service of the project reaches every other one and every
//!   external address; inbound external traffic still needs a publication.
//!
//! External networks are identified by their engine name, so projects that
//! join the same `external: true` network reach each other through it; every
//! other network belongs to its project (each project is its own world, even
//! when variants of one directory share a project name).

use super::conn::ConnSet;
use super::ipset::Range;
use super::{EndpointKind, Flows};
use crate::ir::{ComposePolicy, IntentSource, IntentTarget, NetworkMode, Topology, WorkloadId};
use crate::resolve::Resolved;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The pseudo network of Docker's default bridge.
const DEFAULT_BRIDGE: &str = "\0bridge";

struct Svc {
    id: WorkloadId,
    networks: BTreeSet<String>,
    /// On at least one non-internal network (or the host / default bridge).
    outbound: bool,
    policy: ComposePolicy,
    project: Option<crate::ir::ProjectId>,
    /// Has a network stack topoc can place (not `none` / `container:`).
    stack: bool,
}

/// Which networks are one: external ones by engine name, the others per
/// project namespace.
fn network_key(t: &Topology, net: &crate::ir::Network) -> String {
    if net.external {
        net.engine_name.clone()
    } else {
        format!("{}\0{}", t.namespace(net.namespace).name, net.engine_name)
    }
}

fn loopback(ip: &IpAddr) -> bool {
    ip.is_loopback()
}

pub fn edges(t: &Topology, r: &Resolved, out: &mut Flows) {
    let svcs: Vec<Svc> = t
        .workload_ids()
        .filter(|&w| t.workload(w).project.is_some())
        .map(|id| {
            let w = t.workload(id);
            let policy = w
                .project
                .and_then(|p| t.projects.get(p.index()))
                .map(|p| p.policy)
                .unwrap_or_default();
            let mut networks = BTreeSet::new();
            let mut outbound = false;
            match &w.network_mode {
                NetworkMode::None | NetworkMode::Container(_) => {}
                NetworkMode::Host => outbound = true,
                // The engine network of that name, shared with whoever else
                // joins it by that name.
                NetworkMode::Network(name) => {
                    networks.insert(name.clone());
                    outbound = true;
                }
                NetworkMode::DefaultBridge => {
                    networks.insert(DEFAULT_BRIDGE.to_string());
                    outbound = true;
                }
                NetworkMode::Bridge | NetworkMode::Service(_) => {
                    for &n in r.effective_networks.get(id.index()).map_or(&[][..], |v| v) {
                        let net = t.network(n);
                        networks.insert(network_key(t, net));
                        outbound |= !net.internal;
                    }
                }
            }
            Svc {
                id,
                stack: !matches!(
                    w.network_mode,
                    NetworkMode::None | NetworkMode::Container(_)
                ),
                networks,
                outbound,
                policy,
                project: w.project,
            }
        })
        .collect();
    if svcs.is_empty() {
        return;
    }
    let all = Range::ALL;
    for a in &svcs {
        let ea = out.endpoint(t, EndpointKind::Workload(a.id));
        for b in &svcs {
            // `network_mode: none`/`container:` have no stack of their own in
            // the project: they reach nothing and nothing reaches them, under
            // every policy (`open` included).
            if a.id == b.id || !a.stack || !b.stack {
                continue;
            }
            let shared = a.networks.intersection(&b.networks).next().is_some();
            let conn = match a.policy {
                ComposePolicy::IsolateNetworks if shared => ConnSet::all(),
                ComposePolicy::IsolateNetworks => continue,
                ComposePolicy::Open if shared || a.project == b.project => ConnSet::all(),
                ComposePolicy::Open => continue,
                ComposePolicy::DefaultDeny if shared => talks_to(t, a.id, b.id),
                ComposePolicy::DefaultDeny => continue,
            };
            if !conn.is_empty() {
                let eb = out.endpoint(t, EndpointKind::Workload(b.id));
                out.push(ea, eb, conn);
            }
        }
        let w = t.workload(a.id);
        if a.outbound && a.policy != ComposePolicy::DefaultDeny {
            let x = out.endpoint(t, EndpointKind::External(all));
            out.push(ea, x, ConnSet::all());
        }
        let mut inbound = ConnSet::none();
        if w.network_mode == NetworkMode::Host {
            if w.ports.is_empty() {
                inbound = ConnSet::all();
            }
            for p in &w.ports {
                inbound.add(p.protocol, p.port, p.port);
            }
        } else if a.outbound {
            for p in t.publications.iter().filter(|p| p.workload == a.id) {
                if !loopback(&p.host_ip) {
                    inbound.add(p.protocol, p.port, p.port);
                }
            }
        }
        if !inbound.is_empty() {
            let x = out.endpoint(t, EndpointKind::External(all));
            out.push(x, ea, inbound);
        }
    }
}

/// What `x-topoc.talks-to` of `a` allows towards `b`.
fn talks_to(t: &Topology, a: WorkloadId, b: WorkloadId) -> ConnSet {
    let mut c = ConnSet::none();
    for i in &t.intents {
        if i.from != a || i.source != IntentSource::TalksTo || i.to != IntentTarget::Workload(b) {
            continue;
        }
        match i.port {
            Some(p) => c.add(i.protocol, p, p),
            None => c.union_with(&ConnSet::all()),
        }
    }
    c
}
