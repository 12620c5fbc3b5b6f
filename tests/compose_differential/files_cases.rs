//! Generated cases of several files: override files in directory mode,
//! `-f` merges with `!reset`/`!override`, `extends`, `include`.

use super::cases::{Gen, case};

/// Directory mode override files and `-f` merges.
pub(super) fn merges() -> Vec<Gen> {
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

pub(super) fn extends() -> Vec<Gen> {
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

pub(super) fn include() -> Vec<Gen> {
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
