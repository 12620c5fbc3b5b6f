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
    let mut pending = Vec::new();
    for s in &scenarios {
        let name = s.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(why) = not_modelled_yet(s) {
            pending.push(format!("{name} ({why})"));
            continue;
        }
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
    for p in &pending {
        println!("not modelled: {p}");
    }
    for (n, _) in NOT_MODELLED {
        assert!(
            scenarios.iter().any(|s| s.ends_with(n)),
            "NOT_MODELLED names a scenario that is gone: {n}"
        );
    }
    let checked = scenarios.len() - pending.len();
    println!(
        "{}/{checked} scenarios match ({} not modelled, listed by name)",
        checked - failed.len(),
        pending.len()
    );
    assert!(
        failed.is_empty(),
        "scenarios differing from the reference: {failed:?}"
    );
}

/// Scenarios listed by name with the reason topoc does not model them; every
/// other scenario must match exactly.
const NOT_MODELLED: &[(&str, &str)] = &[(
    "udn_with_ingress_controller",
    "OVN-Kubernetes primary UserDefinedNetwork: the reference splits its output into one \
     section per pod network and renames workloads `ns[udn]/name`; topoc has no pod-network model",
)];

fn not_modelled_yet(scenario: &Path) -> Option<&'static str> {
    let name = scenario.file_name()?.to_str()?;
    NOT_MODELLED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| *why)
}
