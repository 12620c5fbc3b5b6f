//! Line-oriented formats: one row per allowed pair.

use crate::analyze::connectivity::{Edge, Endpoint, FlowRows};
use std::io::{self, Write};

/// `SRC => DST : CONN`, the connlist text format.
pub fn txt(c: &dyn FlowRows, w: &mut dyn Write) -> io::Result<()> {
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
        for (key, value, last) in [
            ("src", src, false),
            ("dst", dst, false),
            ("conn", c.conn_text_of(e.conn), true),
        ] {
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
    w.write_all(b"src,dst,conn\n")?;
    for e in c.rows() {
        let (src, dst) = names(eps, &e);
        writeln!(
            w,
            "{},{},{}",
            csv_field(src),
            csv_field(dst),
            csv_field(c.conn_text_of(e.conn))
        )?;
    }
    Ok(())
}

pub fn md(c: &dyn FlowRows, w: &mut dyn Write) -> io::Result<()> {
    let eps = c.endpoints();
    w.write_all(b"| src | dst | conn |\n|-----|-----|------|\n")?;
    let esc = |s: &str| s.replace('|', "\\|");
    for e in c.rows() {
        let (src, dst) = names(eps, &e);
        writeln!(
            w,
            "| {} | {} | {} |",
            esc(src),
            esc(dst),
            esc(c.conn_text_of(e.conn))
        )?;
    }
    Ok(())
}
