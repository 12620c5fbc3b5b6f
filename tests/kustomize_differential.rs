//! topoc's native kustomize build against `kubectl kustomize` (issue 16).
//!
//! Every case under `tests/fixtures/kustomize/` is a directory; the
//! kustomizations built are the case directory itself when it holds one,
//! else each directory under its `overlays/`. topoc's objects must equal
//! kubectl's as a set of objects compared as data (YAML scalars resolved by
//! the core schema on both sides; key order and object order aside).
//! Cases under `tests/fixtures/kustomize/errors/` must fail in both: kubectl
//! exits non-zero, topoc reports a spanned `kustomize-build-failed` error
//! and builds nothing.
//!
//! Needs kubectl with kustomize v5 or later (Debian's `kubernetes-client`
//! bundles a far older kustomize): without it the test says SKIPPED, and
//! fails under `TOPOC_REQUIRE_TOOLS=1`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use topoc::input::kustomize;

const FIXTURES: &str = "tests/fixtures/kustomize";

/// kubectl's bundled kustomize major version, if kubectl runs.
fn kustomize_major() -> Option<u32> {
    let out = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text
        .lines()
        .find_map(|l| l.strip_prefix("Kustomize Version: v"))?;
    v.split('.').next()?.parse().ok()
}

/// Whether kubectl is usable; otherwise say why (and fail when tools are required).
fn kubectl_ready() -> bool {
    match kustomize_major() {
        Some(v) if v >= 5 => true,
        found => {
            let why = match found {
                Some(v) => {
                    format!("kubectl bundles kustomize v{v}; the differential needs v5 or later")
                }
                None => "kubectl is not on PATH (see .ci/install-kubectl)".to_string(),
            };
            if std::env::var("TOPOC_REQUIRE_TOOLS").as_deref() == Ok("1") {
                panic!("{why}, and TOPOC_REQUIRE_TOOLS=1");
            }
            support::skip(why);
            false
        }
    }
}

/// Objects as canonical JSON strings, sorted: a multiset of data.
fn canonical(docs: impl Iterator<Item = serde_json::Value>) -> Vec<String> {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<_> = m.into_iter().map(|(k, v)| (k, sort(v))).collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().collect())
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sort).collect())
            }
            v => v,
        }
    }
    let mut out: Vec<String> = docs
        .map(|d| serde_json::to_string_pretty(&sort(d)).unwrap())
        .collect();
    out.sort();
    out
}

fn kubectl_build(dir: &Path) -> Result<Vec<String>, String> {
    let out = Command::new("kubectl")
        .args(["kustomize"])
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8(out.stdout).unwrap();
    let (docs, diags) = topoc::syntax::parse(topoc::source::FileId(0), &text);
    assert!(diags.is_empty(), "kubectl output does not parse: {diags:?}");
    Ok(canonical(
        docs.iter()
            .filter(|d| !d.root.is_null())
            .map(|d| kustomize::to_json(&d.root)),
    ))
}

fn topoc_build(dir: &Path) -> (Vec<String>, Vec<topoc::diagnostic::Diagnostic>) {
    let (docs, diags, _) = kustomize::build_dir(dir);
    let errors = diags.into_iter().filter(|d| d.is_input_error()).collect();
    (
        canonical(docs.iter().map(|d| kustomize::to_json(&d.root))),
        errors,
    )
}

/// The kustomizations a case builds.
fn targets(case: &Path) -> Vec<PathBuf> {
    if kustomize::KUSTOMIZATION_FILES
        .iter()
        .any(|f| case.join(f).is_file())
    {
        return vec![case.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(case.join("overlays"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn cases(dir: &str) -> Vec<PathBuf> {
    let root = support::root().join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "errors"))
        .collect();
    out.sort();
    out
}

#[test]
fn built_objects_equal_kubectl_kustomize() {
    let cases = cases(FIXTURES);
    assert!(
        cases.len() >= 25,
        "at least 25 kustomize fixtures, found {}",
        cases.len()
    );
    if !kubectl_ready() {
        return;
    }
    let mut failures = Vec::new();
    let mut built = 0;
    for case in &cases {
        let targets = targets(case);
        assert!(
            !targets.is_empty(),
            "{}: no kustomization to build",
            case.display()
        );
        for dir in targets {
            let want = kubectl_build(&dir)
                .unwrap_or_else(|e| panic!("kubectl kustomize {} failed: {e}", dir.display()));
            let (have, errors) = topoc_build(&dir);
            built += 1;
            if !errors.is_empty() {
                failures.push(format!(
                    "{}: topoc failed: {:?}",
                    dir.display(),
                    errors.iter().map(|d| &d.message).collect::<Vec<_>>()
                ));
            } else if have != want {
                let diff =
                    similar::TextDiff::from_lines(&want.join("\n---\n"), &have.join("\n---\n"))
                        .unified_diff()
                        .header("kubectl kustomize", "topoc")
                        .to_string();
                failures.push(format!("{}:\n{diff}", dir.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {built} builds differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn bad_kustomizations_fail_in_both() {
    let cases = cases(&format!("{FIXTURES}/errors"));
    assert!(cases.len() >= 6, "error fixtures, found {}", cases.len());
    let ready = kubectl_ready();
    for case in &cases {
        let dir = targets(case)
            .into_iter()
            .next()
            .unwrap_or_else(|| case.clone());
        let (have, errors) = topoc_build(&dir);
        assert!(
            have.is_empty(),
            "{}: a failed build yields no objects",
            dir.display()
        );
        let failed: Vec<_> = errors
            .iter()
            .filter(|d| d.code == "TOPO026" || d.code == "TOPO001")
            .collect();
        assert_eq!(
            failed.len(),
            1,
            "{}: one build failure, got {:?}",
            dir.display(),
            errors.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
        let expect = std::fs::read_to_string(case.join("EXPECT")).unwrap_or_default();
        for line in expect.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                failed[0].message.contains(line.trim()),
                "{}: message {:?} should contain {line:?}",
                dir.display(),
                failed[0].message
            );
        }
        if ready {
            assert!(
                kubectl_build(&dir).is_err(),
                "{}: kubectl kustomize should fail too",
                dir.display()
            );
        }
    }
}
