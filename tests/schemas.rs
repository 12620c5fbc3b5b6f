//! The committed JSON Schemas: fresh, valid, and accurate — every sample and
//! real-world Compose file passes `compose.schema.json`, typos and malformed
//! ports fail it (what yaml-language-server shows in an editor), and every
//! JSON output topoc emits passes its schema.

mod support;

use serde_json::{Value, json};
use support::*;
use topoc::diagnostic::{self, Summary};
use topoc::input::{Input, LoadOptions};

#[test]
fn committed_schemas_are_fresh() {
    for (name, text) in topoc::schema::all() {
        let path = root().join("schemas").join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "{} is stale: run `cargo run -- schema --out schemas/`",
            path.display()
        );
    }
}

#[test]
fn schemas_are_valid_draft07() {
    let meta = json_file(&root().join("schemas/compose.schema.json"));
    assert_eq!(meta["$schema"], "http://json-schema.org/draft-07/schema#");
    for (name, _) in topoc::schema::all() {
        let schema = json_file(&root().join("schemas").join(name));
        assert!(
            jsonschema::meta::is_valid(&schema),
            "{name} is not a valid schema"
        );
    }
}

fn compose_docs(path: &std::path::Path) -> Vec<Value> {
    yaml_docs(path)
        .into_iter()
        .filter(|d| d.get("services").is_some())
        .collect()
}

#[test]
fn samples_validate_against_compose_schema() {
    let v = schema_validator("compose.schema.json");
    let mut checked = 0;
    for f in files_with(&root().join("samples"), &["yaml", "yml"]) {
        for doc in compose_docs(&f) {
            let errs = errors(&v, &doc);
            assert!(errs.is_empty(), "{}: {errs:#?}", f.display());
            checked += 1;
        }
    }
    assert!(checked > 0, "no compose sample found under samples/");
}

#[test]
fn real_compose_files_validate() {
    let Some(dir) = corpus("compose-real") else {
        return;
    };
    let v = schema_validator("compose.schema.json");
    let mut checked = 0;
    for f in files_with(&dir, &["yaml", "yml"]) {
        if f.file_name().is_some_and(|n| n != "compose.yaml") {
            continue;
        }
        for doc in compose_docs(&f) {
            let errs = errors(&v, &doc);
            assert!(errs.is_empty(), "{}: {errs:#?}", f.display());
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} corpus files checked");
}

fn compose_json(yaml: &str) -> Value {
    let (docs, diags) = topoc::syntax::parse(topoc::source::FileId(0), yaml);
    assert!(diags.is_empty());
    topoc::schema::yaml::to_json(&docs[0].root)
}

fn compose_errors(yaml: &str) -> Vec<String> {
    errors(
        &schema_validator("compose.schema.json"),
        &compose_json(yaml),
    )
}

/// Invalid, with at least one leaf error exactly at `at`.
fn assert_flagged_at(yaml: &str, at: &str) {
    let v = schema_validator("compose.schema.json");
    let doc = compose_json(yaml);
    assert!(!v.is_valid(&doc), "accepted: {yaml}");
    let errs = deep_errors(&v, &doc);
    assert!(
        errs.iter().any(|e| e.starts_with(&format!("{at}: "))),
        "{yaml}: {errs:#?}"
    );
}

#[test]
fn unknown_service_key_is_flagged() {
    let errs = compose_errors("services:\n  web:\n    image: nginx\n    portz: [\"80\"]\n");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("/services/web:") && errs[0].contains("portz"),
        "{errs:?}"
    );
    // x- keys are extensions, allowed everywhere.
    assert!(compose_errors("services:\n  web:\n    image: nginx\n    x-team: a\n").is_empty());
}

#[test]
fn malformed_port_strings_are_flagged() {
    for bad in [
        "99999:80",
        "a:b:c:d",
        "80:8080:9090",
        "8080:80/tcpx",
        "127.0.1:8080:80",
        "",
    ] {
        let yaml = format!("services:\n  web:\n    ports: [\"{bad}\"]\n");
        assert_flagged_at(&yaml, "/services/web/ports/0");
    }
    let good = "services:\n  web:\n    ports: [\"8080:80\", \"127.0.0.1:53:53/udp\", \"[::1]:80:80\", 3000, \"${PORT}:80\", {target: 80, published: \"8080\"}]\n";
    assert_eq!(compose_errors(good), Vec::<String>::new());
}

