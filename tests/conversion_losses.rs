//! Conversions say what they lose (design §8): every sample (and the
//! microservices-demo reproducer of Service port mapping) compiled to
//! Compose and to Kubernetes, then checked again: the output has no
//! error-level finding the input did not have. Plus the losses themselves:
//! Service ports rewritten for clients, extra containers and volume mounts.

mod common;
use common::{corpus, stdout, topoc};
use std::collections::BTreeSet;
use std::path::Path;

/// Error-level rules of `check --format json` on `paths`.
fn error_rules(paths: &[&str]) -> BTreeSet<String> {
    let mut args = vec!["check", "--format", "json", "--no-config"];
    args.extend(paths);
    let o = topoc(&args);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("json of {paths:?}: {e}\n{}", stdout(&o)));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

/// (output file, conversion findings) of `compile INPUT --to TARGET`, or
/// None when the input has errors (compile then refuses).
fn compile(input: &str, target: &str, out: &Path) -> Option<(String, String)> {
    let o = topoc(&[
        "compile",
        input,
        "--to",
        target,
        "--no-config",
        "-o",
        &format!("{}/", out.display()),
    ]);
    if o.status.code() != Some(0) {
        return None;
    }
    let file = std::fs::read_dir(out)
        .unwrap()
        .next()
        .expect("compile wrote a file")
        .unwrap()
        .path();
    Some((
        file.display().to_string(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    ))
}

fn inputs() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("samples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    if let Some(repo) = corpus("field-cases/repos/14") {
        v.push(repo.display().to_string());
    }
    v
}

#[test]
fn compiling_a_sample_adds_no_error() {
    let mut compiled = 0;
    for input in inputs() {
        let before = error_rules(&[&input]);
        for target in ["compose", "k8s"] {
            let dir = tempfile::tempdir().unwrap();
            let Some((file, _)) = compile(&input, target, dir.path()) else {
                assert!(!before.is_empty(), "compile refused {input} without errors");
                continue;
            };
            compiled += 1;
            let after = error_rules(&[&file]);
            let new: Vec<&String> = after.difference(&before).collect();
            assert!(
                new.is_empty(),
                "{input} --to {target}: new errors {new:?}\n{}",
                std::fs::read_to_string(&file).unwrap()
            );
        }
    }
    assert!(compiled >= 8, "only {compiled} conversions ran");
}

#[test]
fn service_ports_are_rewritten_for_clients() {
    let Some(repo) = corpus("field-cases/repos/14") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (file, findings) = compile(repo.to_str().unwrap(), "compose", dir.path()).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("\"EMAIL_SERVICE_ADDR\": \"emailservice:8080\""),
        "{text}"
    );
    assert!(findings.contains("TOPO611"), "{findings}");
}

#[test]
fn extra_containers_and_volume_mounts_are_reported_or_carried() {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("pod.yaml");
    std::fs::write(
        &k8s,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    volumeMounts: [{name: data, mountPath: /data}]\n  - {name: sidecar, image: envoy}\n  volumes: [{name: data, emptyDir: {}}]\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (_, findings) = compile(k8s.to_str().unwrap(), "compose", out.path()).unwrap();
    assert!(
        findings.contains("`web` runs 2 containers") && findings.contains("`sidecar`"),
        "{findings}"
    );
    assert!(findings.contains("`/data`"), "{findings}");

    let compose = dir.path().join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  db:\n    image: postgres\n    volumes: [\"pgdata:/var/lib/postgresql/data\", \"./init:/docker-entrypoint-initdb.d\"]\nvolumes:\n  pgdata: {}\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (file, findings) = compile(compose.to_str().unwrap(), "k8s", out.path()).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("mountPath: \"/var/lib/postgresql/data\""),
        "{text}"
    );
    assert!(
        findings.contains("`./init` mounted at `/docker-entrypoint-initdb.d`"),
        "{findings}"
    );
}

#[test]
fn host_and_port_pairs_are_rewritten_together() {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("app.yaml");
    std::fs::write(
        &k8s,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: api, labels: {app: api}}\nspec:\n  containers:\n  - name: api\n    image: api\n    env:\n    - {name: DB_HOST, value: postgres.default.svc.cluster.local}\n    - {name: DB_PORT, value: \"5433\"}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: db, labels: {app: db}}\nspec:\n  containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]\n---\n\
apiVersion: v1\nkind: Service\nmetadata: {name: postgres}\nspec:\n  selector: {app: db}\n  ports: [{port: 5433, targetPort: 5432}]\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (file, findings) = compile(k8s.to_str().unwrap(), "compose", out.path()).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("\"DB_HOST\": \"db\"") && text.contains("\"DB_PORT\": \"5432\""),
        "{text}"
    );
    assert!(findings.contains("TOPO611"), "{findings}");
    assert!(error_rules(&[&file]).is_empty());
}
