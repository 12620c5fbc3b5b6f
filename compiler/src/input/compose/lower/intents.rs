//! Expected flows of a Compose service: `depends_on`, `links`,
//! `x-topoc.talks-to`, and hosts named in environment values
//! (`postgresql://user:pass@database:5432/app`, `REDIS_HOST=cache`).

use super::Lowering;
use crate::diagnostic as diag;
use crate::ir::*;
use crate::syntax::Node;
use std::collections::BTreeMap;

/// Names a service of the project answers to.
pub struct NameTable {
    /// Service name → workload.
    pub services: BTreeMap<String, WorkloadId>,
    /// Any DNS-ish name (service, alias, container_name, hostname) → workloads.
    pub hosts: BTreeMap<String, Vec<WorkloadId>>,
}

impl NameTable {
    pub fn build(t: &Topology, lowered: &[(WorkloadId, &Node)]) -> Self {
        let mut services = BTreeMap::new();
        let mut hosts: BTreeMap<String, Vec<WorkloadId>> = BTreeMap::new();
        let mut add = |name: &str, id: WorkloadId| {
            let list = hosts.entry(name.to_string()).or_default();
            if !list.contains(&id) {
                list.push(id);
            }
        };
        for (id, _) in lowered {
            let w = t.workload(*id);
            services.insert(w.name.clone(), *id);
            add(&w.name, *id);
            for a in &w.attachments {
                for (alias, _) in &a.aliases {
                    add(alias, *id);
                }
            }
            if let Some((c, _)) = &w.container_name {
                add(c, *id);
            }
            if let Some(h) = &w.hostname {
                add(h, *id);
            }
        }
        NameTable { services, hosts }
    }
}

/// `host[:port]` → (host, port); `None` for a malformed port.
fn host_port(s: &str) -> Option<(&str, Option<u16>)> {
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => p.parse::<u16>().ok().map(|p| (h, Some(p))),
        Some(_) => None,
        None => Some((s, None)),
    }
}

/// Host references in one environment value: URLs (with every host of a
/// comma-separated authority), `host:port` lists, or (`bare_ok`) a bare name.
pub fn env_hosts(value: &str, bare_ok: bool) -> Vec<(String, Option<u16>)> {
    let mut out = Vec::new();
    let value = value.trim();
    if let Some(i) = value.find("://") {
        let scheme = &value[..i];
        let rest = &value[i + 3..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let hosts = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        for h in hosts.split(',') {
            if let Some((host, port)) = host_port(h) {
                out.push((
                    host.to_string(),
                    port.or_else(|| crate::input::scheme::default_port(scheme)),
                ));
            }
        }
        return out;
    }
    for part in value.split(',') {
        let part = part.trim();
        match host_port(part) {
            Some((h, Some(p))) => out.push((h.to_string(), Some(p))),
            Some((h, None)) if bare_ok => out.push((h.to_string(), None)),
            _ => {}
        }
    }
    out
}

/// Variable names whose bare value is a host name.
fn names_a_host(var: &str) -> Option<&str> {
    const SUFFIXES: [&str; 9] = [
        "_HOST",
        "_HOSTNAME",
        "_SERVER",
        "_ADDR",
        "_ADDRESS",
        "_SERVICE",
        "_ENDPOINT",
        "_BROKERS",
        "_BROKER",
    ];
    let upper = var.to_ascii_uppercase();
    if upper == "HOST" || upper == "HOSTNAME" {
        return Some("");
    }
    SUFFIXES
        .iter()
        .find(|s| upper.ends_with(*s))
        .map(|s| &var[..var.len() - s.len()])
}

/// A flow from `from` to `to` (self references are not flows).
struct Flow<'n> {
    to: WorkloadId,
    name: &'n str,
    port: Option<u16>,
    protocol: Protocol,
    source: IntentSource,
    origin: Origin,
}

fn push_intent(l: &mut Lowering, from: WorkloadId, f: Flow) {
    if from == f.to {
        return;
    }
    l.topo.intents.push(Intent {
        from,
        to: IntentTarget::Workload(f.to),
        target_name: f.name.to_string(),
        port: f.port,
        protocol: f.protocol,
        source: f.source,
        origin: f.origin,
    });
}

fn dangling(
    l: &mut Lowering,
    from: WorkloadId,
    name: &str,
    context: &'static str,
    node: &Node,
    inactive: &[&str],
) {
    let note = inactive
        .contains(&name)
        .then(|| format!("service `{name}` is defined but not active under the selected profiles"));
    l.topo.dangling.push(DanglingRef {
        kind: RefKind::Service,
        name: name.to_string(),
        from: Some(from),
        context,
        note,
        origin: Origin::from(node.span),
    });
}

