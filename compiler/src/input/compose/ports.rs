//! Compose `ports:` and `expose:` entries, as compose-go canonicalises them.
//!
//! Short syntax follows `types.ParsePortConfig`, which runs
//! `nat.ParsePortSpecs` from docker/go-connections and converts each mapping
//! to a long-syntax entry. compose-go's own go.mod pins v0.4.0, but the
//! `docker compose` 2.40.3 binary is built with **v0.6.0** (Go's minimal
//! version selection), and that is what users run: unbracketed IPv6 host IPs
//! (`::1:8080:80`) are accepted, the protocol is everything after the first
//! `/` (`80/tcp/udp` is the invalid protocol `tcp/udp`), error texts start in
//! lower case (`invalid containerPort: X`). Kept because the binary shows
//! them: a host range with a single container port stays a range in
//! `published`, `1234-1235-1236` reads as `1234-1235`. compose-go then
//! refuses a short-syntax container port 0 ("missing a target port").

use std::fmt;
use std::net::IpAddr;

/// An inclusive port range; `start == end` for a single port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    /// A range holding one port.
    pub fn single(port: u16) -> Self {
        PortRange {
            start: port,
            end: port,
        }
    }
}

/// Formats as compose-go stores `published`: `"80"` or `"80-90"`.
impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// One canonical (long-syntax) port entry, compose-go's `ServicePortConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// `None` when not given (compose-go leaves it empty, not `0.0.0.0`).
    pub host_ip: Option<String>,
    /// `None` when not published.
    pub published: Option<PortRange>,
    pub target: u16,
    /// `"tcp"`, `"udp"` or `"sctp"`, lower-cased.
    pub protocol: String,
    /// `"ingress"` unless long syntax says otherwise.
    pub mode: String,
    pub name: Option<String>,
    pub app_protocol: Option<String>,
}

/// A long-syntax entry as written; YAML numbers arrive formatted as strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LongPort {
    pub target: Option<String>,
    pub published: Option<String>,
    pub host_ip: Option<String>,
    pub protocol: Option<String>,
    pub mode: Option<String>,
    pub name: Option<String>,
    pub app_protocol: Option<String>,
}

/// Parses a short-syntax entry `[[IP:]HOST:]CONTAINER[/PROTO]` into one entry
/// per container port, in compose-go's order (`"<port>/<proto>"` keys sorted as
/// strings, so `98-102` yields 100, 101, 102, 98, 99).
pub fn parse_short(spec: &str) -> Result<Vec<PortSpec>, String> {
    let (raw_ip, host_port, container) = split_parts(spec);
    let (proto, container_port) = split_proto_port(container);

    let ip = if raw_ip.starts_with('[') {
        strip_ipv6_brackets(&raw_ip)?
    } else {
        raw_ip
    };
    if !ip.is_empty() && !is_ip(&ip) {
        return Err(format!("invalid IP address: {ip}"));
    }
    if container_port.is_empty() {
        return Err(format!("no port specified: {spec}<empty>"));
    }
    let (start, end) = parse_port_range(container_port)
        .ok_or_else(|| format!("invalid containerPort: {container_port}"))?;
    let (host_start, host_end) = if host_port.is_empty() {
        (0, 0)
    } else {
        parse_port_range(host_port).ok_or_else(|| format!("invalid hostPort: {host_port}"))?
    };
    // A host range is allowed against a single container port (the engine picks
    // one port from it); otherwise both ranges must have the same length.
    if !host_port.is_empty() && end - start != host_end - host_start && end != start {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container_port} and {host_port}"
        ));
    }
    let protocol = proto.to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {protocol}"));
    }
    // compose-go `transform/ports.go`: an entry without a target.
    if start == 0 {
        return Err("missing a target port (container port 0)".to_string());
    }

    let host_ip = (!ip.is_empty()).then_some(ip);
    let mut out: Vec<PortSpec> = (0..=end - start)
        .map(|i| {
            let published = if host_port.is_empty() {
                None
            } else if start == end && host_start != host_end {
                Some(PortRange {
                    start: host_start,
                    end: host_end,
                })
            } else {
                Some(PortRange::single(host_start + i))
            };
            PortSpec {
                host_ip: host_ip.clone(),
                published,
                target: start + i,
                protocol: protocol.clone(),
                mode: "ingress".to_string(),
                name: None,
                app_protocol: None,
            }
        })
        .collect();
    out.sort_by_cached_key(|p| p.target.to_string());
    Ok(out)
}

