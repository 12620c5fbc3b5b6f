//! Conformance with np-guard's exposure analysis (`list --exposure`): every
//! scenario of `../shared/corpus/netpol-exposure` must print exactly
//! `expected.txt` with `topoc connectivity --exposure` (compared as sets of
//! lines, so the column padding of the exposure lines counts). The corpus is
//! not part of the project; when it is absent the test says so, and fails
//! under `TOPOC_REQUIRE_CORPUS=1`.

mod skip;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/netpol-exposure");
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

/// Run every `<case>/input` of `dir` and compare with `<case>/expected.txt`;
/// prints the differences and returns the names that differ, and the count.
fn compare_all(dir: &Path) -> (usize, Vec<String>) {
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(dir)
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
            .args(["connectivity", "--exposure", "--format", "txt"])
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
    (scenarios.len(), failed)
}

#[test]
fn every_scenario_matches_the_reference() {
    let Some(dir) = corpus() else { return };
    let (n, failed) = compare_all(&dir);
    println!("{}/{n} scenarios match", n - failed.len());
    assert!(
        failed.is_empty(),
        "scenarios differing from the reference: {failed:?}"
    );
}

/// Cases beyond the reference's, each citing in its input the rule it pins
/// (`tests/fixtures/exposure/<case>/`).
#[test]
fn own_cases_match() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exposure");
    let (n, failed) = compare_all(&dir);
    println!("{}/{n} own cases match", n - failed.len());
    assert!(failed.is_empty(), "cases differing: {failed:?}");
}

fn run(args: &[&str], input: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .arg("connectivity")
        .args(args)
        .arg(input)
        .output()
        .expect("topoc runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The exposure lines of the txt output as (section, workload, peer, conn).
fn txt_exposures(txt: &str) -> BTreeSet<(String, String, String, String)> {
    let mut section = "";
    let mut out = BTreeSet::new();
    for line in txt.lines() {
        match line {
            "Egress Exposure:" => section = "egress",
            "Ingress Exposure:" => section = "ingress",
            _ if line.ends_with(':') => section = "",
            _ => {
                let arrow = if section == "egress" {
                    "\t=> \t"
                } else {
                    "\t<= \t"
                };
                if let Some((w, rest)) = line.split_once(arrow) {
                    let (peer, conn) = rest.split_once(" : ").expect("PEER : CONN");
                    out.insert((
                        section.to_string(),
                        w.trim_end().to_string(),
                        peer.to_string(),
                        conn.to_string(),
                    ));
                }
            }
        }
    }
    out
}

/// json and md carry the same exposures as txt, in every scenario.
#[test]
fn json_and_md_carry_the_txt_exposures() {
    let Some(dir) = corpus() else { return };
    let mut checked = 0;
    for s in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
        let input = s.path().join("input");
        if !input.is_dir() {
            continue;
        }
        let (code, txt) = run(&["--exposure"], &input);
        assert_eq!(code, Some(0));
        let want = txt_exposures(&txt);
        assert!(!want.is_empty(), "{}: no exposure lines", input.display());
        let (code, json) = run(&["--exposure", "--format", "json"], &input);
        assert_eq!(code, Some(0));
        let doc: serde_json::Value = serde_json::from_str(&json).expect("json output");
        let mut got = BTreeSet::new();
        for (section, workload, peer) in [("egress", "src", "dst"), ("ingress", "dst", "src")] {
            for row in doc["exposure_results"][format!("{section}_exposure")]
                .as_array()
                .expect("exposure rows")
            {
                got.insert((
                    section.to_string(),
                    row[workload].as_str().unwrap().to_string(),
                    row[peer].as_str().unwrap().to_string(),
                    row["conn"].as_str().unwrap().to_string(),
                ));
            }
        }
        assert_eq!(got, want, "{}: json differs from txt", input.display());
        let connlist = doc["connlist_results"].as_array().expect("connlist rows");
        assert_eq!(
            connlist.len(),
            txt.lines().take_while(|l| !l.is_empty()).count(),
            "{}",
            input.display()
        );
        let (code, md) = run(&["--exposure", "--format", "md"], &input);
        assert_eq!(code, Some(0));
        for (_, w, peer, conn) in &want {
            assert!(
                md.contains(&format!("| {w} | {peer} | {conn} |"))
                    || md.contains(&format!("| {peer} | {w} | {conn} |")),
                "{}: md lacks {w} {peer} {conn}",
                input.display()
            );
        }
        checked += 1;
    }
    println!("{checked} scenarios agree in txt, json and md");
}

#[test]
fn exposure_is_refused_in_formats_without_sections() {
    let Some(dir) = corpus() else { return };
    let input = dir.join("onlineboutique_workloads/input");
    for f in ["csv", "dot", "mermaid"] {
        let (code, out) = run(&["--exposure", "--format", f], &input);
        assert_eq!(code, Some(2), "--exposure --format {f}");
        assert!(out.is_empty());
    }
}

/// `--focus` keeps the exposures of the focused workload only.
#[test]
fn focus_keeps_the_focused_exposures() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exposure/representative-of-a-policy-selecting-nothing/input");
    let (code, all) = run(&["--exposure"], &input);
    assert_eq!(code, Some(0));
    let (code, db) = run(&["--exposure", "--focus", "backend/db"], &input);
    assert_eq!(code, Some(0));
    let focused = txt_exposures(&db);
    assert!(!focused.is_empty());
    assert!(
        focused
            .iter()
            .all(|(_, w, _, _)| w == "backend/db[Deployment]")
    );
    let expected: BTreeSet<_> = txt_exposures(&all)
        .into_iter()
        .filter(|(_, w, _, _)| w == "backend/db[Deployment]")
        .collect();
    assert_eq!(focused, expected);
    assert!(!db.contains("backend/api[Deployment] is not protected"));
}

/// A workload no policy protects in a direction is exposed there to the
/// entire cluster on every connection (the cluster default), in every
/// scenario and own case.
#[test]
fn unprotected_means_exposed_to_the_entire_cluster() {
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exposure");
    let dirs: Vec<PathBuf> = corpus().into_iter().chain([own]).collect();
    let mut checked = 0;
    for dir in dirs {
        for s in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let input = s.path().join("input");
            if !input.is_dir() {
                continue;
            }
            let (code, txt) = run(&["--exposure"], &input);
            assert_eq!(code, Some(0));
            let exposures = txt_exposures(&txt);
            for line in txt.lines() {
                let Some((w, dir)) = line.split_once(" is not protected on ") else {
                    continue;
                };
                let section = dir.to_ascii_lowercase();
                let entry = (
                    section,
                    w.to_string(),
                    "entire-cluster".to_string(),
                    "All Connections".to_string(),
                );
                assert!(
                    exposures.contains(&entry),
                    "{}: {w} is unprotected on {dir} but not exposed to the entire cluster",
                    input.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
    println!("{checked} unprotected directions checked");
}
