//! Rule precision on real inputs: every finding of `check` over the
//! awesome-compose projects (`compose-real`) and the np-guard connlist
//! cases (`netpol-connlist`), counted per rule and severity, with the
//! inputs each rule fires on. The counts are pinned in reviewed snapshots:
//! a rule change that adds or removes findings on real repositories shows
//! up here and must be looked at (false positive, or a real problem found?).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use topoc::config::ConfigSource;
use topoc::diagnostic::Severity;
use topoc::driver;
use topoc::input::{Input, LoadOptions};

/// rule → (errors, warnings, infos, inputs it fires on).
type Table = BTreeMap<String, (usize, usize, usize, Vec<String>)>;

fn tally(root: &Path, inputs: &[PathBuf]) -> (Table, usize) {
    let mut table = Table::new();
    let mut total = 0;
    for input in inputs {
        let analysis = driver::analyze_with(
            &[Input::Path(input.display().to_string())],
            &LoadOptions::default(),
            &ConfigSource::Disabled,
        );
        let name = input
            .strip_prefix(root)
            .unwrap_or(input)
            .display()
            .to_string();
        for d in &analysis.diagnostics {
            total += 1;
            let e = table
                .entry(format!("{} {}", d.code, d.rule))
                .or_insert((0, 0, 0, Vec::new()));
            match d.severity {
                Severity::Error => e.0 += 1,
                Severity::Warning => e.1 += 1,
                Severity::Info => e.2 += 1,
            }
            if !e.3.contains(&name) {
                e.3.push(name.clone());
            }
        }
    }
    (table, total)
}

fn render(title: &str, inputs: usize, table: &Table, total: usize) -> String {
    let mut out = format!("{title}: {inputs} inputs, {total} findings\n\n");
    out.push_str("rule                                  errors warnings infos  inputs\n");
    for (rule, (e, w, i, on)) in table {
        let shown: Vec<&str> = on.iter().take(4).map(String::as_str).collect();
        let more = if on.len() > 4 {
            format!(" +{}", on.len() - 4)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{rule:<38}{e:>6}{w:>9}{i:>6}  {}{more}\n",
            shown.join(", ")
        ));
    }
    out
}

fn dirs(root: &Path, sub: Option<&str>) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| match sub {
            Some(s) => p.join(s),
            None => p,
        })
        .filter(|p| p.exists())
        .collect();
    v.sort();
    v
}

#[test]
fn findings_per_rule_on_compose_real() {
    let Some(root) = common::corpus("compose-real") else {
        return;
    };
    let inputs = dirs(&root, None);
    assert!(inputs.len() >= 30, "{}", inputs.len());
    let (table, total) = tally(&root, &inputs);
    let text = render("compose-real", inputs.len(), &table, total);
    eprintln!("{text}");
    insta::assert_snapshot!("precision-compose-real", text);
}

#[test]
fn findings_per_rule_on_netpol_connlist() {
    let Some(root) = common::corpus("netpol-connlist") else {
        return;
    };
    let inputs = dirs(&root, Some("input"));
    assert!(inputs.len() >= 30, "{}", inputs.len());
    let (table, total) = tally(&root, &inputs);
    let text = render("netpol-connlist", inputs.len(), &table, total);
    eprintln!("{text}");
    insta::assert_snapshot!("precision-netpol-connlist", text);
}
