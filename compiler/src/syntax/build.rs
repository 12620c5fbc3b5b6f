//! Events from saphyr-parser → `Node` trees. saphyr-parser (the event parser
//! of the serde-saphyr family) is used directly rather than through serde:
//! a hand-built tree keeps exact spans on keys, values and collections, keeps
//! tags such as `!reset`, and lets us bound aliases and depth in one place.

use super::quick::Piece;
use super::{Document, Entry, Node, Scalar, Value};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::source::{FileId, Pos, Span};
use compact_str::CompactString;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span as PSpan, Tag};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Deeper documents are refused (design §10).
pub const MAX_DEPTH: usize = 128;
/// Nodes that aliases of one file may expand to (billion-laughs guard).
/// Only alias expansions count: without aliases the tree is bounded by the
/// file's size (itself limited), and a 100k-object manifest stream has far
/// more than a million nodes of its own.
pub const MAX_NODES: usize = 1_000_000;
/// Nodes that aliases of all files of one run may expand to together: many
/// files each under [`MAX_NODES`] would otherwise multiply it (hostile/3).
pub const MAX_RUN_ALIAS_NODES: usize = MAX_NODES;

/// The alias-expansion budget of one run, shared by every file it parses
/// (on any thread). Nodes stay charged when their file is refused, so the
/// expansion work of a whole run is bounded too, not only what it keeps.
#[derive(Debug, Default)]
pub struct Budget {
    alias_nodes: AtomicUsize,
    /// Set when a file was refused for the run's total, so that a parallel
    /// parse can be redone in input order (which file is refused must not
    /// depend on thread timing).
    tripped: AtomicBool,
}

impl Budget {
    pub fn new() -> Self {
        Self::default()
    }

    /// Alias-expanded nodes charged so far.
    pub fn used(&self) -> usize {
        self.alias_nodes.load(Ordering::SeqCst)
    }

    /// Whether a file was refused for the run's total since the last reset.
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::SeqCst)
    }

    /// Back to `used` nodes charged and not tripped (before a redo).
    pub fn reset_to(&self, used: usize) {
        self.alias_nodes.store(used, Ordering::SeqCst);
        self.tripped.store(false, Ordering::SeqCst);
    }

    /// Charge `n` nodes; the run's total after it.
    pub(super) fn charge(&self, n: usize) -> usize {
        self.alias_nodes.fetch_add(n, Ordering::SeqCst) + n
    }

    pub(super) fn refund(&self, n: usize) {
        self.alias_nodes.fetch_sub(n, Ordering::SeqCst);
    }
}

/// Mappings with more entries than this check duplicate keys through a hash
/// index instead of a linear scan (a 10k-service Compose file would otherwise
/// compare every key with every other).
const INDEXED_MAP: usize = 16;

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
    /// Nodes produced by alias expansion so far (also charged to `budget`).
    nodes: usize,
    budget: &'a Budget,
    diags: Vec<Diagnostic>,
    /// Items and entries of the collections being built, innermost last.
    /// Each collection is moved out into a Vec of exactly its length when it
    /// ends: growing a Vec per mapping left most of them with capacity for 4
    /// entries of 176 bytes where Kubernetes mappings hold 1 or 2, which
    /// tripled the memory of a large manifest tree.
    seq_stack: Vec<Node>,
    map_stack: Vec<Entry>,
    /// Where this text starts in its file, when it is one chunk of a file
    /// parsed in parallel (`split`): added to every position.
    base: Base,
}

/// The position of a chunk's first character in its file (chunks start at
/// line starts, so columns need no correction).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Base {
    pub line: u32,
}

/// Parse every document of `text`. On a syntax error or an exceeded limit the
/// file yields no documents and one error diagnostic.
///
/// Large multi-document files are split at document boundaries and parsed
/// on several threads (`split`); the result is the same as parsing it whole,
/// which is what happens whenever a chunk fails or the alias budget is in
/// question, so diagnostics never depend on the number of threads.
pub fn parse(file: FileId, text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
    parse_in(file, text, &Budget::new())
}

/// [`parse`], charging alias expansion to a run's `budget`.
pub fn parse_in(file: FileId, text: &str, budget: &Budget) -> (Vec<Document>, Vec<Diagnostic>) {
    if let Some(parsed) = super::split::parse_parallel(file, text, budget) {
        return parsed;
    }
    parse_whole(file, text, budget)
}

/// A chunk's documents and diagnostics, and the alias nodes it expanded;
/// None when the chunk has a syntax error or exceeds a limit.
pub(super) fn parse_chunk(
    file: FileId,
    text: &str,
    base: Base,
) -> Option<(Vec<Document>, Vec<Diagnostic>, usize)> {
    if let Some((docs, diags)) = parse_quick(file, text, base) {
        return Some((docs, diags, 0));
    }
    saphyr_chunk(file, text, base)
}

