//! Intents of Kubernetes workloads: URLs and `*_HOST`/`*_PORT` pairs in env
//! values, the `topoc.dev/talks-to` annotation, and Istio route destinations
//! of a Service a workload talks to (for VirtualServices that apply to the
//! mesh) or of a Gateway's pods (for VirtualServices bound to it).
//! Resolved once every Service is known.
//!
//! Env values only become intents when their host names a Service (env holds
//! all kinds of strings); an annotation naming no Service is an error.

use super::Cx;
use crate::diagnostic as diag;
use crate::ir::FastMap;
use crate::ir::{
    Intent, IntentSource, IntentTarget, NamespaceId, Origin, Protocol, ServiceId, ServiceIndex,
    Topology, WorkloadId,
};

/// An intent whose target is not resolved yet.
#[derive(Debug, Clone)]
pub struct Pending {
    pub from: WorkloadId,
    pub namespace: NamespaceId,
    pub host: String,
    pub port: Option<u16>,
    pub protocol: Protocol,
    pub source: IntentSource,
    pub origin: Origin,
    /// Written as an intent (annotation): an unknown name is an error.
    pub explicit: bool,
}

impl Pending {
    fn resolved(self, to: ServiceId) -> Intent {
        Intent {
            from: self.from,
            to: IntentTarget::Service(to),
            target_name: self.host,
            port: self.port,
            protocol: self.protocol,
            source: self.source,
            origin: self.origin,
        }
    }
}

/// Workloads per task of the env scan: 100k objects have tens of
/// thousands of workloads and hundreds of thousands of env values.
const ENV_WORKLOADS_PER_TASK: usize = if cfg!(test) { 2 } else { 2048 };

/// The intents of the env values of Kubernetes workloads (Compose intents
/// come from the Compose front end) whose host names a Service, in
/// workload order; the workloads are scanned in tasks on every core (in
/// unit tests, tasks of two, so that every test splits its input).
fn env_intents(t: &Topology, index: &ServiceIndex) -> Vec<Intent> {
    let tasks = t.workloads.len().div_ceil(ENV_WORKLOADS_PER_TASK);
    let found = crate::parallel::ordered(
        tasks,
        || (),
        |(), task| {
            let from = task * ENV_WORKLOADS_PER_TASK;
            let to = (from + ENV_WORKLOADS_PER_TASK).min(t.workloads.len());
            let mut out = Vec::new();
            for (i, w) in t.workloads[from..to].iter().enumerate() {
                if w.project.is_some() {
                    continue;
                }
                let ns = t.namespace(w.namespace);
                for e in &w.env {
                    let mut targets = env_targets(&e.value);
                    if targets.is_empty() && e.name.ends_with("HOST") && is_dns_name(e.value.trim())
                    {
                        let prefix = e.name.trim_end_matches("HOST");
                        let port = w
                            .env
                            .iter()
                            .find(|p| p.name.strip_prefix(prefix) == Some("PORT"))
                            .and_then(|p| p.value.trim().parse::<u16>().ok());
                        targets.push((e.value.trim().to_string(), port));
                    }
                    for (host, port) in targets {
                        let Some(s) = index.lookup(ns, &host) else {
                            continue;
                        };
                        out.push(Intent {
                            from: WorkloadId((from + i) as u32),
                            to: IntentTarget::Service(s),
                            target_name: host,
                            port,
                            protocol: Protocol::Tcp,
                            source: IntentSource::Environment,
                            origin: e.origin,
                        });
                    }
                }
            }
            out
        },
    );
    found.into_iter().flatten().collect()
}

/// `service[.namespace][:port[/protocol]]`.
pub fn parse_target(s: &str) -> Option<(String, Option<u16>, Protocol)> {
    let (host, rest) = match s.split_once(':') {
        Some((h, r)) => (h, Some(r)),
        None => (s, None),
    };
    if !is_dns_name(host) {
        return None;
    }
    let (port, protocol) = match rest {
        None => (None, Protocol::Tcp),
        Some(r) => {
            let (p, proto) = match r.split_once('/') {
                Some((p, proto)) => (p, Protocol::parse(proto)?),
                None => (r, Protocol::Tcp),
            };
            let p: u16 = p.parse().ok().filter(|p| *p > 0)?;
            (Some(p), protocol_or(proto))
        }
    };
    Some((host.to_string(), port, protocol))
}

fn protocol_or(p: Protocol) -> Protocol {
    p
}

fn is_dns_name(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
        })
}

/// Hosts and ports named by a URL (`postgresql://u:p@db:5432/app`, with
/// comma-separated host lists as in MongoDB URLs) or a bare `host:port`. A
/// URL without a port names its scheme's default port.
pub fn env_targets(value: &str) -> Vec<(String, Option<u16>)> {
    let value = value.trim();
    let (scheme, authority) = match value.split_once("://") {
        Some((scheme, rest)) => (
            Some(scheme),
            rest.split(['/', '?', '#']).next().unwrap_or(""),
        ),
        None => {
            // A bare `host:port`, nothing else (no spaces, no paths).
            match value.split_once(':') {
                Some((h, p)) if is_dns_name(h) && p.parse::<u16>().is_ok() => (None, value),
                _ => return Vec::new(),
            }
        }
    };
    let hosts = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    hosts
        .split(',')
        .filter_map(|hp| {
            let (h, p) = match hp.rsplit_once(':') {
                Some((h, p)) => (h, p.parse::<u16>().ok()),
                // No port: the scheme's default (`http://web` is web:80).
                None => (hp, scheme.and_then(crate::input::scheme::default_port)),
            };
            is_dns_name(h).then(|| (h.to_string(), p))
        })
        .collect()
}

