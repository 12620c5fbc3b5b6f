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

/// Byte range of the body of `map flows { ... }` (brace-matched, bounded by
/// the text length), or None when the ruleset has no such map.
fn flows_body(text: &str) -> Option<(usize, usize)> {
    let start = text.find("map flows")?;
    let open = start + text[start..].find('{')?;
    let mut depth = 0usize;
    for (i, ch) in text[open..].char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
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

/// Offsets of every `: accept` verdict inside the flows map, skipping
/// quoted comments (an element comment may contain the word).
fn accept_verdicts(text: &str) -> Vec<usize> {
    let Some((lo, hi)) = flows_body(text) else {
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

/// The key of the `nth` accept element: its text runs from the previous
/// `{`, `,` or line start to the verdict, minus a trailing `comment "…"`.
pub fn element_key(text: &str, nth: usize) -> Option<ElementKey> {
    let &at = accept_verdicts(text).get(nth)?;
    let before = &text[..at];
    let start = before.rfind(['{', ',', '\n']).map_or(0, |i| i + 1);
    let mut elem = before[start..].trim().trim_end_matches(':').trim();
    if let Some(i) = elem.find(" comment ") {
        elem = &elem[..i];
    }
    let fields: Vec<&str> = elem.split(" . ").map(str::trim).collect();
    let [saddr, daddr, proto, ports] = fields.as_slice() else {
        return None;
    };
    let (lo, hi) = ports.split_once('-').unwrap_or((ports, ports));
    Some(ElementKey {
        saddr: addr_range(saddr)?,
        daddr: addr_range(daddr)?,
        proto: Proto::parse(proto)?,
        ports: (lo.parse().ok()?, hi.parse().ok()?),
    })
}

/// How many verdict-map elements can be flipped.
pub fn flippable(text: &str) -> usize {
    accept_verdicts(text).len()
}

/// The ruleset with the `nth` accept element of the flows map turned into
/// `drop`, or None when there is no such element.
pub fn flip(text: &str, nth: usize) -> Option<String> {
    let at = *accept_verdicts(text).get(nth)?;
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
    let key = element_key(SELFTEST_RULESET, 3);
    let want = ElementKey {
        saddr: ([0, 0, 0, 0].into(), [10, 89, 199, 255].into()),
        daddr: ([10, 89, 200, 10].into(), [10, 89, 200, 10].into()),
        proto: Proto::Tcp,
        ports: (80, 80),
    };
    if key.as_ref() != Some(&want) {
        bad.push(format!("ruleset::self_check: element 3 parsed as {key:?}"));
    }
    let commented_key = element_key(commented, 0);
    if commented_key.is_none_or(|k| k.ports != (80, 80) || k.proto != Proto::Tcp) {
        bad.push("ruleset::self_check: commented element key not parsed".into());
    }
    if flip("table inet t { chain c { } }", 0).is_some() {
        bad.push("ruleset::self_check: found a flows map where there is none".into());
    }
    bad
}
