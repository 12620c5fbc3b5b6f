//! Generated cases covering the grammar docker compose loads: short and long
//! port syntax, expose, service and top-level networks, `network_mode`,
//! booleans, project names, profiles, interpolation, override files and
//! `-f` merges with tags, `extends`, `include`, and YAML as go-yaml reads it.
//! Each case is a small directory written under the test's temp dir.

use super::Case;
use std::path::Path;

pub struct Gen {
    name: String,
    files: Vec<(String, String)>,
    /// Flags both tools take alike (`-f`, `-p`, `--profile`, `--env-file`).
    args: Vec<String>,
    env: Vec<(String, String)>,
}

fn case(name: impl Into<String>, compose: impl Into<String>) -> Gen {
    Gen {
        name: name.into(),
        files: vec![("compose.yaml".into(), compose.into())],
        args: vec![],
        env: vec![],
    }
}

impl Gen {
    fn file(mut self, name: &str, text: impl Into<String>) -> Self {
        self.files.push((name.into(), text.into()));
        self
    }
    fn args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|s| (*s).to_string()).collect();
        self
    }
    fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
}

fn svc(body: &str) -> String {
    format!("services:\n  a:\n    image: nginx\n{body}")
}

/// One service `a` with one `ports` entry written as is.
fn port(entry: &str) -> String {
    svc(&format!("    ports:\n      - {entry}\n"))
}

fn long_port(body: &str) -> String {
    let body: String = body.lines().map(|l| format!("        {l}\n")).collect();
    svc(&format!("    ports:\n      -\n{body}"))
}

