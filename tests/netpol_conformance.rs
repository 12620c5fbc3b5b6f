//! Conformance with np-guard's connlist: every scenario of
//! `../shared/corpus/netpol-connlist` must print exactly `expected.txt`
//! (compared as sets of lines). The corpus is not part of the project; when it
//! is absent the test says so, and fails under `TOPOC_REQUIRE_CORPUS=1`.

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
    println!("skipped: corpus folder {} is absent", dir.display());
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
        println!("pending (issue 15): {p}");
    }
    let checked = scenarios.len() - pending.len();
    println!(
        "{}/{checked} scenarios match ({} pending on objects topoc does not model yet)",
        checked - failed.len(),
        pending.len()
    );
    assert!(
        failed.is_empty(),
        "scenarios differing from the reference: {failed:?}"
    );
}

/// Scenarios whose inputs use objects the connectivity engine does not model
/// yet (AdminNetworkPolicy tiers, Ingress/Route sources, user-defined
/// networks: issue 15). They are listed, not silently dropped; everything
/// else must match exactly.
fn not_modelled_yet(scenario: &Path) -> Option<&'static str> {
    const KINDS: [(&str, &str); 5] = [
        ("kind: AdminNetworkPolicy", "AdminNetworkPolicy"),
        (
            "kind: BaselineAdminNetworkPolicy",
            "BaselineAdminNetworkPolicy",
        ),
        ("kind: UserDefinedNetwork", "UserDefinedNetwork"),
        ("kind: Route", "OpenShift Route"),
        ("kind: Ingress", "Ingress"),
    ];
    let expected = std::fs::read_to_string(scenario.join("expected.txt")).unwrap_or_default();
    if expected.contains("{ingress-controller}") {
        return Some("Ingress controller source");
    }
    let mut text = String::new();
    let mut stack = vec![scenario.join("input")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(t) = std::fs::read_to_string(&path) {
                text.push_str(
                    &t.replace("\"kind\": \"", "kind: ")
                        .replace("\"kind\":\"", "kind: "),
                );
            }
        }
    }
    KINDS
        .iter()
        .find(|(needle, _)| {
            text.lines().any(|l| {
                l.trim_start().trim_start_matches("- ").starts_with(needle)
                    && l.trim_end().ends_with(&needle[6..])
            })
        })
        .map(|(_, why)| *why)
}
