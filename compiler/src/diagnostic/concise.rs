//! `file:line:col: severity[CODE/rule] message` — one line per finding, for
//! grep, editors' quickfix lists and pre-commit output. Text from the inputs
//! is escaped, so a finding is always exactly one line.

use super::{Diagnostic, Summary, escape_controls};
use crate::source::SourceMap;
use std::fmt::Write;

/// One finding as `file:line:col: severity[CODE/rule] message` (also used
/// by other printers for findings they list plainly).
pub fn line(d: &Diagnostic, sources: &SourceMap) -> String {
    format!(
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

/// `render`, written to `out` one line at a time.
pub fn write(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    for d in diags {
        writeln!(out, "{}", line(d, sources))?;
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
    }
    writeln!(out, "{}", summary_line(summary))
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
