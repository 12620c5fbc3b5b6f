//! `services:` entries → workloads, attachments, container ports and
//! publications; references that name nothing are kept as dangling.

use super::network::{default_bridge, implicit_default};
use super::{ENGINE_REFUSES, Lowering, intents, publish};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::*;
use crate::syntax::{Entry, Node, Value};
use std::net::{IpAddr, Ipv4Addr};

/// Every service key of the Compose specification.
const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "label_file",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];
const SERVICE_NETWORK_KEYS: &[&str] = &[
    "aliases",
    "ipv4_address",
    "ipv6_address",
    "interface_name",
    "link_local_ips",
    "mac_address",
    "driver_opts",
    "priority",
    "gw_priority",
];

/// Whether a service runs under the active profiles (compose `15-profiles.md`).
fn active(service: &Node, profiles: &[String]) -> bool {
    match service.get("profiles").and_then(Node::as_seq) {
        None => true,
        Some([]) => true,
        Some(list) => list
            .iter()
            .filter_map(Node::as_str)
            .any(|p| profiles.iter().any(|a| a == p || a == "*")),
    }
}

fn labels(l: &mut Lowering, node: &Node, what: &str) -> Labels {
    let mut out = Labels::default();
    if let Some(entries) = l.map(node, what) {
        for e in entries {
            if let Some(k) = e.key.as_str() {
                out.insert(
                    k.to_string(),
                    e.value.as_str().unwrap_or_default().to_string(),
                );
            }
        }
    }
    out
}

pub fn lower_services(l: &mut Lowering, services: &[Entry], profiles: &[String]) {
    let mut lowered: Vec<(WorkloadId, &Node)> = Vec::new();
    let mut inactive: Vec<&str> = Vec::new();
    for e in services {
        let Some(name) = e.key.as_str() else { continue };
        if !is_service_name(name) {
            l.error(
                &diag::INVALID_VALUE,
                &e.key,
                format!(
                    "service name \"{}\" must contain only letters, digits, `.`, `_` and `-` (compose-spec `^[a-zA-Z0-9._-]+$`)",
                    name.escape_debug()
                ),
            );
            continue;
        }
        if !e.value.is_null() && e.value.as_map().is_none() {
            l.error(
                &diag::INVALID_VALUE,
                &e.value,
                format!(
                    "service `{name}` must be a mapping, found {}",
                    e.value.describe()
                ),
            );
            continue;
        }
        if !active(&e.value, profiles) {
            inactive.push(name);
            continue;
        }
        let id = create_workload(l, name, e);
        lowered.push((id, &e.value));
    }
    for (id, node) in &lowered {
        networking(l, *id, node);
        publish::ports_and_expose(l, *id, node);
    }
    super::cycles::report(l, &lowered);
    let names = intents::NameTable::build(l.topo, &lowered);
    for (id, node) in &lowered {
        intents::service_intents(l, *id, node, &names, &inactive);
    }
}

