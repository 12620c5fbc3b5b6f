//! `--format sarif` and `--format github` from the binary: SARIF validates
//! against the OASIS schema with a real region per finding; GitHub
//! annotations are escaped and capped the way the runner displays them.

mod support;

use serde_json::Value;
use std::process::Command;
use support::*;

fn topoc(args: &[&str], dir: Option<&std::path::Path>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_topoc"));
    cmd.args(args).current_dir(dir.unwrap_or(&root()));
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_of(args: &[&str], dir: Option<&std::path::Path>) -> Value {
    let (_, out, err) = topoc(args, dir);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"))
}

/// The broken sample, or a fixture with a conflict until the sample exists.
fn broken() -> &'static str {
    if root().join("samples/broken-compose").exists() {
        "samples/broken-compose"
    } else {
        "tests/fixtures/rules/host-port-conflict/fail.yaml"
    }
}

#[test]
fn sarif_validates_with_a_region_per_finding() {
    let sarif = json_of(&["check", broken(), "--format", "sarif"], None);
    let diags = json_of(&["check", broken(), "--format", "json"], None);
    if let Some(dir) = corpus("schemas") {
        let schema = json_file(&dir.join("sarif-2.1.0.json"));
        let v = jsonschema::validator_for(&schema).unwrap();
        let errs = errors(&v, &sarif);
        assert!(errs.is_empty(), "{errs:#?}");
        // The validator bites: a level SARIF does not define is rejected.
        let mut bad = sarif.clone();
        bad["runs"][0]["results"][0]["level"] = "fatal".into();
        assert!(!v.is_valid(&bad));
    }
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let results = run["results"].as_array().unwrap();
    let expected = diags["diagnostics"].as_array().unwrap();
    assert!(!expected.is_empty());
    assert_eq!(results.len(), expected.len());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for (r, d) in results.iter().zip(expected) {
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], d["line"]);
        assert_eq!(region["startColumn"], d["column"]);
        assert_eq!(region["endLine"], d["end_line"]);
        assert_eq!(region["endColumn"], d["end_column"]);
        let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, &d["file"]);
        assert_eq!(r["ruleId"], d["code"]);
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], d["code"]);
        let related = d["related"].as_array().unwrap();
        let rel = r["relatedLocations"].as_array().map_or(0, Vec::len);
        assert_eq!(rel, related.len());
        assert!(r["partialFingerprints"]["topocFingerprint/v1"].is_string());
    }
    // Rule help comes from the registry: a documented rule has its examples.
    let hpc = rules
        .iter()
        .find(|r| r["name"] == "host-port-conflict")
        .unwrap();
    let help = hpc["help"]["markdown"].as_str().unwrap();
    assert!(
        help.contains("## Fails") && help.contains("## Passes"),
        "{help}"
    );
}

fn fingerprints(v: &Value) -> Vec<(String, u64)> {
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["partialFingerprints"]["topocFingerprint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_moved_lines() {
    let src =
        std::fs::read_to_string(root().join("tests/fixtures/rules/host-port-conflict/fail.yaml"))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), &src).unwrap();
    let before = fingerprints(&json_of(
        &["check", "a.yaml", "--format", "sarif", "--no-config"],
        Some(dir.path()),
    ));
    std::fs::write(dir.path().join("a.yaml"), format!("# moved\n\n{src}")).unwrap();
    let after = fingerprints(&json_of(
        &["check", "a.yaml", "--format", "sarif", "--no-config"],
        Some(dir.path()),
    ));
    assert!(!before.is_empty());
    assert_eq!(before.len(), after.len());
    for ((f1, l1), (f2, l2)) in before.iter().zip(&after) {
        assert_eq!(f1, f2);
        assert_eq!(l1 + 2, *l2);
    }
}

#[test]
fn github_annotations_are_escaped_properties_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a,b:c");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(
        sub.join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n  admin:\n    image: nginx\n    ports: [\"8080:81\"]\n",
    )
    .unwrap();
    let (code, out, _) = topoc(
        &["check", "a,b:c", "--format", "github", "--no-config"],
        Some(dir.path()),
    );
    assert_eq!(code, 1, "{out}");
    let line = out.lines().find(|l| l.starts_with("::error ")).unwrap();
    assert!(
        line.starts_with("::error file=a%2Cb%3Ac/compose.yaml,line=7,endLine=7,col=13,endColumn=22,title=TOPO201/host-port-conflict::"),
        "{line}"
    );
    // Related locations and help are further lines of the message: %0A.
    let data = line.split_once("::host").unwrap().1;
    assert!(
        data.contains("%0Aa,b:c/compose.yaml:4:13: first published here") && !data.contains('\n')
    );
    assert!(
        out.ends_with("1 error, 0 warnings, 0 infos in 1 file\n"),
        "{out}"
    );
}

#[test]
fn github_output_is_capped_with_a_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("services:\n");
    for i in 0..13 {
        yaml.push_str(&format!(
            "  s{i}:\n    image: nginx\n    ports: [\"8080:{}\"]\n",
            80 + i
        ));
    }
    std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
    let (code, out, _) = topoc(
        &["check", ".", "--format", "github", "--no-config"],
        Some(dir.path()),
    );
    assert_eq!(code, 1);
    let annotations = out.lines().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(annotations, 10, "{out}");
    let plain = out
        .lines()
        .filter(|l| l.contains(": error[TOPO201/host-port-conflict]"))
        .count();
    assert_eq!(plain, 2, "{out}");
    assert!(
        out.contains("topoc: 2 more findings than GitHub annotates (10 per level per step)"),
        "{out}"
    );
}
