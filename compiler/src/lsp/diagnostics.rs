//! topoc findings as protocol diagnostics: exact ranges, severity, the code
//! with a link to its section of docs/rules.md (the page SARIF's `helpUri`
//! names), related spans as `relatedInformation`.

use super::text::{self, Encoding};
use crate::diagnostic::{self as diag, Diagnostic, Severity, sarif};
use crate::source::FileId;
use crate::source::SourceMap;
use lsp_types as lsp;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The diagnostics of the files an analysis read whose path `wanted`
/// accepts, by path; files without findings are absent.
pub fn by_file(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    enc: Encoding,
    wanted: impl Fn(&Path) -> bool,
) -> BTreeMap<PathBuf, Vec<lsp::Diagnostic>> {
    let mut out: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
    // One check per file, not per finding (thousands in a large workspace).
    let mut paths: HashMap<FileId, Option<PathBuf>> = HashMap::new();
    for d in diagnostics {
        let path = paths.entry(d.span.file).or_insert_with(|| {
            // Places that are no file (a command-line problem, a directory).
            let file = sources.get(d.span.file);
            let path = std::path::absolute(&file.path).unwrap_or_else(|_| file.path.clone());
            (wanted(&path) && is_file(sources, d.span.file)).then_some(path)
        });
        let Some(path) = path else {
            continue;
        };
        out.entry(path.clone())
            .or_default()
            .push(convert(d, sources, enc));
    }
    out
}

/// Whether findings in `id` can be shown in an editor.
pub fn is_file(sources: &SourceMap, id: FileId) -> bool {
    let f = sources.get(id);
    f.name != "-" && !f.path.is_dir() && (f.path.is_file() || !f.text.is_empty())
}

pub fn convert(d: &Diagnostic, sources: &SourceMap, enc: Encoding) -> lsp::Diagnostic {
    let file = sources.get(d.span.file);
    let code = diag::lookup(d.code);
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter(|r| is_file(sources, r.span.file))
        .map(|r| {
            let f = sources.get(r.span.file);
            lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(text::uri_of(&f.path), text::range(f, r.span, enc)),
                message: r.message.clone(),
            }
        })
        .collect();
    let mut message = format!("{} [{}]", d.message, d.rule);
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    lsp::Diagnostic {
        range: text::range(file, d.span, enc),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: code.and_then(|c| {
            Some(lsp::CodeDescription {
                href: lsp::Uri::from_str(&sarif::help_uri(c)).ok()?,
            })
        }),
        source: Some("topoc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: Some(serde_json::json!({ "rule": d.rule })),
    }
}
