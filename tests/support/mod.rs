//! Helpers shared by the editor/CI integration tests: where the shared
//! corpus is, and loading YAML the way a JSON Schema validator sees it.
#![allow(dead_code)]

#[path = "../skip/mod.rs"]
mod skip_notice;
pub use skip_notice::skip;

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the `topoc` binary of this build from the project root.
pub fn topoc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// `../shared/corpus/<sub>`, or None (after printing why) when it is absent.
/// Under `TOPOC_REQUIRE_CORPUS=1` an absent corpus fails the test.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let p = root().join("../shared/corpus").join(sub);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("TOPOC_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!(
            "corpus {} is missing and TOPOC_REQUIRE_CORPUS=1",
            p.display()
        );
    }
    skip(format!("corpus {} is absent", p.display()));
    None
}

/// Every document of a YAML/JSON file as JSON values (YAML 1.2 core schema).
pub fn yaml_docs(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let (docs, diags) = topoc::syntax::parse(topoc::source::FileId(0), &text);
    assert!(diags.is_empty(), "{}: {diags:?}", path.display());
    docs.iter()
        .map(|d| topoc::schema::yaml::to_json(&d.root))
        .collect()
}

pub fn json_file(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A validator for a committed schema, `schemas/<name>`.
pub fn schema_validator(name: &str) -> jsonschema::Validator {
    let schema = json_file(&root().join("schemas").join(name));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Validation errors as `path: message` lines (empty when valid).
pub fn errors(v: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Files under `dir` (recursive) with one of `exts`, sorted.
pub fn files_with(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| exts.contains(&x))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every leaf error of an evaluation, as `path: message`: unlike
/// `errors`, this descends into `anyOf` branches the way an editor picks the
/// closest branch, so a bad value nested in an optional object is reported
/// at its own path.
pub fn deep_errors(v: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    let eval = v.evaluate(instance);
    eval.iter_errors()
        .map(|e| format!("{}: {}", e.instance_location, e.error))
        .collect()
}

/// Wait for `child` to exit; kill it and fail the test with `what` when it
/// is still running after `limit`.
pub fn wait_or_kill(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{what} still running after {} s", limit.as_secs());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
