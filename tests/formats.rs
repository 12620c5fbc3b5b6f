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

/// A repository in a temporary directory: `.git`, `deploy/x/compose.yaml`
/// with a host-port conflict, and `deploy/sub/`.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src =
        std::fs::read_to_string(root().join("tests/fixtures/rules/host-port-conflict/fail.yaml"))
            .unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("deploy/x")).unwrap();
    std::fs::create_dir_all(dir.path().join("deploy/sub")).unwrap();
    std::fs::write(dir.path().join("deploy/x/compose.yaml"), src).unwrap();
    dir
}

/// (uri, uriBaseId, fingerprint) of every result.
fn locations(v: &Value) -> Vec<(String, String, String)> {
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                a["uri"].as_str().unwrap().to_string(),
                a["uriBaseId"].as_str().unwrap_or("").to_string(),
                r["partialFingerprints"]["topocFingerprint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

/// GitHub code scanning matches alerts by artifact URI and fingerprint: both
/// are the same whichever way the path was typed and wherever topoc ran
/// inside the repository.
#[test]
fn sarif_and_github_paths_are_repository_relative() {
    let repo = repository();
    let top = repo.path();
    let abs = top.join("deploy/x").to_string_lossy().into_owned();
    let runs: [(&[&str], std::path::PathBuf); 5] = [
        (&["./deploy/x"], top.to_path_buf()),
        (&["deploy/x"], top.to_path_buf()),
        (&["deploy/x/compose.yaml"], top.to_path_buf()),
        (&[&abs], top.join("deploy/sub")),
        (&["../x"], top.join("deploy/sub")),
    ];
    let mut seen = Vec::new();
    for (paths, cwd) in &runs {
        let mut args = vec!["check", "--no-config", "--format", "sarif"];
        args.extend_from_slice(paths);
        let v = json_of(&args, Some(cwd));
        let locs = locations(&v);
        assert!(!locs.is_empty());
        for (uri, base, _) in &locs {
            assert_eq!(
                uri,
                "deploy/x/compose.yaml",
                "{paths:?} from {}",
                cwd.display()
            );
            assert_eq!(base, "%SRCROOT%");
        }
        let run = &v["runs"][0];
        let root_uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            root_uri.starts_with("file:///") && root_uri.ends_with('/'),
            "{root_uri}"
        );
        let wd = run["invocations"][0]["workingDirectory"]["uri"]
            .as_str()
            .unwrap();
        assert!(wd.starts_with(root_uri), "{wd} under {root_uri}");
        seen.push(locs);

        let mut args = vec!["check", "--no-config", "--format", "github"];
        args.extend_from_slice(paths);
        let (_, out, _) = topoc(&args, Some(cwd));
        assert!(
            out.starts_with("::error file=deploy/x/compose.yaml,"),
            "{out}"
        );
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
}

/// Rules in SARIF: a full description that says more than the short one,
/// a helpUri to the rule's section of docs/rules.md, an informationUri.
#[test]
fn sarif_rules_link_to_their_documentation() {
    let v = json_of(
        &["check", broken(), "--format", "sarif", "--no-config"],
        None,
    );
    let driver = &v["runs"][0]["tool"]["driver"];
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let docs = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    for r in driver["rules"].as_array().unwrap() {
        let short = r["shortDescription"]["text"].as_str().unwrap();
        let full = r["fullDescription"]["text"].as_str().unwrap();
        assert_ne!(short, full, "{}", r["id"]);
        assert!(full.len() > short.len(), "{}", r["id"]);
        let help = r["helpUri"].as_str().unwrap();
        let (page, anchor) = help.split_once('#').unwrap();
        assert!(page.ends_with("/docs/rules.md"), "{help}");
        assert!(docs.contains(&format!("<a id=\"{anchor}\"></a>")), "{help}");
        assert_eq!(anchor, r["name"].as_str().unwrap());
    }
}

/// `compile --check` gives the same verdict however the inputs are typed
/// and from any directory of the repository: comments carry
/// repository-relative paths.
#[test]
fn compile_bytes_do_not_depend_on_how_paths_are_typed() {
    let repo = repository();
    let top = repo.path();
    // No conflict: compile must emit (the fixture's pass case).
    let pass =
        std::fs::read_to_string(root().join("tests/fixtures/rules/host-port-conflict/pass.yaml"))
            .unwrap();
    std::fs::write(top.join("deploy/x/compose.yaml"), pass).unwrap();
    for to in ["k8s", "nft", "compose"] {
        let out = top.join(format!("out.{to}"));
        let out = out.to_str().unwrap();
        let (code, _, err) = topoc(&["compile", "deploy/x", "--to", to, "-o", out], Some(top));
        assert_eq!(code, 0, "{err}");
        let text = std::fs::read_to_string(out).unwrap();
        assert!(text.contains("deploy/x/compose.yaml"), "{to}: {text}");
        let abs = top.join("deploy/x").to_string_lossy().into_owned();
        for (path, cwd) in [
            ("./deploy/x", top.to_path_buf()),
            ("deploy/x/compose.yaml", top.to_path_buf()),
            (abs.as_str(), top.join("deploy/sub")),
            ("../x", top.join("deploy/sub")),
        ] {
            let (code, diff, err) = topoc(
                &["compile", path, "--to", to, "-o", out, "--check"],
                Some(&cwd),
            );
            assert_eq!(code, 0, "{to} {path} from {}: {diff}{err}", cwd.display());
        }
    }
}