fn create_workload(l: &mut Lowering, name: &str, e: &Entry) -> WorkloadId {
    let node = &e.value;
    let mut w = Workload::new(
        name.to_string(),
        l.namespace,
        WorkloadKind::ComposeService,
        Origin::from(e.key.span),
    );
    w.project = Some(l.project);
    let mut image = None;
    for f in node.as_map().unwrap_or_default() {
        let v = &f.value;
        match f.key.as_str().unwrap_or_default() {
            "image" => image = l.string(v, "`image`"),
            "labels" => w.labels = labels(l, v, "`labels`"),
            "annotations" => w.annotations = labels(l, v, "`annotations`"),
            "container_name" => {
                w.container_name = l
                    .string(v, "`container_name`")
                    .map(|c| (c, Origin::from(v.span)))
            }
            "hostname" => w.hostname = l.string(v, "`hostname`"),
            "scale" => {
                w.replicas = replicas(l, v);
                w.replicas_origin = Some(Origin::from(v.span));
            }
            "deploy" => {
                if let Some(r) = v.get("replicas") {
                    w.replicas = replicas(l, r);
                    w.replicas_origin = Some(Origin::from(r.span));
                }
            }
            "volumes" => {
                w.named_volumes = named_volumes(l, v);
                w.volume_mounts = volume_mounts(l, v);
            }
            "environment" => {
                let entries = l.map(v, "`environment`").unwrap_or_default();
                // A list may set one name twice; compose keeps the last.
                let last: std::collections::HashMap<&str, usize> = entries
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| Some((e.key.as_str()?, i)))
                    .collect();
                for (i, env) in entries.iter().enumerate() {
                    let (Some(k), Some(val)) = (env.key.as_str(), env.value.as_str()) else {
                        continue;
                    };
                    if let Some(later) = last.get(k).filter(|&&j| j != i).map(|&j| &entries[j]) {
                        l.diags.push(
                            Diagnostic::new(
                                &diag::DUPLICATE_ENV_VAR,
                                env.key.span,
                                format!(
                                    "`{k}` is set again below; the last value wins, as in Compose"
                                ),
                            )
                            .with_related(later.key.span, "this value is used"),
                        );
                        continue;
                    }
                    w.env.push(EnvVar {
                        name: k.into(),
                        value: val.into(),
                        origin: Origin::from(env.value.span),
                    });
                }
            }
            "x-topoc" => extension(l, v, &mut w),
            key => {
                if !SERVICE_KEYS.contains(&key) {
                    l.unknown_key(&f.key, SERVICE_KEYS, &format!("service `{name}`"));
                    l.extension_root(&f.key, &format!("service `{name}`"));
                }
            }
        }
    }
    w.containers.push(Container {
        name: name.to_string(),
        image,
        origin: w.origin,
    });
    l.topo.workloads.push(w);
    WorkloadId(l.topo.workloads.len() as u32 - 1)
}

fn replicas(l: &mut Lowering, v: &Node) -> u32 {
    match v.as_int() {
        Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => n as u32,
        _ => {
            l.error(
                &diag::INVALID_VALUE,
                v,
                format!(
                    "replicas must be a non-negative integer, found {}",
                    v.describe()
                ),
            );
            1
        }
    }
}

/// Volumes whose source is a top-level named volume (`data:/var/lib/x`).
fn named_volumes(l: &mut Lowering, v: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for item in v.as_seq().unwrap_or_default() {
        let source = match &item.value {
            Value::Scalar(s) => s
                .text
                .split(':')
                .next()
                .map(String::from)
                .filter(|_| s.text.contains(':')),
            Value::Map(_) => item.get("source").and_then(Node::as_str).map(String::from),
            _ => None,
        };
        if let Some(s) = source
            && l.volumes.contains(&s)
            && !out.contains(&s)
        {
            out.push(s);
        }
    }
    out
}

/// Every `volumes` entry: short `[SOURCE:]TARGET[:MODE]` or long syntax.
fn volume_mounts(l: &Lowering, v: &Node) -> Vec<VolumeMount> {
    let mut out = Vec::new();
    for item in v.as_seq().unwrap_or_default() {
        let (source, target) = match &item.value {
            Value::Scalar(s) => {
                let parts: Vec<&str> = s.text.split(':').collect();
                match parts.as_slice() {
                    [target] => (None, target.to_string()),
                    [source, target, ..] => (Some(source.to_string()), target.to_string()),
                    [] => continue,
                }
            }
            Value::Map(_) => match item.get("target").and_then(Node::as_str) {
                Some(t) => (
                    item.get("source").and_then(Node::as_str).map(String::from),
                    t.to_string(),
                ),
                None => continue,
            },
            _ => continue,
        };
        let named = source.as_ref().is_some_and(|s| l.volumes.contains(s));
        out.push(VolumeMount {
            source,
            target,
            named,
            origin: Origin::from(item.span),
        });
    }
    out
}

