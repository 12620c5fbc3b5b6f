//! The commonest finding, laid out without `annotate-snippets`: one label
//! on one short line of plain ASCII, no related locations, a one-line title
//! and help. Most findings of a large input are of this shape, and the
//! general renderer spends tens of microseconds on each. The bytes are
//! `annotate-snippets`' own (tested against it on generated findings in
//! `tests`); anything else goes to it.

use super::human::{CLUSTER_GAP, MAX_FINDING_LINES};
use super::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt::Write;

/// Lines longer than this may be cut by the renderer: not simple.
const MAX_LINE: usize = 100;

fn plain_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// A label's lines, already checked to be simple.
struct Simple<'a> {
    label: super::human::Shown,
    /// Most labels are on one line: no allocation for them.
    lines: SmallVec<[&'a str; 1]>,
    /// Where its first and last lines start in the file.
    line_start: usize,
    last_start: usize,
    /// The label's text, escaped (the primary label has none).
    text: Option<Cow<'a, str>>,
}

impl Simple<'_> {
    fn col(&self) -> usize {
        self.label.bytes.start - self.line_start
    }

    /// Whether a multi-line label is of the kinds [`snippet`] draws.
    fn drawable(&self) -> bool {
        if self.lines.len() == 1 {
            return true;
        }
        // Spans over lines the renderer counts as empty (a bare delimiter, a
        // `//` comment) have lines folded into `...`, and so would spans of
        // more than six lines, which `label` already cut to their first.
        let folds = |t: &str| {
            let t = t.trim();
            t.starts_with("//") || ["", "{", "}", "(", ")", "[", "]"].contains(&t)
        };
        self.label.bytes.end > self.last_start
            && self.text.is_none()
            && self.lines.len() <= super::human::MAX_SPAN_LINES as usize
            && !self.lines.iter().any(|t| folds(t))
    }

    /// Lines [`snippet`] writes for it with `texts` stacked under it.
    fn snippet_lines(&self, texts: usize) -> usize {
        if self.lines.len() == 1 {
            2 + if texts > 1 { 1 + texts } else { 0 }
        } else {
            self.lines.len() + usize::from(self.col() > self.indent()) + 1
        }
    }

    fn indent(&self) -> usize {
        self.lines[0].len() - self.lines[0].trim_start().len()
    }
}

fn simple<'a>(file: &'a SourceFile, span: Span, text: Option<Cow<'a, str>>) -> Option<Simple<'a>> {
    let label = super::human::shown_label(file, span);
    let lines: SmallVec<[&str; 1]> = (label.first..=label.last)
        .map(|n| {
            let (start, end) = super::human::line_bounds(file, n);
            &file.text[start..end]
        })
        .collect();
    if lines
        .iter()
        .any(|t| t.is_empty() || t.len() > MAX_LINE || !plain_ascii(t) || t.ends_with(' '))
        || text
            .as_deref()
            .is_some_and(|t| t.is_empty() || !plain_ascii(t))
    {
        return None;
    }
    let line_start = super::human::line_bounds(file, label.first).0;
    let last_start = super::human::line_bounds(file, label.last).0;
    Some(Simple {
        label,
        lines,
        line_start,
        last_start,
        text,
    })
}

/// The finding `d` as the plain (uncolored) renderer lays it out, when it
/// is simple: besides its own label, only labels on one line each, in its
/// file, each more than [`CLUSTER_GAP`] lines from any other (a snippet of
/// its own). `title` is already escaped.
pub(super) fn render(d: &Diagnostic, file: &SourceFile, title: &str) -> Option<String> {
    let finding = Finding::new(d, file, title)?;
    // As the general renderer does: the last related labels are left out
    // (and counted in a note) until the finding fits its bound. Counted
    // rather than laid out per try: a finding with many labels tried each.
    let mut keep = d.related.len();
    while keep > 0 && finding.line_count(keep) > MAX_FINDING_LINES {
        keep -= 1;
    }
    let out = finding.lay_out(keep);
    debug_assert_eq!(out.lines().count(), finding.line_count(keep), "{out}");
    Some(out)
}

/// A finding checked to be simple with all its related labels; then it is
/// simple with any first few of them too (fewer labels, wider gaps).
struct Finding<'a> {
    d: &'a Diagnostic,
    title: &'a str,
    name: std::borrow::Cow<'a, str>,
    help: Option<std::borrow::Cow<'a, str>>,
    primary: Simple<'a>,
    /// In the order of `d.related`.
    related: Vec<Simple<'a>>,
    /// Indices into `related` in the renderer's order: by position, stable.
    /// Stable, so the order of the first `keep` is this one without the
    /// others (not sorted again per cut).
    order: Vec<usize>,
}