#[test]
fn port_pattern_agrees_with_upstream_vectors() {
    let Some(dir) = corpus("compose-vectors") else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("ports.tsv")).unwrap();
    let re = regex_of(&topoc::schema::compose_schema());
    let mut checked = 0;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (input, expect) = (cols[0], cols[1]);
        if input.starts_with('{') {
            continue;
        }
        let is_err = expect.starts_with("error");
        // Two kinds of errors a pattern cannot see: uninterpolated `${...}`
        // (legal before interpolation) and unequal range lengths.
        let invisible = input.contains('$');
        let valid = v(&re, input);
        if is_err && !invisible {
            assert!(!valid, "pattern accepts invalid `{input}`");
        } else if !is_err {
            assert!(valid, "pattern rejects valid `{input}`");
        }
        checked += 1;
    }
    assert!(checked > 50);
}

fn regex_of(schema: &Value) -> jsonschema::Validator {
    let pattern = &schema["definitions"]["port_string"]["pattern"];
    jsonschema::validator_for(&json!({"type": "string", "pattern": pattern})).unwrap()
}

fn v(re: &jsonschema::Validator, s: &str) -> bool {
    re.is_valid(&json!(s))
}

#[test]
fn x_topoc_keys_are_checked() {
    let ok = "x-topoc: {namespace: shop, policy: default-deny}\nservices:\n  api:\n    x-topoc:\n      talks-to: [\"database:5432\", \"cache:6379/tcp\", db]\n      exposure: internal\n      ignore: [host-port-conflict, TOPO202]\n";
    assert_eq!(compose_errors(ok), Vec::<String>::new());
    for (bad, at) in [
        (
            "x-topoc: {policy: deny-all}\nservices: {}\n",
            "/x-topoc/policy",
        ),
        ("x-topoc: {nmespace: a}\nservices: {}\n", "/x-topoc"),
        (
            "services:\n  a:\n    x-topoc: {exposure: world}\n",
            "/services/a/x-topoc/exposure",
        ),
        (
            "services:\n  a:\n    x-topoc: {ignore: [no-such-rule]}\n",
            "/services/a/x-topoc/ignore/0",
        ),
        (
            "services:\n  a:\n    x-topoc: {talks-to: [\"db:99999\"]}\n",
            "/services/a/x-topoc/talks-to/0",
        ),
    ] {
        assert_flagged_at(bad, at);
    }
}

/// Inputs whose JSON outputs are checked: samples and rule fixtures.
fn output_inputs() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .flatten()
        .map(|e| e.path().display().to_string())
        .collect();
    for f in files_with(&root().join("tests/fixtures/rules"), &["yaml"]) {
        out.push(f.display().to_string());
    }
    out.sort();
    out
}

#[test]
fn json_outputs_validate_against_their_schemas() {
    let diag_schema = schema_validator("diagnostics.schema.json");
    let ir_schema = schema_validator("ir.schema.json");
    let mut with_findings = 0;
    for input in output_inputs() {
        let a = topoc::driver::analyze(&[Input::Path(input.clone())], &LoadOptions::default());
        let sources = &a.loaded.sources;
        let summary = Summary::of(&a.diagnostics, sources, 0);
        let text = diagnostic::render(
            diagnostic::Format::Json,
            &a.diagnostics,
            sources,
            &summary,
            false,
        );
        let json: Value = serde_json::from_str(&text).unwrap();
        let errs = errors(&diag_schema, &json);
        assert!(errs.is_empty(), "{input}: diagnostics {errs:#?}");
        with_findings += usize::from(!a.diagnostics.is_empty());
        let ir = serde_json::to_value(topoc::ir::dump(&a.loaded.topology, sources)).unwrap();
        let errs = errors(&ir_schema, &ir);
        assert!(errs.is_empty(), "{input}: IR {errs:#?}");
    }
    assert!(
        with_findings > 0,
        "no input produced diagnostics to validate"
    );
}

