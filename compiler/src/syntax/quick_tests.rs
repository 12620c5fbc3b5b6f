//! The quick parser (`quick`) against saphyr-parser (`build`), the
//! reference: whatever the quick path returns must be exactly what saphyr's
//! path returns (documents, indices, every span, diagnostics), and it must
//! give up whenever saphyr's path reports an error.

use super::build::{Base, parse_quick, saphyr_chunk};
use super::quick::{Piece, pieces};
use crate::source::FileId;
use proptest::prelude::*;

/// Checks `text` at two bases; whether the quick path parsed every document itself.
fn assert_agrees(text: &str) -> bool {
    let mut all_quick = false;
    for base in [Base::default(), Base { line: 7 }] {
        let quick = parse_quick(FileId(3), text, base);
        let reference = saphyr_chunk(FileId(3), text, base);
        match (quick, reference) {
            (None, _) => {}
            (Some((docs, diags)), Some((want, want_diags, nodes))) => {
                assert_eq!(nodes, 0, "aliases are saphyr's alone: {text:?}");
                assert_eq!(docs.len(), want.len(), "documents of {text:?}");
                for (a, b) in docs.iter().zip(&want) {
                    assert_eq!((a.file, a.index), (b.file, b.index), "{text:?}");
                    assert_eq!(a.root, b.root, "input {text:?}");
                }
                assert_eq!(diags, want_diags, "diagnostics of {text:?}");
            }
            (Some(got), None) => {
                panic!("quick parsed what saphyr refuses: {text:?} -> {got:?}")
            }
        }
        all_quick = pieces(FileId(3), text, base)
            .is_some_and(|p| p.iter().all(|p| matches!(p, Piece::Doc(_))));
    }
    all_quick
}

/// What manifests and Compose files are written like: the quick path must
/// take these itself (or it would silently be no faster).
const COMMON: &[&str] = &[
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  selector:\n    app: web\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n",
    "# header\n---\nkind: A\n---\nkind: B # trailing\n\n\n---\n# only a comment\n---\nkind: C\n",
    "spec:\n  containers:\n    - name: c\n      ports:\n        - containerPort: 80\n          protocol: TCP\n      args: [\"--x\", '--y', z]\n",
    "{apiVersion: v1, kind: Namespace, metadata: {name: n-1, labels: {a.b/c: \"d\", e: 'f'}}}\n",
    "a: {}\nb: []\nc: ~\nd: null\ne: \"null\"\nf: ''\ng:\nh: 'it''s'\n",
    "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n      - 127.0.0.1:9000:9000/udp\n    networks: [front, back]\n  db:\n    image: postgres\n",
    "list:\n- a\n-   b\n- c: 1\n  d: 2\n-\n  e: 3\n- # comment\n  f: 4\nafter: x\n",
    "k: -1\nv: -x\nurl: http://a:80/b?c#d\nw: a#b\nkey with spaces: value with spaces   \nq: \"a: b # c\"\n",
    "\"quoted key\": 1\n'single': 2\n",
    "a:\n  b:\n    c:\n      d: e\n  f: g\nh: i\n",
    "x: 1\n---\n",
    "# ü comment é\nk: v # 𝄞\nn: after\n",
];