impl<'a> Finding<'a> {
    fn new(d: &'a Diagnostic, file: &'a SourceFile, title: &'a str) -> Option<Self> {
        let help = d.help.as_deref().map(super::escape_controls);
        let name = super::escape_controls(&file.name);
        if !plain_ascii(title)
            || !plain_ascii(&name)
            || help.as_deref().is_some_and(|h| !plain_ascii(h))
            || d.related.len() > MAX_FINDING_LINES
            || d.related.iter().any(|r| r.span.file != d.span.file)
        {
            return None;
        }
        let primary = simple(file, d.span, None)?;
        if (primary.lines.len() > 1 && !d.related.is_empty()) || !primary.drawable() {
            // A multi-line label shifts every snippet of the report.
            return None;
        }
        let mut related = Vec::with_capacity(d.related.len());
        for r in &d.related {
            let text = super::escape_controls(&r.message);
            let l = simple(file, r.span, Some(text))?;
            if l.lines.len() != 1 {
                return None;
            }
            related.push(l);
        }
        let mut order: Vec<usize> = (0..related.len()).collect();
        order.sort_by_key(|&i| (related[i].label.first, related[i].label.bytes.start));
        let finding = Finding {
            d,
            title,
            name,
            help,
            primary,
            related,
            order,
        };
        let mut spans: SmallVec<[(u32, u32); 8]> = std::iter::once(&finding.primary)
            .chain(
                finding
                    .groups(&finding.order)
                    .map(|s| &finding.related[s[0]]),
            )
            .map(|l| (l.label.first, l.label.last))
            .collect();
        spans.sort_unstable();
        if spans.windows(2).any(|w| w[1].0 <= w[0].1 + CLUSTER_GAP) {
            return None;
        }
        Some(finding)
    }

    /// The first `keep` related labels in the renderer's order (by
    /// position): indices into `related`, borrowed when nothing is cut.
    fn kept(&self, keep: usize) -> Cow<'_, [usize]> {
        if keep == self.related.len() {
            Cow::Borrowed(&self.order)
        } else {
            Cow::Owned(self.order.iter().copied().filter(|&i| i < keep).collect())
        }
    }

    /// `kept` in groups, one per snippet: the labels of one span are
    /// stacked under one underline.
    fn groups<'k>(&self, kept: &'k [usize]) -> impl Iterator<Item = &'k [usize]> + use<'_, 'k, 'a> {
        let label = |i: usize| &self.related[i].label;
        kept.chunk_by(move |&a, &b| {
            label(a).first == label(b).first && label(a).bytes == label(b).bytes
        })
    }

    /// The lines [`Finding::lay_out`] writes for `keep` related labels.
    fn line_count(&self, keep: usize) -> usize {
        let left_out = self.d.related.len() - keep;
        // The title, `-->` and the gutter line under it.
        let mut n = 3 + self.primary.snippet_lines(0);
        let kept = self.kept(keep);
        for group in self.groups(&kept) {
            n += 3 + self.related[group[0]].snippet_lines(group.len());
        }
        let help = self.help.is_some();
        n + usize::from(left_out > 0 || help) + usize::from(left_out > 0) + usize::from(help)
    }

    fn lay_out(&self, keep: usize) -> String {
        let d = self.d;
        let kept = self.kept(keep);
        let widest = std::iter::once(&self.primary)
            .chain(self.groups(&kept).map(|s| &self.related[s[0]]))
            .map(|l| l.label.last)
            .max()
            .unwrap_or(1);
        let pad = " ".repeat(widest.to_string().len());
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let (name, title) = (&self.name, self.title);
        let mut out = String::with_capacity(512 + title.len());
        for part in [level, "[", d.code, "/", d.rule, "]: ", title] {
            out.push_str(part);
        }
        let groups =
            std::iter::once((&self.primary, SmallVec::new())).chain(self.groups(&kept).map(|s| {
                let texts: SmallVec<[&str; 2]> = s
                    .iter()
                    .filter_map(|&i| self.related[i].text.as_deref())
                    .collect();
                (&self.related[s[0]], texts)
            }));
        for (i, (l, texts)) in groups.enumerate() {
            let arrow = if i == 0 { "-->" } else { ":::" };
            if i > 0 {
                for part in ["\n", &pad, " |"] {
                    out.push_str(part);
                }
            }
            for part in ["\n", &pad, arrow, " ", name, ":"] {
                out.push_str(part);
            }
            let _ = write!(out, "{}:{}", l.label.first, l.col() + 1);
            for part in ["\n", &pad, " |"] {
                out.push_str(part);
            }
            snippet(&mut out, l, &texts, &pad, i == 0);
        }
        let left_out = d.related.len() - keep;
        if left_out > 0 || self.help.is_some() {
            let _ = write!(out, "\n{pad} |");
        }
        if left_out > 0 {
            let _ = write!(
                out,
                "\n{pad} = note: {left_out} more related location{} (`--format concise` lists them)",
                if left_out == 1 { "" } else { "s" }
            );
        }
        if let Some(h) = &self.help {
            let _ = write!(out, "\n{pad} = help: {h}");
        }
        out
    }
}

