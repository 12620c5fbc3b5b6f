//! The simple layout against annotate-snippets, byte for byte, on
//! written and generated findings.

use crate::diagnostic::{Diagnostic, codes, human};
use crate::source::{FileId, Pos, SourceFile, SourceMap, Span};
use annotate_snippets::Renderer;
use annotate_snippets::renderer::DecorStyle;
use proptest::prelude::*;

/// The lines of a test file, owned as `check` takes them.
fn owned(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

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
    let lines = owned(&[
        "a: 1",
        "  policyTypes: [Ingress, Egress]",
        "    - podSelector:",
        "x",
    ]);
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
    let lines = owned(&[
        "spec:",
        "    matchExpressions:",
        "      - key: track",
        "        operator: In",
        "      - {key: b, values: [x]}",
        "end: 1",
    ]);
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
    let lines = owned(&[
        "  podSelector:",
        "    matchExpressions:",
        "      - key: track",
        "        operator: DoesNotExist",
        "      - key: feature.example.com/f9",
        "        operator: Exists",
        "      - {key: f6, operator: In, values: [beta, stable]}",
        "  policyTypes: [Ingress]",
    ]);
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