/// Inputs beside the common ones: each is either parsed exactly or left to saphyr.
const EDGES: &[&str] = &[
    "- a\n- - b\n",
    "|\n---",
    "a: |\n  x\n---\nb: 1\n",
    "|\n\n  \r\n---  ",
    "k:\n- a\nk2: b\n",
    "k:\n  - a\n  k2: b\n",
    "a: 1\n a2: 2\n",
    "a: b\n  c\n",
    "a:\n    b\n",
    "a: b: c\n",
    "a: 1\na: 2\n",
    "{a: 1, a: 2}\n",
    "- a\n -b\n",
    "- a\n  - b\n",
    "a:\n- b\n - c\n",
    "<<: {a: 1}\n",
    "~: 1\n",
    "a : 1\nb  :  2\n",
    "a: [1, 2, ]\n",
    "a: {b: 1,}\n",
    "a: [b: 1]\n",
    "a: {b}\n",
    "a: {b:c}\n",
    "a: {\"b\":c}\n",
    "a: [x y, 'z w', \"v\"]\n",
    "a: [a #c]\n",
    "a: \"b\"c\n",
    "a: \"b\" # c\n",
    "a: 'b'#c\n",
    "a: b#c # d\n",
    "  a: 1\n",
    "a: 1\n...\n",
    "a: 1\n... # c\n---\nb: 2\n",
    "--- a: 1\n",
    "--- # c\na: 1\n",
    "---\n",
    "a: |\n  x\n",
    "a: >-\n  x\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "? a\n: b\n",
    "a: \"x\\ty\"\n",
    "a: \"x\n  y\"\n",
    "a:\tb\n",
    "a: b\r\nc: d\r\n",
    "a: é\n",
    "é: a\n",
    "a: -\n",
    "a: --x\n",
    "- -\n",
    "a: ?x\n",
    "a: :x\n",
    "a: %x\n",
    "a: @x\n",
    "a: `x`\n",
    "a: b,c]d}\n",
    "[a, [b, {c: d}], {}]\n",
    "- [a, b]\n- {c: d}\n",
    "a:\n  # c\n  b: 1\n",
    "a:\n# c\n  b: 1\n",
    "a:\n\n  b: 1\n",
    "a:\n  b: 1\n  # c\nc: 2\n",
    "a: 1 # c\n  # d\nb: 2\n",
    "a:  \nb: 1\n",
    "a: # c\n  - x\n",
    "-\n-\n- a\n",
    "- \n  a: 1\n",
    "a:\n  -\n  - b\n",
    "x",
    "a",
    "a:",
    "a: b:",
    "-",
    "- a",
    "",
    "\n\n",
    "# only\n",
    "---\n---\n",
    "a: 1\n---x: 2\n",
    "a: 1\n---\nb: [\n",
    "a: 'x''y'\nb: ['p''q']\n",
    "{'a''b': 1}\n",
];

#[test]
fn common_shapes_are_parsed_quickly_and_exactly() {
    for text in COMMON {
        assert!(assert_agrees(text), "left to saphyr: {text:?}");
    }
}

#[test]
fn edge_cases_are_exact_or_left_to_saphyr() {
    for text in EDGES.iter().chain(super::fast_paths::TRICKY) {
        assert_agrees(text);
    }
}

#[test]
fn long_mappings_check_duplicates_through_the_index() {
    let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    assert!(assert_agrees(&text));
    text.push_str("k3: again\n");
    assert!(!assert_agrees(&text), "the duplicate is saphyr's to report");
}

#[test]
fn pieces_left_to_saphyr_keep_their_positions() {
    // Quick, saphyr (anchor), quick, saphyr (block scalar with non-ASCII), quick.
    let text = "a: 1\n---\nb: &x 2\nc: *x\n---\n# é\nd: 3\n---\ne: |\n  ü\n  ---x\n---\nf: [g]\n";
    let kinds: Vec<bool> = pieces(FileId(0), text, Base::default())
        .unwrap()
        .iter()
        .map(|p| matches!(p, Piece::Doc(_)))
        .collect();
    assert_eq!(kinds, [true, false, true, false, true]);
    // Aliases make the whole text saphyr's (their budget is the file's).
    assert!(parse_quick(FileId(0), text, Base::default()).is_none());
    let text = text.replace("&x 2\nc: *x", "2\nc: 'x\n  y'");
    assert!(!assert_agrees(&text));
    let (docs, _) = parse_quick(FileId(0), &text, Base::default()).unwrap();
    assert_eq!(docs.len(), 5);
    assert_eq!(docs[4].root.get("f").unwrap().span.start.line, 14);
}

#[test]
fn the_repository_samples_agree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut seen, mut quick) = (0, 0);
    for dir in ["samples", "tests/fixtures", "../shared/corpus"] {
        for entry in ignore::WalkBuilder::new(root.join(dir)).build().flatten() {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
                && let Ok(text) = std::fs::read_to_string(p)
            {
                seen += 1;
                quick += usize::from(assert_agrees(&text));
            }
        }
    }
    assert!(seen > 20, "only {seen} sample files");
    assert!(
        quick * 2 > seen,
        "only {quick} of {seen} files parsed quickly"
    );
}

/// Scalar texts that are harmless, or indicators, keywords and breaks.
const WORDS: &[&str] = &[
    "a",
    "web",
    "app.kubernetes.io/name",
    "80",
    "-1",
    "-x",
    "0x1f",
    "true",
    "null",
    "~",
    "",
    "a b",
    "a:b",
    "a: b",
    "a#b",
    "a #b",
    "http://x:80/",
    "'",
    "x'y",
    " a",
    "a ",
    "é",
    "a\tb",
    "\\",
    "[x]",
    "{y}",
    "a, b",
    "--",
    "---",
    "- a",
    "? x",
    ": x",
    "#c",
    "&a",
    "*a",
    "!t",
    "|",
    ">",
    "%",
    "@",
    "`",
    "<<",
    "\"",
    "a\"b",
    "...",
    "-",
    ":",
];