/// Service-level `x-topoc`: `talks-to` is read with the other intents.
fn extension(l: &mut Lowering, v: &Node, w: &mut Workload) {
    for f in l.map(v, "`x-topoc`").unwrap_or_default() {
        match f.key.as_str().unwrap_or_default() {
            "exposure" => match f.value.as_str() {
                Some("internal") => w.exposure = Some(Exposure::Internal),
                Some("public") => w.exposure = Some(Exposure::Public),
                _ => l.error(
                    &diag::INVALID_VALUE,
                    &f.value,
                    "`x-topoc.exposure` must be `internal` or `public`",
                ),
            },
            "ignore" => {
                for r in l.seq(&f.value, "`x-topoc.ignore`").unwrap_or_default() {
                    if let Some(s) = r.as_str() {
                        w.ignores.push((s.to_string(), Origin::from(r.span)));
                    }
                }
            }
            "talks-to" => {}
            // Read by the k8s emitter; kept as an annotation so the IR has
            // no compose-only field for it.
            "service-type" => match f.value.as_str() {
                Some(t @ ("NodePort" | "LoadBalancer")) => {
                    w.annotations
                        .insert("topoc.dev/service-type".into(), t.into());
                }
                _ => l.error(
                    &diag::INVALID_VALUE,
                    &f.value,
                    "`x-topoc.service-type` must be `NodePort` or `LoadBalancer`",
                ),
            },
            _ => l.unknown_key(
                &f.key,
                &["talks-to", "exposure", "ignore", "service-type"],
                "`x-topoc`",
            ),
        }
    }
}

fn networking(l: &mut Lowering, id: WorkloadId, node: &Node) {
    let origin = l.topo.workload(id).origin;
    let mut mode = NetworkMode::Bridge;
    let mut mode_origin = None;
    if let Some(nm) = node.get("network_mode")
        && let Some(text) = l.string(nm, "`network_mode`")
    {
        mode_origin = Some(Origin::from(nm.span));
        mode = match text.as_str() {
            // An empty mode is the engine's default: its default bridge.
            "bridge" | "default" | "" => NetworkMode::DefaultBridge,
            "host" => NetworkMode::Host,
            "none" => NetworkMode::None,
            t if t.starts_with("service:") => {
                NetworkMode::Service(t["service:".len()..].to_string())
            }
            t if t.starts_with("container:") => {
                NetworkMode::Container(t["container:".len()..].to_string())
            }
            // Docker also accepts a network name here: compose keeps it as is
            // and the engine joins the network of exactly that name.
            t => {
                let project_network = l.networks.contains_key(t).then(|| {
                    format!(
                        "; this project's network `{t}` is `{}_{t}` to the engine",
                        l.project_name
                    )
                });
                l.diags.push(
                    Diagnostic::new(
                        &diag::NETWORK_MODE_NETWORK,
                        nm.span,
                        format!(
                            "`network_mode: {t}` joins the existing engine network named `{t}`{}",
                            project_network.unwrap_or_default()
                        ),
                    )
                    .with_help(
                        "to join a network of the project, list it under `networks:` instead",
                    )
                    .with_resource(format!(
                        "{}/{}",
                        l.project_name,
                        l.topo.workload(id).name
                    )),
                );
                NetworkMode::Network(t.to_string())
            }
        };
    }
    let networks = node.entry("networks");
    if let Some(e) = networks {
        l.topo.workloads[id.index()].networks_key = Some(Origin::from(e.key.span));
    }
    if mode == NetworkMode::DefaultBridge {
        let net = default_bridge(l, mode_origin.unwrap_or(origin));
        l.topo.workloads[id.index()]
            .attachments
            .push(attachment(net, mode_origin.unwrap_or(origin)));
    }
    let has_mode = mode_origin.is_some();
    match networks {
        Some(e) if !has_mode => attach_networks(l, id, &e.value),
        None if !has_mode => {
            let net = implicit_default(l, origin);
            l.topo.workloads[id.index()]
                .attachments
                .push(attachment(net, origin));
        }
        _ => {}
    }
    let w = &mut l.topo.workloads[id.index()];
    w.network_mode = mode;
    w.network_mode_origin = mode_origin;
}

fn attachment(network: NetworkId, origin: Origin) -> Attachment {
    Attachment {
        network,
        address: None,
        address_declared: false,
        ipv6_address: None,
        aliases: Vec::new(),
        priority: 0,
        origin,
        address_origin: None,
    }
}