/// A new line of the gutter (`pad |`) and `col` spaces.
fn gutter(out: &mut String, pad: &str, col: usize) {
    out.push('\n');
    out.push_str(pad);
    out.push_str(" | ");
    out.extend(std::iter::repeat_n(' ', col));
}

/// The lines of one label and its marks, with `texts` (labels of its span)
/// under its underline.
fn snippet(out: &mut String, l: &Simple, texts: &[&str], pad: &str, primary: bool) {
    let w = pad.len();
    let col = l.col();
    if l.lines.len() == 1 {
        let width = (l.label.bytes.end - l.label.bytes.start).max(1);
        let mark = if primary { '^' } else { '-' };
        let _ = write!(out, "\n{:>w$} | ", l.label.first);
        out.push_str(l.lines[0]);
        gutter(out, pad, col);
        out.extend(std::iter::repeat_n(mark, width));
        match texts {
            [] => {}
            [t] => {
                out.push(' ');
                out.push_str(t);
            }
            texts => {
                gutter(out, pad, col);
                out.push('|');
                for t in texts {
                    gutter(out, pad, col);
                    out.push_str(t);
                }
            }
        }
        return;
    }
    // rustc's multi-line label (checked `drawable`): `/` where the span
    // starts its line, `|` down the lines, `|___^` under its last
    // character. A span that starts after other text on its line is
    // pointed at from below its first line.
    let indent = l.indent();
    let end_col = l.label.bytes.end - l.last_start - 1;
    for (i, text) in l.lines.iter().enumerate() {
        let mark = match i {
            0 if col <= indent => '/',
            0 => ' ',
            _ => '|',
        };
        let _ = write!(out, "\n{:>w$} | {mark} {text}", l.label.first as usize + i);
        if i == 0 && col > indent {
            let _ = write!(out, "\n{pad} |  {}^", "_".repeat(col + 1));
        }
    }
    let _ = write!(out, "\n{pad} | |{}^", "_".repeat(end_col + 1));
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Diagnostic, codes, human};
    use crate::source::{FileId, Pos, SourceFile, SourceMap, Span};
    use annotate_snippets::Renderer;
    use annotate_snippets::renderer::DecorStyle;
    use proptest::prelude::*;

    /// Whether the simple layout applied (and then equaled the general one).
    fn check(
        lines: &[String],
        line: u32,
        start: u32,
        len: u32,
        title: &str,
        help: Option<&str>,
        code: &'static codes::Code,
    ) -> bool {
        check_span(lines, (line, start), (line, start + len), title, help, code)
    }

    fn check_span(
        lines: &[String],
        from: (u32, u32),
        to: (u32, u32),
        title: &str,
        help: Option<&str>,
        code: &'static codes::Code,
    ) -> bool {
        check_related(lines, from, to, &[], title, help, code)
    }

    type Label<'a> = ((u32, u32), (u32, u32), &'a str);

    fn check_related(
        lines: &[String],
        from: (u32, u32),
        to: (u32, u32),
        related: &[Label],
        title: &str,
        help: Option<&str>,
        code: &'static codes::Code,
    ) -> bool {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let mut m = SourceMap::default();
        m.add(SourceFile::new("dir/f.yaml", "/nonexistent", text));
        let pos = |(line, column)| Pos { line, column };
        let mut d = Diagnostic::new(
            code,
            Span {
                file: FileId(0),
                start: pos(from),
                end: pos(to),
            },
            title,
        );
        d.help = help.map(str::to_string);
        for &(a, b, text) in related {
            d = d.with_related(
                Span {
                    file: FileId(0),
                    start: pos(a),
                    end: pos(b),
                },
                text,
            );
        }
        let renderer = Renderer::plain().decor_style(DecorStyle::Ascii);
        let general = human::render_one(&d, &m, &renderer);
        let title = crate::diagnostic::escape_controls(&d.message);
        match super::render(&d, m.get(FileId(0)), &title) {
            Some(simple) => {
                assert_eq!(simple, general, "{d:?}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn simple_findings_are_laid_out_as_annotate_snippets_does() {
        let lines: Vec<String> = [
            "a: 1",
            "  policyTypes: [Ingress, Egress]",
            "    - podSelector:",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut simple = 0;
        for code in [
            &codes::HOST_PORT_CONFLICT,
            &codes::COMPOSE_FILE_IGNORED,
            &codes::SKIPPED_FILE,
        ] {
            for (line, start, len) in [
                (1, 1, 1),
                (2, 3, 11),
                (3, 7, 12),
                (4, 1, 0),
                (2, 40, 3),
                (3, 5, 100),
            ] {
                simple += usize::from(check(
                    &lines,
                    line,
                    start,
                    len,
                    "a `title`",
                    Some("do this"),
                    code,
                ));
                simple += usize::from(check(&lines, line, start, len, "title", None, code));
            }
        }
        assert_eq!(simple, 36, "every case here is simple");
    }

    #[test]
    fn multi_line_spans_are_drawn_as_annotate_snippets_does() {
        let lines: Vec<String> = [
            "spec:",
            "    matchExpressions:",
            "      - key: track",
            "        operator: In",
            "      - {key: b, values: [x]}",
            "end: 1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut simple = 0;
        for (from, to) in [
            ((2, 5), (5, 30)),
            ((2, 5), (3, 19)),
            ((1, 1), (2, 10)),
            ((2, 5), (6, 1)),
            ((3, 7), (4, 9)),
            ((1, 1), (6, 7)),
            ((3, 9), (5, 12)),
            ((2, 10), (4, 3)),
        ] {
            simple += usize::from(check_span(
                &lines,
                from,
                to,
                "t",
                Some("h"),
                &codes::HOST_PORT_CONFLICT,
            ));
        }
        assert!(simple >= 6, "{simple}");
    }

    /// Five and six lines (a `matchExpressions` list, the commonest span
    /// of `policy-selects-nothing`): annotate-snippets marks four lines
    /// after the first and shows a single line between marks as it is.
    #[test]
    fn spans_of_five_and_six_lines_are_simple() {
        let lines: Vec<String> = [
            "  podSelector:",
            "    matchExpressions:",
            "      - key: track",
            "        operator: DoesNotExist",
            "      - key: feature.example.com/f9",
            "        operator: Exists",
            "      - {key: f6, operator: In, values: [beta, stable]}",
            "  policyTypes: [Ingress]",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (from, to) in [
            ((2, 5), (6, 25)),
            ((2, 5), (7, 57)),
            ((1, 3), (6, 7)),
            ((3, 9), (7, 10)),
        ] {
            assert!(
                check_span(
                    &lines,
                    from,
                    to,
                    "t",
                    Some("h"),
                    &codes::POLICY_SELECTS_NOTHING
                ),
                "{from:?}..{to:?} is simple"
            );
        }
    }

    #[test]
    fn related_labels_in_snippets_of_their_own() {
        let lines: Vec<String> = (1..=3000).map(|i| format!("  name: item-{i}")).collect();
        let mut simple = 0;
        for related in [
            &[((7, 9), (7, 15), "`x` isolates it")][..],
            &[((7, 9), (7, 15), "a"), ((2900, 3), (2900, 7), "b")],
            &[((2900, 3), (2900, 7), "b"), ((7, 9), (7, 15), "a")],
            &[((7, 9), (7, 15), "a"), ((8, 3), (8, 5), "close")],
            &[
                ((100, 9), (100, 15), "same line"),
                ((100, 3), (100, 5), "twice"),
            ],
            &[
                ((7, 9), (7, 15), "egress"),
                ((7, 9), (7, 15), "ingress"),
                ((2900, 3), (2900, 7), "b"),
            ],
            &[
                ((7, 9), (7, 15), "one"),
                ((2900, 3), (2900, 7), "b"),
                ((7, 9), (7, 15), "two"),
                ((7, 9), (7, 15), "three"),
            ],
            &[
                ((10, 3), (10, 6), "a"),
                ((20, 3), (20, 6), "b"),
                ((30, 3), (30, 6), "c"),
                ((40, 3), (40, 6), "d"),
                ((50, 3), (50, 6), "e"),
                ((60, 3), (60, 6), "f"),
                ((70, 3), (70, 6), "g"),
            ],
        ] {
            simple += usize::from(check_related(
                &lines,
                (100, 3),
                (100, 8),
                related,
                "t",
                Some("h"),
                &codes::HOST_PORT_CONFLICT,
            ));
            simple += usize::from(check_related(
                &lines,
                (1000, 3),
                (1003, 8),
                related,
                "t",
                None,
                &codes::HOST_PORT_CONFLICT,
            ));
        }
        assert_eq!(simple, 6, "one span per snippet, the primary on one line");
    }

    #[test]
    fn many_related_labels_are_cut_as_the_general_renderer_cuts_them() {
        let lines: Vec<String> = (1..=3000).map(|i| format!("  name: item-{i}")).collect();
        // Far apart (a snippet each), some sharing a span (stacked), more
        // than a finding's lines can hold: the last ones are left out.
        let mut related: Vec<Label> = Vec::new();
        let texts: Vec<String> = (0..14).map(|i| format!("label {i}")).collect();
        for (i, t) in texts.iter().enumerate() {
            let line = 200 + 150 * (i as u32 % 10);
            related.push(((line, 3), (line, 7), t.as_str()));
        }
        for (help, primary) in [(Some("h"), 100), (None, 100), (Some("h"), 2999)] {
            assert!(
                check_related(
                    &lines,
                    (primary, 3),
                    (primary, 8),
                    &related,
                    "t",
                    help,
                    &codes::HOST_PORT_CONFLICT,
                ),
                "{help:?} {primary}"
            );
        }
        let mut m = SourceMap::default();
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        m.add(SourceFile::new("f.yaml", "/nonexistent", text));
        let span = |line| Span {
            file: FileId(0),
            start: Pos { line, column: 3 },
            end: Pos { line, column: 7 },
        };
        let mut d = Diagnostic::new(&codes::HOST_PORT_CONFLICT, span(100), "t");
        for (i, t) in texts.iter().enumerate() {
            d = d.with_related(span(200 + 150 * (i as u32 % 10)), t);
        }
        let out = super::render(&d, m.get(FileId(0)), "t").expect("simple");
        assert!(out.lines().count() <= human::MAX_FINDING_LINES, "{out}");
        assert!(out.contains("more related locations"), "{out}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn generated_simple_findings_match(
            body in proptest::collection::vec("[ -~]{0,110}", 1..4),
            pad in 0usize..3,
            line in 1u32..4,
            start in 1u32..120,
            len in 0u32..120,
            title in "[ -~]{0,60}",
            help in proptest::option::of("[ -~]{0,60}"),
            far in 0u32..3,
        ) {
            // Lines far down the file widen the gutter.
            let mut lines: Vec<String> = vec![String::new(); (far * 500) as usize];
            lines.extend(body.iter().map(|b| format!("{}{b}", " ".repeat(pad))));
            let line = (far * 500 + line).min(lines.len() as u32);
            check(&lines, line, start, len, &title, help.as_deref(), &codes::HOST_PORT_CONFLICT);
            check(&lines, line, start, len, &title, help.as_deref(), &codes::SKIPPED_FILE);
        }

        #[test]
        fn generated_multi_line_findings_match(
            body in proptest::collection::vec("[ -~]{0,60}", 2..9),
            indents in proptest::collection::vec(0usize..6, 9),
            from in (1u32..4, 1u32..8),
            to in (2u32..10, 1u32..70),
        ) {
            let lines: Vec<String> = body
                .iter()
                .zip(&indents)
                .map(|(b, i)| format!("{}{b}", " ".repeat(*i)))
                .collect();
            check_span(&lines, from, to, "t", None, &codes::HOST_PORT_CONFLICT);
        }

        #[test]
        fn generated_findings_with_related_labels_match(
            at in proptest::collection::vec((prop_oneof![Just(5u32), Just(30), 1u32..40], prop_oneof![Just(3u32), 1u32..30], prop_oneof![Just(4u32), 0u32..20], "[ -~]{0,30}"), 0..5),
            primary in (1u32..40, 1u32..30, 0u32..20),
        ) {
            let lines: Vec<String> = (1..=40).map(|i| format!("{}key{i}: value-{i} # {}", " ".repeat((i % 5) as usize), "x".repeat((i % 7) as usize))).collect();
            let related: Vec<Label> = at.iter().map(|(l, c, w, t)| ((*l, *c), (*l, c + w), t.as_str())).collect();
            let (l, c, w) = primary;
            check_related(&lines, (l, c), (l, c + w), &related, "title", Some("help"), &codes::HOST_PORT_CONFLICT);
        }
    }
}
