//! The part of `topoc ir --format json` (design §5) that the dataplane needs:
//! networks with subnets and gateways, workloads with their addresses and
//! ports, and publications. Read from JSON text so the harness depends only on
//! the documented dump format, never on the crate's internal types.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde_json::Value;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Proto {
    Tcp,
    Udp,
    Sctp,
}

impl Proto {
    pub fn parse(s: &str) -> Option<Proto> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Some(Proto::Tcp),
            "udp" => Some(Proto::Udp),
            "sctp" => Some(Proto::Sctp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Sctp => "sctp",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Network {
    pub id: String,
    pub subnet: Ipv4Net,
    pub gateway: Ipv4Addr,
    pub internal: bool,
}

#[derive(Clone, Debug)]
pub struct Attachment {
    /// Index into `Topology::networks`.
    pub network: usize,
    pub address: Ipv4Addr,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub id: String,
    pub network_mode: String,
    pub attachments: Vec<Attachment>,
    pub ports: Vec<(u16, Proto)>,
}

#[derive(Clone, Debug)]
pub struct Publication {
    pub workload: String,
    pub host_ip: String,
    pub host_port_start: u16,
    pub host_port_end: u16,
    pub port: u16,
    pub protocol: Proto,
}

#[derive(Clone, Debug, Default)]
pub struct Topology {
    pub networks: Vec<Network>,
    pub workloads: Vec<Workload>,
    pub publications: Vec<Publication>,
    /// Things the dataplane cannot reproduce (IPv6-only networks, host mode…);
    /// printed so a reader knows what was not probed.
    pub notes: Vec<String>,
}

impl Topology {
    /// Docker gives a container its default route through the first network
    /// that is not internal; internal-only containers have none.
    pub fn default_gateway(&self, w: &Workload) -> Option<Ipv4Addr> {
        w.attachments
            .iter()
            .map(|a| &self.networks[a.network])
            .find(|n| !n.internal)
            .map(|n| n.gateway)
    }
}

fn str_field<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("IR: {what} has no string `{key}`"))
}

fn u16_field(v: &Value, key: &str, what: &str) -> Result<u16, String> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| format!("IR: {what} has no port number `{key}`"))
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Parses the IR dump. Unknown fields are ignored; missing required fields are
/// an error naming the element, never a panic.
pub fn from_ir_json(text: &str) -> Result<Topology, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("IR is not JSON: {e}"))?;
    let mut topo = Topology::default();
    for n in array(&root, "networks") {
        let id = str_field(n, "id", "network")?.to_string();
        let subnet = n
            .get("subnet")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Ipv4Net>().ok());
        let gateway = n
            .get("gateway")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Ipv4Addr>().ok());
        match (subnet, gateway) {
            (Some(subnet), Some(gateway)) => topo.networks.push(Network {
                id,
                subnet,
                gateway,
                internal: n.get("internal").and_then(Value::as_bool).unwrap_or(false),
            }),
            // External or IPv6-only networks have no bridge we can build.
            _ => topo
                .notes
                .push(format!("network {id}: no IPv4 subnet/gateway, not built")),
        }
    }
    for w in array(&root, "workloads") {
        let id = str_field(w, "id", "workload")?.to_string();
        let network_mode = w
            .get("network_mode")
            .and_then(Value::as_str)
            .unwrap_or("bridge")
            .to_string();
        let mut attachments = Vec::new();
        for a in array(w, "attachments") {
            let net = str_field(a, "network", &format!("attachment of {id}"))?;
            let Some(network) = topo.networks.iter().position(|n| n.id == net) else {
                continue; // network not built (see notes)
            };
            match a
                .get("address")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<Ipv4Addr>().ok())
            {
                Some(address) => attachments.push(Attachment { network, address }),
                None => topo.notes.push(format!("{id} on {net}: no IPv4 address")),
            }
        }
        let mut ports = Vec::new();
        for p in array(w, "ports") {
            let port = u16_field(p, "port", &format!("port of {id}"))?;
            let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("tcp");
            let proto = Proto::parse(proto)
                .ok_or_else(|| format!("IR: {id} port {port}: bad protocol {proto}"))?;
            if !ports.contains(&(port, proto)) {
                ports.push((port, proto));
            }
        }
        topo.workloads.push(Workload {
            id,
            network_mode,
            attachments,
            ports,
        });
    }
    for p in array(&root, "publications") {
        let workload = str_field(p, "workload", "publication")?.to_string();
        let what = format!("publication of {workload}");
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("tcp");
        topo.publications.push(Publication {
            host_ip: p
                .get("host_ip")
                .and_then(Value::as_str)
                .unwrap_or("0.0.0.0")
                .to_string(),
            host_port_start: u16_field(p, "host_port_start", &what)?,
            host_port_end: u16_field(p, "host_port_end", &what)?,
            port: u16_field(p, "port", &what)?,
            protocol: Proto::parse(proto)
                .ok_or_else(|| format!("IR: {what}: bad protocol {proto}"))?,
            workload,
        });
    }
    Ok(topo)
}
