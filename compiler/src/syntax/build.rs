//! Events from saphyr-parser → `Node` trees. saphyr-parser (the event parser
//! of the serde-saphyr family) is used directly rather than through serde:
//! a hand-built tree keeps exact spans on keys, values and collections, keeps
//! tags such as `!reset`, and lets us bound aliases and depth in one place.

use super::{Document, Entry, Node, Scalar, Value};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::source::{FileId, Pos, Span};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span as PSpan, Tag};
use std::collections::HashMap;

/// Deeper documents are refused (design §10).
pub const MAX_DEPTH: usize = 128;
/// Total nodes a file may expand to, aliases included (billion-laughs guard).
pub const MAX_NODES: usize = 1_000_000;

enum Abort {
    Syntax(ScanError),
    Limit(Span, String),
    /// The event stream ended early; the parser reports why on the next call.
    Truncated,
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    file: FileId,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    diags: Vec<Diagnostic>,
}

fn pos(m: &Marker) -> Pos {
    Pos {
        offset: m.index() as u32,
        line: m.line() as u32,
        column: m.col() as u32 + 1,
    }
}

/// Parse every document of `text`. On a syntax error or an exceeded limit the
/// file yields no documents and one error diagnostic.
pub fn parse(file: FileId, text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
    let mut b = Builder {
        parser: Parser::new_from_str(text),
        file,
        anchors: HashMap::new(),
        nodes: 0,
        diags: Vec::new(),
    };
    match b.stream() {
        Ok(docs) => (docs, b.diags),
        Err(abort) => {
            let d = match abort {
                Abort::Syntax(e) => {
                    let p = pos(e.marker());
                    Diagnostic::new(
                        &diag::INVALID_YAML,
                        Span {
                            file,
                            start: p,
                            end: p,
                        },
                        format!("invalid YAML: {}", e.info()),
                    )
                }
                Abort::Limit(span, msg) => Diagnostic::new(&diag::INPUT_LIMIT_EXCEEDED, span, msg),
                Abort::Truncated => {
                    let end = text_end(text);
                    Diagnostic::new(
                        &diag::INVALID_YAML,
                        Span {
                            file,
                            start: end,
                            end,
                        },
                        "invalid YAML: unexpected end of input",
                    )
                }
            };
            let mut diags = b.diags;
            diags.push(d);
            (Vec::new(), diags)
        }
    }
}

fn text_end(text: &str) -> Pos {
    let line = text.matches('\n').count() as u32 + 1;
    let last = text.rsplit('\n').next().unwrap_or("");
    Pos {
        offset: text.chars().count() as u32,
        line,
        column: last.chars().count() as u32 + 1,
    }
}

