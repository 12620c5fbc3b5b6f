//! Tests of the scanner's fast paths (vendor/saphyr-parser PATCHES.md #5):
//! plain scalars borrowed from a `&str` input and scanned by bytes must give
//! the events, spans and errors of the character-by-character path, which a
//! `BufferedInput` (a `char` iterator) still takes.

use proptest::prelude::*;
use saphyr_parser::{Event, Parser, ScanError, Span};

/// Every event (or the error that ended the stream) with its span.
fn events<'a, T: saphyr_parser::Input>(
    mut parser: Parser<'a, T>,
) -> Vec<Result<(Event<'a>, Span), ScanError>> {
    let mut out = Vec::new();
    while let Some(ev) = parser.next_event() {
        let stop = ev.is_err();
        out.push(ev);
        if stop {
            break;
        }
    }
    out
}

fn assert_same_events(text: &str) {
    let fast = events(Parser::new_from_str(text));
    let slow = events(Parser::new_from_iter(text.chars()));
    assert_eq!(fast, slow, "input {text:?}");
}

/// Plain scalars in every shape the scanner folds, ends or refuses.
pub(super) const TRICKY: &[&str] = &[
    "a: b\n",
    "key: value with  spaces \n",
    "key: value # comment\nnext: 1\n",
    "key: value\n  continued\n  again\n",
    "key: first\n\n  after blank\n\n\n  after two\n",
    "- a b\n  c\n- d\n",
    "url: http://x.example:8080/a?b=c#frag\n",
    "a:b: c\n",
    "[a:b, c: d, e:]\n",
    "{a: b, c, d: [e, f], g:h}\n",
    "[a, b\n  c, d]\n",
    "- -1\n- -x\n- :x\n- ?y\n",
    "a: b\tc\t\nd:\te\n",
    "a: b\r\n  c\r\nd: e\r\n",
    "a: b\r  c\rd: e\r",
    "é: ü ß 𝄞 x\n  ñ\n",
    "k: v\u{feff}\n",
    "k: a\u{feff}b\n",
    "k: a\0b\n",
    "k: value\n# comment\n  more\n",
    "k: value # c\n  more\n",
    "---\na: 1\n--- b\n...\n---\nc\n",
    "k: x\n---\n",
    "plain\nscalar\n  at top\n",
    "? complex key\n: value\n",
    "a: &x plain\nb: *x\n",
    "a: !tag plain\n",
    "k: |\n  block --- x\n  ---\n",
    "k: \"quoted\n  --- line\"\n",
    "k: 'single '' quoted'\n",
    "k: a  \n  \n  b\n",
    "k:  \t a\n",
    "- a\n -b\n",
    "k: [a\n]\n",
    "x\t: y\n",
    "a: b: c\n",
    "k: a,b[c]{d}\n",
    "[a-, -b, a[b]\n",
    "[-, -]\n",
    "k: long-plain-scalar-that-is-much-longer-than-the-scanner-lookahead-buffer-of-one-hundred-and-twenty-eight-characters-xxxxxxxxxxxxxxx yes\n",
    "",
    "x",
    "a:",
    "a: b:",
    "k: v\n\t\n  w\n",
];

#[test]
fn borrowed_plain_scalars_equal_the_character_path() {
    for text in TRICKY {
        assert_same_events(text);
    }
}

#[test]
fn plain_scalars_are_borrowed_when_they_are_a_slice_of_the_source() {
    let text = "key: some value # c\nfolded: a\n  b\n";
    let scalars: Vec<_> = events(Parser::new_from_str(text))
        .into_iter()
        .filter_map(|e| match e {
            Ok((Event::Scalar(s, ..), _)) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(scalars, ["key", "some value", "folded", "a b"]);
    assert!(matches!(scalars[1], std::borrow::Cow::Borrowed(_)));
    assert!(matches!(scalars[3], std::borrow::Cow::Owned(_)));
}

#[test]
fn the_repository_samples_give_the_same_events() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for dir in ["samples", "tests/fixtures"] {
        for entry in ignore::WalkBuilder::new(root.join(dir)).build().flatten() {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
                && let Ok(text) = std::fs::read_to_string(p)
            {
                assert_same_events(&text);
                seen += 1;
            }
        }
    }
    assert!(seen > 20, "only {seen} sample files");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn any_text_gives_the_same_events(
        parts in proptest::collection::vec(
            proptest::sample::select(&[
                "a", "bc", "é", "𝄞", " ", "  ", "\t", "\n", "\r\n", "\r", ":", ": ", "- ",
                "-", "#", " #", "[", "]", "{", "}", ",", "?", "'", "\"", "|", ">", "&a ",
                "*a", "!t ", "---", "...", "\u{feff}", "\0", "x: ", "\n  ", "\n\n",
            ][..]),
            0..40,
        )
    ) {
        assert_same_events(&parts.concat());
    }
}
