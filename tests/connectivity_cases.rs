//! Regression scenarios for Kubernetes connectivity, written by hand and
//! checked against the NetworkPolicy semantics and an independent analyzer:
//! every `fixtures/connectivity/<name>/input` must print exactly
//! `<name>/expected.txt` (as a set of lines, like the conformance test), and
//! every manifest under `fixtures/connectivity/invalid` must be refused with
//! exit 2 and a located diagnostic, never a panic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/connectivity")
}

fn lines(s: &str) -> BTreeSet<String> {
    s.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn topoc(path: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(["connectivity", "--format", "txt"])
        .arg(path)
        .output()
        .expect("topoc runs")
}

#[test]
fn every_case_matches_its_expectation() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expected.txt").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no connectivity fixtures");
    let mut failed = Vec::new();
    for c in &cases {
        let name = c.file_name().unwrap().to_string_lossy().into_owned();
        let out = topoc(&c.join("input"));
        let got = lines(&String::from_utf8_lossy(&out.stdout));
        let want = lines(&std::fs::read_to_string(c.join("expected.txt")).unwrap());
        if out.status.code() != Some(0) || got != want {
            println!("--- {name} (exit {:?})", out.status.code());
            for l in want.difference(&got) {
                println!("- {l}");
            }
            for l in got.difference(&want) {
                println!("+ {l}");
            }
            println!("{}", String::from_utf8_lossy(&out.stderr));
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "cases differing: {failed:?}");
}

#[test]
fn invalid_policies_are_refused_with_a_location() {
    let dir = fixtures().join("invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("invalid fixtures readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no invalid fixtures");
    for f in &files {
        let out = topoc(f);
        let err = String::from_utf8_lossy(&out.stderr);
        let name = f.file_name().unwrap().to_string_lossy();
        assert_eq!(out.status.code(), Some(2), "{name}: exit 2 expected\n{err}");
        assert!(!err.contains("panicked"), "{name} panicked:\n{err}");
        // The diagnostic points into the file (`name.yaml:LINE:COL`).
        assert!(
            err.contains(&format!("{name}:")),
            "{name}: no located diagnostic\n{err}"
        );
    }
}

#[test]
fn explain_refuses_what_connectivity_refuses() {
    // An `except` outside its `cidr` is rejected by the API server; `explain`
    // treats it as invalid input exactly like `connectivity`.
    let f = fixtures().join("invalid/except-outside-cidr.yaml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(["explain", f.to_str().unwrap(), "--from", "a", "--to", "a"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("except-outside-cidr.yaml:"), "{err}");
}
