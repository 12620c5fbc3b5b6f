//! `file:line:col: severity[CODE/rule] message` — one line per finding, for
//! grep, editors' quickfix lists and pre-commit output. Text from the inputs
//! is escaped, so a finding is always exactly one line.

use super::{Diagnostic, Summary, escape_controls};
use crate::source::SourceMap;
use std::fmt::Write as _;
use std::io::Write as _;

/// One finding as `file:line:col: severity[CODE/rule] message` (also used
/// by other printers for findings they list plainly).
pub fn line(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut line = Vec::new();
    let _ = write_line(&mut line, d, sources);
    String::from_utf8(line).unwrap_or_default()
}

/// [`line`], written to `out` (no newline).
pub(super) fn write_line(
    out: &mut impl std::io::Write,
    d: &Diagnostic,
    sources: &SourceMap,
) -> std::io::Result<()> {
    write!(
        out,
        "{}:{}:{}: {}[{}/{}] {}",
        escape_controls(&sources.get(d.span.file).name),
        d.span.start.line,
        d.span.start.column,
        d.severity.as_str(),
        d.code,
        d.rule,
        escape_controls(&d.message)
    )
}

pub fn render(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    super::to_string(|out| write(diags, sources, summary, out))
}

/// `render`, written to `out` as it is produced, the lines of 100k findings
/// formatted on two threads (`parallel::write_chunks`).
pub fn write(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    super::parallel::write_chunks(
        diags,
        |_, chunk, buf| {
            for d in chunk {
                // Writing to memory cannot fail.
                let _ = finding(buf, d, sources);
            }
        },
        out,
    )?;
    writeln!(out, "{}", summary_line(summary))
}

/// A finding's line and its related locations' notes.
fn finding(out: &mut Vec<u8>, d: &Diagnostic, sources: &SourceMap) -> std::io::Result<()> {
    write_line(out, d, sources)?;
    out.push(b'\n');
    for r in &d.related {
        let rfile = escape_controls(&sources.get(r.span.file).name);
        writeln!(
            out,
            "  {rfile}:{}:{}: note: {}",
            r.span.start.line,
            r.span.start.column,
            escape_controls(&r.message)
        )?;
    }
    Ok(())
}

/// "2 errors, 1 warning, 0 infos in 3 files".
pub fn summary_line(s: &Summary) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}, {}, {} in {}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info"),
        plural(s.files, "file")
    );
    if s.suppressed > 0 {
        let _ = write!(line, " ({} suppressed)", s.suppressed);
    }
    line
}