/// [`parse_chunk`] by saphyr-parser alone (the reference of `quick`).
pub(super) fn saphyr_chunk(
    file: FileId,
    text: &str,
    base: Base,
) -> Option<(Vec<Document>, Vec<Diagnostic>, usize)> {
    // Chunks count on their own; the caller charges the file's total.
    let budget = Budget::new();
    let mut b = Builder::new(file, text, base, &budget);
    let docs = b.stream().ok()?;
    Some((docs, b.diags, b.nodes))
}

/// The documents of `text` by the quick parser, with saphyr-parser taking
/// the documents it gives up on; None when one of those has a syntax error
/// or aliases (the whole parse then reports it, and charges the budget).
pub(super) fn parse_quick(
    file: FileId,
    text: &str,
    base: Base,
) -> Option<(Vec<Document>, Vec<Diagnostic>)> {
    let mut docs = Vec::new();
    let mut diags = Vec::new();
    super::quick::each_piece(file, text, base, |piece| {
        match piece {
            Piece::Doc(root) => docs.push(Document {
                file,
                index: docs.len(),
                root,
            }),
            Piece::Raw { start, end, base } => {
                // With the `---` that follows: how a document ends (a block
                // scalar's span, some errors) depends on what ends it.
                let end = if end < text.len() { end + 3 } else { end };
                let budget = Budget::new();
                let mut b = Builder::new(file, &text[start..end], base, &budget);
                let raw = b.stream().ok()?;
                if b.nodes > 0 {
                    return None;
                }
                for d in raw {
                    docs.push(Document {
                        index: docs.len(),
                        ..d
                    });
                }
                diags.append(&mut b.diags);
            }
        }
        Some(())
    })?;
    Some((docs, diags))
}