/// Canonicalises a long-syntax entry: fills compose-go's defaults (`tcp`,
/// `ingress`) and checks what compose-go's schema/validation and the engine
/// would reject: `target` a port 1..=65535, `published` a port or `a-b` range,
/// `host_ip` an IP address, `protocol` one of tcp/udp/sctp.
pub fn canonical_long(p: &LongPort) -> Result<PortSpec, String> {
    let non_empty = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    let target_raw = non_empty(&p.target).ok_or("port target is required")?;
    let target = parse_u16(&target_raw)
        .filter(|t| *t != 0)
        .ok_or_else(|| format!("invalid target port: {target_raw}"))?;
    let published = match non_empty(&p.published) {
        None => None,
        Some(raw) => {
            Some(parse_strict_range(&raw).ok_or_else(|| format!("invalid published port: {raw}"))?)
        }
    };
    let host_ip = non_empty(&p.host_ip);
    if let Some(ip) = &host_ip
        && !is_ip(ip)
    {
        // compose-go validation.checkIPAddress wording.
        return Err(format!("invalid ip address: {ip}"));
    }
    let protocol = non_empty(&p.protocol)
        .unwrap_or_else(|| "tcp".to_string())
        .to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid protocol: {protocol}"));
    }
    Ok(PortSpec {
        host_ip,
        published,
        target,
        protocol,
        mode: non_empty(&p.mode).unwrap_or_else(|| "ingress".to_string()),
        name: non_empty(&p.name),
        app_protocol: non_empty(&p.app_protocol),
    })
}

/// Parses an `expose:` entry (`"3000"`, `"8080-8085/tcp"`) the way the docker
/// CLI does for `--expose` (`nat.SplitProtoPort` + `nat.ParsePortRange`);
/// compose-go itself keeps the string. Returns the range and the lower-cased
/// protocol.
pub fn parse_expose(spec: &str) -> Result<(PortRange, String), String> {
    if spec.contains(':') {
        return Err(format!("invalid port format for --expose: {spec}"));
    }
    let (proto, port) = split_proto_port(spec);
    if port.is_empty() {
        return Err(format!("no port specified: {spec}<empty>"));
    }
    let (start, end) = parse_port_range(port)
        .ok_or_else(|| format!("invalid range format for --expose: {spec}"))?;
    let protocol = proto.to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {protocol}"));
    }
    Ok((PortRange { start, end }, protocol))
}

/// How go-yaml v3 (compose-go's YAML reader) resolves a plain scalar that
/// may be a number (`resolve.go`): underscores dropped, then Go's
/// `strconv.ParseInt(s, 0, 64)` (`0x50`, `0o120`, `+80`, `1_000`, and the
/// YAML 1.1 octal `0755`), then its float pattern (`080`, `8.0`, `1e3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlNumber {
    Int(i64),
    Float,
    NotANumber,
}