fn short_ports() -> Vec<Gen> {
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
fn port_grid() -> Vec<Gen> {
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

fn long_ports() -> Vec<Gen> {
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

fn expose() -> Vec<Gen> {
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

fn service_networks() -> Vec<Gen> {
    let top = "networks:\n  front: {}\n  back: {}\n";
    let forms = [
        "    networks: [front]\n",
        "    networks: [front, back]\n",
        "    networks:\n      front:\n",
        "    networks:\n      front: {}\n",
        "    networks:\n      front:\n        aliases: [x, y]\n",
        "    networks:\n      front:\n        aliases: [x, x, y]\n",
        "    networks:\n      front:\n        aliases: []\n",
        "    networks:\n      front:\n        aliases: x\n",
        "    networks:\n      front:\n        priority: 10\n      back:\n        priority: 20\n",
        "    networks: []\n",
        "    networks: {}\n",
        "    networks:\n",
        "    networks: [default]\n",
        "    networks: [default, front]\n",
        "    networks:\n      default:\n        aliases: [alpha]\n",
        "    networks: [nope]\n",
        "    networks: [front, front]\n",
        "    networks: front\n",
        "    networks:\n      - front\n      - back\n",
        "    networks:\n      \"${NET:-front}\":\n",
        "    networks:\n      - ${NET:-back}\n",
    ];
    let mut out: Vec<Gen> = forms
        .iter()
        .enumerate()
        .map(|(i, f)| case(format!("svc-networks-{i:02}"), format!("{}{top}", svc(f))))
        .collect();
    let addressed = "networks:\n  front:\n    ipam:\n      config:\n        - subnet: 10.5.0.0/24\n        - subnet: fd00:5::/64\n    enable_ipv6: true\n";
    let addr = [
        "    networks:\n      front:\n        ipv4_address: 10.5.0.5\n",
        "    networks:\n      front:\n        ipv6_address: fd00:5::5\n",
        "    networks:\n      front:\n        ipv4_address: 10.5.0.5\n        ipv6_address: \"fd00:5:0::5\"\n        aliases: [db]\n",
        "    networks:\n      front:\n        ipv4_address: 10.5.0.300\n",
        "    networks:\n      front:\n        ipv4_address: ${IP:-10.5.0.9}\n",
        "    networks:\n      front:\n        ipv4_address: \"\"\n",
    ];
    out.extend(addr.iter().enumerate().map(|(i, f)| {
        case(
            format!("svc-address-{i:02}"),
            format!("{}{addressed}", svc(f)),
        )
    }));
    out
}

fn network_modes() -> Vec<Gen> {
    let modes = [
        "host",
        "none",
        "bridge",
        "\"service:b\"",
        "\"service:missing\"",
        "\"service:a\"",
        "\"container:foo\"",
        "mynet",
        "default",
        "\"${NM:-host}\"",
        "\"\"",
        "\"service:\"",
        "\"container:\"",
        "HOST",
    ];
    let mut out: Vec<Gen> = modes
        .iter()
        .enumerate()
        .map(|(i, m)| {
            case(
                format!("network-mode-{i:02}"),
                format!(
                    "{}  b:\n    image: redis\n    ports: [\"6379:6379\"]\n",
                    svc(&format!("    network_mode: {m}\n"))
                ),
            )
        })
        .collect();
    out.push(case(
        "network-mode-and-networks",
        format!(
            "{}networks:\n  front: {{}}\n",
            svc("    network_mode: host\n    networks: [front]\n")
        ),
    ));
    out.push(case(
        "network-mode-host-ports",
        svc("    network_mode: host\n    ports: [\"8080:80\"]\n"),
    ));
    out.push(case(
        "network-mode-service-chain",
        "services:\n  a:\n    image: x\n    network_mode: service:b\n  b:\n    image: x\n    network_mode: service:c\n  c:\n    image: x\n",
    ));
    out.push(case(
        "network-mode-service-cycle",
        "services:\n  a:\n    image: x\n    network_mode: service:b\n  b:\n    image: x\n    network_mode: service:a\n",
    ));
    out
}

fn top_networks() -> Vec<Gen> {
    let bodies = [
        "driver: overlay",
        "driver: macvlan",
        "driver: ${DRV:-bridge}",
        "internal: true",
        "internal: false",
        "internal: \"true\"",
        "internal: \"false\"",
        "internal: yes",
        "internal: \"yes\"",
        "internal: \"on\"",
        "internal: off",
        "internal: \"1\"",
        "internal: 1",
        "internal: \"${INTERNAL:-true}\"",
        "internal: \"${INTERNAL:-false}\"",
        "internal: True",
        "internal: TRUE",
        "internal: y",
        "internal: maybe",
        "external: true",
        "external: \"true\"",
        "external: \"false\"",
        "external: false",
        "external: yes",
        "external: true\nname: real",
        "external:\n  name: legacy",
        "external: true\ndriver: overlay",
        "name: custom",
        "name: \"${NNAME:-custom}\"",
        "name: Custom.Net",
        "ipam:\n  config:\n    - subnet: 172.28.0.0/16",
        "ipam:\n  config:\n    - subnet: 172.28.0.0/16\n      gateway: 172.28.0.1\n      ip_range: 172.28.5.0/24",
        "ipam:\n  config:\n    - subnet: fd00:1::/64\nenable_ipv6: true",
        "ipam:\n  config:\n    - subnet: 172.28.0.0/16\n    - subnet: fd00:1::/64\nenable_ipv6: \"true\"",
        "ipam:\n  config:\n    - subnet: 10.0.0.0/33",
        "ipam:\n  config:\n    - subnet: 172.28.0.1/16",
        "ipam:\n  driver: default\n  config: []",
        "ipam: {}",
        "attachable: true",
        "labels: [a=b]",
        "enable_ipv6: true",
        "driver_opts:\n  com.docker.network.bridge.name: br0",
        "internal: true\nexternal: true",
    ];
    let mut out: Vec<Gen> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let body: String = b.lines().map(|l| format!("    {l}\n")).collect();
            case(
                format!("top-network-{i:02}"),
                format!(
                    "{}networks:\n  back:\n{body}",
                    svc("    networks: [back]\n    ports: [\"8080:80\"]\n")
                ),
            )
        })
        .collect();
    out.push(case(
        "top-network-null",
        format!("{}networks:\n  back:\n", svc("    networks: [back]\n")),
    ));
    out.push(case(
        "top-network-unused",
        format!(
            "{}networks:\n  unused:\n    internal: true\n  other: {{}}\n",
            svc("    networks: [other]\n")
        ),
    ));
    out.push(case(
        "top-network-default-redefined",
        format!(
            "{}networks:\n  default:\n    name: shared\n    internal: true\n",
            svc("")
        ),
    ));
    out.push(case(
        "top-network-default-external",
        format!(
            "{}networks:\n  default:\n    external: true\n    name: host-net\n",
            svc("")
        ),
    ));
    out
}

fn project_names() -> Vec<Gen> {
    let simple = svc("    ports: [\"8080:80\"]\n");
    let named = |n: &str| format!("name: {n}\n{simple}");
    vec![
        case("name-in-file", named("fromfile")),
        case("name-upper-in-file", named("FromFile")),
        case("name-dots-in-file", named("my.app")),
        case("name-empty", named("\"\"")),
        case("name-interpolated", named("\"${PN:-interp}\"")),
        case("name-interpolated-env", named("\"${PN:-interp}\"")).env("PN", "fromenv"),
        case("name-p-flag", named("fromfile")).args(&["-p", "flagname"]),
        case("name-p-flag-upper", simple.clone()).args(&["-p", "FlagName"]),
        case("name-p-flag-dash-first", simple.clone()).args(&["-p", "-x"]),
        case("name-p-flag-underscore", simple.clone()).args(&["-p", "_x"]),
        case("name-env", named("fromfile")).env("COMPOSE_PROJECT_NAME", "envname"),
        case("name-env-upper", simple.clone()).env("COMPOSE_PROJECT_NAME", "EnvName"),
        case("name-env-and-p", simple.clone())
            .env("COMPOSE_PROJECT_NAME", "envname")
            .args(&["-p", "flagname"]),
        case("name-dotenv", named("fromfile")).file(".env", "COMPOSE_PROJECT_NAME=dotenvname\n"),
        case("name-dotenv-vs-env", simple.clone())
            .file(".env", "COMPOSE_PROJECT_NAME=dotenvname\n")
            .env("COMPOSE_PROJECT_NAME", "envname"),
        case("name-env-file", simple.clone())
            .file("my.env", "COMPOSE_PROJECT_NAME=envfilename\n")
            .args(&["--env-file", "my.env"]),
        case("name-override-file", named("first")).file("compose.override.yaml", "name: second\n"),
        case("name-f-files", named("first"))
            .file(
                "b.yaml",
                "name: second\nservices:\n  a:\n    ports: [\"9090:90\"]\n",
            )
            .args(&["-f", "compose.yaml", "-f", "b.yaml"]),
        case("name-f-second-only", simple.clone())
            .file("b.yaml", "name: second\n")
            .args(&["-f", "compose.yaml", "-f", "b.yaml"]),
        case("name-from-dotenv-var", named("\"${PN}\"")).file(".env", "PN=viaenv\n"),
        case("name-invalid-chars", named("\"a b\"")),
    ]
}

fn profiles() -> Vec<Gen> {
    let p = "services:\n  a:\n    image: x\n  b:\n    image: x\n    profiles: [debug]\n    networks: [dbg]\n  c:\n    image: x\n    profiles: [full, debug]\nnetworks:\n  dbg: {}\n";
    vec![
        case("profiles-none", p),
        case("profiles-flag", p).args(&["--profile", "debug"]),
        case("profiles-flag-two", p).args(&["--profile", "debug", "--profile", "full"]),
        case("profiles-env", p).env("COMPOSE_PROFILES", "full"),
        case("profiles-env-list", p).env("COMPOSE_PROFILES", "full,debug"),
        case("profiles-env-star", p).env("COMPOSE_PROFILES", "*"),
        case("profiles-dotenv", p).file(".env", "COMPOSE_PROFILES=debug\n"),
        case("profiles-env-file", p)
            .file("x.env", "COMPOSE_PROFILES=full\n")
            .args(&["--env-file", "x.env"]),
        case("profiles-env-over-dotenv", p)
            .file(".env", "COMPOSE_PROFILES=debug\n")
            .env("COMPOSE_PROFILES", "full"),
        case("profiles-flag-and-env", p)
            .env("COMPOSE_PROFILES", "full")
            .args(&["--profile", "debug"]),
        case(
            "profiles-interpolated",
            "services:\n  a:\n    image: x\n    profiles: [\"${PROF:-x}\"]\n",
        )
        .env("COMPOSE_PROFILES", "x"),
        case(
            "profiles-depends-on-disabled",
            "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    profiles: [off]\n",
        ),
        case(
            "profiles-network-mode-disabled",
            "services:\n  a:\n    image: x\n    network_mode: service:b\n  b:\n    image: x\n    profiles: [off]\n",
        ),
    ]
}

fn interpolation() -> Vec<Gen> {
    let t = |name: &str, body: &str| case(name, svc(body));
    vec![
        t("interp-default", "    ports: [\"${P:-8080}:80\"]\n"),
        t("interp-default-set", "    ports: [\"${P:-8080}:80\"]\n").env("P", "9090"),
        t("interp-default-empty", "    ports: [\"${P:-8080}:80\"]\n").env("P", ""),
        t("interp-dash-empty", "    ports: [\"${P-8080}:80\"]\n").env("P", ""),
        t("interp-required", "    ports: [\"${P:?need a port}:80\"]\n"),
        t(
            "interp-required-set",
            "    ports: [\"${P:?need a port}:80\"]\n",
        )
        .env("P", "81"),
        t("interp-alt", "    ports: [\"${P:+9000}:80\"]\n").env("P", "1"),
        t("interp-alt-unset", "    ports: [\"${P:+9000}80\"]\n"),
        t("interp-nested", "    ports: [\"${P:-${Q:-7070}}:80\"]\n"),
        t(
            "interp-dollar",
            "    ports: [\"8080:80\"]\n    command: \"echo $$HOME\"\n",
        ),
        t("interp-unset", "    ports: [\"${UNSET}8080:80\"]\n"),
        t("interp-bare", "    ports: [\"$P:80\"]\n").env("P", "6060"),
        t("interp-dotenv", "    ports: [\"${P}:80\"]\n").file(".env", "P=5050\n"),
        t("interp-dotenv-env-wins", "    ports: [\"${P}:80\"]\n")
            .file(".env", "P=5050\n")
            .env("P", "5151"),
        t("interp-dotenv-quoted", "    ports: [\"${P}:80\"]\n").file(".env", "P=\"5252\" # c\n"),
        t("interp-dotenv-ref", "    ports: [\"${P}:80\"]\n").file(".env", "Q=53\nP=${Q}53\n"),
        t("interp-bad-syntax", "    ports: [\"${P:80\"]\n"),
        t("interp-network-name", "    networks: [\"${N:-front}\"]\n").file(".env", "N=front\n"),
        case(
            "interp-in-network-key",
            format!(
                "{}networks:\n  front:\n    name: \"${{NN:-x}}_net\"\n",
                svc("    networks: [front]\n")
            ),
        ),
        case(
            "interp-service-key",
            "services:\n  ${SVC:-a}:\n    image: x\n",
        ),
    ]
}

/// Directory mode override files and `-f` merges.
fn merges() -> Vec<Gen> {
    let base = "services:\n  a:\n    image: nginx\n    ports: [\"8080:80\"]\n    networks: [back]\nnetworks:\n  back: {}\n";
    let ov = |name: &str, text: &str| case(name, base).file("compose.override.yaml", text);
    let f = |name: &str, text: &str| {
        case(name, base)
            .file("b.yaml", text)
            .args(&["-f", "compose.yaml", "-f", "b.yaml"])
    };
    let mut out = vec![
        ov("ov-ports-append", "services:\n  a:\n    ports: [\"9000:90\"]\n"),
        ov("ov-ports-same", "services:\n  a:\n    ports: [\"8080:80\"]\n"),
        ov("ov-top-internal", "networks:\n  back:\n    internal: true\n"),
        ov(
            "ov-top-external",
            "networks:\n  back:\n    external: true\n    name: shared\n",
        ),
        ov("ov-top-name", "networks:\n  back:\n    name: renamed\n"),
        ov("ov-top-driver", "networks:\n  back:\n    driver: overlay\n"),
        ov("ov-name", "name: fromoverride\n"),
        ov("ov-new-network", "services:\n  a:\n    networks: [front]\nnetworks:\n  front: {}\n"),
        ov(
            "ov-networks-map",
            "services:\n  a:\n    networks:\n      back:\n        aliases: [x]\n",
        ),
        ov("ov-reset-ports", "services:\n  a:\n    ports: !reset []\n"),
        ov("ov-override-ports", "services:\n  a:\n    ports: !override [\"7000:70\"]\n"),
        ov(
            "ov-override-networks",
            "services:\n  a:\n    networks: !override [front]\nnetworks:\n  front: {}\n",
        ),
        ov("ov-network-mode", "services:\n  a:\n    network_mode: host\n"),
        ov(
            "ov-network-mode-reset-networks",
            "services:\n  a:\n    network_mode: host\n    networks: !reset []\n",
        ),
        ov("ov-new-service", "services:\n  b:\n    image: redis\n"),
        ov("ov-service-only-ports", "services:\n  b:\n    ports: [\"1:1\"]\n"),
        ov(
            "ov-ipam",
            "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 172.30.0.0/16\n",
        ),
        ov("ov-long-port-dup", "services:\n  a:\n    ports:\n      - target: 80\n        published: 8080\n"),
        ov("ov-profiles", "services:\n  a:\n    profiles: [x]\n"),
        f("f-ports-append", "services:\n  a:\n    ports: [\"9000:90\"]\n"),
        f("f-top-internal", "networks:\n  back:\n    internal: true\n"),
        f(
            "f-ipam",
            "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 172.23.0.0/16\n",
        ),
        f("f-reset-networks", "services:\n  a:\n    networks: !reset []\n"),
        f("f-name", "name: second\n"),
        case("f-only-second", base)
            .file("b.yaml", "services:\n  z:\n    image: x\n")
            .args(&["-f", "b.yaml"]),
        case(
            "ov-ipam-both",
            "services:\n  a:\n    image: x\n    networks: [back]\nnetworks:\n  back:\n    ipam:\n      config:\n        - subnet: 172.24.0.0/16\n",
        )
        .file(
            "compose.override.yaml",
            "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 172.23.0.0/16\n        - subnet: 172.25.0.0/16\n",
        ),
        case(
            "reset-in-first",
            "services:\n  a:\n    image: x\n    ports: !reset [\"8090:90\"]\n",
        )
        .file("compose.override.yaml", "services:\n  a:\n    ports: [\"8091:91\"]\n"),
        case("two-default-names", "services:\n  z:\n    image: x\n")
            .file("compose.yml", "services:\n  a:\n    image: x\n"),
        case("docker-compose-name", "services:\n  z:\n    image: x\n")
            .file("docker-compose.yml", "services:\n  a:\n    image: x\n"),
        case("two-overrides", base)
            .file("compose.override.yml", "services:\n  a:\n    ports: [\"8084:84\"]\n")
            .file("compose.override.yaml", "services:\n  a:\n    ports: [\"8085:85\"]\n"),
        case("docker-compose-override", base).file(
            "docker-compose.override.yml",
            "services:\n  a:\n    ports: [\"8086:86\"]\n",
        ),
    ];
    // Only a docker-compose.yml plus its override.
    out.push(Gen {
        name: "docker-compose-and-override".into(),
        files: vec![
            ("docker-compose.yml".into(), base.into()),
            (
                "docker-compose.override.yml".into(),
                "services:\n  a:\n    ports: [\"8087:87\"]\n".into(),
            ),
        ],
        args: vec![],
        env: vec![],
    });
    out
}

fn extends() -> Vec<Gen> {
    let base = "services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n    networks: [front]\nnetworks:\n  front: {}\n";
    vec![
        case(
            "extends-same-file",
            "services:\n  base:\n    image: x\n    ports: [\"8080:80\"]\n  a:\n    extends: base\n    ports: [\"9090:90\"]\n",
        ),
        case(
            "extends-map",
            "services:\n  base:\n    image: x\n    ports: [\"8080:80\"]\n  a:\n    extends:\n      service: base\n",
        ),
        case(
            "extends-other-file",
            "services:\n  a:\n    extends:\n      file: base.yaml\n      service: web\n    ports: [\"8081:81\"]\nnetworks:\n  front: {}\n",
        )
        .file("base.yaml", base),
        case(
            "extends-other-file-undeclared-network",
            "services:\n  a:\n    extends:\n      file: base.yaml\n      service: web\n",
        )
        .file("base.yaml", base),
        case("extends-missing", "services:\n  a:\n    image: x\n    extends: ghost\n"),
        case(
            "extends-missing-file",
            "services:\n  a:\n    extends:\n      file: nope.yaml\n      service: web\n",
        ),
        case(
            "extends-cycle",
            "services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: a\n",
        ),
        case("extends-self", "services:\n  a:\n    image: x\n    extends: a\n"),
        case(
            "extends-self-file",
            "services:\n  a:\n    image: x\n    extends:\n      file: compose.yaml\n      service: a\n",
        ),
        case(
            "extends-chain",
            "services:\n  a:\n    extends: b\n    ports: [\"1:1\"]\n  b:\n    extends: c\n    ports: [\"2:2\"]\n  c:\n    image: x\n    ports: [\"3:3\"]\n",
        ),
        case(
            "extends-reset",
            "services:\n  base:\n    image: x\n    ports: [\"8080:80\"]\n  a:\n    extends: base\n    ports: !reset []\n",
        ),
        case(
            "extends-networks-merge",
            "services:\n  base:\n    image: x\n    networks:\n      front:\n        aliases: [x]\n  a:\n    extends: base\n    networks:\n      front:\n        aliases: [y]\nnetworks:\n  front: {}\n",
        ),
        case(
            "extends-network-mode",
            "services:\n  base:\n    image: x\n    network_mode: host\n  a:\n    extends: base\n",
        ),
        case(
            "extends-interpolated",
            "services:\n  base:\n    image: x\n  a:\n    extends: ${B:-base}\n",
        ),
    ]
}

fn include() -> Vec<Gen> {
    let sub = "services:\n  b:\n    image: redis\n    ports: [\"${RP:-6379}:6379\"]\n    networks: [n]\nnetworks:\n  n: {}\n";
    vec![
        case(
            "include-simple",
            "include: [sub/compose.yaml]\nservices:\n  a:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub),
        case(
            "include-long",
            "include:\n  - path: sub/compose.yaml\nservices:\n  a:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub),
        case(
            "include-env-file",
            "include:\n  - path: sub/compose.yaml\n    env_file: sub/x.env\nservices:\n  a:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub)
        .file("sub/x.env", "RP=6400\n"),
        case(
            "include-parent-env",
            "include: [sub/compose.yaml]\nservices:\n  a:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub)
        .file(".env", "RP=6401\n"),
        case(
            "include-sub-dotenv",
            "include: [sub/compose.yaml]\nservices:\n  a:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub)
        .file("sub/.env", "RP=6402\n"),
        case(
            "include-both-dotenv",
            "include: [sub/compose.yaml]\nservices:\n  a:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub)
        .file("sub/.env", "RP=6402\n")
        .file(".env", "RP=6403\n"),
        case(
            "include-process-env",
            "include: [sub/compose.yaml]\nservices:\n  a:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub)
        .file("sub/.env", "RP=6402\n")
        .env("RP", "6404"),
        case(
            "include-network-conflict",
            "include: [sub/compose.yaml]\nservices:\n  a:\n    image: x\n    networks: [n]\nnetworks:\n  n: {}\n",
        )
        .file("sub/compose.yaml", sub),
        case(
            "include-service-conflict",
            "include: [sub/compose.yaml]\nservices:\n  b:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub),
        case(
            "include-uses-network",
            "include: [sub/compose.yaml]\nservices:\n  a:\n    image: x\n    networks: [n]\n",
        )
        .file("sub/compose.yaml", sub),
        case("include-self", "include: [compose.yaml]\nservices:\n  a:\n    image: x\n"),
        case(
            "include-cycle",
            "include: [b.yaml]\nservices:\n  a:\n    image: x\n",
        )
        .file("b.yaml", "include: [compose.yaml]\nservices:\n  b:\n    image: x\n"),
        case("include-missing", "include: [nope.yaml]\nservices:\n  a:\n    image: x\n"),
        case(
            "include-twice",
            "include: [sub/compose.yaml, sub/compose.yaml]\nservices:\n  a:\n    image: x\n",
        )
        .file("sub/compose.yaml", sub),
        case(
            "include-diamond",
            "include: [l.yaml, r.yaml]\nservices:\n  a:\n    image: x\n",
        )
        .file("l.yaml", "include: [sub/compose.yaml]\nservices:\n  l:\n    image: x\n")
        .file("r.yaml", "include: [sub/compose.yaml]\nservices:\n  r:\n    image: x\n")
        .file("sub/compose.yaml", sub),
    ]
}

/// YAML go-yaml reads (and some it refuses), on a field both tools read.
fn yaml() -> Vec<Gen> {
    let docs = [
        "services:\n  a:\n    image: x\n    ports: [\n      \"8080:80\",\n      \"8081:81\"\n    ]\n",
        "services:\n  a:\n    image: x\n    ports: [\n  \"8080:80\"\n  ]\n",
        "services:\n  a:\n    image: x\n    ports: [\n\"8080:80\",\n\"8081:81\"\n]\n",
        "services:\n  a:\n    image: x\n    ports: [\n8080,\n]\n",
        "services:\n  a:\n    image: x\n    healthcheck:\n      test: [\n          \"CMD-SHELL\",\n          \"true\"\n      ]\n    ports: [\"8080:80\"]\n",
        "services:\n  a:\n    image: x\n    ports: [\"8080:80\", [\n  \"x\"]]\n",
        "services:\n  a:\n    image: x\n    command: \"a\nb\"\n    ports: [\"8080:80\"]\n",
        "services:\n  a:\n    image: x\n    command: 'a\nb'\n    ports: [\"8080:80\"]\n",
        "services:\n  a:\n    image: x\n    command: \"a\n\tb\"\n    ports: [\"8080:80\"]\n",
        "services:\n  a:\n    image: x\n    labels: {\na: b,\nc: d\n}\n    ports: [\"8080:80\"]\n",
        "services:\n  a:\n    image: x\n    ports: [ &p\n\"8080:80\", *p]\n",
        "services:\n  a:\n    image: x\n    ports: [\"8080:80\",\n\t\"8081:81\"]\n",
        "services: {a: {image: x,\nports: [\"8080:80\"]}}\n",
        "services:\n  a:\n    image: x\n    ports:\n    - \"8080:80\"\n    -\t\"8081:81\"\n",
        "services:\n  a:\n    image: x\n    command: >\n     a\n\tb\n",
        "services:\n  a:\n    image: x\n    ports:\t[\"8080:80\"]\n",
        "services:\n  a:\n    image:\tx\n    ports:\n      -\t\"8080:80\"\n",
        "services:\n  a:\n    image:\tx\n    ports: [\"8080:80\"]\n",
        "x-base: &base\n  image: x\n  ports: [\"8080:80\"]\nservices:\n  a:\n    <<: *base\n  b:\n    <<: *base\n    ports: [\"9090:90\"]\n",
        "x-n: &n\n  internal: true\nservices:\n  a:\n    image: x\n    networks: [back]\nnetworks:\n  back:\n    <<: *n\n",
        "x-a: &a {image: x}\nx-b: &b {ports: [\"1:1\"]}\nservices:\n  a:\n    <<: [*a, *b]\n",
        "services:\n  a:\n    image: x\n    image: y\n",
        "services:\n  a:\n    image: x\n  a:\n    image: y\n",
        "services:\n  a:\n    image: x\n    ports: [\"8080:80\"]\n---\nservices:\n  b:\n    image: y\n",
        "\u{feff}services:\n  a:\n    image: x\n",
        "services:\n  a:\n    image: x\n    ports: [\"8080:80\"] # c\n# end\n",
        "services:\n  a:\n    image: x\n    ports: [\"8080:80\",]\n",
        "{\"services\": {\"a\": {\"image\": \"x\", \"ports\": [\"8080:80\"]}}}\n",
        "services:\n  a:\n    image: x\n    ports:\n      - !!str 8080:80\n",
        "services:\n  a:\n    image: x\n    ports: [*undefined]\n",
        "services:\n  a:\n    image: x\n    ports: !!seq [\"8080:80\"]\n",
        "services:\n  ? a\n  : image: x\n",
    ];
    docs.iter()
        .enumerate()
        .map(|(i, d)| case(format!("yaml-{i:02}"), *d))
        .collect()
}

pub fn all() -> Vec<Gen> {
    let mut out = Vec::new();
    for group in [
        short_ports(),
        port_grid(),
        long_ports(),
        expose(),
        service_networks(),
        network_modes(),
        top_networks(),
        project_names(),
        profiles(),
        interpolation(),
        merges(),
        extends(),
        include(),
        yaml(),
    ] {
        out.extend(group);
    }
    out
}

/// Write every generated case under `root` (one directory each, named after
/// the case: the directory name is the default project name).
pub fn write_all(root: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for g in all() {
        let dir = root.join(&g.name);
        for (name, text) in &g.files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let mut topoc_args = g.args.clone();
        if !g.args.iter().any(|a| a == "-f") {
            topoc_args.push(".".into());
        }
        out.push(Case {
            name: format!("gen/{}", g.name),
            dir,
            topoc_args,
            compose_args: g.args,
            env: g.env,
        });
    }
    out
}
