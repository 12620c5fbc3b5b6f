//! Conformance with np-guard's connlist: every scenario of
//! `../shared/corpus/netpol-connlist` must print exactly `expected.txt`
//! (compared as sets of lines). The corpus is not part of the project; when it
//! is absent the test says so, and fails under `TOPOC_REQUIRE_CORPUS=1`.

mod skip;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/netpol-connlist");
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
            .args(["connectivity", "--format", "txt"])
            .arg(s.join("input"))
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
