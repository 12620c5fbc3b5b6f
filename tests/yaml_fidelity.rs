//! YAML as go-yaml (compose-go, kubectl) reads it. libyaml and its go-yaml
//! ports check indentation only in block context; saphyr-parser follows the
//! YAML 1.2 text and refuses more, so topoc carries a patched copy
//! (`vendor/saphyr-parser/PATCHES.md`). Each case here is accepted by the real
//! `docker compose` 2.40.3 (the differential test runs them through it too);
//! the block-context checks both keep are asserted to stay.

use topoc::source::FileId;
use topoc::syntax::{Node, parse};

fn root(text: &str) -> Node {
    let (docs, diags) = parse(FileId(0), text);
    assert!(diags.is_empty(), "{text:?}: {diags:?}");
    docs.into_iter().next().expect("a document").root
}

fn refused(text: &str) -> String {
    let (_, diags) = parse(FileId(0), text);
    assert!(!diags.is_empty(), "{text:?} was accepted");
    diags[0].message.clone()
}

fn strings(n: &Node) -> Vec<&str> {
    n.as_seq()
        .expect("a sequence")
        .iter()
        .map(|x| x.as_str().expect("a string"))
        .collect()
}

fn command(text: &str) -> Node {
    root(text)
        .get("services")
        .and_then(|s| s.get("a"))
        .and_then(|a| a.get("command"))
        .expect("services.a.command")
        .clone()
}

/// getsentry/self-hosted `docker-compose.yml:302`: the `]` at the parent key's column.
#[test]
fn flow_sequence_closed_at_the_parent_key_column() {
    let text = "services:\n  a:\n    healthcheck:\n      test: [\n          \"CMD-SHELL\",\n          \"true\"\n      ]\n";
    let r = root(text);
    let test = r
        .get("services")
        .and_then(|s| s.get("a"))
        .and_then(|a| a.get("healthcheck"))
        .and_then(|h| h.get("test"))
        .unwrap();
    assert_eq!(strings(test), ["CMD-SHELL", "true"]);
    // Spans stay exact: the sequence runs from `[` (4:13) to its last item (6:17).
    assert_eq!((test.span.start.line, test.span.start.column), (4, 13));
    assert_eq!((test.span.end.line, test.span.end.column), (6, 17));
    let first = &test.as_seq().unwrap()[0];
    assert_eq!((first.span.start.line, first.span.start.column), (5, 11));
}

#[test]
fn flow_entries_left_of_the_block_indentation() {
    for text in [
        "services:\n  a:\n    command: [\n  \"a\",\n  \"b\"\n  ]\n",
        "services:\n  a:\n    command: [\n\"a\",\n\"b\"\n]\n",
        "services:\n  a:\n    command: [\na,\nb\n]\n",
        "services:\n  a:\n    command: [ &x\na, *x]\n",
        "services:\n  a:\n    command: [a,\n b,\n ]\n",
        "services:\n  a:\n    command: [a, [\n  b ] ]\n",
    ] {
        let c = command(text);
        assert_eq!(c.as_seq().map(<[Node]>::len).unwrap_or(0), 2, "{text:?}");
    }
    let c = command("services:\n  a:\n    command: [\na,\nb\n]\n");
    let b = &c.as_seq().unwrap()[1];
    assert_eq!((b.span.start.line, b.span.start.column), (5, 1));
}

#[test]
fn flow_mappings_left_of_the_block_indentation() {
    let r = root("services: {a: {image: x,\ncommand: [a]}}\n");
    let a = r.get("services").and_then(|s| s.get("a")).unwrap();
    assert_eq!(a.get("image").and_then(Node::as_str), Some("x"));
    let r = root("services:\n  a:\n    labels: {\na: b,\nc: d\n}\n");
    let labels = r.get("services").and_then(|s| s.get("a")).unwrap();
    let labels = labels.get("labels").unwrap();
    assert_eq!(labels.get("c").and_then(Node::as_str), Some("d"));
}

#[test]
fn quoted_scalar_lines_left_of_the_block_indentation() {
    assert_eq!(
        command("services:\n  a:\n    command: \"a\nb\"\n").as_str(),
        Some("a b")
    );
    assert_eq!(
        command("services:\n  a:\n    command: 'a\nb'\n").as_str(),
        Some("a b")
    );
    assert_eq!(
        command("services:\n  a:\n    command: \"a\n\tb\"\n").as_str(),
        Some("a b")
    );
}

#[test]
fn tabs_inside_flow_collections_and_after_a_colon() {
    let c = command("services:\n  a:\n    command: [a,\n\tb]\n");
    assert_eq!(strings(&c), ["a", "b"]);
    let r = root("services:\n  a:\n    image:\tnginx\n");
    let image = r
        .get("services")
        .and_then(|s| s.get("a"))
        .and_then(|a| a.get("image"));
    assert_eq!(image.and_then(Node::as_str), Some("nginx"));
    assert_eq!(image.map(|i| i.span.start.column), Some(12));
}

/// What go-yaml refuses stays refused: block indentation is still checked.
#[test]
fn block_context_is_still_checked() {
    // go-yaml: "found a tab character where an indentation space is expected".
    refused("services:\n  a:\n    command: >\n     a\n\tb\n");
    // A block mapping key left of its siblings.
    refused("a:\n    b: 1\n  c: 2\n");
    // An unclosed flow sequence.
    refused("a: [b\n");
}

/// go-yaml: "found character that cannot start any token".
#[test]
fn a_tab_after_a_block_sequence_dash_is_refused() {
    let msg = refused("a:\n  - x\n  -\ty\n");
    assert!(msg.contains("tab after `-`"), "{msg}");
    // In flow context and after a `:` tabs stay fine (go-yaml too).
    root("a: [x,\ty]\nb:\tc\n");
}

/// A merge key places what it brings from an anchor on the `<<` entry, so a
/// finding about the merging mapping points there (repos/17); the anchor
/// keeps its own spans.
#[test]
fn merged_entries_sit_on_the_merge_key() {
    let r = root("x: &web\n  ports: [\"8080:80\"]\ny:\n  <<: *web\n  image: z\n");
    let port = |m: &str| {
        r.get(m)
            .and_then(|n| n.get("ports"))
            .unwrap()
            .as_seq()
            .unwrap()[0]
            .span
    };
    let (x, y) = (port("x"), port("y"));
    assert_eq!((x.start.line, x.start.column), (2, 11));
    assert_eq!((y.start.line, y.start.column, y.end.column), (4, 3, 11));
    // A merge written in place keeps its own spans.
    let r = root("y:\n  <<: {a: 1}\n");
    let a = r.get("y").and_then(|y| y.entry("a")).unwrap();
    assert_eq!((a.key.span.start.line, a.key.span.start.column), (2, 8));
}
