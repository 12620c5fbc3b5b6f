//! Every registered rule fires on its `fail` fixture and stays silent on its
//! `pass` fixture; the rendered findings are snapshotted (reviewed, see
//! tests/snapshots/).

use std::path::Path;
use topoc::analyze::rules::RULES;
use topoc::diagnostic::{self, Format, Summary};
use topoc::driver;
use topoc::input::{Input, LoadOptions};

fn run(path: &str) -> (Vec<diagnostic::Diagnostic>, String) {
    let analysis = driver::analyze(&[Input::Path(path.to_string())], &LoadOptions::default());
    let sources = &analysis.loaded.sources;
    let summary = Summary::of(&analysis.diagnostics, sources, 0);
    let text = diagnostic::render(
        Format::Concise,
        &analysis.diagnostics,
        sources,
        &summary,
        false,
    );
    (analysis.diagnostics, text)
}

#[test]
fn every_rule_fires_on_its_fail_fixture_and_not_on_its_pass_fixture() {
    assert!(!RULES.is_empty());
    for rule in RULES {
        let name = rule.code.name;
        let dir = format!("tests/fixtures/rules/{name}");
        assert!(
            Path::new(&dir).is_dir(),
            "rule {name} has no fixture directory {dir}"
        );

        let (fail, text) = run(&format!("{dir}/fail.yaml"));
        assert!(
            fail.iter().any(|d| d.rule == name),
            "rule {name} did not fire on its fail fixture:\n{text}"
        );
        assert!(
            !fail.iter().any(|d| d.is_input_error()),
            "fail fixture of {name} has input errors:\n{text}"
        );
        insta::assert_snapshot!(format!("rule-{name}"), text);

        let (pass, text) = run(&format!("{dir}/pass.yaml"));
        assert!(
            !pass.iter().any(|d| d.rule == name),
            "rule {name} fired on its pass fixture:\n{text}"
        );
    }
}

#[test]
fn every_rule_has_a_documented_page() {
    for rule in RULES {
        let page = topoc::analyze::rules::render_doc(rule);
        assert!(
            page.contains(rule.code.code) && page.contains("## Fails"),
            "{page}"
        );
        assert!(
            rule.doc.len() > 80,
            "rule {} needs a real doc",
            rule.code.name
        );
        assert_ne!(rule.fail_example, rule.pass_example);
    }
}
