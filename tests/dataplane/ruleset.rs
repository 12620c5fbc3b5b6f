//! Rulesets the suite handles itself: the hand-written self-test (a project,
//! its ruleset in the shape design §8 prescribes, and the matrix it must
//! produce), and the mutation that flips one verdict-map element.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::model::Proto;
use crate::plan::ProbeKey;

/// Compose project of the self-test. Subnets and addresses are pinned so the
/// hand-written ruleset below does not depend on the allocator.
pub const SELFTEST_COMPOSE: &str = r#"# Harness self-test: a publishes 18080->80; a talks to b on 3000/tcp;
# b talks to c on 5432/tcp and 53/udp. Nothing else between workloads.
name: selftest
x-topoc:
  policy: default-deny
services:
  a:
    image: busybox
    ports: ["18080:80"]
    networks:
      front: {ipv4_address: 10.89.200.10}
    x-topoc: {talks-to: ["b:3000"]}
  b:
    image: busybox
    expose: ["3000"]
    networks:
      front: {ipv4_address: 10.89.200.11}
      back: {ipv4_address: 10.89.201.11}
    x-topoc: {talks-to: ["c:5432", "c:53/udp"]}
  c:
    image: busybox
    expose: ["5432", "53/udp"]
    networks:
      back: {ipv4_address: 10.89.201.12}
networks:
  front:
    ipam: {config: [{subnet: 10.89.200.0/24}]}
  back:
    ipam: {config: [{subnet: 10.89.201.0/24}]}
"#;

/// What the self-test ruleset enforces, in `topoc connectivity --format
/// json` form. Egress to unmanaged addresses is left open by the ruleset
/// (only managed destinations are dropped), so each workload reaches External.
pub const SELFTEST_EXPECTED: &str = r#"[
 {"src":"0.0.0.0-255.255.255.255[External]","dst":"selftest/a[ComposeService]","conn":"TCP 80"},
 {"src":"selftest/a[ComposeService]","dst":"0.0.0.0-255.255.255.255[External]","conn":"All Connections"},
 {"src":"selftest/a[ComposeService]","dst":"selftest/b[ComposeService]","conn":"TCP 3000"},
 {"src":"selftest/b[ComposeService]","dst":"0.0.0.0-255.255.255.255[External]","conn":"All Connections"},
 {"src":"selftest/b[ComposeService]","dst":"selftest/c[ComposeService]","conn":"TCP 5432,UDP 53"},
 {"src":"selftest/c[ComposeService]","dst":"0.0.0.0-255.255.255.255[External]","conn":"All Connections"}
]"#;

/// Hand-written ruleset in the emitter's shape: idempotent delete/re-create,
/// one interval verdict map keyed on saddr . daddr . l4proto . dport, ct
/// state first, counted drop for managed destinations only, DNAT for the
/// publication. The external source ranges exclude the managed subnets so no
/// two map intervals overlap.
pub const SELFTEST_RULESET: &str = r#"table inet topoc_selftest
delete table inet topoc_selftest
table inet topoc_selftest {
	set managed {
		type ipv4_addr
		flags interval
		elements = { 10.89.200.0/24, 10.89.201.0/24 }
	}

	map flows {
		type ipv4_addr . ipv4_addr . inet_proto . inet_service : verdict
		flags interval
		elements = {
			10.89.200.10 . 10.89.200.11 . tcp . 3000 : accept,
			10.89.201.11 . 10.89.201.12 . tcp . 5432 : accept,
			10.89.201.11 . 10.89.201.12 . udp . 53 : accept,
			0.0.0.0-10.89.199.255 . 10.89.200.10 . tcp . 80 : accept,
			10.89.202.0-255.255.255.255 . 10.89.200.10 . tcp . 80 : accept
		}
	}

	chain filter_forward {
		type filter hook forward priority filter; policy accept;
		ct state vmap { established : accept, related : accept, invalid : drop }
		ip saddr . ip daddr . meta l4proto . th dport vmap @flows
		ip daddr @managed counter drop
	}

	chain nat_prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local tcp dport 18080 dnat ip to 10.89.200.10:80
	}
}
"#;

/// Byte range of the body of `KIND NAME { ... }` (brace-matched, bounded
/// by the text length), or None when the ruleset has no such block.
fn block_body(text: &str, kind: &str, name: &str) -> Option<(usize, usize)> {
    let head = format!("{kind} {name} {{");
    let start = text.find(&head)?;
    let open = start + head.len() - 1;
    let mut depth = 0usize;
    let mut in_quote = false;
    for (i, ch) in text[open..].char_indices() {
        match ch {
            '"' => in_quote = !in_quote,
            '{' if !in_quote => depth += 1,
            '}' if !in_quote => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((open + 1, open + i));
                }
            }
            _ => {}
        }
    }
    None
}