impl Cx<'_> {
    pub(super) fn resolve_intents(&mut self) {
        let index = ServiceIndex::new(self.t);
        // The intents written as such (annotations) come first, then those
        // of env values in workload order.
        for p in std::mem::take(&mut self.pending) {
            match index.lookup(self.t.namespace(p.namespace), &p.host) {
                Some(s) => self.t.intents.push(p.resolved(s)),
                None if p.explicit => {
                    let from_ns = &self.t.namespace(p.namespace).name;
                    let message =
                        format!("`{}` names no Service (from namespace `{from_ns}`)", p.host);
                    self.error(&diag::UNDEFINED_SERVICE, p.origin.span, message)
                }
                None => {}
            }
        }
        let from_env = env_intents(self.t, &index);
        self.t.intents.extend(from_env);
        self.route_intents(&index);
    }

    /// A workload that talks to a Service routed by a VirtualService talks to
    /// every destination of its routes (and mirrors).
    fn route_intents(&mut self, index: &ServiceIndex) {
        let mut extra = Vec::new();
        // The intents to each Service, in intent order: a VirtualService
        // visits the intents to its hosts only (scanning every intent for
        // every VirtualService was quadratic at scale).
        let mut to_service: Option<FastMap<ServiceId, Vec<usize>>> = None;
        let mut matched: Vec<usize> = Vec::new();
        // Routes bound only to gateways do not apply to sidecar traffic.
        for vs in self
            .t
            .virtual_services
            .iter()
            .filter(|v| v.applies_to_mesh())
        {
            let vs_ns = self.t.namespace(vs.namespace);
            let hosts: Vec<_> = vs
                .hosts
                .iter()
                .filter_map(|(h, _)| index.lookup(vs_ns, h))
                .collect();
            if hosts.is_empty() || vs.http.is_empty() {
                continue;
            }
            let to_service = to_service.get_or_insert_with(|| {
                let mut by: FastMap<ServiceId, Vec<usize>> = FastMap::default();
                for (i, intent) in self.t.intents.iter().enumerate() {
                    if let IntentTarget::Service(s) = intent.to {
                        by.entry(s).or_default().push(i);
                    }
                }
                by
            });
            matched.clear();
            for s in &hosts {
                matched.extend(to_service.get(s).into_iter().flatten());
            }
            // Each intent once, in the order of `t.intents`.
            matched.sort_unstable();
            matched.dedup();
            for &i in &matched {
                let intent = &self.t.intents[i];
                for r in &vs.http {
                    let dests = r
                        .route
                        .iter()
                        .map(|w| &w.destination)
                        .chain(r.mirror.as_ref());
                    for d in dests {
                        let Some(to) = index.lookup(vs_ns, &d.host) else {
                            continue;
                        };
                        extra.push(Intent {
                            from: intent.from,
                            to: IntentTarget::Service(to),
                            target_name: d.host.clone(),
                            port: d.port.or(intent.port),
                            protocol: intent.protocol,
                            source: IntentSource::Route,
                            origin: d.host_origin,
                        });
                    }
                }
            }
        }
        self.t.intents.extend(extra);
        self.gateway_route_intents(index);
    }

    /// A VirtualService bound to a Gateway of the input sends that gateway's
    /// traffic to its route destinations: the gateway pods (selected in
    /// every namespace) talk to each destination Service.
    fn gateway_route_intents(&mut self, index: &ServiceIndex) {
        let mut extra = Vec::new();
        // The first Gateway of each (namespace, name), and the pods each one
        // selects, computed once: VirtualServices bound to one gateway are
        // many, and each scan was a pass over every workload.
        let mut first_gateway: FastMap<(NamespaceId, &str), usize> = FastMap::default();
        for (i, g) in self.t.gateways.iter().enumerate() {
            first_gateway
                .entry((g.namespace, g.name.as_str()))
                .or_insert(i);
        }
        let mut pods_of: FastMap<usize, Vec<WorkloadId>> = FastMap::default();
        for vs in &self.t.virtual_services {
            let vs_ns = self.t.namespace(vs.namespace);
            for (name, _) in &vs.gateways {
                let (gw_ns, gw_name) = match name.split_once('/') {
                    Some((ns, n)) => (ns, n),
                    None => (vs_ns.name.as_str(), name.as_str()),
                };
                let Some(gw_ns) = self.t.namespace_near(vs.namespace, gw_ns) else {
                    continue;
                };
                let Some(&gi) = first_gateway.get(&(gw_ns, gw_name)) else {
                    continue;
                };
                let gw = &self.t.gateways[gi];
                if gw.selector.is_empty() {
                    continue;
                }
                let pods = pods_of.entry(gi).or_insert_with(|| {
                    self.t
                        .workload_ids()
                        .filter(|&w| {
                            let wl = self.t.workload(w);
                            wl.project.is_none()
                                && self.t.same_cluster(wl.namespace, gw.namespace)
                                && gw.selector.iter().all(|(k, v)| wl.labels.get(k) == Some(v))
                        })
                        .collect()
                });
                for r in &vs.http {
                    for d in r
                        .route
                        .iter()
                        .map(|w| &w.destination)
                        .chain(r.mirror.as_ref())
                    {
                        let Some(to) = index.lookup(vs_ns, &d.host) else {
                            continue;
                        };
                        for &from in pods.iter() {
                            extra.push(Intent {
                                from,
                                to: IntentTarget::Service(to),
                                target_name: d.host.clone(),
                                port: d.port,
                                protocol: Protocol::Tcp,
                                source: IntentSource::Route,
                                origin: d.host_origin,
                            });
                        }
                    }
                }
            }
        }
        self.t.intents.extend(extra);
    }
}
