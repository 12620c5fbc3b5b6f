//! Generated cases covering the grammar docker compose loads: short and long
//! port syntax, expose, service and top-level networks, `network_mode`,
//! booleans, project names, profiles, interpolation, override files and
//! `-f` merges with tags, `extends`, `include`, and YAML as go-yaml reads it.
//! Each case is a small directory written under the test's temp dir.

use super::Case;
use super::files_cases as files;
use super::ports_cases as ports;
use std::path::Path;

pub struct Gen {
    pub(super) name: String,
    pub(super) files: Vec<(String, String)>,
    /// Flags both tools take alike (`-f`, `-p`, `--profile`, `--env-file`).
    pub(super) args: Vec<String>,
    pub(super) env: Vec<(String, String)>,
}

pub(super) fn case(name: impl Into<String>, compose: impl Into<String>) -> Gen {
    Gen {
        name: name.into(),
        files: vec![("compose.yaml".into(), compose.into())],
        args: vec![],
        env: vec![],
    }
}

impl Gen {
    pub(super) fn file(mut self, name: &str, text: impl Into<String>) -> Self {
        self.files.push((name.into(), text.into()));
        self
    }
    pub(super) fn args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|s| (*s).to_string()).collect();
        self
    }
    pub(super) fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
}

pub(super) fn svc(body: &str) -> String {
    format!("services:\n  a:\n    image: nginx\n{body}")
}

/// One service `a` with one `ports` entry written as is.
pub(super) fn port(entry: &str) -> String {
    svc(&format!("    ports:\n      - {entry}\n"))
}

pub(super) fn long_port(body: &str) -> String {
    let body: String = body.lines().map(|l| format!("        {l}\n")).collect();
    svc(&format!("    ports:\n      -\n{body}"))
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
        ports::short_ports(),
        ports::port_grid(),
        ports::long_ports(),
        ports::expose(),
        service_networks(),
        network_modes(),
        top_networks(),
        project_names(),
        profiles(),
        interpolation(),
        files::merges(),
        files::extends(),
        files::include(),
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