/// Offsets of every `: accept` verdict inside a map's body, skipping
/// quoted comments (an element comment may contain the word).
fn accept_verdicts(text: &str, map: &str) -> Vec<usize> {
    let Some((lo, hi)) = block_body(text, "map", map) else {
        return Vec::new();
    };
    let body = &text[lo..hi];
    let bytes = body.as_bytes();
    let mut found = Vec::new();
    let mut in_quote = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => in_quote = !in_quote,
            b':' if !in_quote => {
                let rest = &body[i + 1..];
                let trimmed = rest.trim_start();
                let word_end = trimmed
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(trimmed.len());
                if &trimmed[..word_end] == "accept" {
                    found.push(lo + i + 1 + (rest.len() - trimmed.len()));
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The key of a verdict-map element: inclusive ranges per field.
#[derive(Debug, PartialEq)]
pub struct ElementKey {
    pub saddr: (Ipv4Addr, Ipv4Addr),
    pub daddr: (Ipv4Addr, Ipv4Addr),
    pub proto: Proto,
    pub ports: (u16, u16),
}

impl ElementKey {
    /// Whether a probe's packet can hit this element.
    pub fn covers(&self, k: &ProbeKey) -> bool {
        let within = |r: &(Ipv4Addr, Ipv4Addr), ip: &Ipv4Addr| r.0 <= *ip && *ip <= r.1;
        k.proto == self.proto
            && self.ports.0 <= k.port
            && k.port <= self.ports.1
            && k.src_addrs.iter().any(|a| within(&self.saddr, a))
            && k.dst_addrs.iter().any(|a| within(&self.daddr, a))
    }
}

/// Something whose `accept` can be flipped: a verdict-map element, or a
/// group rule `ip saddr @S ip daddr @S accept` (with the addresses of S).
#[derive(Debug, PartialEq)]
pub enum Site {
    Element(ElementKey),
    Group(Vec<Ipv4Addr>),
}

impl Site {
    /// Whether a probe's packet can hit this element or rule.
    pub fn covers(&self, k: &ProbeKey) -> bool {
        match self {
            Site::Element(e) => e.covers(k),
            Site::Group(set) => {
                k.src_addrs.iter().any(|a| set.contains(a))
                    && k.dst_addrs.iter().any(|a| set.contains(a))
            }
        }
    }
}

/// `a.b.c.d`, `first-last` or `net/len`.
fn addr_range(s: &str) -> Option<(Ipv4Addr, Ipv4Addr)> {
    if let Some((a, b)) = s.split_once('-') {
        return Some((a.parse().ok()?, b.parse().ok()?));
    }
    if s.contains('/') {
        let net: Ipv4Net = s.parse().ok()?;
        return Some((net.network(), net.broadcast()));
    }
    let ip: Ipv4Addr = s.parse().ok()?;
    Some((ip, ip))
}

const ANY: (Ipv4Addr, Ipv4Addr) = (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);

/// The maps whose elements accept, and how their keys read: `flows` is
/// saddr . daddr . proto . port; `from_outside` daddr . proto . port (any
/// unmanaged source); `to_outside` saddr . proto . port.
const MAPS: [&str; 3] = ["flows", "from_outside", "to_outside"];

/// The key of the element whose verdict is at `at`: its text runs from the
/// previous `{`, `,` or line start to the verdict, minus a trailing
/// `comment "…"`.
fn key_at(text: &str, map: &str, at: usize) -> Option<ElementKey> {
    let before = &text[..at];
    let start = before.rfind(['{', ',', '\n']).map_or(0, |i| i + 1);
    let mut elem = before[start..].trim().trim_end_matches(':').trim();
    if let Some(i) = elem.find(" comment ") {
        elem = &elem[..i];
    }
    let fields: Vec<&str> = elem.split(" . ").map(str::trim).collect();
    let (saddr, daddr, proto, ports) = match (map, fields.as_slice()) {
        ("flows", [s, d, p, n]) => (addr_range(s)?, addr_range(d)?, p, n),
        ("from_outside", [d, p, n]) => (ANY, addr_range(d)?, p, n),
        ("to_outside", [s, p, n]) => (addr_range(s)?, ANY, p, n),
        _ => return None,
    };
    let (lo, hi) = ports.split_once('-').unwrap_or((ports, ports));
    Some(ElementKey {
        saddr,
        daddr,
        proto: Proto::parse(proto)?,
        ports: (lo.parse().ok()?, hi.parse().ok()?),
    })
}

/// The addresses of `set NAME { … elements = { … } }`, comments skipped.
fn set_addresses(text: &str, name: &str) -> Vec<Ipv4Addr> {
    let Some((lo, hi)) = block_body(text, "set", name) else {
        return Vec::new();
    };
    let body = &text[lo..hi];
    let Some(i) = body.find("elements") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut in_quote = false;
    let mut word = String::new();
    for ch in body[i..].chars().chain([' ']) {
        match ch {
            '"' => in_quote = !in_quote,
            c if !in_quote && (c.is_ascii_digit() || c == '.') => word.push(c),
            _ => {
                if let Ok(ip) = word.parse() {
                    out.push(ip);
                }
                word.clear();
            }
        }
    }
    out
}

/// Every flippable `accept`: offset of the word and what it accepts. Group
/// rules first, then the maps' elements, in text order.
fn sites(text: &str) -> Vec<(usize, Site)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("ip saddr @")
            && let Some((set, rest)) = rest.split_once(' ')
            && let Some(rest) = rest.strip_prefix(&format!("ip daddr @{set} "))
            && rest.starts_with("accept")
        {
            let at = offset + (line.len() - rest.len());
            out.push((at, Site::Group(set_addresses(text, set))));
        }
        offset += line.len();
    }
    for map in MAPS {
        for at in accept_verdicts(text, map) {
            if let Some(k) = key_at(text, map, at) {
                out.push((at, Site::Element(k)));
            }
        }
    }
    out
}

/// What the `nth` flippable accept accepts.
pub fn site(text: &str, nth: usize) -> Option<Site> {
    sites(text).into_iter().nth(nth).map(|(_, s)| s)
}

/// How many accepts (group rules and verdict-map elements) can be flipped.
pub fn flippable(text: &str) -> usize {
    sites(text).len()
}

/// The ruleset with the `nth` flippable accept turned into `drop`, or None
/// when there is no such element or rule.
pub fn flip(text: &str, nth: usize) -> Option<String> {
    let (at, _) = sites(text).into_iter().nth(nth)?;
    Some(format!(
        "{}drop{}",
        &text[..at],
        &text[at + "accept".len()..]
    ))
}

/// Checks of the rewriting above (run by the suite; this binary has no
/// libtest harness). Returns the failures.
pub fn self_check() -> Vec<String> {
    let mut bad = Vec::new();
    if flippable(SELFTEST_RULESET) != 5 {
        bad.push(format!(
            "ruleset::self_check: {} flippable elements, want 5",
            flippable(SELFTEST_RULESET)
        ));
    }
    match flip(SELFTEST_RULESET, 0) {
        Some(m)
            if m.contains("tcp . 3000 : drop,")
                && m.contains("ct state vmap { established : accept") => {}
        _ => bad
            .push("ruleset::self_check: flip(0) did not rewrite exactly the first element".into()),
    }
    let commented =
        "map flows { elements = { 1.1.1.1 . 2.2.2.2 . tcp . 80 comment \"a: accept\" : accept } }";
    match flip(commented, 0) {
        Some(m) if m.ends_with(": drop } }") && m.contains("\"a: accept\"") => {}
        other => bad.push(format!(
            "ruleset::self_check: quoted comment mishandled: {other:?}"
        )),
    }
    let key = site(SELFTEST_RULESET, 3);
    let want = Site::Element(ElementKey {
        saddr: ([0, 0, 0, 0].into(), [10, 89, 199, 255].into()),
        daddr: ([10, 89, 200, 10].into(), [10, 89, 200, 10].into()),
        proto: Proto::Tcp,
        ports: (80, 80),
    });
    if key.as_ref() != Some(&want) {
        bad.push(format!("ruleset::self_check: element 3 parsed as {key:?}"));
    }
    let commented_key = site(commented, 0);
    if !matches!(&commented_key, Some(Site::Element(k)) if k.ports == (80, 80) && k.proto == Proto::Tcp)
    {
        bad.push("ruleset::self_check: commented element key not parsed".into());
    }
    let grouped = "table inet t {\n\tset net_a {\n\t\ttype ipv4_addr\n\t\telements = {\n\t\t\t10.0.0.2 comment \"a 1.2.3.4\",\n\t\t\t10.0.0.3 comment \"b\"\n\t\t}\n\t}\n\tmap from_outside {\n\t\telements = {\n\t\t\t10.0.0.2 . tcp . 80 comment \"x\" : accept\n\t\t}\n\t}\n\tchain managed {\n\t\tip saddr @net_a ip daddr @net_a accept comment \"n\"\n\t}\n}\n";
    let want_group = Site::Group(vec![[10, 0, 0, 2].into(), [10, 0, 0, 3].into()]);
    if site(grouped, 0) != Some(want_group) || flippable(grouped) != 2 {
        bad.push(format!(
            "ruleset::self_check: group rule not found: {:?}",
            sites(grouped)
        ));
    }
    match flip(grouped, 0) {
        Some(m) if m.contains("ip daddr @net_a drop comment") && m.contains(": accept") => {}
        other => bad.push(format!("ruleset::self_check: group rule flip: {other:?}")),
    }
    let outside = site(grouped, 1);
    if !matches!(&outside, Some(Site::Element(k)) if k.saddr == ANY && k.daddr.0 == Ipv4Addr::new(10, 0, 0, 2))
    {
        bad.push(format!(
            "ruleset::self_check: from_outside key: {outside:?}"
        ));
    }
    if flip("table inet t { chain c { } }", 0).is_some() {
        bad.push("ruleset::self_check: found a flows map where there is none".into());
    }
    bad
}