fn attach_networks(l: &mut Lowering, id: WorkloadId, v: &Node) {
    if v.is_null() {
        // compose-go's schema: "services.a.networks must be a array".
        l.error(
            &diag::INVALID_VALUE,
            v,
            "`networks` must be a list or a mapping, found null",
        );
        return;
    }
    let Some(entries) = l.map(v, "`networks`") else {
        return;
    };
    if entries.is_empty() {
        // `networks: []` / `{}` is no choice at all: the implicit default.
        let origin = Origin::from(v.span);
        let net = implicit_default(l, origin);
        l.topo.workloads[id.index()]
            .attachments
            .push(attachment(net, origin));
        return;
    }
    let mut list = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(name) = e.key.as_str() else { continue };
        if let Some(first) = entries[..i].iter().find(|f| f.key.as_str() == Some(name)) {
            l.diags.push(
                Diagnostic::new(
                    &diag::INVALID_VALUE,
                    e.key.span,
                    format!("network `{name}` is listed twice in `networks`"),
                )
                .with_related(first.key.span, "first listed here")
                .with_help("docker compose refuses duplicate entries (\"items at 0 and 1 are equal\"); list each network once"),
            );
            continue;
        }
        let net = match l.networks.get(name) {
            Some(&net) => Some(net),
            // The implicit default, with whatever aliases it is given.
            None if name == "default" => Some(implicit_default(l, Origin::from(e.key.span))),
            None => None,
        };
        let Some(net) = net else {
            l.topo.dangling.push(DanglingRef {
                kind: RefKind::Network,
                name: name.to_string(),
                from: Some(id),
                context: "networks",
                note: None,
                origin: Origin::from(e.key.span),
            });
            continue;
        };
        let mut a = attachment(net, Origin::from(e.key.span));
        for f in l
            .map(&e.value, &format!("network `{name}` of the service"))
            .unwrap_or_default()
        {
            let fv = &f.value;
            match f.key.as_str().unwrap_or_default() {
                "aliases" => {
                    for alias in l.seq(fv, "`aliases`").unwrap_or_default() {
                        if let Some(s) = l.string(alias, "an alias") {
                            a.aliases.push((s, Origin::from(alias.span)));
                        }
                    }
                }
                // An empty address (`${IP:-}`) is none, as for the engine.
                "ipv4_address" if fv.as_str() == Some("") => {}
                "ipv6_address" if fv.as_str() == Some("") => {}
                "ipv4_address" => {
                    let text = fv.as_str().unwrap_or_default();
                    match text.parse::<Ipv4Addr>() {
                        Ok(addr) => {
                            a.address = Some(addr);
                            a.address_declared = true;
                            a.address_origin = Some(Origin::from(fv.span));
                        }
                        Err(_) => l.error(
                            &diag::INVALID_ADDRESS,
                            fv,
                            format!("`{text}` is not a valid IPv4 address ({ENGINE_REFUSES})"),
                        ),
                    }
                }
                "ipv6_address" => {
                    let text = fv.as_str().unwrap_or_default();
                    match text.parse::<IpAddr>() {
                        Ok(addr @ IpAddr::V6(_)) => a.ipv6_address = Some(addr),
                        _ => l.error(
                            &diag::INVALID_ADDRESS,
                            fv,
                            format!("`{text}` is not a valid IPv6 address ({ENGINE_REFUSES})"),
                        ),
                    }
                }
                "priority" => a.priority = fv.as_int().unwrap_or(0),
                _ => l.unknown_key(
                    &f.key,
                    SERVICE_NETWORK_KEYS,
                    &format!("network `{name}` of the service"),
                ),
            }
        }
        list.push(a);
    }
    // Docker connects networks by descending priority; ties keep file order.
    list.sort_by_key(|a| std::cmp::Reverse(a.priority));
    l.topo.workloads[id.index()].attachments.extend(list);
}

/// compose-spec `services` keys: `^[a-zA-Z0-9._-]+$` (compose-go refuses the rest).
fn is_service_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}
