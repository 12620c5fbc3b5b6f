//! What should be reachable: `topoc connectivity --format json` (design §6,
//! `[{"src","dst","conn"}]`) parsed into rows that answer "may SRC reach DST
//! on PORT/PROTO?".

use std::net::Ipv4Addr;

use serde_json::Value;

use crate::model::{Proto, Topology};

/// One end of a probe as the dataplane sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    Workload(String),
    /// An address outside every managed network (the outside namespace).
    External(Ipv4Addr),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Workload(id) => f.write_str(id),
            Endpoint::External(ip) => write!(f, "External({ip})"),
        }
    }
}

/// One side of a connectivity row.
#[derive(Clone, Debug, PartialEq)]
enum Peer {
    Workload(String),
    /// Inclusive address range `first-last[External]`.
    External(Ipv4Addr, Ipv4Addr),
}

impl Peer {
    fn matches(&self, e: &Endpoint) -> bool {
        match (self, e) {
            (Peer::Workload(a), Endpoint::Workload(b)) => a == b,
            (Peer::External(lo, hi), Endpoint::External(ip)) => lo <= ip && ip <= hi,
            _ => false,
        }
    }
}

/// A CONN value: `All Connections` or protocol groups with inclusive ranges.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conn {
    all: bool,
    ranges: Vec<(Proto, u16, u16)>,
}

impl Conn {
    pub fn contains(&self, port: u16, proto: Proto) -> bool {
        self.all
            || self
                .ranges
                .iter()
                .any(|&(p, lo, hi)| p == proto && lo <= port && port <= hi)
    }
}

#[derive(Clone, Debug)]
struct Row {
    src: Peer,
    dst: Peer,
    conn: Conn,
}

#[derive(Clone, Debug, Default)]
pub struct Expectation {
    rows: Vec<Row>,
}

impl Expectation {
    pub fn allows(&self, src: &Endpoint, dst: &Endpoint, port: u16, proto: Proto) -> bool {
        self.rows
            .iter()
            .any(|r| r.src.matches(src) && r.dst.matches(dst) && r.conn.contains(port, proto))
    }

    pub fn from_connectivity_json(text: &str) -> Result<Expectation, String> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| format!("connectivity output is not JSON: {e}"))?;
        let items = v.as_array().ok_or("connectivity JSON is not an array")?;
        let mut rows = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let field = |k: &str| {
                item.get(k)
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("connectivity row {i}: no string `{k}`"))
            };
            rows.push(Row {
                src: parse_peer(field("src")?)?,
                dst: parse_peer(field("dst")?)?,
                conn: parse_conn(field("conn")?)?,
            });
        }
        Ok(Expectation { rows })
    }

    /// The expectation of a world with no ruleset at all, used to prove the
    /// plumbing before the nft emitter exists: the kernel routes between
    /// bridges, so two workloads reach each other when they share a network
    /// or when both have a default route (and so a way back); a workload with
    /// a default route reaches the outside; nothing DNATs publications.
    pub fn open_world(topo: &Topology) -> Expectation {
        let mut rows = Vec::new();
        let all = Conn {
            all: true,
            ranges: Vec::new(),
        };
        for a in &topo.workloads {
            let a_routed = topo.default_gateway(a).is_some();
            for b in &topo.workloads {
                if a.id == b.id {
                    continue;
                }
                let shared = a
                    .attachments
                    .iter()
                    .any(|x| b.attachments.iter().any(|y| x.network == y.network));
                if shared || (a_routed && topo.default_gateway(b).is_some()) {
                    rows.push(Row {
                        src: Peer::Workload(a.id.clone()),
                        dst: Peer::Workload(b.id.clone()),
                        conn: all.clone(),
                    });
                }
            }
            if a_routed {
                rows.push(Row {
                    src: Peer::Workload(a.id.clone()),
                    dst: Peer::External(Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST),
                    conn: all.clone(),
                });
            }
        }
        Expectation { rows }
    }
}

