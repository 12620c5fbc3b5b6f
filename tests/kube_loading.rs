//! Kubernetes objects as the API server defaults them and as `kubectl apply`
//! leaves them: zero-valued ports, duplicate objects, static pods.

mod common;

use serde_json::Value;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn ir(args: &[&str]) -> Value {
    let mut all = vec!["ir"];
    all.extend_from_slice(args);
    let o = common::topoc(&all);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web, copy: COPY}}\n    spec:\n      containers: [{name: c, image: x, ports: [{containerPort: 80}]}]\n";

/// `SetDefaults_Service`: targetPort 0 is `port`, nodePort 0 is unset
/// (kompose writes `targetPort: 0` for every headless Service).
#[test]
fn zero_ports_are_api_defaults() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "svc.yaml",
        &format!(
            "{}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec:\n  type: NodePort\n  selector: {{app: web}}\n  ports: [{{port: 8080, targetPort: 0, nodePort: 0}}]\n",
            DEPLOYMENT.replace("COPY", "a")
        ),
    );
    let v = ir(&[&f]);
    let port = &v["services"][0]["ports"][0];
    assert_eq!(port["target_port"], 8080);
    assert_eq!(port["node_port"], Value::Null);
    // A real out-of-range value is still refused.
    let bad = write(
        d.path(),
        "bad.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80, nodePort: 70000}]\n",
    );
    assert_eq!(common::topoc(&["ir", &bad]).status.code(), Some(2));
}

/// Large inputs read identities on two threads: every copy but the last of
/// each object is dropped, whichever half of the input each copy is in,
/// and objects that differ only in API group or namespace stay apart.
#[test]
fn duplicates_among_many_objects_keep_the_last_copy() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let cm = |name: &str, ns: &str, api: &str, copy: usize| {
        format!(
            "apiVersion: {api}\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {ns}}}\ndata: {{copy: '{copy}'}}\n---\n"
        )
    };
    let mut expected_dups = 0;
    // 3,000 distinct objects, then second and third copies of some of
    // them, spread over both halves of the input.
    for i in 0..3000 {
        text += &cm(&format!("c{i}"), "a", "v1", 0);
    }
    for i in (0..3000).step_by(3) {
        text += &cm(&format!("c{i}"), "a", "v1", 1);
        expected_dups += 1;
    }
    for i in (0..3000).step_by(9) {
        text += &cm(&format!("c{i}"), "a", "v1", 2);
        expected_dups += 1;
    }
    // Same kind and name, another namespace or another group: not copies.
    for i in 0..200 {
        text += &cm(&format!("c{i}"), "b", "v1", 0);
        text += &cm(&format!("c{i}"), "a", "example.com/v1", 0);
    }
    let f = write(d.path(), "many.yaml", &text);
    let (_, report) = common::check_json(&[&f]);
    let dups = common::findings(&report, "duplicate-object");
    assert_eq!(dups.len(), expected_dups, "{report:#}");
    // Each warning is on a later copy than the one it replaces, and a
    // third copy replaces the second.
    let line = |v: &Value| v["line"].as_u64().unwrap();
    for d in &dups {
        assert!(line(d) > line(&d["related"][0]), "{d:#}");
    }
    let c0: Vec<(u64, u64)> = dups
        .iter()
        .filter(|d| d["message"].as_str().unwrap().contains("a/ConfigMap/c0:"))
        .map(|d| (line(d), line(&d["related"][0])))
        .collect();
    assert_eq!(c0.len(), 2, "{c0:?}");
    assert_eq!(c0[1].1, c0[0].0, "the third copy replaces the second");
}

/// The same object twice is one object, the last copy, with a warning whose
/// related span is the first copy — for every kind alike.
#[test]
fn duplicate_objects_are_the_last_copy() {
    let d = tempfile::tempdir().unwrap();
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, nodePort: 30080}]\n";
    let a = write(
        d.path(),
        "a.yaml",
        &format!("{}---\n{svc}", DEPLOYMENT.replace("COPY", "first")),
    );
    let b = write(
        d.path(),
        "b.yaml",
        &format!("{}---\n{svc}", DEPLOYMENT.replace("COPY", "last")),
    );
    let v = ir(&[&a, &b]);
    let workloads = v["workloads"].as_array().unwrap();
    assert_eq!(workloads.len(), 1);
    assert_eq!(workloads[0]["labels"]["copy"], "last");
    assert_eq!(v["services"].as_array().unwrap().len(), 1);
    // No node-port conflict of the Service with itself; one warning per kind.
    let (code, report) = common::check_json(&[&a, &b]);
    assert_eq!(code, 0, "{report:#}");
    let dups = common::findings(&report, "duplicate-object");
    assert_eq!(dups.len(), 2, "{report:#}");
    for d in dups {
        assert!(d["file"].as_str().unwrap().ends_with("b.yaml"));
        assert!(
            d["related"][0]["file"]
                .as_str()
                .unwrap()
                .ends_with("a.yaml")
        );
    }
    assert!(
        !report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "node-port-conflict")
    );
}

/// Static pods (owned by their `Node`) are workloads one by one, as
/// netpol-analyzer prints them; pods of a ReplicaSet are one workload.
#[test]
fn static_pods_are_their_own_workloads() {
    let d = tempfile::tempdir().unwrap();
    let pod = |name: &str, owner_kind: &str, owner: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\n  labels: {{tier: control-plane}}\n  ownerReferences: [{{apiVersion: v1, kind: {owner_kind}, name: {owner}, controller: true}}]\nspec:\n  containers: [{{name: c, image: x}}]\n"
        )
    };
    let f = write(
        d.path(),
        "pods.yaml",
        &[
            pod("etcd-node1", "Node", "node1"),
            pod("kube-apiserver-node1", "Node", "node1"),
            pod("web-1", "ReplicaSet", "web-rs"),
            pod("web-2", "ReplicaSet", "web-rs"),
        ]
        .join("---\n"),
    );
    let v = ir(&[&f]);
    let mut names: Vec<&str> = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["etcd-node1", "kube-apiserver-node1", "web-rs"]);
}
