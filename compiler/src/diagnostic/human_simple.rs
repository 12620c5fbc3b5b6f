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
#[path = "human_simple_tests.rs"]
mod tests;