/// `ns/name[Kind]` or `first-last[External]`.
fn parse_peer(s: &str) -> Result<Peer, String> {
    let (name, kind) = match s.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
        Some((name, kind)) => (name, kind),
        None => (s, ""),
    };
    if kind != "External" {
        return Ok(Peer::Workload(name.to_string()));
    }
    let (lo, hi) = name
        .split_once('-')
        .ok_or_else(|| format!("bad external range `{s}`"))?;
    let lo: Ipv4Addr = lo
        .parse()
        .map_err(|_| format!("bad external range `{s}`"))?;
    let hi: Ipv4Addr = hi
        .parse()
        .map_err(|_| format!("bad external range `{s}`"))?;
    Ok(Peer::External(lo, hi))
}

/// `All Connections`, or `TCP 80,8080-8090,UDP 53`: a protocol word starts a
/// group and bare ports continue the current one.
pub fn parse_conn(s: &str) -> Result<Conn, String> {
    if s.trim() == "All Connections" {
        return Ok(Conn {
            all: true,
            ranges: Vec::new(),
        });
    }
    let mut conn = Conn::default();
    let mut current: Option<Proto> = None;
    for piece in s.split(',') {
        let piece = piece.trim();
        let ports = match piece.split_once(' ') {
            Some((word, rest)) => {
                current =
                    Some(Proto::parse(word).ok_or_else(|| format!("bad protocol in conn `{s}`"))?);
                rest.trim()
            }
            None => piece,
        };
        let proto = current.ok_or_else(|| format!("conn `{s}` starts without a protocol"))?;
        let (lo, hi) = ports.split_once('-').unwrap_or((ports, ports));
        let lo: u16 = lo
            .parse()
            .map_err(|_| format!("bad port `{ports}` in conn `{s}`"))?;
        let hi: u16 = hi
            .parse()
            .map_err(|_| format!("bad port `{ports}` in conn `{s}`"))?;
        if lo > hi {
            return Err(format!("empty range `{ports}` in conn `{s}`"));
        }
        conn.ranges.push((proto, lo, hi));
    }
    Ok(conn)
}

/// Checks of the parsers above, run by the suite before any world (this
/// binary has no libtest harness, see main.rs). Returns the failures.
pub fn self_check() -> Vec<String> {
    let mut bad = Vec::new();
    let mut check = |what: &str, ok: bool| {
        if !ok {
            bad.push(format!("expect::self_check: {what}"));
        }
    };
    let c = parse_conn("TCP 80,8080-8090,UDP 53");
    check("multi-group conn parses", c.is_ok());
    if let Ok(c) = c {
        check("TCP 8085 in range", c.contains(8085, Proto::Tcp));
        check("UDP 80 not allowed", !c.contains(80, Proto::Udp));
        check("UDP 53 allowed", c.contains(53, Proto::Udp));
    }
    check(
        "All Connections",
        parse_conn("All Connections").is_ok_and(|c| c.contains(1, Proto::Sctp)),
    );
    check("garbage conn rejected", parse_conn("80,TCP").is_err());
    check("reversed range rejected", parse_conn("TCP 90-80").is_err());
    let e = Expectation::from_connectivity_json(
        r#"[{"src":"0.0.0.0-9.255.255.255[External]","dst":"shop/web[ComposeService]","conn":"TCP 80"},
            {"src":"shop/web[ComposeService]","dst":"shop/api[ComposeService]","conn":"All Connections"}]"#,
    );
    check("connectivity JSON parses", e.is_ok());
    if let Ok(e) = e {
        let web = Endpoint::Workload("shop/web".into());
        let api = Endpoint::Workload("shop/api".into());
        check(
            "external in range",
            e.allows(
                &Endpoint::External([9, 1, 2, 3].into()),
                &web,
                80,
                Proto::Tcp,
            ),
        );
        check(
            "external out of range",
            !e.allows(
                &Endpoint::External([10, 0, 0, 1].into()),
                &web,
                80,
                Proto::Tcp,
            ),
        );
        check("pair allowed", e.allows(&web, &api, 5, Proto::Udp));
        check("reverse pair denied", !e.allows(&api, &web, 5, Proto::Udp));
    }
    check(
        "bad JSON rejected",
        Expectation::from_connectivity_json("{").is_err(),
    );
    bad
}
