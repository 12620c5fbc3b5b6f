//! Line-oriented formats: one row per allowed pair.

use crate::analyze::connectivity::Connectivity;
use std::fmt::Write as _;
use std::io::Write as _;

/// `SRC => DST : CONN`, the connlist text format (streamed: results can
/// have millions of lines).
pub fn txt(c: &Connectivity, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    for e in &c.edges {
        writeln!(
            w,
            "{} => {} : {}",
            c.src(e).name,
            c.dst(e).name,
            c.conn_text(e)
        )?;
    }
    w.flush()
}

pub fn json(c: &Connectivity) -> String {
    let rows: Vec<serde_json::Value> = c
        .edges
        .iter()
        .map(|e| {
            serde_json::json!({
                "src": c.src(e).name,
                "dst": c.dst(e).name,
                "conn": c.conn_text(e),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// RFC 4180 quoting: CONN holds commas.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn csv(c: &Connectivity) -> String {
    let mut out = String::from("src,dst,conn\n");
    for e in &c.edges {
        let _ = writeln!(
            out,
            "{},{},{}",
            csv_field(&c.src(e).name),
            csv_field(&c.dst(e).name),
            csv_field(c.conn_text(e))
        );
    }
    out
}

pub fn md(c: &Connectivity) -> String {
    let mut out = String::from("| src | dst | conn |\n|-----|-----|------|\n");
    let esc = |s: &str| s.replace('|', "\\|");
    for e in &c.edges {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            esc(&c.src(e).name),
            esc(&c.dst(e).name),
            esc(c.conn_text(e))
        );
    }
    out
}