pub fn go_yaml_number(text: &str) -> YamlNumber {
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if let Some(n) = go_parse_int(&plain) {
        return YamlNumber::Int(n);
    }
    // `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    let body = plain.strip_prefix(['-', '+']).unwrap_or(&plain);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if mantissa_ok && exponent_ok {
        YamlNumber::Float
    } else {
        YamlNumber::NotANumber
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` (after go-yaml removed underscores).
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i64::from_str_radix(digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

/// go-connections `splitParts`: split on `:`; with more than three parts the
/// leading ones are rejoined as the (IPv6) host IP.
fn split_parts(raw: &str) -> (String, &str, &str) {
    let parts: Vec<&str> = raw.split(':').collect();
    let n = parts.len();
    let container = parts[n - 1];
    match n {
        1 => (String::new(), "", container),
        2 => (String::new(), parts[0], container),
        3 => (parts[0].to_string(), parts[1], container),
        _ => (parts[..n - 2].join(":"), parts[n - 2], container),
    }
}

/// go-connections v0.6 `SplitProtoPort` (`strings.Cut` at the first `/`):
/// `"80/udp"` → (`"udp"`, `"80"`), `"80/tcp/udp"` → (`"tcp/udp"`, `"80"`);
/// an empty port gives empty results.
fn split_proto_port(raw: &str) -> (&str, &str) {
    let (port, proto) = raw.split_once('/').unwrap_or((raw, ""));
    if port.is_empty() {
        return ("", "");
    }
    if proto.is_empty() {
        ("tcp", port)
    } else {
        (proto, port)
    }
}

/// `net.SplitHostPort(rawIP + ":")`, used by go-connections only to strip the
/// brackets of `[::1]`; its failures become v0.6's error text.
fn strip_ipv6_brackets(raw_ip: &str) -> Result<String, String> {
    let hostport = format!("{raw_ip}:");
    let fail = |why: &str| {
        Err(format!(
            "invalid IP address {raw_ip}: address {hostport}: {why}"
        ))
    };
    let last_colon = hostport.len() - 1;
    let (host, j, k) = if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else {
            return fail("missing ']' in address");
        };
        if end + 1 != last_colon {
            return if hostport.as_bytes()[end + 1] == b':' {
                fail("too many colons in address")
            } else {
                fail("missing port in address")
            };
        }
        (&hostport[1..end], 1, end + 1)
    } else {
        let host = &hostport[..last_colon];
        if host.contains(':') {
            return fail("too many colons in address");
        }
        (host, 0, 0)
    };
    if hostport[j..].contains('[') {
        return fail("unexpected '[' in address");
    }
    if hostport[k..].contains(']') {
        return fail("unexpected ']' in address");
    }
    Ok(host.to_string())
}

/// Go's `net.ParseIP`: dotted-quad IPv4 (no leading zeros) or IPv6 without zone.
fn is_ip(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok()
}

/// Go's `strconv.ParseUint(s, 10, 16)`: ASCII digits only (no sign), ≤ 65535.
fn parse_u16(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = s.trim_start_matches('0');
    if trimmed.is_empty() {
        return Some(0);
    }
    if trimmed.len() > 5 {
        return None;
    }
    trimmed
        .parse::<u32>()
        .ok()
        .and_then(|v| u16::try_from(v).ok())
}

/// go-connections v0.4.0 `ParsePortRange`: a port, or `a-b` with `a <= b`;
/// only the first two `-`-separated fields are read.
fn parse_port_range(s: &str) -> Option<(u16, u16)> {
    if s.is_empty() {
        return None;
    }
    if !s.contains('-') {
        let p = parse_u16(s)?;
        return Some((p, p));
    }
    let mut parts = s.split('-');
    let start = parse_u16(parts.next()?)?;
    let end = parse_u16(parts.next()?)?;
    (end >= start).then_some((start, end))
}

/// A long-syntax `published` value: a port or exactly one `a-b` range.
fn parse_strict_range(s: &str) -> Option<PortRange> {
    match s.split_once('-') {
        None => parse_u16(s).map(PortRange::single),
        Some((a, b)) => {
            let (start, end) = (parse_u16(a)?, parse_u16(b)?);
            (end >= start).then_some(PortRange { start, end })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(spec: &str) -> PortSpec {
        let mut v = parse_short(spec).unwrap();
        assert_eq!(v.len(), 1, "{spec}");
        v.remove(0)
    }

    #[test]
    fn keys_sort_as_strings() {
        // compose-go ParsePortConfig sorts "<port>/<proto>" keys with sort.Strings.
        let targets: Vec<u16> = parse_short("98-102")
            .unwrap()
            .iter()
            .map(|p| p.target)
            .collect();
        assert_eq!(targets, vec![100, 101, 102, 98, 99]);
    }

    #[test]
    fn host_range_with_single_container_port() {
        // go-connections keeps the host range as a dynamic range.
        let p = one("127.0.0.1:8000-8010:80/UDP");
        assert_eq!(
            p.published,
            Some(PortRange {
                start: 8000,
                end: 8010
            })
        );
        assert_eq!(p.protocol, "udp");
        assert_eq!(p.host_ip.as_deref(), Some("127.0.0.1"));
    }

    #[test]
    fn v060_as_the_shipped_binary_has_it() {
        // ParsePortRange reads only two fields; ParseUint rejects signs.
        assert_eq!(
            one("1234-1235-1236:80").published,
            Some(PortRange {
                start: 1234,
                end: 1235
            })
        );
        assert_eq!(
            parse_short("+80").unwrap_err(),
            "invalid containerPort: +80"
        );
        // Unbracketed IPv6 host IPs are accepted.
        let p = one("::1:8080:80");
        assert_eq!(p.host_ip.as_deref(), Some("::1"));
        assert_eq!((p.published, p.target), (Some(PortRange::single(8080)), 80));
        // The protocol is everything after the first `/`.
        assert_eq!(
            parse_short("8080:80/tcp/udp").unwrap_err(),
            "invalid proto: tcp/udp"
        );
        // compose-go: "service ports ... is missing a target port".
        assert!(parse_short("0").is_err());
        assert!(parse_short("8080:0").is_err());
        assert_eq!(one("0:80").published, Some(PortRange::single(0)));
    }

    #[test]
    fn plain_scalars_resolve_as_go_yaml_does() {
        use YamlNumber::*;
        for (text, want) in [
            ("80", Int(80)),
            ("0x50", Int(80)),
            ("0o120", Int(80)),
            ("0120", Int(80)),
            ("+80", Int(80)),
            ("-80", Int(-80)),
            ("1_000", Int(1000)),
            ("080", Float),
            ("80.0", Float),
            ("1e3", Float),
            (".5", Float),
            ("8080:80", NotANumber),
            ("0x", NotANumber),
            ("abc", NotANumber),
        ] {
            assert_eq!(go_yaml_number(text), want, "{text}");
        }
    }

    #[test]
    fn malformed_inputs_are_errors() {
        for bad in [
            "99999:80",
            "a:b:c:d",
            "80:8080:9090",
            "",
            "-1",
            "80-81:8080-8082",
            "80/xyz",
        ] {
            assert!(parse_short(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_short("99999:80").unwrap_err(),
            "invalid hostPort: 99999"
        );
        assert_eq!(
            parse_short("80:8080:9090").unwrap_err(),
            "invalid IP address: 80"
        );
        assert_eq!(
            parse_short("90-80").unwrap_err(),
            "invalid containerPort: 90-80"
        );
    }

    #[test]
    fn long_syntax_defaults_and_checks() {
        let p = canonical_long(&LongPort {
            target: Some("80".into()),
            published: Some("8000-8010".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((p.protocol.as_str(), p.mode.as_str()), ("tcp", "ingress"));
        assert_eq!(p.published.unwrap().to_string(), "8000-8010");
        let bad_ip = LongPort {
            target: Some("1".into()),
            host_ip: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(
            canonical_long(&bad_ip).unwrap_err(),
            "invalid ip address: x"
        );
        assert!(
            canonical_long(&LongPort {
                target: Some("0".into()),
                ..Default::default()
            })
            .is_err()
        );
        assert!(canonical_long(&LongPort::default()).is_err());
    }

    #[test]
    fn expose_entries() {
        assert_eq!(
            parse_expose("3000").unwrap(),
            (PortRange::single(3000), "tcp".into())
        );
        assert_eq!(
            parse_expose("8080-8085/UDP").unwrap(),
            (
                PortRange {
                    start: 8080,
                    end: 8085
                },
                "udp".into()
            )
        );
        assert!(parse_expose("80:80").is_err());
        assert!(parse_expose("80/xyz").is_err());
        assert!(parse_expose("").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[0-9a-f:.\\[\\]/ tcpud-]{0,24}", t in "\\PC{0,16}") {
            let _ = parse_short(&s);
            let _ = parse_short(&t);
            let _ = parse_expose(&s);
            let long = LongPort {
                target: Some(t.clone()),
                published: Some(s.clone()),
                host_ip: Some(t),
                ..Default::default()
            };
            let _ = canonical_long(&long);
        }
    }
}
