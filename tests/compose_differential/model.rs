//! The network model both tools are compared on, and how each tool's output
//! is read into it: `docker compose config --format json` on one side,
//! `topoc ir --format json` on the other.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// (host ip or "" when none is written, published port or range or "" when
/// the engine picks one, container port, protocol).
pub type Port = (String, String, u64, String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub aliases: BTreeSet<String>,
    /// Static addresses only (topoc allocates one for every attachment).
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// None when attached through `networks` (compose's default).
    pub network_mode: Option<String>,
    pub networks: BTreeMap<String, Attachment>,
    pub ports: BTreeSet<Port>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub name: String,
    pub internal: bool,
    pub external: bool,
    /// Not compared for external networks (compose refuses creation
    /// attributes on them).
    pub driver: String,
    pub subnets: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub name: String,
    pub services: BTreeMap<String, Service>,
    /// Networks some service uses (`docker compose config` drops the others).
    pub networks: BTreeMap<String, Network>,
}

/// What one tool made of a case: a model, or a refusal with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Loaded(Project),
    Refused(String),
}

impl Outcome {
    pub fn short(&self) -> String {
        match self {
            Outcome::Loaded(p) => format!("{p:?}"),
            Outcome::Refused(m) => format!("refused: {}", m.lines().next().unwrap_or("")),
        }
    }
}

/// Where two outcomes differ, in words (None when they agree).
pub fn difference(oracle: &Outcome, topoc: &Outcome) -> Option<String> {
    match (oracle, topoc) {
        (Outcome::Refused(_), Outcome::Refused(_)) => None,
        (Outcome::Refused(m), Outcome::Loaded(_)) => Some(format!(
            "docker compose refuses ({}), topoc loads",
            first_line(m)
        )),
        (Outcome::Loaded(_), Outcome::Refused(m)) => Some(format!(
            "docker compose loads, topoc refuses ({})",
            first_line(m)
        )),
        (Outcome::Loaded(a), Outcome::Loaded(b)) => {
            let mut out = Vec::new();
            if a.name != b.name {
                out.push(format!("project name {:?} vs {:?}", a.name, b.name));
            }
            let names = |m: &BTreeMap<String, Service>| m.keys().cloned().collect::<Vec<_>>();
            if names(&a.services) != names(&b.services) {
                out.push(format!(
                    "services {:?} vs {:?}",
                    names(&a.services),
                    names(&b.services)
                ));
            }
            for (k, sa) in &a.services {
                if let Some(sb) = b.services.get(k)
                    && sa != sb
                {
                    out.push(format!("service {k}: {sa:?} vs {sb:?}"));
                }
            }
            if a.networks != b.networks {
                out.push(format!("networks {:?} vs {:?}", a.networks, b.networks));
            }
            (!out.is_empty()).then(|| out.join("; "))
        }
    }
}

fn first_line(m: &str) -> &str {
    m.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("time="))
        .unwrap_or("")
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Addresses and subnets in one spelling (`fd00:0::/64` is `fd00::/64`).
fn canon(s: String) -> String {
    if let Ok(n) = s.parse::<ipnet::IpNet>() {
        return n.to_string();
    }
    if let Ok(a) = s.parse::<std::net::IpAddr>() {
        return a.to_string();
    }
    s
}

/// A subnet as the engine uses it: host bits cleared (`172.28.0.1/16` is
/// `172.28.0.0/16`).
fn canon_subnet(s: String) -> String {
    s.parse::<ipnet::IpNet>()
        .map(|n| n.trunc().to_string())
        .unwrap_or(s)
}

fn truthy(v: &Value) -> bool {
    v.as_bool().unwrap_or(false)
}

/// `docker compose config --format json`.
pub fn from_compose(json: &Value) -> Project {
    let mut services = BTreeMap::new();
    let empty = serde_json::Map::new();
    for (name, s) in json["services"].as_object().unwrap_or(&empty) {
        let mut networks = BTreeMap::new();
        for (key, a) in s["networks"].as_object().unwrap_or(&empty) {
            networks.insert(
                key.clone(),
                Attachment {
                    aliases: a["aliases"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(str_of)
                        .collect(),
                    ipv4: str_of(&a["ipv4_address"]).map(canon),
                    ipv6: str_of(&a["ipv6_address"]).map(canon),
                },
            );
        }
        let ports = s["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    canon(str_of(&p["host_ip"]).unwrap_or_default()),
                    str_of(&p["published"]).unwrap_or_default(),
                    p["target"].as_u64().unwrap_or(0),
                    str_of(&p["protocol"])
                        .unwrap_or_else(|| "tcp".into())
                        .to_ascii_lowercase(),
                )
            })
            .collect();
        // `default` is the engine's name for its default bridge, and a
        // service with no mode and no networks (`network_mode: ""`) lands on
        // it too.
        let network_mode = match str_of(&s["network_mode"]) {
            Some(m) if m == "default" || m.is_empty() => Some("bridge".to_string()),
            None if networks.is_empty() => Some("bridge".to_string()),
            other => other,
        };
        // The engine discards published ports in host mode.
        let ports = if network_mode.as_deref() == Some("host") {
            BTreeSet::new()
        } else {
            ports
        };
        services.insert(
            name.clone(),
            Service {
                network_mode,
                networks,
                ports,
            },
        );
    }
    let mut networks = BTreeMap::new();
    for (key, n) in json["networks"].as_object().unwrap_or(&empty) {
        let external = truthy(&n["external"]);
        networks.insert(
            key.clone(),
            Network {
                name: str_of(&n["name"]).unwrap_or_default(),
                internal: truthy(&n["internal"]),
                external,
                driver: if external {
                    String::new()
                } else {
                    str_of(&n["driver"]).unwrap_or_else(|| "bridge".into())
                },
                subnets: if external {
                    BTreeSet::new()
                } else {
                    n["ipam"]["config"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|c| str_of(&c["subnet"]).map(canon_subnet))
                        .collect()
                },
            },
        );
    }
    Project {
        name: str_of(&json["name"]).unwrap_or_default(),
        services,
        networks,
    }
}

