//! The format for people, in the style of rustc and ruff (rendered by
//! `annotate-snippets`, the crate rustc uses):
//!
//! ```text
//! error[TOPO201/host-port-conflict]: host port 8080/tcp ... conflicts with ...
//!  --> compose.yaml:9:9
//!   |
//! 5 |       - "8080:80"
//!   |         --------- first published here by `web`
//! ...
//! 9 |       - "127.0.0.1:8080:80"
//!   |         ^^^^^^^^^^^^^^^^^^^
//!   |
//!   = help: ...
//! note: declared here
//!  --> other.yaml:3:5
//! ```
//!
//! Only the lines of the labels are shown. Labels of one file further apart
//! than [`CLUSTER_GAP`] lines are separate snippets, and a span longer than
//! [`MAX_SPAN_LINES`] is shown by its first line, so a finding prints a
//! bounded number of lines whatever the file size, and each snippet is cut
//! from our line index: rendering costs what the findings cost, not the
//! files. Labels in other files are `note:` snippets under their finding.
//!
//! Nothing here can panic on any input: every span is clamped into its file
//! and onto character boundaries before it reaches the renderer, long lines
//! are cut around the label by the renderer, and control characters in
//! messages are escaped ([`super::escape_controls`]).

use super::{Diagnostic, Severity, Summary, concise::summary_line, escape_controls};
use crate::source::{SourceFile, SourceMap, Span};
use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// Labels of one file at most this many lines apart share a snippet (the
/// lines between are shown); further apart, they are separate snippets.
pub const CLUSTER_GAP: u32 = 2;

/// A span covering more lines than this is shown by its first line only.
pub const MAX_SPAN_LINES: u32 = 6;

/// One label, already mapped to bytes of its file.
struct Label {
    /// 1-based first and last line shown for it.
    first: u32,
    last: u32,
    /// Byte range in the file (on character boundaries, within the lines).
    bytes: std::ops::Range<usize>,
    text: Option<String>,
    primary: bool,
}

/// The byte where 1-based `line` starts, and where its text ends (before
/// the line break).
pub(super) fn line_bounds(file: &SourceFile, line: u32) -> (usize, usize) {
    let starts = file.line_starts();
    let i = (line.max(1) as usize - 1).min(starts.len() - 1);
    let start = starts[i];
    let next = starts.get(i + 1).copied().unwrap_or(file.text.len());
    let body = file.text[start..next].trim_end_matches(['\n', '\r']);
    (start, start + body.len())
}

fn label(file: &SourceFile, span: Span, text: Option<String>, primary: bool) -> Label {
    let lines = file.line_count() as u32;
    let first = span.start.line.clamp(1, lines);
    let start = file.byte_offset(span.start).min(line_bounds(file, first).1);
    // An end at column 1 closes the line before it.
    let mut last = if span.end.line > first && span.end.column <= 1 {
        span.end.line - 1
    } else {
        span.end.line
    }
    .clamp(first, lines);
    let mut end = file.byte_offset(span.end);
    if last - first >= MAX_SPAN_LINES {
        last = first;
        end = line_bounds(file, first).1;
    }
    let end = end.clamp(start, line_bounds(file, last).1.max(start));
    Label {
        first,
        last,
        bytes: start..end,
        text,
        primary,
    }
}

/// The lines a span is shown on and the bytes it marks.
pub(super) struct Shown {
    pub first: u32,
    pub last: u32,
    pub bytes: std::ops::Range<usize>,
}

/// `span` as the general renderer labels it.
pub(super) fn shown_label(file: &SourceFile, span: Span) -> Shown {
    let l = label(file, span, None, true);
    Shown {
        first: l.first,
        last: l.last,
        bytes: l.bytes,
    }
}

/// The lines `first..=last` of a file as one snippet holding `labels`.
/// Lone carriage returns (old Mac line ends, which YAML counts as breaks)
/// become newlines, byte for byte, so the renderer numbers lines as the
/// parser did.
fn snippet<'a>(
    file: &'a SourceFile,
    labels: &[Label],
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let first = labels.iter().map(|l| l.first).min().unwrap_or(1);
    let last = labels.iter().map(|l| l.last).max().unwrap_or(first);
    let start = line_bounds(file, first).0;
    let end = line_bounds(file, last).1;
    let window = &file.text[start..end];
    let window: std::borrow::Cow<str> = if window.contains('\r') {
        let mut fixed = window.as_bytes().to_vec();
        for i in 0..fixed.len() {
            if fixed[i] == b'\r' && fixed.get(i + 1) != Some(&b'\n') {
                fixed[i] = b'\n';
            }
        }
        String::from_utf8(fixed)
            .unwrap_or_else(|_| window.to_string())
            .into()
    } else {
        window.into()
    };
    let mut s = Snippet::source(window)
        .line_start(first as usize)
        .path(escape_controls(&file.name))
        .fold(true);
    for l in labels {
        let kind = if l.primary {
            AnnotationKind::Primary
        } else {
            AnnotationKind::Context
        };
        let range = l.bytes.start.saturating_sub(start).min(end - start)
            ..l.bytes.end.saturating_sub(start).min(end - start);
        s = s.annotation(kind.span(range).label(l.text.clone()));
    }
    s
}