fn tag_text(tag: &Tag) -> String {
    if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn node_count(n: &Node) -> usize {
    1 + match &n.value {
        Value::Seq(items) => items.iter().map(node_count).sum(),
        Value::Map(entries) => entries
            .iter()
            .map(|e| node_count(&e.key) + node_count(&e.value))
            .sum(),
        _ => 0,
    }
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, PSpan), Abort> {
        match self.parser.next_event() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err(Abort::Syntax(e)),
            None => Err(Abort::Truncated),
        }
    }

    fn span(&self, s: &PSpan) -> Span {
        Span {
            file: self.file,
            start: pos(&s.start),
            end: pos(&s.end),
        }
    }

    fn count(&mut self, n: usize, span: Span) -> Result<(), Abort> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(Abort::Limit(
                span,
                format!("document expands to more than {MAX_NODES} nodes (alias expansion bomb?)"),
            ));
        }
        Ok(())
    }

    fn stream(&mut self) -> Result<Vec<Document>, Abort> {
        let mut docs = Vec::new();
        loop {
            let (ev, _) = self.next()?;
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(docs),
                Event::DocumentStart(_) => {
                    // Anchors are scoped to their document.
                    self.anchors.clear();
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::DocumentEnd) {
                        continue;
                    }
                    let root = self.node(ev, span, 1)?;
                    if !root.is_null() {
                        docs.push(Document {
                            file: self.file,
                            index: docs.len(),
                            root,
                        });
                    }
                }
                _ => return Err(Abort::Truncated),
            }
        }
    }

    fn node(&mut self, ev: Event<'a>, pspan: PSpan, depth: usize) -> Result<Node, Abort> {
        let span = self.span(&pspan);
        if depth > MAX_DEPTH {
            return Err(Abort::Limit(
                span,
                format!("document nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        let (node, anchor) = match ev {
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(Abort::Limit(
                        span,
                        "alias refers to an unknown anchor".into(),
                    ));
                };
                let (node, size) = (node.clone(), *size);
                self.count(size, span)?;
                return Ok(node);
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, span)?;
                let tag = tag.as_deref().map(tag_text);
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let is_null = (plain && matches!(&*text, "" | "~" | "null" | "Null" | "NULL"))
                    || tag.as_deref() == Some("!!null");
                let value = if is_null {
                    Value::Null
                } else {
                    Value::Scalar(Scalar {
                        text: text.into_owned(),
                        plain: plain
                            || matches!(tag.as_deref(), Some("!!int" | "!!bool" | "!!float")),
                    })
                };
                (Node { value, span, tag }, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.count(1, span)?;
                let mut items = Vec::new();
                let mut end = span.end;
                loop {
                    let (ev, s) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        if items.is_empty() {
                            end = pos(&s.end);
                        }
                        break;
                    }
                    let item = self.node(ev, s, depth + 1)?;
                    end = item.span.end;
                    items.push(item);
                }
                let node = Node {
                    value: Value::Seq(items),
                    span: Span { end, ..span },
                    tag: tag.as_deref().map(tag_text),
                };
                (node, anchor)
            }
            Event::MappingStart(anchor, tag) => {
                self.count(1, span)?;
                let mut entries: Vec<Entry> = Vec::new();
                let mut merges: Vec<Node> = Vec::new();
                let mut end = span.end;
                loop {
                    let (ev, s) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        if entries.is_empty() && merges.is_empty() {
                            end = pos(&s.end);
                        }
                        break;
                    }
                    let key = self.node(ev, s, depth + 1)?;
                    let (ev, s) = self.next()?;
                    let value = self.node(ev, s, depth + 1)?;
                    end = value.span.end;
                    if matches!(&key.value, Value::Scalar(k) if k.plain && k.text == "<<") {
                        merges.push(value);
                        continue;
                    }
                    if let Some(first) = key
                        .as_str()
                        .and_then(|k| entries.iter().find(|e| e.key.as_str() == Some(k)))
                    {
                        self.diags.push(
                            Diagnostic::new(
                                &diag::DUPLICATE_KEY,
                                key.span,
                                format!(
                                    "duplicate key `{}` in mapping",
                                    key.as_str().unwrap_or_default()
                                ),
                            )
                            .with_related(first.key.span, "first declared here"),
                        );
                        continue;
                    }
                    entries.push(Entry { key, value });
                }
                self.apply_merges(&mut entries, merges);
                let node = Node {
                    value: Value::Map(entries),
                    span: Span { end, ..span },
                    tag: tag.as_deref().map(tag_text),
                };
                (node, anchor)
            }
            _ => return Err(Abort::Truncated),
        };
        if anchor != 0 {
            let size = node_count(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        Ok(node)
    }

    /// YAML merge keys: explicit keys win; among merged mappings the first wins.
    fn apply_merges(&mut self, entries: &mut Vec<Entry>, merges: Vec<Node>) {
        for m in merges {
            let sources: Vec<Node> = match m.value {
                Value::Map(_) => vec![m],
                Value::Seq(items) => items,
                _ => {
                    self.diags.push(Diagnostic::new(
                        &diag::INVALID_VALUE,
                        m.span,
                        format!(
                            "a merge key `<<` needs a mapping or a list of mappings, found {}",
                            m.describe()
                        ),
                    ));
                    continue;
                }
            };
            for src in sources {
                let Value::Map(src_entries) = src.value else {
                    self.diags.push(Diagnostic::new(
                        &diag::INVALID_VALUE,
                        src.span,
                        "a merge key `<<` list may only hold mappings",
                    ));
                    continue;
                };
                for e in src_entries {
                    let present = e
                        .key
                        .as_str()
                        .is_some_and(|k| entries.iter().any(|x| x.key.as_str() == Some(k)));
                    if !present {
                        entries.push(e);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let (docs, diags) = parse(FileId(0), text);
        assert!(diags.is_empty(), "{diags:?}");
        docs.into_iter().next().unwrap().root
    }

    #[test]
    fn spans_are_one_based_on_keys_and_values() {
        let root = one("services:\n  web:\n    image: nginx\n");
        let e = root
            .get("services")
            .unwrap()
            .get("web")
            .unwrap()
            .entry("image")
            .unwrap();
        assert_eq!((e.key.span.start.line, e.key.span.start.column), (3, 5));
        assert_eq!(
            (e.value.span.start.line, e.value.span.start.column),
            (3, 12)
        );
        assert_eq!(e.value.span.end.column, 17);
    }

    #[test]
    fn merge_keys_and_anchors() {
        let root = one("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n");
        let x = root.get("x").unwrap();
        assert_eq!(x.get("a").unwrap().as_int(), Some(1));
        assert_eq!(x.get("b").unwrap().as_int(), Some(3));
    }

    #[test]
    fn duplicate_keys_carry_both_spans() {
        let (_, diags) = parse(FileId(0), "a: 1\nb: 2\na: 3\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].span.start.line, 3);
        assert_eq!(diags[0].related[0].span.start.line, 1);
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            text.push_str(&format!(
                "{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let (docs, diags) = parse(FileId(0), &text);
        assert!(docs.is_empty());
        assert_eq!(diags[0].code, "TOPO007");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(200) + &"]".repeat(200);
        let (docs, diags) = parse(FileId(0), &text);
        assert!(docs.is_empty());
        assert_eq!(diags[0].code, "TOPO007");
    }

    #[test]
    fn syntax_errors_are_spanned() {
        let (docs, diags) = parse(FileId(0), "a: b\n  c: d\n");
        assert!(docs.is_empty());
        assert_eq!(diags[0].code, "TOPO001");
        assert_eq!(diags[0].span.start.line, 2);
    }

    #[test]
    fn tags_and_streams() {
        let (docs, _) = parse(FileId(0), "a: !reset []\n---\nb: !!str 80\n");
        assert_eq!(docs.len(), 2);
        assert!(docs[0].root.get("a").unwrap().has_tag("!reset"));
        assert_eq!(docs[1].root.get("b").unwrap().as_int(), None);
    }
}
