//! Helpers shared by the integration tests.
#![allow(dead_code)]

#[path = "../skip/mod.rs"]
mod skip_notice;
pub use skip_notice::skip;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The shared corpus beside the checkout, or `None` (after saying why) when
/// it is absent; under `TOPOC_REQUIRE_CORPUS=1` absence is a failure.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("TOPOC_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!(
            "corpus not found at {} and TOPOC_REQUIRE_CORPUS=1",
            dir.display()
        );
    }
    skip(format!("corpus not found at {}", dir.display()));
    None
}

/// Run the topoc binary from the crate root.
pub fn topoc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("run topoc")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `check --format json` of some inputs: (exit code, parsed report).
pub fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let o = topoc(&all);
    let code = o.status.code().expect("exit code, not a signal");
    let json = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(&o), stderr(&o)));
    (code, json)
}

/// The diagnostics of one rule in a JSON report, in report order.
pub fn findings<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .filter(|d| d["rule"] == rule)
        .collect()
}

/// (rule, line) of every diagnostic in a JSON report.
pub fn rule_lines(report: &serde_json::Value) -> Vec<(String, u64)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}
