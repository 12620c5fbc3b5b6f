//! From a topology to a concrete world: interface and namespace names,
//! addresses, listeners and the probe list. The `Plan` is what the world half
//! executes (serialized as JSON across the `unshare` boundary); the `ProbeKey`s
//! stay with the suite half, which judges each probe.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use crate::expect::{Endpoint, Expectation};
use crate::model::{Proto, Topology, Workload};

/// Probe timeout: a dropped probe costs all of it (design §9), so keep it short.
pub const PROBE_TIMEOUT_MS: u64 = 500;
/// Concurrent probe processes: enough to hide timeouts, few enough for 2 cores.
pub const PARALLEL: usize = 48;
/// Port the outside namespace listens on, for egress probes.
pub const EGRESS_PORT: u16 = 9;
/// Bounds that keep a big project from turning into an endless run.
const MAX_PORTS_PER_WORKLOAD: usize = 24;
const MAX_PROBES: usize = 8000;
const MAX_RANGE_PROBES: usize = 16;

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Bridge {
    pub name: String,
    /// Gateway address with prefix, e.g. `10.89.0.1/24`.
    pub gateway_cidr: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Link {
    /// veth end left in the world's root namespace.
    pub host_if: String,
    /// veth end inside the host's namespace.
    pub ifname: String,
    /// Bridge the root end is enslaved to; `None` for the outside link.
    pub bridge: Option<String>,
    pub cidr: String,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Listen {
    pub port: u16,
    pub proto: Proto,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Host {
    pub ns: String,
    pub links: Vec<Link>,
    pub default_via: Option<String>,
    pub listeners: Vec<Listen>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Probe {
    pub from_ns: String,
    pub addr: String,
    pub port: u16,
    pub proto: Proto,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Plan {
    pub ruleset: Option<String>,
    pub bridges: Vec<Bridge>,
    pub hosts: Vec<Host>,
    pub outside: Host,
    /// Addresses of the world's root on the outside link: the "host address"
    /// published ports are reached through, plus specific `host_ip`s.
    pub outside_host_addrs: Vec<String>,
    pub probes: Vec<Probe>,
    pub probe_timeout_ms: u64,
    pub parallel: usize,
}

/// What a probe means, kept by the suite half.
#[derive(Clone, Debug)]
pub enum Kind {
    /// Workload to workload (one of the destination's addresses).
    Pair,
    /// Outside namespace to a published host port; `loopback` ones must not
    /// answer from outside whatever connectivity says about the workload.
    Published {
        host: String,
        /// `8080` or `8000-8010`.
        host_ports: String,
        loopback: bool,
    },
    /// Workload to the outside namespace.
    Egress,
}

#[derive(Clone, Debug)]
pub struct ProbeKey {
    pub src: Endpoint,
    pub dst: Endpoint,
    pub port: u16,
    pub proto: Proto,
    pub kind: Kind,
    /// Addresses the packet may carry past DNAT, as a verdict-map key sees
    /// them: every address of the source, the probed (or DNAT target)
    /// addresses of the destination. Used to pick mutations a probe sees.
    pub src_addrs: Vec<Ipv4Addr>,
    pub dst_addrs: Vec<Ipv4Addr>,
}

impl ProbeKey {
    pub fn expected(&self, e: &Expectation) -> bool {
        match self.kind {
            Kind::Published { loopback: true, .. } => false,
            _ => e.allows(&self.src, &self.dst, self.port, self.proto),
        }
    }

    /// Probes with the same label are one matrix cell: the cell is reachable
    /// when any of its probes (one per destination address) answered.
    pub fn label(&self) -> String {
        let base = format!(
            "{} -> {} {}/{}",
            self.src,
            self.dst,
            self.port,
            self.proto.as_str()
        );
        match &self.kind {
            Kind::Published {
                host, host_ports, ..
            } => format!("{base} (published {host}:{host_ports})"),
            _ => base,
        }
    }
}

pub struct Built {
    pub plan: Plan,
    pub keys: Vec<ProbeKey>,
    pub notes: Vec<String>,
}

/// A /24 for the outside link that no managed network overlaps.
fn outside_net(topo: &Topology) -> Result<Ipv4Net, String> {
    [
        "203.0.113.0/24",
        "198.51.100.0/24",
        "192.0.2.0/24",
        "100.127.254.0/24",
    ]
    .iter()
    .filter_map(|s| s.parse::<Ipv4Net>().ok())
    .find(|c| {
        !topo
            .networks
            .iter()
            .any(|n| n.subnet.contains(&c.network()) || c.contains(&n.subnet.network()))
    })
    .ok_or_else(|| "no free subnet for the outside namespace".to_string())
}

fn addrs(w: &Workload) -> Vec<Ipv4Addr> {
    w.attachments.iter().map(|a| a.address).collect()
}

fn cidr(addr: Ipv4Addr, net: &Ipv4Net) -> String {
    format!("{addr}/{}", net.prefix_len())
}

/// Declared port numbers of a workload, probed on both TCP and UDP so the
/// ruleset's protocol precision is tested too (a TCP-only allow must leave
/// UDP on the same port closed).
fn listeners(ports: &[u16], notes: &mut Vec<String>, id: &str) -> Vec<Listen> {
    let mut nums: Vec<u16> = ports.to_vec();
    nums.sort_unstable();
    nums.dedup();
    if nums.len() > MAX_PORTS_PER_WORKLOAD {
        notes.push(format!(
            "{id}: {} ports, probing the first {MAX_PORTS_PER_WORKLOAD}",
            nums.len()
        ));
        nums.truncate(MAX_PORTS_PER_WORKLOAD);
    }
    nums.iter()
        .flat_map(|&port| {
            [
                Listen {
                    port,
                    proto: Proto::Tcp,
                },
                Listen {
                    port,
                    proto: Proto::Udp,
                },
            ]
        })
        .collect()
}

pub fn build(topo: &Topology, ruleset: Option<String>) -> Result<Built, String> {
    let mut notes = topo.notes.clone();
    let bridges: Vec<Bridge> = topo
        .networks
        .iter()
        .enumerate()
        .map(|(i, n)| Bridge {
            name: format!("tb{i}"),
            gateway_cidr: cidr(n.gateway, &n.subnet),
        })
        .collect();
    // Refuse what no kernel could build, with the IR's names, before `ip`
    // fails with a bare "invalid gateway".
    for (i, a) in topo.networks.iter().enumerate() {
        if let Some(b) = topo.networks[..i].iter().find(|b| {
            b.subnet.contains(&a.subnet.network()) || a.subnet.contains(&b.subnet.network())
        }) {
            return Err(format!(
                "networks {} and {} overlap ({} / {})",
                b.id, a.id, b.subnet, a.subnet
            ));
        }
    }
    for w in &topo.workloads {
        for a in &w.attachments {
            let n = &topo.networks[a.network];
            if !n.subnet.contains(&a.address) || a.address == n.gateway {
                return Err(format!(
                    "{}: address {} is not a host address of {} ({})",
                    w.id, a.address, n.id, n.subnet
                ));
            }
        }
    }
    let out_net = outside_net(topo)?;
    let mut out_hosts = out_net.hosts();
    let (Some(host_addr), Some(out_addr)) = (out_hosts.next(), out_hosts.next()) else {
        return Err("outside subnet too small".into());
    };

    // Workloads that get a namespace: bridge-mode ones and `none` (a source
    // that must reach nothing). host / service:X / container:X share another
    // namespace, which this world does not model.
    let mut hosts = Vec::new();
    let mut ids = Vec::new();
    for w in &topo.workloads {
        let mode = w.network_mode.as_str();
        if mode == "host" || mode.starts_with("service:") || mode.starts_with("container:") {
            notes.push(format!(
                "{}: network_mode {mode} not modelled, not probed",
                w.id
            ));
            continue;
        }
        let i = hosts.len();
        let mut ports: Vec<u16> = w.ports.iter().map(|&(p, _)| p).collect();
        ports.extend(
            topo.publications
                .iter()
                .filter(|p| p.workload == w.id)
                .map(|p| p.port),
        );
        let links = w
            .attachments
            .iter()
            .enumerate()
            .map(|(k, a)| Link {
                host_if: format!("tv{i}n{k}"),
                ifname: format!("eth{k}"),
                bridge: Some(bridges[a.network].name.clone()),
                cidr: cidr(a.address, &topo.networks[a.network].subnet),
            })
            .collect();
        hosts.push(Host {
            ns: format!("tw{i}"),
            links,
            default_via: topo.default_gateway(w).map(|g| g.to_string()),
            listeners: if w.attachments.is_empty() {
                Vec::new()
            } else {
                listeners(&ports, &mut notes, &w.id)
            },
        });
        ids.push(w);
    }
    let outside = Host {
        ns: "tout".into(),
        links: vec![Link {
            host_if: "tvout".into(),
            ifname: "eth0".into(),
            bridge: None,
            cidr: cidr(out_addr, &out_net),
        }],
        default_via: Some(host_addr.to_string()),
        listeners: vec![
            Listen {
                port: EGRESS_PORT,
                proto: Proto::Tcp,
            },
            Listen {
                port: EGRESS_PORT,
                proto: Proto::Udp,
            },
        ],
    };
    let mut outside_host_addrs = vec![cidr(host_addr, &out_net)];

    let mut probes = Vec::new();
    let mut keys = Vec::new();
    let mut push = |probe: Probe, key: ProbeKey| {
        probes.push(probe);
        keys.push(key);
    };
    for (si, src) in ids.iter().enumerate() {
        for (di, dst) in ids.iter().enumerate() {
            if si == di {
                continue;
            }
            for l in &hosts[di].listeners {
                for a in &dst.attachments {
                    push(
                        Probe {
                            from_ns: hosts[si].ns.clone(),
                            addr: a.address.to_string(),
                            port: l.port,
                            proto: l.proto,
                        },
                        ProbeKey {
                            src: Endpoint::Workload(src.id.clone()),
                            dst: Endpoint::Workload(dst.id.clone()),
                            port: l.port,
                            proto: l.proto,
                            kind: Kind::Pair,
                            src_addrs: addrs(src),
                            dst_addrs: vec![a.address],
                        },
                    );
                }
            }
        }
        for l in &outside.listeners {
            push(
                Probe {
                    from_ns: hosts[si].ns.clone(),
                    addr: out_addr.to_string(),
                    port: l.port,
                    proto: l.proto,
                },
                ProbeKey {
                    src: Endpoint::Workload(src.id.clone()),
                    dst: Endpoint::External(out_addr),
                    port: l.port,
                    proto: l.proto,
                    kind: Kind::Egress,
                    src_addrs: addrs(src),
                    dst_addrs: vec![out_addr],
                },
            );
        }
    }

    for p in &topo.publications {
        if !ids.iter().any(|w| w.id == p.workload) {
            continue;
        }
        // "8000-8010:80": Docker binds one port of the range, of its own
        // choice, so the cell is reachable when any port of it answers.
        let width = usize::from(p.host_port_end.saturating_sub(p.host_port_start)) + 1;
        if width > MAX_RANGE_PROBES {
            notes.push(format!(
                "{}: host ports {}-{}: probing the first {MAX_RANGE_PROBES}",
                p.workload, p.host_port_start, p.host_port_end
            ));
        }
        if p.protocol == Proto::Sctp {
            notes.push(format!("{}: SCTP publication not probed", p.workload));
            continue;
        }
        let Ok(ip) = p
            .host_ip
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
        else {
            notes.push(format!("{}: host_ip {} not probed", p.workload, p.host_ip));
            continue;
        };
        let std::net::IpAddr::V4(ip) = ip else {
            notes.push(format!(
                "{}: IPv6 publication {} not probed",
                p.workload, p.host_ip
            ));
            continue;
        };
        let loopback = ip.is_loopback();
        // A loopback-bound port shadowed by a reachable one on the same host port
        // would make the "must not answer" probe ambiguous.
        if loopback
            && topo.publications.iter().any(|q| {
                q.host_port_start <= p.host_port_end
                    && p.host_port_start <= q.host_port_end
                    && q.protocol == p.protocol
                    && q.host_ip != p.host_ip
            })
        {
            continue;
        }
        let target = if ip.is_unspecified() || loopback {
            host_addr
        } else {
            let c = format!("{ip}/32");
            if !outside_host_addrs.contains(&c) {
                outside_host_addrs.push(c);
            }
            ip
        };
        let target_addrs = ids
            .iter()
            .find(|w| w.id == p.workload)
            .map(|w| addrs(w))
            .unwrap_or_default();
        let host_ports = if p.host_port_start == p.host_port_end {
            p.host_port_start.to_string()
        } else {
            format!("{}-{}", p.host_port_start, p.host_port_end)
        };
        for host_port in (p.host_port_start..=p.host_port_end).take(MAX_RANGE_PROBES) {
            push(
                Probe {
                    from_ns: outside.ns.clone(),
                    addr: target.to_string(),
                    port: host_port,
                    proto: p.protocol,
                },
                ProbeKey {
                    src: Endpoint::External(out_addr),
                    dst: Endpoint::Workload(p.workload.clone()),
                    port: p.port,
                    proto: p.protocol,
                    kind: Kind::Published {
                        host: target.to_string(),
                        host_ports: host_ports.clone(),
                        loopback,
                    },
                    src_addrs: vec![out_addr],
                    dst_addrs: target_addrs.clone(),
                },
            );
        }
    }
    if probes.len() > MAX_PROBES {
        return Err(format!(
            "{} probes exceed the bound of {MAX_PROBES}",
            probes.len()
        ));
    }
    Ok(Built {
        plan: Plan {
            ruleset,
            bridges,
            hosts,
            outside,
            outside_host_addrs,
            probes,
            probe_timeout_ms: PROBE_TIMEOUT_MS,
            parallel: PARALLEL,
        },
        keys,
        notes,
    })
}
