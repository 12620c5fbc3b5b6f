//! The rule catalogue from the registry: `topoc rules`, `topoc rules NAME`
//! and the generated `docs/rules.md`, which must match the registry.

mod support;

use std::process::Command;
use support::root;
use topoc::analyze::rules::RULES;
use topoc::diagnostic::ALL_CODES;

fn topoc(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn docs_rules_md_is_fresh() {
    let (code, generated) = topoc(&["rules", "--markdown"]);
    assert_eq!(code, 0);
    let committed = std::fs::read_to_string(root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: run `cargo run -- rules --markdown > docs/rules.md`"
    );
    for c in ALL_CODES {
        assert!(
            generated.contains(&format!("\n## {} ({}, ", c.name, c.code)),
            "{}",
            c.name
        );
    }
}

#[test]
fn listing_has_every_code_with_severity_and_summary() {
    let (code, out) = topoc(&["rules"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), ALL_CODES.len());
    for (line, c) in lines.iter().zip(ALL_CODES) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            &words[..3],
            &[c.code, c.name, c.severity.as_str()],
            "{line}"
        );
        assert!(line.ends_with(c.summary), "{line}");
    }
}

#[test]
fn every_rule_page_has_failing_and_passing_examples() {
    assert!(!RULES.is_empty());
    for r in RULES {
        for key in [r.code.name, r.code.code] {
            let (code, page) = topoc(&["rules", key]);
            assert_eq!(code, 0, "{key}");
            assert!(
                page.starts_with(&format!("# {} ({}", r.code.name, r.code.code)),
                "{page}"
            );
            let fails = page
                .find("## Fails\n\n```yaml\n")
                .expect("a failing example");
            let passes = page
                .find("## Passes\n\n```yaml\n")
                .expect("a passing example");
            assert!(fails < passes);
            assert!(page.contains(r.fail_example) && page.contains(r.pass_example));
            assert!(page.contains(&format!("rules: {{{}: warning}}", r.code.name)));
        }
    }
    let (code, out) = topoc(&["rules", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(out.contains("unknown rule `no-such-rule`"));
}
