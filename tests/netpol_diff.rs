//! Conformance with np-guard's `diff`: every scenario of
//! `../shared/corpus/netpol-diff/<base>__<new>/` must print exactly
//! `expected.txt` for `topoc diff ref1 ref2` (compared as sets of lines;
//! ref1 is the base). The corpus is not part of the project; when it is
//! absent the test says so, and fails under `TOPOC_REQUIRE_CORPUS=1`.

mod skip;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/netpol-diff");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("TOPOC_REQUIRE_CORPUS").as_deref() != Ok("1"),
        "TOPOC_REQUIRE_CORPUS=1 but {} is missing",
        dir.display()
    );
    skip::skip(format!("corpus folder {} is absent", dir.display()));
    None
}

fn lines(s: &str) -> BTreeSet<String> {
    s.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn every_scenario_matches_the_reference() {
    let Some(dir) = corpus() else { return };
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expected.txt").is_file())
        .collect();
    scenarios.sort();
    assert!(!scenarios.is_empty(), "no scenarios in {}", dir.display());
    let mut failed = Vec::new();
    for s in &scenarios {
        let name = s.file_name().unwrap().to_string_lossy().into_owned();
        let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
            .args(["diff", "--format", "txt"])
            .arg(s.join("ref1"))
            .arg(s.join("ref2"))
            .output()
            .expect("topoc runs");
        let got = lines(&String::from_utf8_lossy(&out.stdout));
        let want = lines(&std::fs::read_to_string(s.join("expected.txt")).unwrap());
        if out.status.code() != Some(0) || got != want {
            println!("--- {name} (exit {:?})", out.status.code());
            for l in want.difference(&got) {
                println!("- {l}");
            }
            for l in got.difference(&want) {
                println!("+ {l}");
            }
            if !out.status.success() {
                println!("{}", String::from_utf8_lossy(&out.stderr));
            }
            failed.push(name);
        }
    }
    println!(
        "{}/{} scenarios match",
        scenarios.len() - failed.len(),
        scenarios.len()
    );
    assert!(
        failed.is_empty(),
        "scenarios differing from the reference: {failed:?}"
    );
}

/// The reverse direction is the same change seen from the other side:
/// every `added` becomes `removed` (and back) with ref1/ref2 swapped, and
/// `changed` keeps its kind. Checked on every scenario, beyond the
/// reference's expected files.
#[test]
fn swapping_the_sides_swaps_added_and_removed() {
    let Some(dir) = corpus() else { return };
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).expect("corpus readable").flatten() {
        let s = e.path();
        if !s.join("expected.txt").is_file() {
            continue;
        }
        let run = |a: &str, b: &str| {
            let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
                .args(["diff", "--format", "json"])
                .arg(s.join(a))
                .arg(s.join(b))
                .output()
                .expect("topoc runs");
            assert_eq!(out.status.code(), Some(0), "{}", s.display());
            let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
            rows.into_iter()
                .map(|r| {
                    let f = |k: &str| r[k].as_str().unwrap_or("").to_string();
                    (
                        f("diff-type"),
                        f("source"),
                        f("destination"),
                        f("ref1"),
                        f("ref2"),
                    )
                })
                .collect::<BTreeSet<_>>()
        };
        let forward = run("ref1", "ref2");
        let backward: BTreeSet<_> = run("ref2", "ref1")
            .into_iter()
            .map(|(kind, src, dst, r1, r2)| {
                let kind = match kind.as_str() {
                    "added" => "removed".to_string(),
                    "removed" => "added".to_string(),
                    _ => kind,
                };
                (kind, src, dst, r2, r1)
            })
            .collect();
        assert_eq!(forward, backward, "{}", s.display());
        checked += 1;
    }
    println!("{checked} scenarios symmetric");
    assert!(checked > 0);
}