/// `topoc ir --format json`: the project `pick` selects (by the file that
/// declares it), with the services and networks of its namespace.
pub fn from_topoc(json: &Value, pick: &dyn Fn(&str) -> bool) -> Option<Project> {
    let projects = json["projects"].as_array()?;
    let project = projects
        .iter()
        .find(|p| p["origin"]["file"].as_str().is_some_and(pick))
        .or_else(|| (projects.len() == 1).then(|| &projects[0]))?;
    let ns = project["namespace"].as_str()?;
    let mut services = BTreeMap::new();
    let mut used = BTreeSet::new();
    let workloads = json["workloads"].as_array()?;
    for w in workloads
        .iter()
        .filter(|w| w["namespace"] == ns && w["kind"] == "ComposeService")
    {
        let name = w["name"].as_str()?.to_string();
        let mode = w["network_mode"].as_str().unwrap_or("bridge");
        let network_mode = match mode {
            "bridge" => None,
            "default-bridge" => Some("bridge".to_string()),
            other => Some(other.to_string()),
        };
        let mut networks = BTreeMap::new();
        // Docker's default bridge (`network_mode: bridge`) is no network of
        // the project.
        let attachments = if mode == "default-bridge" {
            &[][..]
        } else {
            w["attachments"].as_array().map_or(&[][..], Vec::as_slice)
        };
        for a in attachments {
            let id = a["network"].as_str()?;
            used.insert(id.to_string());
            let key = id.rsplit('/').next()?.to_string();
            networks.insert(
                key,
                Attachment {
                    aliases: a["aliases"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(str_of)
                        .collect(),
                    ipv4: if truthy(&a["address_declared"]) {
                        str_of(&a["address"])
                    } else {
                        None
                    },
                    ipv6: str_of(&a["ipv6_address"]).map(canon),
                },
            );
        }
        let id = w["id"].as_str()?;
        let ports = json["publications"]
            .as_array()?
            .iter()
            .filter(|p| p["workload"] == id)
            .map(|p| {
                let families: Vec<&str> = p["families"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let host_ip = if families.len() == 2 {
                    String::new()
                } else {
                    canon(str_of(&p["host_ip"]).unwrap_or_default())
                };
                let published = match (p["host_port_start"].as_u64(), p["host_port_end"].as_u64()) {
                    (Some(a), Some(b)) if a != b => format!("{a}-{b}"),
                    (Some(a), _) => a.to_string(),
                    _ => String::new(),
                };
                (
                    host_ip,
                    published,
                    p["port"].as_u64().unwrap_or(0),
                    str_of(&p["protocol"]).unwrap_or_default(),
                )
            })
            .collect();
        services.insert(
            name,
            Service {
                network_mode,
                networks,
                ports,
            },
        );
    }
    let mut networks = BTreeMap::new();
    for n in json["networks"].as_array()? {
        if n["namespace"] != ns || !used.contains(n["id"].as_str()?) {
            continue;
        }
        let external = truthy(&n["external"]);
        let mut subnets = BTreeSet::new();
        if !external {
            if truthy(&n["subnet_declared"])
                && let Some(s) = str_of(&n["subnet"])
            {
                subnets.insert(canon_subnet(s));
            }
            subnets.extend(
                n["more_subnets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(str_of)
                    .map(canon_subnet),
            );
        }
        networks.insert(
            n["name"].as_str()?.to_string(),
            Network {
                name: str_of(&n["engine_name"]).unwrap_or_default(),
                internal: truthy(&n["internal"]),
                external,
                driver: if external {
                    String::new()
                } else {
                    str_of(&n["driver"]).unwrap_or_default()
                },
                subnets,
            },
        );
    }
    Some(Project {
        name: project["name"].as_str()?.to_string(),
        services,
        networks,
    })
}
