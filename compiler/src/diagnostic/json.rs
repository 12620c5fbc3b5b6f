//! The machine-readable format (`schemas/diagnostics.schema.json`).

use super::{Diagnostic, Severity, Summary};
use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::io::Write;

#[derive(Serialize, schemars::JsonSchema)]
pub struct JsonReport<'a> {
    /// Format version; bumped only on incompatible changes.
    pub version: u32,
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
    pub summary: JsonSummary,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct JsonDiagnostic<'a> {
    /// Stable code, `TOPO###`.
    pub code: &'a str,
    /// Rule name, kebab-case.
    pub rule: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    /// The path as given on the command line.
    pub file: &'a str,
    /// 1-based line of the offending node.
    pub line: u32,
    /// 1-based column, in Unicode scalar values.
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub related: Vec<JsonRelated<'a>>,
    pub help: Option<&'a str>,
    /// `kind/namespace/name`, or `project/service` for Compose.
    pub resource: Option<&'a str>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct JsonRelated<'a> {
    pub file: &'a str,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: &'a str,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct JsonSummary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub files: usize,
    /// Findings silenced by configuration or inline ignores.
    pub suppressed: usize,
}

fn loc(sources: &SourceMap, span: Span) -> (&str, u32, u32, u32, u32) {
    (
        &sources.get(span.file).name,
        span.start.line,
        span.start.column,
        span.end.line,
        span.end.column,
    )
}

/// Borrows every string from the diagnostics and the source map: a copy of
/// each finding beside the text being written doubled the output's memory.
pub fn report<'a>(
    diags: &'a [Diagnostic],
    sources: &'a SourceMap,
    summary: &Summary,
) -> JsonReport<'a> {
    JsonReport {
        version: 1,
        diagnostics: diags.iter().map(|d| diagnostic(d, sources)).collect(),
        summary: json_summary(summary),
    }
}

fn diagnostic<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> JsonDiagnostic<'a> {
    let (file, line, column, end_line, end_column) = loc(sources, d.span);
    JsonDiagnostic {
        code: d.code,
        rule: d.rule,
        severity: d.severity,
        message: &d.message,
        file,
        line,
        column,
        end_line,
        end_column,
        related: d
            .related
            .iter()
            .map(|r| {
                let (file, line, column, end_line, end_column) = loc(sources, r.span);
                JsonRelated {
                    file,
                    line,
                    column,
                    end_line,
                    end_column,
                    message: &r.message,
                }
            })
            .collect(),
        help: d.help.as_deref(),
        resource: d.resource.as_deref(),
    }
}

fn json_summary(summary: &Summary) -> JsonSummary {
    JsonSummary {
        errors: summary.errors,
        warnings: summary.warnings,
        infos: summary.infos,
        files: summary.files,
        suppressed: summary.suppressed,
    }
}

/// [`JsonReport`] with its diagnostics left out, to be written in place
/// (`parallel::write_with_array`). Field order is [`JsonReport`]'s.
#[derive(Serialize)]
struct Skeleton {
    version: u32,
    diagnostics: &'static str,
    summary: JsonSummary,
}

pub fn render(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    super::to_string(|out| write(diags, sources, summary, out))
}

/// `render`, written to `out` as it is serialized.
pub fn write(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let skeleton = Skeleton {
        version: 1,
        diagnostics: super::parallel::ARRAY_MARKER,
        summary: json_summary(summary),
    };
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    super::parallel::write_with_array(&skeleton, diags, |d| diagnostic(d, sources), &mut buffered)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}
