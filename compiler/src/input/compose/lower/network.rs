//! Top-level `networks` entries, and the networks Compose adds on its own
//! (the implicit `default`, Docker's default bridge).

use super::{ENGINE_REFUSES, Lowering};
use crate::diagnostic as diag;
use crate::ir::{Network, NetworkId, Origin};
use crate::syntax::{Entry, Node};
use ipnet::{IpNet, Ipv4Net};
use std::net::{IpAddr, Ipv4Addr};

const NETWORK_KEYS: [&str; 10] = [
    "driver",
    "driver_opts",
    "ipam",
    "external",
    "internal",
    "attachable",
    "enable_ipv4",
    "enable_ipv6",
    "labels",
    "name",
];
const IPAM_KEYS: [&str; 3] = ["driver", "config", "options"];
const IPAM_CONFIG_KEYS: [&str; 4] = ["subnet", "gateway", "ip_range", "aux_addresses"];

fn blank(l: &Lowering, name: &str, origin: Origin) -> Network {
    Network {
        name: name.to_string(),
        namespace: l.namespace,
        project: Some(l.project),
        engine_name: format!("{}_{}", l.project_name, name),
        driver: "bridge".into(),
        internal: false,
        external: false,
        enable_ipv6: false,
        subnet: None,
        gateway: None,
        ip_range: None,
        more_subnets: Vec::new(),
        subnet_declared: false,
        subnet_origin: None,
        implicit: false,
        default_bridge: false,
        origin,
    }
}

fn push(l: &mut Lowering, name: &str, net: Network) -> NetworkId {
    l.topo.networks.push(net);
    let id = NetworkId(l.topo.networks.len() as u32 - 1);
    l.networks.insert(name.to_string(), id);
    id
}

/// The implicit `default` network of services that name none.
pub fn implicit_default(l: &mut Lowering, origin: Origin) -> NetworkId {
    if let Some(id) = l.networks.get("default") {
        return *id;
    }
    let mut net = blank(l, "default", origin);
    net.implicit = true;
    push(l, "default", net)
}

/// Docker's default bridge, for `network_mode: bridge`: shared by address,
/// without name resolution. Modelled with docker0's usual subnet.
pub fn default_bridge(l: &mut Lowering, origin: Origin) -> NetworkId {
    if let Some(id) = l.networks.get(" bridge") {
        return *id;
    }
    let mut net = blank(l, "bridge", origin);
    net.engine_name = "bridge".into();
    net.implicit = true;
    net.default_bridge = true;
    net.subnet = Some(Ipv4Net::new(Ipv4Addr::new(172, 17, 0, 0), 16).expect("valid prefix"));
    net.gateway = Some(Ipv4Addr::new(172, 17, 0, 1));
    // A key no user network can have, so `networks: [bridge]` stays distinct.
    push(l, " bridge", net)
}

pub fn lower_network(l: &mut Lowering, e: &Entry) {
    let Some(name) = e.key.as_str() else { return };
    let mut net = blank(l, name, Origin::from(e.key.span));
    let Some(fields) = l.map(&e.value, &format!("network `{name}`")) else {
        push(l, name, net);
        return;
    };
    let mut explicit_name = None;
    for f in fields {
        let v = &f.value;
        match f.key.as_str().unwrap_or_default() {
            "driver" => {
                if let Some(d) = l.string(v, "`driver`") {
                    net.driver = d;
                }
            }
            "internal" => net.internal = l.boolean(v, "`internal`").unwrap_or(false),
            "enable_ipv6" => net.enable_ipv6 = l.boolean(v, "`enable_ipv6`").unwrap_or(false),
            "external" => match (&v.value, v.get("name")) {
                (crate::syntax::Value::Map(_), name_node) => {
                    // Deprecated `external: {name: x}` form.
                    net.external = true;
                    if let Some(n) = name_node.and_then(Node::as_str) {
                        explicit_name = Some(n.to_string());
                    }
                }
                _ => net.external = l.boolean(v, "`external`").unwrap_or(false),
            },
            "name" => explicit_name = l.string(v, "`name`"),
            "ipam" => lower_ipam(l, v, &mut net),
            _ => l.unknown_key(&f.key, &NETWORK_KEYS, &format!("network `{name}`")),
        }
    }
    net.engine_name = match explicit_name {
        Some(n) => n,
        None if net.external => name.to_string(),
        None => format!("{}_{}", l.project_name, name),
    };
    push(l, name, net);
}

fn parse_net(l: &mut Lowering, node: &Node) -> Option<IpNet> {
    let text = node.as_str()?;
    match text.parse::<IpNet>() {
        Ok(n) => Some(n),
        Err(_) => {
            l.error(
                &diag::INVALID_ADDRESS,
                node,
                format!("`{text}` is not a valid CIDR subnet ({ENGINE_REFUSES})"),
            );
            None
        }
    }
}

fn parse_v4(l: &mut Lowering, node: &Node, what: &str) -> Option<Ipv4Addr> {
    let text = node.as_str()?;
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => Some(a),
        Ok(IpAddr::V6(_)) => None,
        Err(_) => {
            l.error(
                &diag::INVALID_ADDRESS,
                node,
                format!("{what} `{text}` is not a valid IP address ({ENGINE_REFUSES})"),
            );
            None
        }
    }
}

fn lower_ipam(l: &mut Lowering, ipam: &Node, net: &mut Network) {
    let Some(fields) = l.map(ipam, "`ipam`") else {
        return;
    };
    for f in fields {
        if f.key.as_str() != Some("config") {
            l.unknown_key(&f.key, &IPAM_KEYS, "`ipam`");
            continue;
        }
        let Some(configs) = l.seq(&f.value, "`ipam.config`") else {
            continue;
        };
        for c in configs {
            let Some(keys) = l.map(c, "an `ipam.config` entry") else {
                continue;
            };
            for k in keys {
                match k.key.as_str().unwrap_or_default() {
                    "subnet" => match parse_net(l, &k.value) {
                        Some(IpNet::V4(s)) if net.subnet.is_none() => {
                            net.subnet = Some(s.trunc());
                            net.subnet_declared = true;
                            net.subnet_origin = Some(Origin::from(k.value.span));
                        }
                        Some(other) => net
                            .more_subnets
                            .push((other.trunc(), Origin::from(k.value.span))),
                        None => {}
                    },
                    "gateway" => {
                        if let Some(g) = parse_v4(l, &k.value, "gateway") {
                            net.gateway = Some(g);
                        }
                    }
                    "ip_range" => {
                        if let Some(IpNet::V4(r)) = parse_net(l, &k.value) {
                            net.ip_range = Some(r);
                        }
                    }
                    _ => l.unknown_key(&k.key, &IPAM_CONFIG_KEYS, "an `ipam.config` entry"),
                }
            }
        }
    }
}
