//! The machine-readable format (`schemas/diagnostics.schema.json`).

use super::{Diagnostic, Severity, Summary};
use crate::source::{SourceMap, Span};
use serde::Serialize;

#[derive(Serialize, schemars::JsonSchema)]
pub struct JsonReport {
    /// Format version; bumped only on incompatible changes.
    pub version: u32,
    pub diagnostics: Vec<JsonDiagnostic>,
    pub summary: JsonSummary,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct JsonDiagnostic {
    /// Stable code, `TOPO###`.
    pub code: String,
    /// Rule name, kebab-case.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// The path as given on the command line.
    pub file: String,
    /// 1-based line of the offending node.
    pub line: u32,
    /// 1-based column, in Unicode scalar values.
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub related: Vec<JsonRelated>,
    pub help: Option<String>,
    /// `kind/namespace/name`, or `project/service` for Compose.
    pub resource: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct JsonRelated {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
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

fn loc(sources: &SourceMap, span: Span) -> (String, u32, u32, u32, u32) {
    (
        sources.get(span.file).name.clone(),
        span.start.line,
        span.start.column,
        span.end.line,
        span.end.column,
    )
}

pub fn report(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> JsonReport {
    JsonReport {
        version: 1,
        diagnostics: diags
            .iter()
            .map(|d| {
                let (file, line, column, end_line, end_column) = loc(sources, d.span);
                JsonDiagnostic {
                    code: d.code.to_string(),
                    rule: d.rule.to_string(),
                    severity: d.severity,
                    message: d.message.clone(),
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
                                message: r.message.clone(),
                            }
                        })
                        .collect(),
                    help: d.help.clone(),
                    resource: d.resource.clone(),
                }
            })
            .collect(),
        summary: JsonSummary {
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
            files: summary.files,
            suppressed: summary.suppressed,
        },
    }
}

pub fn render(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(&report(diags, sources, summary))
        .expect("diagnostics serialize");
    s.push('\n');
    s
}
