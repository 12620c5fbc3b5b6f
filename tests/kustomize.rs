//! Kustomize overlays as `check`, `ir`, `connectivity` and `compile` see
//! them (issue 16): a base is checked once per overlay, never raw, each
//! finding naming its overlay; values an overlay wrote are located at the
//! patch that wrote them, with the object as a related location; ignored
//! fields and remote resources are said once; a build kustomize refuses is
//! a spanned exit-2 error. (`tests/kustomize_differential.rs` compares the
//! built objects themselves with `kubectl kustomize`.)

mod support;

use serde_json::Value;
use std::process::Output;
use support::{root, topoc};

const CLI: &str = "tests/fixtures/kustomize-cli";

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn diagnostics(v: &Value) -> Vec<&Value> {
    v["diagnostics"].as_array().unwrap().iter().collect()
}

fn check_json(path: &str) -> (Option<i32>, Value) {
    let o = topoc(&["check", "--format", "json", path]);
    (o.status.code(), json(&o))
}

#[test]
fn a_shared_base_is_checked_once_per_overlay_and_never_raw() {
    let (code, v) = check_json(&format!("{CLI}/shared-base"));
    assert_eq!(code, Some(0), "{v}");
    let orphans: Vec<&Value> = diagnostics(&v)
        .into_iter()
        .filter(|d| d["rule"] == "service-selects-nothing")
        .collect();
    // dev keeps the base's selector (nothing matches); prod's patch
    // retargets it, so only dev reports it — once, at the base file.
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    let d = orphans[0];
    assert!(
        d["file"]
            .as_str()
            .unwrap()
            .ends_with("shared-base/base/app.yaml"),
        "{d}"
    );
    assert!(
        d["message"].as_str().unwrap().ends_with(
            "(built by overlay `tests/fixtures/kustomize-cli/shared-base/overlays/dev`)"
        ),
        "{d}"
    );
    // One workload-not-isolated per overlay, both on the base's Deployment.
    let isolated: Vec<&str> = diagnostics(&v)
        .into_iter()
        .filter(|d| d["rule"] == "workload-not-isolated")
        .map(|d| {
            assert!(
                d["file"]
                    .as_str()
                    .unwrap()
                    .ends_with("shared-base/base/app.yaml"),
                "{d}"
            );
            d["message"].as_str().unwrap()
        })
        .collect();
    assert_eq!(isolated.len(), 2, "{isolated:?}");
    assert!(
        isolated
            .iter()
            .any(|m| m.contains("`dev`") && m.ends_with("overlays/dev`)"))
    );
    assert!(
        isolated
            .iter()
            .any(|m| m.contains("`prod`") && m.ends_with("overlays/prod`)"))
    );
}

#[test]
fn a_value_a_patch_wrote_points_at_the_patch_with_the_object_related() {
    let (_, v) = check_json(&format!("{CLI}/shared-base"));
    let d = diagnostics(&v)
        .into_iter()
        .find(|d| d["rule"] == "service-target-port-undefined")
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        d["file"]
            .as_str()
            .unwrap()
            .ends_with("overlays/prod/web-port.yaml"),
        "{d}"
    );
    assert_eq!(d["line"], 8, "the targetPort line of the patch: {d}");
    let related = d["related"].as_array().unwrap();
    assert!(
        related
            .iter()
            .any(|r| r["file"].as_str().unwrap().ends_with("base/app.yaml")
                && r["line"] == 14
                && r["message"].as_str().unwrap().contains("in this object")),
        "the base Service as related location: {d}"
    );
}

#[test]
fn ignored_fields_and_remote_resources_are_said_once() {
    let (code, v) = check_json(&format!("{CLI}/notes"));
    assert_eq!(code, Some(0), "{v}");
    let ds = diagnostics(&v);
    let remote: Vec<_> = ds
        .iter()
        .filter(|d| d["rule"] == "kustomize-remote-resource")
        .collect();
    assert_eq!(remote.len(), 1, "{v}");
    assert_eq!(remote[0]["severity"], "warning");
    assert_eq!(remote[0]["line"], 3);
    let ignored: Vec<_> = ds
        .iter()
        .filter(|d| d["rule"] == "kustomize-field-ignored")
        .collect();
    assert_eq!(ignored.len(), 1, "{v}");
    assert_eq!(ignored[0]["severity"], "info");
    let m = ignored[0]["message"].as_str().unwrap();
    assert!(
        m.contains("images") && m.contains("configMapGenerator"),
        "{m}"
    );
}

#[test]
fn a_kustomization_kustomize_refuses_is_a_spanned_input_error() {
    let (code, v) = check_json(&format!("{CLI}/broken"));
    assert_eq!(code, Some(2), "{v}");
    let ds = diagnostics(&v);
    assert_eq!(
        ds.len(),
        1,
        "one error, the valid resource is not checked alone: {v}"
    );
    assert_eq!(ds[0]["rule"], "kustomize-build-failed");
    assert!(
        ds[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("broken/kustomization.yaml")
    );
    assert_eq!(
        (ds[0]["line"].as_u64(), ds[0]["column"].as_u64()),
        (Some(3), Some(3))
    );
    // Named as a file, the kustomization builds its directory the same way.
    let o = topoc(&[
        "check",
        "--format",
        "json",
        &format!("{CLI}/broken/kustomization.yaml"),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_field_case_builds_namespace_and_prefix_and_ir_names_the_overlay() {
    let Some(case) = support::corpus("field-cases/repos/13") else {
        return;
    };
    let case = case.display().to_string();
    let o = topoc(&["ir", &format!("{case}/overlay")]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ir = json(&o);
    let w = &ir["workloads"][0];
    assert_eq!(w["id"], "dev/dev-web", "{ir}");
    assert!(
        w["origin"]["file"]
            .as_str()
            .unwrap()
            .ends_with("repos/13/base/deploy.yaml"),
        "{w}"
    );
    assert!(
        w["origin"]["overlay"]
            .as_str()
            .unwrap()
            .ends_with("repos/13/overlay"),
        "{w}"
    );
    assert_eq!(ir["namespaces"][0]["name"], "dev");
    // Walking the whole case: the overlay is built, the base only through it.
    let o = topoc(&["ir", &case]);
    let ir = json(&o);
    let ids: Vec<&str> = ir["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["dev/dev-web"]);
}

#[test]
fn connectivity_explain_and_compile_see_the_built_objects() {
    let dir = format!("{CLI}/shared-base/overlays/prod");
    let o = topoc(&["connectivity", &dir]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("prod/web[Deployment]"), "{text}");
    let o = topoc(&["explain", &dir, "--from", "prod/web", "--to", "prod/web"]);
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(text.contains("prod/web"), "{text}");
    let out = root().join("target/kustomize-compile");
    let _ = std::fs::remove_dir_all(&out);
    let o = topoc(&[
        "compile",
        &dir,
        "--to",
        "compose",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let written: String = std::fs::read_dir(&out)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .or_else(|_| std::fs::read_to_string(&out))
        .unwrap();
    assert!(written.contains("web"), "{written}");
}
