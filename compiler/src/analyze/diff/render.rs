//! The printed forms of a diff: netpol-analyzer's `diff` text
//! (`diff-type: ..., source: ..., destination: ..., ref1: ..., ref2: ...`),
//! csv and md with the same columns, and json objects keyed by them.

use super::{Change, ConnDiff};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Txt,
    Json,
    Csv,
    Md,
}

const COLUMNS: [&str; 6] = [
    "diff-type",
    "source",
    "destination",
    "ref1",
    "ref2",
    "workloads-diff-info",
];

/// The diff in `format`. With no change, `txt` is empty (as the reference
/// prints nothing), csv and md are their header, json `[]`.
pub fn render(d: &ConnDiff, format: Format) -> String {
    match format {
        Format::Txt => txt(d),
        Format::Json => json(d),
        Format::Csv => csv(d),
        Format::Md => md(d),
    }
}

fn fields(c: &Change) -> [String; 6] {
    [
        c.kind.as_str().to_string(),
        c.src.clone(),
        c.dst.clone(),
        c.old.to_string(),
        c.new.to_string(),
        c.workloads_info().unwrap_or_default(),
    ]
}

fn txt(d: &ConnDiff) -> String {
    if d.is_empty() {
        return String::new();
    }
    let mut out = String::from("Connectivity diff:\n");
    for c in &d.changes {
        let [kind, src, dst, old, new, info] = fields(c);
        let _ = write!(
            out,
            "diff-type: {kind}, source: {src}, destination: {dst}, ref1: {old}, ref2: {new}"
        );
        if !info.is_empty() {
            let _ = write!(out, ", workloads-diff-info: {info}");
        }
        out.push('\n');
    }
    out
}

fn json(d: &ConnDiff) -> String {
    let rows: Vec<serde_json::Value> = d
        .changes
        .iter()
        .map(|c| {
            let [kind, src, dst, old, new, _] = fields(c);
            serde_json::json!({
                "diff-type": kind,
                "source": src,
                "destination": dst,
                "ref1": old,
                "ref2": new,
                "workloads-diff-info": c.workloads_info(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// RFC 4180 quoting: connection sets hold commas.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(d: &ConnDiff) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for c in &d.changes {
        let row: Vec<String> = fields(c).iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

fn md(d: &ConnDiff) -> String {
    let mut out = format!("| {} |\n", COLUMNS.join(" | "));
    let rule: Vec<String> = COLUMNS.iter().map(|c| "-".repeat(c.len() + 2)).collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    let esc = |s: &str| s.replace('|', "\\|");
    for c in &d.changes {
        let row: Vec<String> = fields(c).iter().map(|f| esc(f)).collect();
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}
