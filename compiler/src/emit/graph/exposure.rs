//! The connectivity with its exposure section (`--exposure`), as
//! netpol-analyzer prints `list --exposure`: the connlist, then
//! `Exposure Analysis Result:` with the egress (`=>`) and ingress (`<=`)
//! exposures (workload names padded to one column) and the workloads no
//! policy protects; in json the `connlist_results` and `exposure_results`
//! objects; in md one table per section.

use super::table;
use crate::analyze::connectivity::Connectivity;
use crate::analyze::connectivity::exposure::{Exposure, ExposureLine, dir_name};
use std::fmt::Write as _;
use std::io::Write as _;

pub fn txt(c: &Connectivity, x: &Exposure, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    table::txt(c, &mut w)?;
    let width = x
        .egress
        .iter()
        .chain(&x.ingress)
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0);
    writeln!(w, "\nExposure Analysis Result:")?;
    let sections: [(&str, &str, &[ExposureLine]); 2] = [
        ("Egress Exposure:", "=>", &x.egress),
        ("Ingress Exposure:", "<=", &x.ingress),
    ];
    let mut first = true;
    for (title, arrow, lines) in sections {
        if lines.is_empty() {
            continue;
        }
        if !first {
            writeln!(w)?;
        }
        first = false;
        writeln!(w, "{title}")?;
        for l in lines {
            writeln!(w, "{:<width$} \t{arrow} \t{} : {}", l.name, l.peer, l.conn)?;
        }
    }
    if !x.unprotected.is_empty() {
        writeln!(w, "\nWorkloads not protected by network policies:")?;
        for (_, name, dir) in &x.unprotected {
            writeln!(w, "{name} is not protected on {}", dir_name(*dir))?;
        }
    }
    w.flush()
}

/// Rows `{src, dst, conn}`: egress exposures from the workload, ingress
/// exposures to it.
fn rows(lines: &[ExposureLine], egress: bool) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|l| {
            let (src, dst): (&str, &str) = if egress {
                (&l.name, &l.peer)
            } else {
                (&l.peer, &l.name)
            };
            serde_json::json!({"src": src, "dst": dst, "conn": l.conn.to_string()})
        })
        .collect()
}

pub fn json(c: &Connectivity, x: &Exposure) -> String {
    let mut list = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = table::json(c, &mut list);
    let connlist: serde_json::Value =
        serde_json::from_slice(&list).unwrap_or_else(|_| serde_json::json!([]));
    let unprotected: Vec<serde_json::Value> = x
        .unprotected
        .iter()
        .map(|(_, name, dir)| serde_json::json!({"workload": &**name, "direction": dir_name(*dir)}))
        .collect();
    let doc = serde_json::json!({
        "connlist_results": connlist,
        "exposure_results": {
            "egress_exposure": rows(&x.egress, true),
            "ingress_exposure": rows(&x.ingress, false),
            "unprotected": unprotected,
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

pub fn md(c: &Connectivity, x: &Exposure) -> String {
    let esc = |s: &str| s.replace('|', "\\|");
    let mut list = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = table::md(c, &mut list);
    let mut out = String::from_utf8(list).unwrap_or_default();
    out.push_str("\n## Exposure Analysis Result\n");
    for (title, egress, lines) in [
        ("Egress Exposure", true, &x.egress),
        ("Ingress Exposure", false, &x.ingress),
    ] {
        if lines.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "\n### {title}\n\n| src | dst | conn |\n|-----|-----|------|\n"
        );
        for row in rows(lines, egress) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                esc(row["src"].as_str().unwrap_or_default()),
                esc(row["dst"].as_str().unwrap_or_default()),
                esc(row["conn"].as_str().unwrap_or_default())
            );
        }
    }
    if !x.unprotected.is_empty() {
        out.push_str("\n### Workloads not protected by network policies\n\n| workload | direction |\n|----------|-----------|\n");
        for (_, name, dir) in &x.unprotected {
            let _ = writeln!(out, "| {} | {} |", esc(name), dir_name(*dir));
        }
    }
    out
}
