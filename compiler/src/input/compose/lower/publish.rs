//! `ports` and `expose` of a service → container ports and publications.
//! compose-go keeps ports unique by host_ip:published:target/protocol.

use super::{ENGINE_REFUSES, Lowering};
use crate::diagnostic as diag;
use crate::input::compose::ports::{self, LongPort, PortSpec};
use crate::ir::*;
use crate::syntax::{Node, Value};
use std::net::{IpAddr, Ipv4Addr};

pub fn ports_and_expose(l: &mut Lowering, id: WorkloadId, node: &Node) {
    let mut container_ports: Vec<ContainerPort> = Vec::new();
    let mut add_port = |port: u16, protocol: Protocol, name: Option<String>, origin: Origin| {
        if !container_ports
            .iter()
            .any(|p| p.port == port && p.protocol == protocol)
        {
            container_ports.push(ContainerPort {
                container: None,
                port,
                protocol,
                name,
                origin,
            });
        }
    };
    let publishes = matches!(
        l.topo.workload(id).network_mode,
        NetworkMode::Bridge | NetworkMode::DefaultBridge | NetworkMode::Network(_)
    );
    if let Some(e) = node.entry("ports") {
        l.topo.workloads[id.index()].ports_key = Some(Origin::from(e.key.span));
        let mut seen: Vec<(Option<String>, Option<PortRange>, u16, Protocol)> = Vec::new();
        for item in l.seq(&e.value, "`ports`").unwrap_or_default() {
            for spec in parse_port_entry(l, item) {
                let Some(protocol) = Protocol::parse(&spec.protocol) else {
                    continue;
                };
                let origin = Origin::from(item.span);
                add_port(spec.target, protocol, spec.name.clone(), origin);
                let published = spec.published.as_ref().map(|r| PortRange {
                    start: r.start,
                    end: r.end,
                });
                let key = (spec.host_ip.clone(), published, spec.target, protocol);
                // compose-go keeps ports unique by host_ip:published:target/protocol.
                if seen.contains(&key) || !publishes {
                    continue;
                }
                seen.push(key);
                let (host_ip, declared) =
                    match spec.host_ip.as_deref().map(|s| s.trim_matches(['[', ']'])) {
                        Some(ip) => match ip.parse::<IpAddr>() {
                            Ok(a) => (a, true),
                            Err(_) => {
                                l.error(
                                    &diag::INVALID_PORT,
                                    item,
                                    format!("`{ip}` is not a valid host IP"),
                                );
                                continue;
                            }
                        },
                        None => (IpAddr::V4(Ipv4Addr::UNSPECIFIED), false),
                    };
                l.topo.publications.push(Publication {
                    workload: id,
                    host_ip,
                    host_ip_declared: declared,
                    host_ports: published,
                    port: spec.target,
                    protocol,
                    name: spec.name,
                    origin,
                });
            }
        }
    }
    if let Some(expose) = node.get("expose") {
        for item in l.seq(expose, "`expose`").unwrap_or_default() {
            let Some(text) = item.as_str() else { continue };
            match ports::parse_expose(text) {
                Ok((range, proto)) => {
                    let protocol = Protocol::parse(&proto).unwrap_or(Protocol::Tcp);
                    for p in range.start..=range.end {
                        add_port(p, protocol, None, Origin::from(item.span));
                    }
                }
                // compose-go keeps `expose` entries as strings.
                Err(e) => l.error(
                    &diag::INVALID_PORT,
                    item,
                    format!("invalid `expose` entry `{text}`: {e} ({ENGINE_REFUSES})"),
                ),
            }
        }
    }
    l.topo.workloads[id.index()].ports = container_ports;
}

/// The text compose-go sees for a scalar: a plain YAML number as go-yaml
/// resolves it (`- 0x50` is the port 80), else the text itself.
fn go_yaml_text(node: &Node) -> Result<Option<String>, String> {
    match &node.value {
        Value::Scalar(s) if s.plain && node.tag.is_none() => match ports::go_yaml_number(&s.text) {
            ports::YamlNumber::Int(n) => Ok(Some(n.to_string())),
            ports::YamlNumber::Float => Err(format!(
                "`{}` is a floating-point number to YAML (go-yaml), not a port",
                s.text
            )),
            ports::YamlNumber::NotANumber => Ok(Some(s.text.to_string())),
        },
        _ => Ok(node.as_str().map(String::from)),
    }
}

/// One `ports` entry (short string/number or long mapping) → canonical specs.
fn parse_port_entry(l: &mut Lowering, item: &Node) -> Vec<PortSpec> {
    let text = match go_yaml_text(item) {
        Ok(t) => t,
        Err(e) => {
            l.error(
                &diag::INVALID_PORT,
                item,
                format!("invalid port mapping: {e}"),
            );
            return Vec::new();
        }
    };
    match &item.value {
        Value::Scalar(s) => match ports::parse_short(text.as_deref().unwrap_or(&s.text)) {
            Ok(specs) => specs,
            Err(e) => {
                l.error(
                    &diag::INVALID_PORT,
                    item,
                    format!("invalid port mapping `{}`: {e}", s.text),
                );
                Vec::new()
            }
        },
        Value::Map(fields) => {
            let mut long = LongPort {
                target: None,
                published: None,
                host_ip: None,
                protocol: None,
                mode: None,
                name: None,
                app_protocol: None,
            };
            for f in fields {
                let text = match f.key.as_str() {
                    Some("target" | "published") => go_yaml_text(&f.value).unwrap_or(None),
                    _ => f.value.as_str().map(String::from),
                };
                match f.key.as_str().unwrap_or_default() {
                    "target" => long.target = text,
                    "published" => long.published = text,
                    "host_ip" => long.host_ip = text,
                    "protocol" => long.protocol = text,
                    "mode" => long.mode = text,
                    "name" => long.name = text,
                    "app_protocol" => long.app_protocol = text,
                    _ => l.unknown_key(
                        &f.key,
                        &[
                            "target",
                            "published",
                            "host_ip",
                            "protocol",
                            "mode",
                            "name",
                            "app_protocol",
                        ],
                        "a port mapping",
                    ),
                }
            }
            match ports::canonical_long(&long) {
                Ok(spec) => vec![spec],
                Err(e) => {
                    // compose-go validates only `host_ip` of the long syntax
                    // and a present `target`; the rest reaches the engine.
                    let compose_refuses =
                        e.starts_with("invalid ip address") || long.target.is_none();
                    let note = if compose_refuses {
                        String::new()
                    } else {
                        format!(" ({ENGINE_REFUSES})")
                    };
                    l.error(
                        &diag::INVALID_PORT,
                        item,
                        format!("invalid port mapping: {e}{note}"),
                    );
                    Vec::new()
                }
            }
        }
        _ => {
            l.error(
                &diag::INVALID_PORT,
                item,
                format!(
                    "a port mapping must be a string, a number or a mapping, found {}",
                    item.describe()
                ),
            );
            Vec::new()
        }
    }
}