fn parse_whole(file: FileId, text: &str, budget: &Budget) -> (Vec<Document>, Vec<Diagnostic>) {
    if let Some(parsed) = parse_quick(file, text, Base::default()) {
        return parsed;
    }
    let mut b = Builder::new(file, text, Base::default(), budget);
    match b.stream() {
        Ok(docs) => (docs, b.diags),
        Err(abort) => {
            let d = match abort {
                Abort::Syntax(e) => {
                    let p = b.pos(e.marker());
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
        line,
        column: last.chars().count() as u32 + 1,
    }
}

fn tag_text(tag: &Tag) -> super::Tag {
    super::Tag::new(
        &if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            format!("!!{}", tag.suffix)
        } else {
            format!("{}{}", tag.handle, tag.suffix)
        },
    )
}

/// Give every node of `n` whose text lies outside `own` (it came through an
/// alias) the span `to`.
fn respan_foreign(n: &mut Node, own: Span, to: Span) {
    // Aliases are scoped to their document: every span here is of one file.
    let inside = n.span.start >= own.start && n.span.end <= own.end;
    if !inside {
        n.span = to;
    }
    match &mut n.value {
        Value::Seq(items) => items.iter_mut().for_each(|i| respan_foreign(i, own, to)),
        Value::Map(entries) => {
            for e in entries {
                respan_foreign(&mut e.key, own, to);
                respan_foreign(&mut e.value, own, to);
            }
        }
        Value::Null | Value::Scalar(_) => {}
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
    fn new(file: FileId, text: &'a str, base: Base, budget: &'a Budget) -> Self {
        Builder {
            parser: Parser::new_from_str(text),
            file,
            anchors: HashMap::new(),
            nodes: 0,
            budget,
            diags: Vec::new(),
            seq_stack: Vec::new(),
            map_stack: Vec::new(),
            base,
        }
    }

    fn pos(&self, m: &Marker) -> Pos {
        Pos {
            line: self.base.line + m.line() as u32,
            column: m.col() as u32 + 1,
        }
    }

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
            start: self.pos(&s.start),
            end: self.pos(&s.end),
        }
    }

    /// Charge `n` alias-expanded nodes against the file's budget.
    fn count(&mut self, n: usize, span: Span) -> Result<(), Abort> {
        self.nodes += n;
        let total = self.budget.charge(n);
        if self.nodes > MAX_NODES {
            return Err(Abort::Limit(
                span,
                format!("document expands to more than {MAX_NODES} nodes (alias expansion bomb?)"),
            ));
        }
        if total > MAX_RUN_ALIAS_NODES {
            self.budget.tripped.store(true, Ordering::SeqCst);
            return Err(Abort::Limit(
                span,
                format!(
                    "aliases of the files read so far expand to more than {MAX_RUN_ALIAS_NODES} nodes in total (alias expansion bombs?)"
                ),
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
                let tag = tag.as_deref().map(tag_text);
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let is_null = (plain && matches!(&*text, "" | "~" | "null" | "Null" | "NULL"))
                    || tag.is_some_and(|t| t.as_str() == "!!null");
                let value = if is_null {
                    Value::Null
                } else {
                    Value::Scalar(Scalar {
                        // saphyr-parser reserves 128 bytes for every plain
                        // scalar it scans: a copy of exactly the text keeps a
                        // million short keys from holding 144-byte blocks
                        // (the big one is freed and reused for the next).
                        text: CompactString::new(&text),
                        plain: plain
                            || matches!(
                                tag.map(super::Tag::as_str),
                                Some("!!int" | "!!bool" | "!!float")
                            ),
                    })
                };
                (Node { value, span, tag }, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                let first = self.seq_stack.len();
                let mut end = span.end;
                loop {
                    let (ev, s) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        if self.seq_stack.len() == first {
                            end = self.pos(&s.end);
                        }
                        break;
                    }
                    let item = self.node(ev, s, depth + 1)?;
                    end = item.span.end;
                    self.seq_stack.push(item);
                }
                let items: Vec<Node> = self.seq_stack.drain(first..).collect();
                let node = Node {
                    value: Value::Seq(items),
                    span: Span { end, ..span },
                    tag: tag.as_deref().map(tag_text),
                };
                (node, anchor)
            }
            Event::MappingStart(anchor, tag) => {
                let base = self.map_stack.len();
                // Key → index into this mapping's entries, built once it is large.
                let mut index: HashMap<String, usize> = HashMap::new();
                let mut merges: Vec<Node> = Vec::new();
                let mut end = span.end;
                loop {
                    let (ev, s) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        if self.map_stack.len() == base && merges.is_empty() {
                            end = self.pos(&s.end);
                        }
                        break;
                    }
                    let key = self.node(ev, s, depth + 1)?;
                    let (ev, s) = self.next()?;
                    let written = self.span(&s);
                    let mut value = self.node(ev, s, depth + 1)?;
                    end = value.span.end;
                    if matches!(&key.value, Value::Scalar(k) if k.plain && &*k.text == "<<") {
                        // What the merge brings from an anchor elsewhere is
                        // placed on this `<<` entry: a finding about the
                        // merging mapping points here, not at the anchor
                        // (which keeps its own spans for its own findings).
                        let own = if value.span.start == written.start {
                            value.span
                        } else {
                            written
                        };
                        respan_foreign(&mut value, own, key.span.to(written));
                        merges.push(value);
                        continue;
                    }
                    let entries = &self.map_stack[base..];
                    let first = match key.as_str() {
                        None => None,
                        Some(k) if entries.len() < INDEXED_MAP => entries
                            .iter()
                            .find(|e| e.key.as_str() == Some(k))
                            .map(|e| e.key.span),
                        Some(k) => {
                            if index.is_empty() {
                                for (i, e) in entries.iter().enumerate() {
                                    if let Some(ek) = e.key.as_str() {
                                        index.entry(ek.to_string()).or_insert(i);
                                    }
                                }
                            }
                            index.get(k).map(|&i| entries[i].key.span)
                        }
                    };
                    if let Some(first) = first {
                        self.diags.push(
                            Diagnostic::new(
                                &diag::DUPLICATE_KEY,
                                key.span,
                                format!(
                                    "duplicate key `{}` in mapping",
                                    key.as_str().unwrap_or_default()
                                ),
                            )
                            .with_related(first, "first declared here"),
                        );
                        continue;
                    }
                    if !index.is_empty()
                        && let Some(k) = key.as_str()
                    {
                        index.insert(k.to_string(), self.map_stack.len() - base);
                    }
                    self.map_stack.push(Entry { key, value });
                }
                let mut entries: Vec<Entry> = self.map_stack.drain(base..).collect();
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
    fn duplicate_keys_in_large_mappings() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: again\nk39: again\nk40: new\n");
        let (docs, diags) = parse(FileId(0), &text);
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!(diags[0].related[0].span.start.line, 4);
        assert_eq!(diags[1].related[0].span.start.line, 40);
        let root = &docs[0].root;
        assert_eq!(root.as_map().unwrap().len(), 41);
        assert_eq!(root.get("k3").unwrap().as_int(), Some(3));
    }

    #[test]
    fn plain_nodes_do_not_count_against_the_alias_budget() {
        // Aliases of a 10-node anchor, each charged its expanded size.
        let text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a]\n";
        let (docs, diags) = parse(FileId(0), text);
        assert!(diags.is_empty());
        assert_eq!(docs.len(), 1);
        let many: String = (0..2000).map(|i| format!("- {i}\n")).collect();
        let budget = Budget::new();
        let mut b = Builder::new(FileId(0), &many, Base::default(), &budget);
        assert_eq!(b.stream().ok().map(|d| d.len()), Some(1));
        assert_eq!(b.nodes, 0);
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
    fn the_alias_budget_holds_for_a_whole_run() {
        // 400,000 alias nodes per file: under the per-file limit, three of
        // them over the run's (hostile/3).
        let text = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n".to_string()
            + &format!("e: [{}]\n", ["*d"; 40].join(", "));
        let (_, diags) = parse(FileId(0), &text);
        assert!(diags.is_empty(), "{diags:?}");
        let budget = Budget::new();
        let results: Vec<_> = (0..4)
            .map(|i| parse_in(FileId(i), &text, &budget))
            .collect();
        assert!(results[0].1.is_empty() && results[1].1.is_empty());
        for (docs, diags) in &results[2..] {
            assert!(docs.is_empty());
            assert_eq!(diags[0].code, "TOPO007");
            assert!(
                diags[0].message.contains("in total"),
                "{}",
                diags[0].message
            );
        }
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
