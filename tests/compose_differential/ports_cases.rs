//! Generated cases of the port grammar: short syntax (hand-picked and as a
//! grid), long syntax, `expose`.

use super::cases::{Gen, case, long_port, port, svc};

pub(super) fn short_ports() -> Vec<Gen> {
    let quoted = [
        "80",
        "8080:80",
        "127.0.0.1:8080:80",
        "127.0.0.1::80",
        "0.0.0.0:8080:80",
        "[::1]:8080:80",
        "::1:8080:80",
        "[::]:8080:80",
        "::8080:80",
        "[fe80::1]:8080:80",
        "8000-8002:8000-8002",
        "8000-8010:80",
        "9090-9091:8080-8081",
        "3000-3005",
        "80/udp",
        "80/sctp",
        "8080:80/udp",
        "8080:80/UDP",
        "8080:80/tcp/udp",
        "8080:80/http",
        "8080:0",
        "0:80",
        "0",
        "99999:80",
        "8080:99999",
        "a:b:c:d",
        "80:8080:9090",
        "-1:80",
        "8000-8001:80-82",
        "8000-7999:80",
        "80-79",
        "1.2.3.4:80",
        "1.2.3.4:8080:80/udp",
        "localhost:8080:80",
        "8080:80/",
        ":80",
        "8080:",
        "65535:65535",
        "65536:80",
        "127.0.0.1:5000-5010:5000-5010",
        "127.0.0.1:5000-5001:5000",
        "[::1]:6001:6001",
        "6060:6060/udp",
        "49100:22",
        "8000-9000:80",
        "300.1.1.1:80:80",
        "[::1]:80",
        "[127.0.0.1]:8080:80",
        " 8080:80",
        "8080 :80",
        "$$PORT:80",
        "${P:-8081}:80",
        "${P}:80",
        "127.0.0.1:${P:-9000}:90",
        "${IP:-127.0.0.1}:8080:80",
        "8080:80/${PROTO:-udp}",
        "8080-8080:80",
        "8080-:80",
        "abc",
        "80:abc",
        "1-2-3:80",
        "0.0.0.0::80",
        "8000-8001:8000-8001/udp",
    ];
    let mut out: Vec<Gen> = quoted
        .iter()
        .enumerate()
        .map(|(i, p)| case(format!("port-short-{i:02}"), port(&format!("\"{p}\""))))
        .collect();
    // Unquoted: YAML decides the type first (go-yaml: `0x50` is the int 80).
    let plain = [
        "80", "8080:80", "0x50", "0o120", "22:22", "80.0", "1e3", "080", "+80", "-80", "1_000",
        "true", "null", "~", "'80'",
    ];
    out.extend(
        plain
            .iter()
            .enumerate()
            .map(|(i, p)| case(format!("port-plain-{i:02}"), port(p))),
    );
    out.push(case(
        "port-several",
        svc("    ports: [\"8080:80\", \"127.0.0.1:8081:81/udp\", \"90\", \"[::1]:92:92\"]\n"),
    ));
    out.push(case(
        "port-dup",
        svc("    ports: [\"8080:80\", \"8080:80\", \"8081:80\"]\n"),
    ));
    out
}

/// The short syntax systematically: host IP × host port × container port ×
/// protocol, `[[IP:]HOST:]CONTAINER[/PROTO]` as go-connections splits it.
pub(super) fn port_grid() -> Vec<Gen> {
    let ips = ["", "127.0.0.1:", "0.0.0.0:", "[::1]:", "::1:", "[::]:"];
    let containers = ["80", "80-81"];
    let protos = ["", "/udp", "/sctp", "/TCP"];
    let mut out = Vec::new();
    for ip in ips {
        let hosts: &[&str] = if ip.is_empty() {
            &["", "8080:", "8080-8081:"]
        } else {
            &["8080:", "8080-8081:", ":"]
        };
        for host in hosts {
            for container in containers {
                for proto in protos {
                    let spec = format!("{ip}{host}{container}{proto}");
                    out.push(case(
                        format!("port-grid-{:03}", out.len()),
                        port(&format!("\"{spec}\"")),
                    ));
                }
            }
        }
    }
    out
}

pub(super) fn long_ports() -> Vec<Gen> {
    let bodies = [
        "target: 80",
        "target: 80\npublished: 8080",
        "target: 80\npublished: \"8080\"",
        "target: 80\npublished: \"8000-8010\"",
        "target: 80\npublished: 8000-8010",
        "target: 80\npublished: 8080\nhost_ip: 127.0.0.1",
        "target: 80\npublished: 8080\nhost_ip: \"::1\"",
        "target: 80\npublished: 8080\nhost_ip: 0.0.0.0",
        "target: 80\npublished: 8080\nhost_ip: not-an-ip",
        "target: 80\npublished: 8080\nprotocol: udp",
        "target: 80\npublished: 8080\nprotocol: UDP",
        "target: 80\npublished: 8080\nprotocol: sctp",
        "target: 80\npublished: 8080\nprotocol: icmp",
        "target: 80\npublished: 8080\nmode: host",
        "target: 80\npublished: 8080\nmode: ingress",
        "target: 80\npublished: 8080\nname: web\napp_protocol: http",
        "target: \"80\"\npublished: 8080",
        "target: 65536",
        "target: 80\npublished: 65536",
        "target: 80\npublished: 0",
        "target: 0\npublished: 8080",
        "target: -1",
        "published: 8080",
        "target: ${T:-80}\npublished: ${P:-8080}",
        "target: abc",
        "target: 80\npublished: abc",
        "target: 80\nunknown: 1",
        "target: 80\npublished: 8080-8081\nprotocol: udp",
        "target: 80\nhost_ip: 127.0.0.1",
        "target: 80\npublished: \"\"",
    ];
    bodies
        .iter()
        .enumerate()
        .map(|(i, b)| case(format!("port-long-{i:02}"), long_port(b)))
        .collect()
}

pub(super) fn expose() -> Vec<Gen> {
    let items = [
        "\"3000\"",
        "3000",
        "\"8080-8085/tcp\"",
        "\"80/udp\"",
        "\"70000\"",
        "\"0\"",
        "\"80-79\"",
        "\"80/icmp\"",
        "\"${E:-3000}\"",
        "\"3000-3000\"",
        "\"-1\"",
    ];
    items
        .iter()
        .enumerate()
        .map(|(i, e)| {
            case(
                format!("expose-{i:02}"),
                svc(&format!(
                    "    expose:\n      - {e}\n    ports: [\"8080:80\"]\n"
                )),
            )
        })
        .collect()
}
