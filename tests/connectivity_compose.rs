//! Compose semantics of `topoc connectivity` (design §6): shared networks,
//! internal networks, publications (non-loopback, container port), network
//! modes, and the `x-topoc.policy` variants.

mod common;
use common::{stdout, topoc};

fn project(compose: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("shop").tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    dir
}

fn connectivity(compose: &str) -> Vec<String> {
    let dir = project(compose);
    let o = topoc(&["connectivity", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    stdout(&o).lines().map(String::from).collect()
}

const SHOP: &str = r#"
name: shop
x-topoc:
  policy: POLICY
services:
  web:
    image: nginx
    ports: ["8080:80", "127.0.0.1:9000:9000", "53:53/udp"]
    networks: [front]
    x-topoc:
      talks-to: ["api:3000"]
  api:
    image: api
    networks: [front, back]
    x-topoc:
      talks-to: ["db:5432/tcp"]
  db:
    image: postgres
    ports: ["5432:5432"]
    networks: [back]
  sidecar:
    image: envoy
    network_mode: service:api
  tool:
    image: busybox
    network_mode: none
networks:
  front: {}
  back:
    internal: true
"#;

#[test]
fn isolate_networks() {
    let got = connectivity(&SHOP.replace("POLICY", "isolate-networks"));
    let want = [
        "0.0.0.0-255.255.255.255[External] => shop/web[ComposeService] : TCP 80,UDP 53",
        "shop/api[ComposeService] => 0.0.0.0-255.255.255.255[External] : All Connections",
        "shop/api[ComposeService] => shop/db[ComposeService] : All Connections",
        "shop/api[ComposeService] => shop/sidecar[ComposeService] : All Connections",
        "shop/api[ComposeService] => shop/web[ComposeService] : All Connections",
        "shop/db[ComposeService] => shop/api[ComposeService] : All Connections",
        "shop/db[ComposeService] => shop/sidecar[ComposeService] : All Connections",
        "shop/sidecar[ComposeService] => 0.0.0.0-255.255.255.255[External] : All Connections",
        "shop/sidecar[ComposeService] => shop/api[ComposeService] : All Connections",
        "shop/sidecar[ComposeService] => shop/db[ComposeService] : All Connections",
        "shop/sidecar[ComposeService] => shop/web[ComposeService] : All Connections",
        "shop/web[ComposeService] => 0.0.0.0-255.255.255.255[External] : All Connections",
        "shop/web[ComposeService] => shop/api[ComposeService] : All Connections",
        "shop/web[ComposeService] => shop/sidecar[ComposeService] : All Connections",
    ];
    assert_eq!(got, want);
}

#[test]
fn default_deny_keeps_talks_to_and_publications() {
    let got = connectivity(&SHOP.replace("POLICY", "default-deny"));
    assert_eq!(
        got,
        [
            "0.0.0.0-255.255.255.255[External] => shop/web[ComposeService] : TCP 80,UDP 53",
            "shop/api[ComposeService] => shop/db[ComposeService] : TCP 5432",
            "shop/web[ComposeService] => shop/api[ComposeService] : TCP 3000",
        ]
    );
}

#[test]
fn open_lets_every_service_reach_every_other() {
    let got = connectivity(&SHOP.replace("POLICY", "open"));
    assert!(got.contains(
        &"shop/web[ComposeService] => shop/db[ComposeService] : All Connections".to_string()
    ));
    // `network_mode: none` reaches nothing, even when the project is open.
    assert!(!got.iter().any(|l| l.contains("shop/tool")), "{got:?}");
    // Still no inbound path to db: its only network is internal.
    assert!(
        !got.iter()
            .any(|l| l.ends_with("=> shop/db[ComposeService] : TCP 5432")
                && l.starts_with("0.0.0.0"))
    );
}

#[test]
fn explain_compose_names_networks() {
    let dir = project(&SHOP.replace("POLICY", "isolate-networks"));
    let p = dir.path().to_str().unwrap();
    let o = topoc(&[
        "explain", p, "--from", "web", "--to", "db", "--port", "5432",
    ]);
    let out = stdout(&o);
    assert!(
        out.starts_with("DENIED: shop/web[ComposeService] => shop/db[ComposeService] on 5432/tcp"),
        "{out}"
    );
    assert!(out.contains("share no network"), "{out}");
    let o = topoc(&["explain", p, "--from", "api", "--to", "db"]);
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "ALLOWED: shop/api[ComposeService] => shop/db[ComposeService] : All Connections"
        ),
        "{out}"
    );
    assert!(out.contains("shared networks: shop/back"), "{out}");
}