/// Interpolation runs before validation: enumerations accept `${...}`, as
/// the CLI does; a near miss of `x-topoc` is flagged, other `x-` keys not.
#[test]
fn enums_take_interpolation_and_misspelled_extensions_are_flagged() {
    let ok = "x-topoc: {policy: \"${POLICY}\"}\nservices:\n  web:\n    image: nginx\n    ports: [{target: 80, protocol: \"${PROTO:-tcp}\", mode: \"${MODE}\"}]\n    x-topoc: {exposure: \"${EXPOSURE}\"}\n    x-team: a\n";
    assert_eq!(compose_errors(ok), Vec::<String>::new());
    assert_flagged_at(
        "services:\n  web:\n    ports: [{target: 80, protocol: tcpx}]\n",
        "/services/web/ports/0/protocol",
    );
    for (bad, at) in [
        ("x-topc: {policy: open}\nservices: {}\n", "/x-topc"),
        ("x-topoc2: {}\nservices: {}\n", "/x-topoc2"),
        (
            "services:\n  a:\n    image: x\n    x-top: {}\n",
            "/services/a/x-top",
        ),
    ] {
        assert_flagged_at(bad, at);
    }
}

/// A malformed port string fails only the port pattern (whose
/// `patternErrorMessage` editors show), never a type mismatch.
#[test]
fn malformed_port_string_fails_only_the_pattern() {
    let errs = compose_errors(
        "services:\n  web:\n    ports: [\"99999:80\", 70000, {target: 80, portz: 1}]\n",
    );
    let at = |i: usize| {
        errs.iter()
            .filter(move |e| e.starts_with(&format!("/services/web/ports/{i}")))
            .collect::<Vec<_>>()
    };
    assert_eq!(at(0).len(), 1, "{errs:#?}");
    assert!(!at(0)[0].contains("type"), "{errs:#?}");
    let schema = topoc::schema::compose_schema();
    assert!(
        schema["definitions"]["port_string"]["patternErrorMessage"]
            .as_str()
            .unwrap()
            .starts_with("not a port mapping")
    );
    assert_eq!(at(1).len(), 1, "{errs:#?}");
    assert_eq!(at(2).len(), 1, "{errs:#?}");
}

/// The editor (the schema) and the CLI give the same verdict on every
/// short-syntax port vector of compose-vectors: one Compose file with a
/// service per vector, checked by `topoc check`, and each vector validated
/// alone against the schema.
#[test]
fn schema_and_cli_agree_on_every_port_vector() {
    let Some(dir) = corpus("compose-vectors") else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("ports.tsv")).unwrap();
    let vectors: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap())
        .filter(|input| !input.starts_with('{'))
        .collect();
    let mut yaml = String::from("services:\n");
    for (i, input) in vectors.iter().enumerate() {
        // One line per service, so a finding's line names its vector.
        yaml.push_str(&format!(
            "  s{i}: {{image: x, ports: [{}]}}\n",
            serde_json::to_string(input).unwrap()
        ));
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("compose.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(["check", "--no-config", "--format", "json"])
        .arg(&file)
        .env("PORT", "8080")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rejected_lines: std::collections::BTreeSet<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("TOPO0") && d["severity"] == "error")
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    let validator = schema_validator("compose.schema.json");
    let mut disagree = Vec::new();
    for (i, input) in vectors.iter().enumerate() {
        let one = format!(
            "services:\n  s: {{image: x, ports: [{}]}}\n",
            serde_json::to_string(input).unwrap()
        );
        let schema_ok = validator.is_valid(&compose_json(&one));
        let cli_ok = !rejected_lines.contains(&(i as u64 + 2));
        if schema_ok != cli_ok {
            disagree.push(format!("`{input}`: schema {schema_ok}, cli {cli_ok}"));
        }
    }
    assert!(vectors.len() > 50);
    assert!(
        rejected_lines.len() > 5,
        "the CLI rejects the invalid vectors: {rejected_lines:?}"
    );
    assert!(disagree.is_empty(), "{disagree:#?}");
}
