//! `topoc lsp` on workspaces beyond the basic fixture (issue 17, issue 16
//! item 4): Istio hosts and subsets as links, kustomize overlays as the
//! server sees them, and the server's findings after edits against a fresh
//! `topoc check` of the saved files.

#[allow(dead_code)] // each test file uses part of the client
#[path = "lsp/client.rs"]
mod client;
mod support;

use client::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    support::root()
        .join("tests/fixtures/lsp")
        .join(name)
        .canonicalize()
        .unwrap()
}

fn targets(v: &[Value]) -> BTreeSet<(String, u64)> {
    v.iter().map(target).collect()
}

#[test]
fn istio_hosts_subsets_and_talks_to_go_to_their_service_and_workloads() {
    let w = fixture("mesh");
    let f = w.join("reviews.yaml");
    let u = uri(&f);
    let mut c = Client::start(&w, &[]);
    c.open(&f);
    let service = (u.clone(), 37);
    // The VirtualService's `hosts` entry and its route's destination host:
    // the Service `reviews`.
    assert_eq!(targets(&c.definition(&f, 63, 7)), [service.clone()].into());
    assert_eq!(targets(&c.definition(&f, 67, 19)), [service.clone()].into());
    // A `topoc.dev/talks-to` entry: the Service too.
    assert_eq!(targets(&c.definition(&f, 76, 26)), [service.clone()].into());
    // The subset `v2`: only the workloads carrying its labels.
    assert_eq!(targets(&c.definition(&f, 68, 21)), [(u.clone(), 20)].into());
    // References the other way: the Service is named by both hosts...
    let named = targets(&c.references(&f, 37, 9));
    assert!(named.contains(&(u.clone(), 63)), "{named:?}");
    assert!(named.contains(&(u.clone(), 67)), "{named:?}");
    assert!(named.contains(&(u.clone(), 76)), "{named:?}");
    // ...and `reviews-v2` by the subset, `reviews-v1` not.
    let v2 = targets(&c.references(&f, 20, 9));
    assert!(v2.contains(&(u.clone(), 68)), "{v2:?}");
    let v1 = targets(&c.references(&f, 3, 9));
    assert!(!v1.contains(&(u.clone(), 68)), "{v1:?}");
    assert!(
        v1.contains(&(u.clone(), 40)),
        "the Service selector: {v1:?}"
    );
}

#[test]
fn the_server_sees_kustomize_built_objects() {
    let w = fixture("kustomize");
    let patch = w.join("overlay/port.yaml");
    let base = w.join("base/app.yaml");
    let mut c = Client::start(&w, &[]);
    c.open(&patch);
    // The targetPort the patch wrote: on the patch, the base object related.
    let diags = c.diagnostics(&patch);
    let d = find(&diags, "TOPO205");
    assert_eq!(range(d).0, 7, "{d}");
    assert!(
        d["message"].as_str().unwrap().contains("built by overlay"),
        "{d}"
    );
    let related: Vec<(String, u64)> = d["relatedInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["location"]["uri"].as_str().unwrap().to_string(),
                r["location"]["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(related.contains(&(uri(&base), 16)), "{related:?}");
    // Hover on the base Deployment: the object as the overlay built it
    // (namespace `prod`), not the raw file.
    c.open(&base);
    let hover = hover_text(&c.hover(&base, 3, 9));
    assert!(hover.starts_with("**Deployment `prod/web`**"), "{hover}");
    // The base is read through the overlay only: no raw copy's findings.
    let on_base = c.diagnostics(&base);
    assert!(
        on_base
            .iter()
            .all(|d| d["message"].as_str().unwrap().contains("built by overlay")),
        "{on_base:#?}"
    );
    // An unsaved edit of the patch reaches the build.
    let fixed = std::fs::read_to_string(&patch)
        .unwrap()
        .replace("9999", "http");
    c.change(&patch, &fixed);
    assert_eq!(c.diagnostics(&patch), Vec::<Value>::new());
}

/// Findings as `topoc check --format json` prints them, in the server's
/// terms: (file, 0-based range, code, message with its rule).
type Finding = (PathBuf, (u64, u64, u64, u64), String, String);

fn check(dir: &Path) -> BTreeSet<Finding> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(["check", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = |d: &Value, k: &str| d[k].as_u64().unwrap() - 1;
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                dir.join(d["file"].as_str().unwrap()),
                (
                    n(d, "line"),
                    n(d, "column"),
                    n(d, "end_line"),
                    n(d, "end_column"),
                ),
                d["code"].as_str().unwrap().to_string(),
                format!(
                    "{} [{}]",
                    d["message"].as_str().unwrap(),
                    d["rule"].as_str().unwrap()
                ),
            )
        })
        .collect()
}

fn published(c: &Client) -> BTreeSet<Finding> {
    let mut out = BTreeSet::new();
    for (u, diags) in &c.published {
        let path = PathBuf::from(u.strip_prefix("file://").unwrap());
        for d in diags {
            let message = d["message"].as_str().unwrap();
            let message = message.split("\nhelp: ").next().unwrap().to_string();
            let code = d["code"].as_str().unwrap().to_string();
            out.insert((path.clone(), range(d), code, message));
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn after_edits_the_server_says_what_a_fresh_check_of_the_saved_files_says() {
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path().canonicalize().unwrap();
    copy_dir(&workspace(), &w);
    let over = w.join("shop/compose.override.yaml");
    let kube = w.join("k8s/app.yaml");
    let mut c = Client::start(&w, &[]);
    c.open(&over);
    c.open(&kube);
    c.sync(&over);
    assert_eq!(published(&c), check(&w), "before any edit");
    // Edits: the conflict moves to another port and a new service, on an
    // undefined network, takes it; a Service selecting nothing.
    let over_text = std::fs::read_to_string(&over)
        .unwrap()
        .replace("8080:8000", "8081:8000")
        + "  extra:\n    image: busybox\n    ports: [\"8081:9000\"]\n    networks: [nowhere]\n";
    let kube_text = std::fs::read_to_string(&kube).unwrap()
        + "---\napiVersion: v1\nkind: Service\nmetadata: {name: ghost, namespace: prod}\nspec:\n  selector: {app: ghost}\n  ports: [{port: 80}]\n";
    let edits = [(&over, over_text), (&kube, kube_text)];
    for (path, text) in &edits {
        c.change(path, text);
    }
    c.sync(&over);
    let unsaved = published(&c);
    // Saving writes the buffers; the server's findings do not move.
    for (path, text) in &edits {
        std::fs::write(path, text).unwrap();
        c.notify(
            "textDocument/didSave",
            json!({"textDocument": {"uri": uri(path)}}),
        );
    }
    c.sync(&over);
    let fresh = check(&w);
    assert_eq!(
        unsaved, fresh,
        "unsaved buffers vs. check of the saved files"
    );
    assert_eq!(published(&c), fresh, "after save");
    let codes: BTreeSet<&str> = fresh.iter().map(|f| f.2.as_str()).collect();
    for code in ["TOPO201", "TOPO301"] {
        assert!(codes.contains(code), "the edits make {code}: {codes:?}");
    }
}
