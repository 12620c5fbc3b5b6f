//! `topoc.yaml` and inline ignores, end to end through the binary: discovery
//! upward from the inputs, `--config`, `--no-config`, severities, `ignore`
//! entries, `x-topoc.ignore`, spanned errors, and the suppressed count.

mod support;

use std::path::Path;
use std::process::Command;
use support::*;

const CONFLICT: &str = "services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n  admin:\n    image: nginx\n    ports: [\"8080:81\"]\n";

fn topoc(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let mut text = String::from_utf8(out.stdout).unwrap();
    text.push_str(&String::from_utf8(out.stderr).unwrap());
    (out.status.code().unwrap_or(-1), text)
}

/// A project `app/compose.yaml` under a temporary root holding `topoc.yaml`.
fn project(compose: &str, config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/compose.yaml"), compose).unwrap();
    if let Some(c) = config {
        std::fs::write(dir.path().join("topoc.yaml"), c).unwrap();
    }
    dir
}

fn config_schema_errors(yaml: &str) -> Vec<String> {
    let (docs, _) = topoc::syntax::parse(topoc::source::FileId(0), yaml);
    let doc = topoc::schema::yaml::to_json(&docs[0].root);
    errors(&schema_validator("topoc-config.schema.json"), &doc)
}

#[test]
fn config_is_found_upward_and_counts_suppressed() {
    let cfg = "rules:\n  host-port-conflict: off\n";
    assert!(config_schema_errors(cfg).is_empty());
    let dir = project(CONFLICT, Some(cfg));
    let (code, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("0 errors, 0 warnings, 0 infos in 1 file (1 suppressed)"),
        "{out}"
    );
    // From inside the project directory too.
    let (code, _) = topoc(&dir.path().join("app"), &["check", "."]);
    assert_eq!(code, 0);
    let (code, out) = topoc(
        dir.path(),
        &["check", "app", "--no-config", "--format", "concise"],
    );
    assert_eq!(code, 1, "{out}");
    let (_, json) = topoc(dir.path(), &["check", "app", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["suppressed"], 1);
}

#[test]
fn explicit_config_and_severity_levels() {
    let dir = project(CONFLICT, None);
    std::fs::write(
        dir.path().join("strict.yaml"),
        "rules:\n  TOPO201: warning\n",
    )
    .unwrap();
    let args = [
        "check",
        "app",
        "--config",
        "strict.yaml",
        "--format",
        "concise",
    ];
    let (code, out) = topoc(dir.path(), &args);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[TOPO201/host-port-conflict]"), "{out}");
    let (code, _) = topoc(dir.path(), &[&args[..], &["--fail-on", "warning"]].concat());
    assert_eq!(code, 1);
    let (code, out) = topoc(dir.path(), &["check", "app", "--config", "missing.yaml"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("missing.yaml"), "{out}");
}

#[test]
fn unknown_rule_is_a_spanned_error() {
    let cfg = "rules:\n  host-port-conflikt: off\n";
    assert!(
        !config_schema_errors(cfg).is_empty(),
        "the schema flags it too"
    );
    let dir = project(CONFLICT, Some(cfg));
    let (code, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert_eq!(code, 2, "{out}");
    let want = "topoc.yaml:2:3: error[TOPO014/invalid-config] unknown rule `host-port-conflikt`";
    assert!(
        out.lines().any(|l| l.ends_with(want) || l.contains(want)),
        "{out}"
    );
}

#[test]
fn ignore_entries_need_a_reason_and_match_resources() {
    let cfg = "ignore:\n  - rule: host-port-conflict\n    resource: app/admin\n    reason: admin is only started on dev hosts\n";
    assert!(config_schema_errors(cfg).is_empty());
    let dir = project(CONFLICT, Some(cfg));
    let (code, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(1 suppressed)"), "{out}");

    let other = "ignore:\n  - {rule: host-port-conflict, resource: 'app/w*', reason: x}\n";
    let dir = project(CONFLICT, Some(other));
    let (code, _) = topoc(dir.path(), &["check", "app"]);
    assert_eq!(code, 1, "the finding is about admin, not web");

    let no_reason = "ignore:\n  - rule: host-port-conflict\n";
    assert!(!config_schema_errors(no_reason).is_empty());
    let dir = project(CONFLICT, Some(no_reason));
    let (code, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "topoc.yaml:2:5: error[TOPO014/invalid-config] an ignore entry needs a `reason`"
        ),
        "{out}"
    );
}

#[test]
fn inline_ignores_on_compose_services() {
    let inline = CONFLICT.replace(
        "  admin:\n    image: nginx\n",
        "  admin:\n    image: nginx\n    x-topoc:\n      ignore: [host-port-conflict]\n",
    );
    let dir = project(&inline, None);
    let (code, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(1 suppressed)"), "{out}");

    let typo = inline.replace("[host-port-conflict]", "[host-port-conflit]");
    let dir = project(&typo, None);
    let (code, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "compose.yaml:8:16: error[TOPO014/invalid-config] unknown rule `host-port-conflit`"
        ),
        "{out}"
    );
}

#[test]
fn an_ignore_entry_that_matches_nothing_is_a_warning() {
    let other = "ignore:\n  - {rule: host-port-conflict, resource: 'app/w*', reason: x}\n";
    let dir = project(CONFLICT, Some(other));
    let (code, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("topoc.yaml:2:5: warning[TOPO019/ignore-matches-nothing] this ignore entry for `host-port-conflict` on `app/w*` matches no finding"),
        "{out}"
    );
    // The warning obeys `rules:` like any finding.
    let off = format!("{other}rules:\n  ignore-matches-nothing: off\n");
    let dir = project(CONFLICT, Some(&off));
    let (_, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert!(!out.contains("ignore-matches-nothing"), "{out}");
    // An entry that silences something is not reported.
    let used = "ignore:\n  - {rule: host-port-conflict, resource: app/admin, reason: x}\n";
    let dir = project(CONFLICT, Some(used));
    let (code, out) = topoc(dir.path(), &["check", "app", "--format", "concise"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("ignore-matches-nothing"), "{out}");
}

/// One finding of each object kind: a Service, a NetworkPolicy and a
/// DestinationRule that select nothing, a VirtualService routing to an
/// unknown host, a Gateway selecting no pod, and an unisolated namespace.
fn kube_objects(ignore: bool) -> String {
    let ann = |rule: &str| {
        if ignore {
            format!(", annotations: {{topoc.dev/ignore: \"{rule}\"}}")
        } else {
            String::new()
        }
    };
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: shop{}}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {{name: web, namespace: shop, labels: {{app: web}}}}\nspec:\n  containers: [{{name: web, image: nginx, ports: [{{containerPort: 80}}]}}]\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {{name: api, namespace: ops, labels: {{app: api}}}}\nspec:\n  containers: [{{name: api, image: api, ports: [{{containerPort: 80}}]}}]\n---\n\
apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np, namespace: ops{}}}\nspec:\n  podSelector: {{matchLabels: {{app: nothing}}}}\n  ingress: []\n---\n\
apiVersion: v1\nkind: Service\nmetadata: {{name: svc, namespace: ops{}}}\nspec:\n  selector: {{app: nothing}}\n  ports: [{{port: 80}}]\n---\n\
apiVersion: v1\nkind: Service\nmetadata: {{name: api, namespace: ops}}\nspec:\n  selector: {{app: api}}\n  ports: [{{port: 80}}]\n---\n\
apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs, namespace: ops{}}}\nspec:\n  hosts: [api]\n  http:\n  - route:\n    - destination: {{host: missing}}\n---\n\
apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: dr, namespace: ops{}}}\nspec:\n  host: api\n  subsets:\n  - {{name: v1, labels: {{version: v1}}}}\n---\n\
apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: gw, namespace: ops{}}}\nspec:\n  selector: {{app: no-such-gateway}}\n  servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: [\"*\"]}}]\n",
        ann("workload-not-isolated"),
        ann("policy-selects-nothing"),
        ann("service-selects-nothing"),
        ann("route-host-unknown"),
        ann("subset-selects-nothing"),
        ann("gateway-selects-nothing"),
    )
}

