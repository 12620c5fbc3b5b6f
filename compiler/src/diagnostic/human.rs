//! The graphical format for people, rendered by miette: the YAML snippet with
//! the offending node underlined and related spans labelled.

use super::{Diagnostic, Severity, Summary, concise::summary_line};
use crate::source::{SourceMap, Span};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A file as miette reads it. miette's own `str` source scans from the start
/// of the file for every snippet; this one cuts the window of lines around
/// the span with our line index first, so rendering stays proportional to the
/// number of findings, not findings × file size.
#[derive(Clone)]
struct Source {
    name: Arc<str>,
    text: Arc<str>,
    line_starts: Arc<[usize]>,
}

impl Source {
    fn line_of(&self, byte: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s <= byte)
            .saturating_sub(1)
    }
}

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, miette::MietteError> {
        let last = self.line_starts.len() - 1;
        let first_line = self.line_of(span.offset()).saturating_sub(before);
        let end_line = (self.line_of(span.offset() + span.len()) + after + 1).min(last);
        let start = self.line_starts[first_line];
        let end = self
            .line_starts
            .get(end_line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let window = &self.text.as_bytes()[start..end];
        let local = SourceSpan::new((span.offset() - start).into(), span.len());
        let inner = window.read_span(&local, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + start).into(), inner.span().len()),
            inner.line() + first_line,
            inner.column(),
            inner.line_count() + first_line,
        )))
    }
}

/// One finding as miette sees it. Related spans in the primary file become
/// labels; spans in other files become related reports with their own snippet.
struct Report {
    inner: MietteDiagnostic,
    source: Source,
    others: Vec<Report>,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}
impl std::error::Error for Report {}
impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.others.is_empty() {
            None
        } else {
            Some(Box::new(
                self.others.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

fn source_span(sources: &SourceMap, span: Span) -> SourceSpan {
    let file = sources.get(span.file);
    let start = file.byte_offset(span.start);
    let end = file.byte_offset(span.end).max(start);
    SourceSpan::new(start.into(), end - start)
}

/// One shared `Source` per file, however many findings point into it.
struct Sources<'a> {
    map: &'a SourceMap,
    cache: HashMap<crate::source::FileId, Source>,
}

impl Sources<'_> {
    fn get(&mut self, span: Span) -> Source {
        let map = self.map;
        self.cache
            .entry(span.file)
            .or_insert_with(|| {
                let f = map.get(span.file);
                Source {
                    name: f.name.as_str().into(),
                    text: f.text.as_str().into(),
                    line_starts: f.line_starts().into(),
                }
            })
            .clone()
    }
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn report(d: &Diagnostic, cache: &mut Sources) -> Report {
    let sources = cache.map;
    let file = sources.get(d.span.file);
    let location = format!(
        "{}:{}:{}",
        file.name, d.span.start.line, d.span.start.column
    );
    // The message heads the report; the primary underline needs no label.
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        None,
        source_span(sources, d.span),
    )];
    let mut others = Vec::new();
    for r in &d.related {
        if r.span.file == d.span.file {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                source_span(sources, r.span),
            ));
        } else {
            let rf = sources.get(r.span.file);
            let inner = MietteDiagnostic::new(format!(
                "{} ({}:{}:{})",
                r.message, rf.name, r.span.start.line, r.span.start.column
            ))
            .with_severity(miette::Severity::Advice)
            .with_label(LabeledSpan::new_primary_with_span(
                Some(r.message.clone()),
                source_span(sources, r.span),
            ));
            others.push(Report {
                inner,
                source: cache.get(r.span),
                others: Vec::new(),
            });
        }
    }
    let mut inner = MietteDiagnostic::new(format!("{} ({location})", d.message))
        .with_code(format!("{}/{}", d.code, d.rule))
        .with_severity(severity(d.severity))
        .with_labels(labels);
    if let Some(h) = &d.help {
        inner = inner.with_help(h.clone());
    }
    Report {
        inner,
        source: cache.get(d.span),
        others,
    }
}

pub fn render(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    let mut cache = Sources {
        map: sources,
        cache: HashMap::new(),
    };
    for d in diags {
        let r = report(d, &mut cache);
        let _ = handler.render_report(&mut out, &r);
        out.push('\n');
    }
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}