#[derive(Debug, Clone)]
enum Tree {
    /// A word and its style: plain, double-quoted, single-quoted.
    Scalar(&'static str, u8),
    /// Entries and a style: block (indented sequences), block with
    /// sequences at the key's column, flow.
    Map(Vec<(&'static str, u8, Tree)>, u8),
    /// Items and a style: block or flow.
    Seq(Vec<Tree>, u8),
}

fn tree() -> impl Strategy<Value = Tree> {
    let word = proptest::sample::select(WORDS);
    let leaf = (word.clone(), 0u8..3).prop_map(|(w, s)| Tree::Scalar(w, s));
    leaf.prop_recursive(4, 40, 5, move |inner| {
        prop_oneof![
            (
                proptest::collection::vec((word.clone(), 0u8..3, inner.clone()), 0..5),
                0u8..3
            )
                .prop_map(|(e, s)| Tree::Map(e, s)),
            (proptest::collection::vec(inner, 0..5), 0u8..2).prop_map(|(i, s)| Tree::Seq(i, s)),
        ]
    })
}

fn scalar(w: &str, style: u8) -> String {
    match style {
        0 => w.to_string(),
        1 => format!("\"{w}\""),
        _ => format!("'{}'", w.replace('\'', "''")),
    }
}

fn flow(t: &Tree) -> String {
    match t {
        Tree::Scalar(w, s) => scalar(w, *s),
        Tree::Map(entries, _) => {
            let e: Vec<String> = entries
                .iter()
                .map(|(k, s, v)| format!("{}: {}", scalar(k, *s), flow(v)))
                .collect();
            format!("{{{}}}", e.join(", "))
        }
        Tree::Seq(items, _) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn is_block(t: &Tree) -> bool {
    match t {
        Tree::Scalar(..) => false,
        Tree::Map(e, s) => !e.is_empty() && *s < 2,
        Tree::Seq(i, s) => !i.is_empty() && *s == 0,
    }
}

/// `t` as block lines at `indent` (when it is a block collection).
fn block(t: &Tree, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match t {
        Tree::Map(entries, style) => {
            for (i, (k, s, v)) in entries.iter().enumerate() {
                if i % 3 == 2 {
                    out.push_str(&format!("{pad}# between\n"));
                }
                out.push_str(&format!("{pad}{}:", scalar(k, *s)));
                if is_block(v) {
                    out.push('\n');
                    let compact = *style == 1 && matches!(v, Tree::Seq(..));
                    block(v, if compact { indent } else { indent + 2 }, out);
                } else {
                    out.push_str(&format!(" {}\n", flow(v)));
                }
            }
        }
        Tree::Seq(items, _) => {
            for v in items {
                if is_block(v) {
                    let mut inner = String::new();
                    block(v, indent + 2, &mut inner);
                    out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                } else {
                    out.push_str(&format!("{pad}- {} # c\n", flow(v)));
                }
            }
        }
        Tree::Scalar(..) => out.push_str(&format!("{pad}{}\n", flow(t))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn generated_documents_agree(docs in proptest::collection::vec(tree(), 1..4)) {
        let mut text = String::new();
        for (i, d) in docs.iter().enumerate() {
            if i > 0 {
                text.push_str(if i % 2 == 0 { "---\n" } else { "--- # next\n" });
            }
            if is_block(d) {
                block(d, 0, &mut text);
            } else {
                text.push_str(&flow(d));
                text.push('\n');
            }
        }
        assert_agrees(&text);
    }

    #[test]
    fn any_text_agrees(
        parts in proptest::collection::vec(
            proptest::sample::select(&[
                "a", "bc", "é", " ", "  ", "\t", "\n", "\r\n", ":", ": ", "- ", "-", "#", " #",
                "[", "]", "{", "}", ", ", ",", "?", "'", "\"", "&a ", "*a", "!t ", "---", "...",
                "x: ", "\n  ", "\n\n", "\n- ", "k: v\n", "~", "null", "<<: ", "|\n",
            ][..]),
            0..40,
        )
    ) {
        assert_agrees(&parts.concat());
    }
}
