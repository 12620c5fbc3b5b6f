//! Compose `ports:` and `expose:` entries, as compose-go canonicalises them.
//!
//! Short syntax follows `types.ParsePortConfig`, which runs
//! `nat.ParsePortSpecs` from docker/go-connections **v0.4.0** (the version
//! compose-go's go.mod pins) and converts each mapping to a long-syntax entry.
//! Consequences kept on purpose because `docker compose` shows them:
//! unbracketed IPv6 host IPs (`::1:80:80`) are rejected, a host range with a
//! single container port stays a range in `published`, `1234-1235-1236` reads as
//! `1234-1235`, container port 0 is accepted, and error texts use v0.4.0's
//! capitalised wording (`Invalid containerPort: X`).

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

    let ip = strip_ipv6_brackets(&raw_ip)?;
    if !ip.is_empty() && !is_ip(&ip) {
        return Err(format!("Invalid ip address: {ip}"));
    }
    if container_port.is_empty() {
        return Err(format!("No port specified: {spec}<empty>"));
    }
    let (start, end) = parse_port_range(container_port)
        .ok_or_else(|| format!("Invalid containerPort: {container_port}"))?;
    let (host_start, host_end) = if host_port.is_empty() {
        (0, 0)
    } else {
        parse_port_range(host_port).ok_or_else(|| format!("Invalid hostPort: {host_port}"))?
    };
    // A host range is allowed against a single container port (the engine picks
    // one port from it); otherwise both ranges must have the same length.
    if !host_port.is_empty() && end - start != host_end - host_start && end != start {
        return Err(format!(
            "Invalid ranges specified for container and host Ports: {container_port} and {host_port}"
        ));
    }
    let protocol = proto.to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("Invalid proto: {proto}"));
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
        return Err(format!("No port specified: {spec}<empty>"));
    }
    let (start, end) = parse_port_range(port)
        .ok_or_else(|| format!("invalid range format for --expose: {spec}"))?;
    let protocol = proto.to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("Invalid proto: {proto}"));
    }
    Ok((PortRange { start, end }, protocol))
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

/// go-connections `SplitProtoPort`: `"80/udp"` → (`"udp"`, `"80"`); anything
/// after a second `/` is ignored; an empty port gives empty results.
fn split_proto_port(raw: &str) -> (&str, &str) {
    let mut parts = raw.split('/');
    let port = parts.next().unwrap_or("");
    if port.is_empty() {
        return ("", "");
    }
    match parts.next() {
        None | Some("") => ("tcp", port),
        Some(proto) => (proto, port),
    }
}

/// `net.SplitHostPort(rawIP + ":")`, used by go-connections only to strip the
/// brackets of `[::1]`; its failures become v0.4.0's error text.
fn strip_ipv6_brackets(raw_ip: &str) -> Result<String, String> {
    let hostport = format!("{raw_ip}:");
    let fail = |why: &str| {
        Err(format!(
            "Invalid ip address {raw_ip}: address {hostport}: {why}"
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
    fn v040_quirks() {
        // v0.4.0 ParsePortRange reads only two fields; ParseUint rejects signs.
        assert_eq!(
            one("1234-1235-1236:80").published,
            Some(PortRange {
                start: 1234,
                end: 1235
            })
        );
        assert_eq!(
            parse_short("+80").unwrap_err(),
            "Invalid containerPort: +80"
        );
        assert_eq!(
            parse_short("::1:80:80").unwrap_err(),
            "Invalid ip address ::1: address ::1:: too many colons in address"
        );
        assert_eq!(one("0").target, 0);
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
            "Invalid hostPort: 99999"
        );
        assert_eq!(
            parse_short("80:8080:9090").unwrap_err(),
            "Invalid ip address: 80"
        );
        assert_eq!(
            parse_short("90-80").unwrap_err(),
            "Invalid containerPort: 90-80"
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