pub fn service_intents(
    l: &mut Lowering,
    id: WorkloadId,
    node: &Node,
    names: &NameTable,
    inactive: &[&str],
) {
    if let Some(deps) = node.get("depends_on") {
        for e in l.map(deps, "`depends_on`").unwrap_or_default() {
            let Some(name) = e.key.as_str() else { continue };
            let optional = e.value.get("required").and_then(Node::as_bool) == Some(false);
            match names.services.get(name) {
                Some(&to) => push_intent(
                    l,
                    id,
                    Flow {
                        to,
                        name,
                        port: None,
                        protocol: Protocol::Tcp,
                        source: IntentSource::DependsOn,
                        origin: Origin::from(e.key.span),
                    },
                ),
                None if optional => {}
                None => dangling(l, id, name, "depends_on", &e.key, inactive),
            }
        }
    }
    if let Some(links) = node.get("links") {
        for item in l.seq(links, "`links`").unwrap_or_default() {
            let Some(text) = item.as_str() else { continue };
            let name = text.split(':').next().unwrap_or(text);
            match names.services.get(name) {
                Some(&to) => push_intent(
                    l,
                    id,
                    Flow {
                        to,
                        name,
                        port: None,
                        protocol: Protocol::Tcp,
                        source: IntentSource::Links,
                        origin: Origin::from(item.span),
                    },
                ),
                None => dangling(l, id, name, "links", item, inactive),
            }
        }
    }
    if let NetworkMode::Service(target) = l.topo.workload(id).network_mode.clone()
        && !names.services.contains_key(&target)
        && let Some(origin) = l.topo.workload(id).network_mode_origin
    {
        let note = inactive
            .contains(&target.as_str())
            .then(|| format!("service `{target}` is not active under the selected profiles"));
        l.topo.dangling.push(DanglingRef {
            kind: RefKind::Service,
            name: target,
            from: Some(id),
            context: "network_mode",
            note,
            origin,
        });
    }
    if let Some(list) = node.get("x-topoc").and_then(|x| x.get("talks-to")) {
        for item in l.seq(list, "`x-topoc.talks-to`").unwrap_or_default() {
            let Some(text) = item.as_str() else { continue };
            let (target, proto) = match text.split_once('/') {
                Some((t, p)) => (t, Protocol::parse(p)),
                None => (text, Some(Protocol::Tcp)),
            };
            let parsed = host_port(target);
            let (Some(protocol), Some((name, port))) = (proto, parsed) else {
                l.error(
                    &diag::INVALID_VALUE,
                    item,
                    format!("`{text}` is not `service[:port[/tcp|udp|sctp]]`"),
                );
                continue;
            };
            match names.services.get(name) {
                Some(&to) => push_intent(
                    l,
                    id,
                    Flow {
                        to,
                        name,
                        port,
                        protocol,
                        source: IntentSource::TalksTo,
                        origin: Origin::from(item.span),
                    },
                ),
                None => dangling(l, id, name, "x-topoc.talks-to", item, inactive),
            }
        }
    }
    let env = l.topo.workload(id).env.clone();
    for var in &env {
        let bare_ok = names_a_host(&var.name).is_some();
        for (host, mut port) in env_hosts(&var.value, bare_ok) {
            // A service of that name wins over aliases that merely share it.
            let targets = match names.services.get(&host) {
                Some(t) => vec![*t],
                None => match names.hosts.get(&host) {
                    Some(t) => t.clone(),
                    None => continue,
                },
            };
            if port.is_none()
                && let Some(prefix) = names_a_host(&var.name)
            {
                let port_var = format!("{prefix}{}PORT", if prefix.is_empty() { "" } else { "_" });
                port = env
                    .iter()
                    .find(|v| v.name.eq_ignore_ascii_case(&port_var))
                    .and_then(|v| v.value.trim().parse().ok());
            }
            for to in targets {
                push_intent(
                    l,
                    id,
                    Flow {
                        to,
                        name: &host,
                        port,
                        protocol: Protocol::Tcp,
                        source: IntentSource::Environment,
                        origin: var.origin,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_hosts_and_ports() {
        assert_eq!(
            env_hosts("postgresql://user:pass@database:5432/app", false),
            [("database".into(), Some(5432))]
        );
        assert_eq!(
            env_hosts("redis://cache", false),
            [("cache".into(), Some(6379))]
        );
        assert_eq!(
            env_hosts("mongodb://a:1,b:2/db", false),
            [("a".into(), Some(1)), ("b".into(), Some(2))]
        );
        assert_eq!(
            env_hosts("jdbc:mysql://db/app", false),
            [("db".into(), Some(3306))]
        );
    }

    #[test]
    fn bare_hosts_only_for_host_variables() {
        assert_eq!(env_hosts("cache", true), [("cache".into(), None)]);
        assert!(env_hosts("cache", false).is_empty());
        assert_eq!(
            env_hosts("kafka:9092", false),
            [("kafka".into(), Some(9092))]
        );
        assert_eq!(names_a_host("REDIS_HOST"), Some("REDIS"));
        assert_eq!(names_a_host("LOG_LEVEL"), None);
    }
}
