//! Kubernetes semantics end to end on targeted fixtures: the NetworkPolicy
//! traps of design §4.2 in `connectivity`, and the primary spans of the
//! isolation findings (design §7). Per-rule fail/pass snapshots live in
//! tests/rules.rs.

mod common;
use common::{check_json, rule_lines, stdout, topoc};
use std::io::Write;

fn connectivity(path: &str) -> Vec<String> {
    let o = topoc(&["connectivity", path]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    stdout(&o).lines().map(String::from).collect()
}

#[test]
fn network_policy_traps() {
    let lines = connectivity("tests/fixtures/kube/traps.yaml");
    let has = |l: &str| lines.iter().any(|x| x == l);
    // Named port resolved on the destination (x: web=8080), SCTP kept apart;
    // x's ingress allows only 8000-8100 from b/y, so 8080 lands in range.
    assert!(has("b/y[Pod] => a/x[Pod] : TCP 8080"), "{lines:#?}");
    // y's egress-only policy (no policyTypes) also isolates its ingress.
    assert!(
        !lines
            .iter()
            .any(|l| l.ends_with("=> b/y[Pod] : All Connections")),
        "{lines:#?}"
    );
    // z (app=x in namespace b) is not reachable through x's ANDed peer and is
    // not isolated: everybody reaches z.
    assert!(has("a/x[Pod] => b/z[Pod] : All Connections"));
    // External sources split at the ipBlock and its except.
    assert!(
        has("10.0.0.0-10.0.255.255[External] => a/x[Pod] : All Connections"),
        "{lines:#?}"
    );
    assert!(has(
        "10.2.0.0-10.255.255.255[External] => a/x[Pod] : All Connections"
    ));
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("10.1.0.0-10.1.255.255[External] => a/x"))
    );
    assert!(has(
        "10.1.0.0-10.1.255.255[External] => b/z[Pod] : All Connections"
    ));
    // y's egress to x: port web (8080/TCP) and SCTP 53 by name.
    assert!(!has(
        "b/y[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections"
    ));
}

#[test]
fn isolation_findings_point_at_policy_types_or_the_direction_key() {
    let (_, report) = check_json(&["tests/fixtures/kube/traps.yaml"]);
    let lines = rule_lines(&report);
    // y-egress has no policyTypes: the `egress:` key (line 65) is primary.
    assert!(
        lines.contains(&("policy-types-implicit".into(), 65)),
        "{lines:?}"
    );
    assert!(
        lines.contains(&("egress-blocks-dns".into(), 65)),
        "{lines:?}"
    );
    // The ipBlock rule of x-ingress: external addresses on every port.
    assert!(
        !lines.iter().any(|(r, _)| r == "policy-allows-all"),
        "{lines:?}"
    );
}

fn temp_yaml(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn dns_udp_without_tcp_is_a_warning_and_policy_types_key_is_primary() {
    let f = temp_yaml(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: p}\nspec:\n  containers: [{name: c, image: i}]\n---\n\
apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\nspec:\n  podSelector: {}\n  policyTypes:\n  - Egress\n  egress:\n  - ports:\n    - port: 53\n      protocol: UDP\n",
    );
    let (_, report) = check_json(&[f.path().to_str().unwrap()]);
    let d = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "egress-blocks-dns")
        .expect("egress-blocks-dns fires");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["line"], 15);
}

#[test]
fn invalid_manifests_exit_2_with_spans() {
    let f = temp_yaml(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - {}\n    - ipBlock: {cidr: 10.0.0.0/33}\n    ports:\n    - port: 99999\n",
    );
    let (code, report) = check_json(&[f.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    let lines = rule_lines(&report);
    assert!(lines.contains(&("invalid-value".into(), 9)), "{lines:?}");
    assert!(lines.contains(&("invalid-address".into(), 10)), "{lines:?}");
    assert!(lines.contains(&("invalid-port".into(), 12)), "{lines:?}");
    let o = topoc(&["connectivity", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn lists_json_and_owner_references() {
    let f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(
        f.path(),
        r#"{"apiVersion":"v1","kind":"PodList","items":[
{"metadata":{"name":"agent-1","namespace":"ops","labels":{"app":"agent"},
  "ownerReferences":[{"kind":"DaemonSet","name":"agent","controller":true}]},"spec":{"containers":[{"name":"c"}]}},
{"metadata":{"name":"agent-2","namespace":"ops","labels":{"app":"agent"},
  "ownerReferences":[{"kind":"DaemonSet","name":"agent","controller":true}]},"spec":{"containers":[{"name":"c"}]}},
{"metadata":{"name":"solo","namespace":"ops"},"spec":{"containers":[{"name":"c"}]}}]}"#,
    )
    .unwrap();
    let lines = connectivity(f.path().to_str().unwrap());
    assert!(
        lines.contains(&"ops/agent[DaemonSet] => ops/solo[Pod] : All Connections".to_string()),
        "{lines:#?}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("ops/agent[DaemonSet] =>"))
            .count(),
        2
    );
}
