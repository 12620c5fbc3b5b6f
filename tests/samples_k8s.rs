//! The Kubernetes and Istio samples: `check` (concise) and `connectivity`
//! output are snapshotted (reviewed), and the key flows are asserted.

mod common;
use common::{stdout, topoc};

const SAMPLES: &[&str] = &["k8s-web", "k8s-policies", "istio-canary"];

#[test]
fn check_and_connectivity_snapshots() {
    for s in SAMPLES {
        let path = format!("samples/{s}");
        let check = topoc(&["check", "--format", "concise", &path]);
        assert_eq!(check.status.code(), Some(0), "{s}: {}", stdout(&check));
        insta::assert_snapshot!(format!("{s}-check"), stdout(&check));
        let conn = topoc(&["connectivity", &path]);
        assert_eq!(conn.status.code(), Some(0), "{s}");
        insta::assert_snapshot!(format!("{s}-connectivity"), stdout(&conn));
    }
}

#[test]
fn policies_sample_isolates_the_database() {
    let out = stdout(&topoc(&["connectivity", "samples/k8s-policies"]));
    let to_db: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("=> production/db["))
        .collect();
    assert_eq!(
        to_db,
        ["production/api[Deployment] => production/db[StatefulSet] : TCP 5432"]
    );
    assert!(out.contains("production/web[Deployment] => production/api[Deployment] : TCP 8080"));
    assert!(!out.contains("=> production/api[Deployment] : All"));
}

#[test]
fn focus_and_formats() {
    let out = stdout(&topoc(&[
        "connectivity",
        "samples/k8s-policies",
        "--focus",
        "db",
        "--format",
        "csv",
    ]));
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("src,dst,conn"));
    assert!(
        lines.all(|l| l.contains("production/db[StatefulSet]")),
        "{out}"
    );
    let json = stdout(&topoc(&[
        "connectivity",
        "samples/k8s-policies",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|e| e["src"].is_string() && e["conn"].is_string())
    );
    let dot = stdout(&topoc(&[
        "connectivity",
        "samples/k8s-policies",
        "--format",
        "dot",
    ]));
    assert!(
        dot.starts_with("digraph")
            && dot.contains("subgraph cluster_")
            && dot.contains("style=dashed")
    );
    let mm = stdout(&topoc(&[
        "connectivity",
        "samples/k8s-policies",
        "--format",
        "mermaid",
    ]));
    assert!(mm.starts_with("flowchart LR") && mm.contains("subgraph") && mm.contains("-->|"));
    let md = stdout(&topoc(&[
        "connectivity",
        "samples/k8s-policies",
        "--format",
        "md",
    ]));
    assert!(md.starts_with("| src | dst | conn |"));
}

#[test]
fn explain_names_the_rules() {
    let o = topoc(&[
        "explain",
        "samples/k8s-policies",
        "--from",
        "web",
        "--to",
        "db",
        "--port",
        "5432/tcp",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        out.starts_with(
            "DENIED: production/web[Deployment] => production/db[StatefulSet] on 5432/tcp"
        ),
        "{out}"
    );
    assert!(
        out.contains("policy production/allow-api-to-db (samples/k8s-policies/policies.yaml:"),
        "{out}"
    );
    let o = topoc(&[
        "explain",
        "samples/k8s-policies",
        "--from",
        "api",
        "--to",
        "db",
    ]);
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "ALLOWED: production/api[Deployment] => production/db[StatefulSet] : TCP 5432"
        ),
        "{out}"
    );
    assert!(
        out.contains("ingress rule #1 (samples/k8s-policies/policies.yaml:"),
        "{out}"
    );
    let bad = topoc(&[
        "explain",
        "samples/k8s-policies",
        "--from",
        "nope",
        "--to",
        "db",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn istio_routes_are_in_the_ir() {
    let out = stdout(&topoc(&["ir", "samples/istio-canary", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let routes = v["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 1);
    let http = routes[0]["http"].as_array().unwrap();
    assert_eq!(http[0]["matches"][0]["headers"]["canary"]["value"], "true");
    assert_eq!(http[1]["destinations"][0]["weight"], 90);
    assert_eq!(http[1]["mirror"]["subset"], "v2");
    assert_eq!(http[1]["mirror_percentage"], 10.0);
}