#[test]
fn topoc_ignore_annotation_on_every_kubernetes_and_istio_object() {
    let rules = [
        "workload-not-isolated",
        "policy-selects-nothing",
        "service-selects-nothing",
        "route-host-unknown",
        "subset-selects-nothing",
        "gateway-selects-nothing",
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plain.yaml"), kube_objects(false)).unwrap();
    std::fs::write(dir.path().join("ignored.yaml"), kube_objects(true)).unwrap();
    let (_, plain) = topoc(dir.path(), &["check", "plain.yaml", "--format", "concise"]);
    let (_, ignored) = topoc(
        dir.path(),
        &["check", "ignored.yaml", "--format", "concise"],
    );
    for rule in rules {
        assert!(plain.contains(&format!("/{rule}]")), "{rule}:\n{plain}");
        // The Namespace's annotation covers the workloads of `shop` (its
        // summary finding); `ops` has a policy, so `api` keeps its own.
        let left: Vec<&str> = ignored
            .lines()
            .filter(|l| l.contains(&format!("/{rule}]")))
            .collect();
        if rule == "workload-not-isolated" {
            assert!(left.iter().all(|l| l.contains("`api`")), "{ignored}");
            assert!(!ignored.contains("namespace `shop`"), "{ignored}");
        } else {
            assert!(left.is_empty(), "{rule}:\n{ignored}");
        }
    }
}
