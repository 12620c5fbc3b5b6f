//! Line-oriented formats: one row per allowed pair. When some workload is on
//! a user-defined pod network, txt is split per network (`sections.rs`) and
//! json, csv and md gain the network of each row.

use super::sections;
use crate::analyze::connectivity::{Edge, Endpoint, FlowRows};
use std::io::{self, Write};

/// The network label of a row, when the result has pod networks.
fn network<'a>(c: &'a dyn FlowRows, e: &Edge) -> Option<&'a str> {
    let networks = c.networks();
    (!networks.is_empty()).then(|| {
        networks[sections::network_of(c.endpoints(), e) as usize]
            .label
            .as_str()
    })
}

/// `SRC => DST : CONN`, the connlist text format.
pub fn txt(c: &dyn FlowRows, w: &mut dyn Write) -> io::Result<()> {
    if !c.networks().is_empty() {
        return sections::txt(c, w);
    }
    let eps = c.endpoints();
    // Whole pieces, not `writeln!`: a million lines through the formatting
    // machinery cost more than building them.
    let mut line = Vec::with_capacity(256);
    for e in c.rows() {
        let (src, dst) = names(eps, &e);
        line.clear();
        line.extend_from_slice(src.as_bytes());
        line.extend_from_slice(b" => ");
        line.extend_from_slice(dst.as_bytes());
        line.extend_from_slice(b" : ");
        line.extend_from_slice(c.conn_text_of(e.conn).as_bytes());
        line.push(b'\n');
        w.write_all(&line)?;
    }
    Ok(())
}

fn names<'a>(eps: &'a [Endpoint], e: &Edge) -> (&'a str, &'a str) {
    (&eps[e.src as usize].name, &eps[e.dst as usize].name)
}

/// A pretty-printed JSON array of `{"src", "dst", "conn"}`, row by row
/// (what `serde_json::to_string_pretty` prints for the whole array).
pub fn json(c: &dyn FlowRows, w: &mut dyn Write) -> io::Result<()> {
    let eps = c.endpoints();
    let mut rows = c.rows().peekable();
    if rows.peek().is_none() {
        return w.write_all(b"[]\n");
    }
    w.write_all(b"[")?;
    let mut first = true;
    for e in rows {
        let (src, dst) = names(eps, &e);
        w.write_all(if first { b"\n  {\n" } else { b",\n  {\n" })?;
        first = false;
        let net = network(c, &e);
        for (key, value, last) in [
            ("src", Some(src), false),
            ("dst", Some(dst), false),
            ("conn", Some(c.conn_text_of(e.conn)), net.is_none()),
            ("network", net, true),
        ] {
            let Some(value) = value else { continue };
            write!(w, "    \"{key}\": ")?;
            serde_json::to_writer(&mut *w, value)?;
            w.write_all(if last { b"\n" } else { b",\n" })?;
        }
        w.write_all(b"  }")?;
    }
    w.write_all(b"\n]\n")
}

/// RFC 4180 quoting: CONN holds commas.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

pub fn csv(c: &dyn FlowRows, w: &mut dyn Write) -> io::Result<()> {
    let eps = c.endpoints();
    let split = !c.networks().is_empty();
    w.write_all(if split {
        b"src,dst,conn,network\n"
    } else {
        b"src,dst,conn\n"
    })?;
    for e in c.rows() {
        let (src, dst) = names(eps, &e);
        write!(
            w,
            "{},{},{}",
            csv_field(src),
            csv_field(dst),
            csv_field(c.conn_text_of(e.conn))
        )?;
        if let Some(net) = network(c, &e) {
            write!(w, ",{}", csv_field(net))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

pub fn md(c: &dyn FlowRows, w: &mut dyn Write) -> io::Result<()> {
    let eps = c.endpoints();
    let split = !c.networks().is_empty();
    w.write_all(if split {
        b"| src | dst | conn | network |\n|-----|-----|------|---------|\n"
    } else {
        b"| src | dst | conn |\n|-----|-----|------|\n"
    })?;
    let esc = |s: &str| s.replace('|', "\\|");
    for e in c.rows() {
        let (src, dst) = names(eps, &e);
        write!(
            w,
            "| {} | {} | {} |",
            esc(src),
            esc(dst),
            esc(c.conn_text_of(e.conn))
        )?;
        if let Some(net) = network(c, &e) {
            write!(w, " {} |", esc(net))?;
        }
        writeln!(w)?;
    }
    Ok(())
}
