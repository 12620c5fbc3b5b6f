//! GitHub Actions workflow commands: `::error file=..,line=..::message`
//! lines that the runner turns into annotations on the pull request diff.
//!
//! GitHub shows at most 10 annotations of each level per step and silently
//! drops the rest, so past that cap the findings are printed as plain lines
//! (still in the log) and a summary line says how many were not annotated.

use super::{Diagnostic, Severity, Summary, concise::summary_line};
use crate::source::SourceMap;
use std::fmt::Write;

/// Annotations GitHub displays per level and step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// Escape a command's message (`%`, CR, LF), as the Actions toolkit does.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: additionally `:` and `,`, which delimit properties.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The annotation's message: the finding, its related locations and help.
fn message(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut m = d.message.clone();
    for r in &d.related {
        let f = sources.get(r.span.file).repo_name();
        let _ = write!(
            m,
            "\n{f}:{}:{}: {}",
            r.span.start.line, r.span.start.column, r.message
        );
    }
    if let Some(h) = &d.help {
        let _ = write!(m, "\nhelp: {h}");
    }
    m
}

pub fn render(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    super::to_string(|out| write(diags, sources, summary, out))
}

/// `render`, written to `out`: past the annotations, the findings of a
/// large input are formatted on two threads (`parallel::write_chunks`).
pub fn write(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut annotations = String::new();
    let mut shown = [0usize; 3];
    let mut overflow: Vec<&Diagnostic> = Vec::new();
    for d in diags {
        let slot = &mut shown[d.severity as usize];
        if *slot >= ANNOTATIONS_PER_LEVEL {
            overflow.push(d);
            continue;
        }
        *slot += 1;
        // Repository-relative: the runner matches annotations to the diff.
        let file = sources.get(d.span.file).repo_name();
        let (line, col) = (d.span.start.line.max(1), d.span.start.column.max(1));
        let (end_line, end_col) = if d.span.end.line >= line {
            (d.span.end.line, d.span.end.column.max(1))
        } else {
            (line, col)
        };
        let mut props = format!(
            "file={},line={line},endLine={end_line}",
            escape_property(file)
        );
        // GitHub honours columns only for single-line annotations.
        if end_line == line {
            let _ = write!(props, ",col={col},endColumn={}", end_col.max(col));
        }
        let title = format!("{}/{}", d.code, d.rule);
        let _ = writeln!(
            annotations,
            "::{} {props},title={}::{}",
            command(d.severity),
            escape_property(&title),
            escape_data(&message(d, sources))
        );
    }
    out.write_all(annotations.as_bytes())?;
    super::parallel::write_chunks(
        &overflow,
        |_, chunk, buf| {
            for d in chunk {
                // Writing to memory cannot fail.
                let _ = super::concise::write_line(buf, d, sources);
                buf.push(b'\n');
            }
        },
        out,
    )?;
    if !overflow.is_empty() {
        writeln!(
            out,
            "topoc: {} more findings than GitHub annotates ({ANNOTATIONS_PER_LEVEL} per level per step); they are listed above",
            overflow.len()
        )?;
    }
    writeln!(out, "{}", summary_line(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("50%\r\nok: a,b"), "50%25%0D%0Aok: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