/// Labels sorted by line, split where the next label starts more than
/// `CLUSTER_GAP` lines after the previous ones end.
fn clusters(mut labels: Vec<Label>) -> Vec<Vec<Label>> {
    labels.sort_by_key(|l| (l.first, l.bytes.start, !l.primary));
    let mut out: Vec<Vec<Label>> = Vec::new();
    let mut reach = 0;
    for l in labels {
        match out.last_mut() {
            Some(c) if l.first <= reach + CLUSTER_GAP => {
                reach = reach.max(l.last);
                c.push(l);
            }
            _ => {
                reach = l.last;
                out.push(vec![l]);
            }
        }
    }
    // The primary label's snippet comes first: its header is the location.
    out.sort_by_key(|c| !c.iter().any(|l| l.primary));
    out
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// The most lines one finding prints. Past it, the last related labels are
/// left out and counted in a note (`--format concise` lists every one).
pub const MAX_FINDING_LINES: usize = 30;

/// One finding: its title and snippets, then a `note:` per label in another
/// file, within [`MAX_FINDING_LINES`].
pub fn render_one(d: &Diagnostic, sources: &SourceMap, renderer: &Renderer) -> String {
    // Every label takes a line at least: no more than the bound can fit.
    let mut keep = d.related.len().min(MAX_FINDING_LINES);
    loop {
        let text = render_some(d, keep, sources, renderer);
        if keep == 0 || text.lines().count() <= MAX_FINDING_LINES {
            return text;
        }
        keep -= 1;
    }
}

/// A finding with only its first `keep` related labels.
fn render_some(d: &Diagnostic, keep: usize, sources: &SourceMap, renderer: &Renderer) -> String {
    let file = sources.get(d.span.file);
    let mut here = vec![label(file, d.span, None, true)];
    let mut notes = Vec::new();
    for r in &d.related[..keep] {
        let text = escape_controls(&r.message).into_owned();
        if r.span.file == d.span.file {
            here.push(label(file, r.span, Some(text), false));
        } else {
            let other = sources.get(r.span.file);
            notes.push((other, text, label(other, r.span, None, false)));
        }
    }
    let title = escape_controls(&d.message);
    let mut group = Group::with_title(
        level(d.severity)
            .primary_title(title)
            .id(format!("{}/{}", d.code, d.rule)),
    );
    for c in clusters(here) {
        group = group.element(snippet(file, &c));
    }
    let left_out = d.related.len() - keep;
    if left_out > 0 {
        group = group.element(Level::NOTE.message(format!(
            "{left_out} more related location{} (`--format concise` lists them)",
            if left_out == 1 { "" } else { "s" }
        )));
    }
    if let Some(h) = &d.help {
        group = group.element(Level::HELP.message(escape_controls(h)));
    }
    let mut report = vec![group];
    for (other, text, l) in notes {
        report.push(
            Group::with_title(Level::NOTE.secondary_title(text))
                .element(snippet(other, std::slice::from_ref(&l))),
        );
    }
    renderer.render(&report)
}

pub fn render(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary, color: bool) -> String {
    super::to_string(|out| write(diags, sources, summary, color, out))
}

/// `render`, written to `out` one diagnostic at a time.
pub fn write(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    // A finding's snippets take tens of microseconds to lay out: tens of
    // thousands of findings are rendered on two threads.
    super::parallel::write_chunks(
        diags,
        |_, chunk, buf| {
            for d in chunk {
                let simple = (!color)
                    .then(|| {
                        let title = escape_controls(&d.message);
                        super::human_simple::render(d, sources.get(d.span.file), &title)
                    })
                    .flatten();
                match simple {
                    Some(text) => buf.extend_from_slice(text.as_bytes()),
                    None => buf.extend_from_slice(render_one(d, sources, &renderer).as_bytes()),
                }
                buf.extend_from_slice(b"\n\n");
            }
        },
        out,
    )?;
    writeln!(out, "{}", summary_line(summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::codes;
    use crate::source::{FileId, Pos, SourceFile};
    use proptest::prelude::*;

    fn pos(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    fn span(file: u32, start: Pos, end: Pos) -> Span {
        Span {
            file: FileId(file),
            start,
            end,
        }
    }

    fn map(texts: &[&str]) -> SourceMap {
        let mut m = SourceMap::default();
        for (i, t) in texts.iter().enumerate() {
            m.add(SourceFile::new(
                format!("f{i}.yaml"),
                "/nonexistent",
                t.to_string(),
            ));
        }
        m
    }

    fn render_plain(d: &Diagnostic, m: &SourceMap) -> String {
        render_one(d, m, &Renderer::plain().decor_style(DecorStyle::Ascii))
    }

    #[test]
    fn far_labels_are_separate_snippets_and_other_files_notes() {
        let text: String = (1..=5000).map(|i| format!("k{i}: v{i}\n")).collect();
        let m = map(&[&text, "other: 1\n"]);
        let d = Diagnostic::new(
            &codes::HOST_PORT_CONFLICT,
            span(0, pos(4000, 1), pos(4000, 3)),
            "late",
        )
        .with_related(span(0, pos(3, 1), pos(3, 3)), "early")
        .with_related(span(1, pos(1, 1), pos(1, 6)), "elsewhere")
        .with_help("do something");
        let out = render_plain(&d, &m);
        assert!(out.lines().count() <= 30, "{out}");
        assert!(
            out.starts_with("error[TOPO201/host-port-conflict]: late\n"),
            "{out}"
        );
        assert!(out.contains("--> f0.yaml:4000:1"), "{out}");
        assert!(out.contains("::: f0.yaml:3:1"), "{out}");
        assert!(out.contains("note: elsewhere\n"), "{out}");
        assert!(out.contains("--> f1.yaml:1:1"), "{out}");
        assert!(
            !out.contains("k100:"),
            "lines between labels are elided: {out}"
        );
    }

    #[test]
    fn many_related_labels_stay_within_the_line_bound() {
        let text: String = (1..=500).map(|i| format!("k{i}: v{i}\n")).collect();
        let m = map(&[&text]);
        let mut d = Diagnostic::new(
            &codes::HOST_PORT_CONFLICT,
            span(0, pos(1, 1), pos(1, 3)),
            "many",
        );
        for i in 0..40 {
            d = d.with_related(span(0, pos(10 + 10 * i, 1), pos(10 + 10 * i, 3)), "r");
        }
        let out = render_plain(&d, &m);
        assert!(out.lines().count() <= MAX_FINDING_LINES, "{out}");
        assert!(
            out.contains("more related locations (`--format concise` lists them)"),
            "{out}"
        );
    }

    #[test]
    fn long_spans_show_their_first_line() {
        let text: String = (1..=500).map(|i| format!("k{i}: v{i}\n")).collect();
        let m = map(&[&text]);
        let d = Diagnostic::new(
            &codes::HOST_PORT_CONFLICT,
            span(0, pos(2, 1), pos(400, 3)),
            "block",
        );
        let out = render_plain(&d, &m);
        assert!(out.lines().count() <= 8, "{out}");
        assert!(out.contains("k2: v2") && !out.contains("k400"), "{out}");
    }

    #[test]
    fn cr_only_lines_and_wide_columns_match_the_parser() {
        let m = map(&[
            "a: 1\rb: 2\rc: [\r",
            &format!("x: \"{}\", y: [}}\n", "é".repeat(70_000)),
        ]);
        let d = Diagnostic::new(
            &codes::HOST_PORT_CONFLICT,
            span(0, pos(2, 4), pos(2, 5)),
            "cr",
        );
        let out = render_plain(&d, &m);
        assert!(
            out.contains("--> f0.yaml:2:4") && out.contains("2 | b: 2"),
            "{out}"
        );
        let d = Diagnostic::new(
            &codes::HOST_PORT_CONFLICT,
            span(1, pos(1, 70_011), pos(1, 70_012)),
            "wide",
        );
        let out = render_plain(&d, &m);
        assert!(out.contains("--> f1.yaml:1:70011"), "{out}");
        assert!(
            out.lines().all(|l| l.chars().count() < 200),
            "long lines are cut: {out}"
        );
    }

    #[test]
    fn control_characters_in_messages_are_escaped() {
        let m = map(&["a: 1\n"]);
        let d = Diagnostic::new(
            &codes::HOST_PORT_CONFLICT,
            span(0, pos(1, 1), pos(1, 2)),
            "`a\nforged.yaml:1:1: error \u{1b}[31m`",
        )
        .with_related(span(0, pos(1, 1), pos(1, 2)), "by `b\r\n`");
        let out = render_plain(&d, &m);
        assert!(
            out.contains("`a\\nforged.yaml:1:1: error \\u{1b}[31m`"),
            "{out}"
        );
        assert!(out.contains("by `b\\r\\n`"), "{out}");
        assert!(!out.contains('\u{1b}'), "{out}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Any span into any text renders, within the line bound.
        #[test]
        fn never_panics(
            text in "([a-z: é日\t\r\n\u{1b}\u{202e}-]{0,30}){0,12}",
            other in "[a-z\r\n]{0,20}",
            points in proptest::collection::vec((0u32..20, 0u32..80), 2..8),
        ) {
            let m = map(&[&text, &other]);
            let mut d = Diagnostic::new(
                &codes::HOST_PORT_CONFLICT,
                span(0, pos(points[0].0, points[0].1), pos(points[1].0, points[1].1)),
                "m",
            );
            for (i, w) in points.windows(2).enumerate().skip(1) {
                d = d.with_related(span((i % 2) as u32, pos(w[0].0, w[0].1), pos(w[1].0, w[1].1)), "r");
            }
            let out = render_plain(&d, &m);
            prop_assert!(out.starts_with("error[TOPO201/host-port-conflict]: m"));
            prop_assert!(out.lines().count() <= MAX_FINDING_LINES, "{}", out);
        }
    }
}
