//! A direct parser for the YAML that manifest streams are mostly written in:
//! block mappings and sequences, one-line plain and quoted scalars, one-line
//! flow collections, comments. It builds the same `Node` trees as the
//! saphyr-parser path (`build`), about four times faster, because it never
//! produces tokens or events.
//!
//! It is exact or it gives up: on anything outside that subset (anchors,
//! tags, block scalars, multi-line scalars or flow collections, escapes,
//! tabs, CRs, non-ASCII text outside comments, duplicate or merge keys,
//! whatever might be an error) the *document* is left to saphyr-parser,
//! which then decides what it means and reports any error. Documents are
//! independent (a `---` line always starts one, see `split`), so the stream
//! is a sequence of pieces parsed one way or the other. The equivalence is
//! tested in `quick_tests` against the saphyr path on every input we have.

use super::build::Base;
use super::{Entry, Node, Scalar, Value};
use crate::source::{FileId, Pos, Span};
use compact_str::CompactString;
use std::collections::HashSet;

/// Nesting this deep is left to saphyr, which enforces [`super::MAX_DEPTH`].
const MAX_QUICK_DEPTH: usize = 64;
/// YAML limits implicit keys to 1024 characters; longer ones are saphyr's to refuse.
const MAX_KEY_LEN: usize = 1024;
/// Mappings with more entries check duplicates through a hash set.
const INDEXED_MAP: usize = 16;

/// One document of the stream: parsed here, or the byte range (with its
/// position in the file) that saphyr-parser has to parse.
pub(super) enum Piece {
    Doc(Node),
    Raw {
        start: usize,
        end: usize,
        base: Base,
    },
}

/// The documents of `text` (a file, or a chunk of one at a document
/// boundary starting at `base`) as pieces; None when the text has `%`
/// directives, which belong to the document after them.
#[cfg(test)]
pub(super) fn pieces(file: FileId, text: &str, base: Base) -> Option<Vec<Piece>> {
    let mut out = Vec::new();
    each_piece(file, text, base, |p| {
        out.push(p);
        Some(())
    })?;
    Some(out)
}

/// [`pieces`] handed to `each` in order, as they are parsed (a stream's
/// pieces were collected only to be moved into its documents); None when
/// the text has directives or `each` returns None, where it stops.
pub(super) fn each_piece(
    file: FileId,
    text: &str,
    base: Base,
    mut each: impl FnMut(Piece) -> Option<()>,
) -> Option<()> {
    if text.starts_with('%') || text.contains("\n%") {
        return None;
    }
    let mut q = Quick {
        s: text.as_bytes(),
        text,
        file,
        base,
        i: 0,
        line: 0,
        line_start: 0,
        entries: Vec::new(),
        keys: Vec::new(),
        items: Vec::new(),
    };
    while q.i < q.s.len() {
        let (start, line) = (q.i, q.line);
        match q.document() {
            Ok(Some(root)) => each(Piece::Doc(root))?,
            Ok(None) => {}
            Err(Bail) => {
                q.entries.clear();
                q.keys.clear();
                q.items.clear();
                let end = next_marker(q.s, start).unwrap_or(q.s.len());
                let raw = &text[start..end];
                each(Piece::Raw {
                    start,
                    end,
                    base: Base {
                        line: base.line + line,
                    },
                })?;
                q.i = end;
                q.line_start = end;
                q.line = line + crate::source::line_breaks(raw) as u32;
            }
        }
    }
    Some(())
}

/// The start of the first `---` marker line after the line at `from`.
fn next_marker(s: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let nl = at + s[at..].iter().position(|&b| b == b'\n')?;
        let start = nl + 1;
        if is_marker(s, start, b'-') {
            return Some(start);
        }
        at = start;
    }
}

/// Whether a `---` (or `...`) marker line starts at `i`.
fn is_marker(s: &[u8], i: usize, c: u8) -> bool {
    s.get(i..i + 3) == Some(&[c, c, c][..])
        && matches!(s.get(i + 3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// The document is not (certainly) in the quick subset.
struct Bail;
type R<T> = Result<T, Bail>;

struct Quick<'a> {
    s: &'a [u8],
    text: &'a str,
    file: FileId,
    base: Base,
    /// The cursor (a byte index).
    i: usize,
    /// The cursor's 0-based line in `s`, and where that line starts.
    line: u32,
    line_start: usize,
    /// Entries, their key texts and items of the collections being built,
    /// innermost last; each collection is moved out at its exact length.
    entries: Vec<Entry>,
    keys: Vec<&'a str>,
    items: Vec<Node>,
}

fn is_null(text: &str) -> bool {
    matches!(text, "~" | "null" | "Null" | "NULL")
}

impl<'a> Quick<'a> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    fn pos(&self, i: usize) -> Pos {
        Pos {
            line: self.base.line + self.line + 1,
            column: (i - self.line_start) as u32 + 1,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span {
            file: self.file,
            start: self.pos(start),
            end: self.pos(end),
        }
    }

    fn str(&self, start: usize, end: usize) -> &'a str {
        // Only ASCII ranges are cut, so the bounds are character boundaries.
        self.text.get(start..end).unwrap_or_default()
    }

    fn scalar(&self, text: &str, plain: bool, start: usize, end: usize) -> Node {
        let value = if plain && is_null(text) {
            Value::Null
        } else {
            Value::Scalar(Scalar {
                text: CompactString::new(text),
                plain,
            })
        };
        Node {
            value,
            span: self.span(start, end),
            tag: None,
        }
    }

    /// Past the line break at `nl` (or the end of the text).
    fn newline(&mut self, nl: usize) {
        if nl >= self.s.len() {
            self.i = self.s.len();
            return;
        }
        self.i = nl + 1;
        self.line += 1;
        self.line_start = nl + 1;
    }

    /// Past the comment at `i` and its line break.
    fn skip_comment(&mut self, i: usize) -> R<()> {
        let rest = &self.s[i..];
        let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        // A lone CR breaks the line for saphyr.
        if rest[..len].contains(&b'\r') {
            return Err(Bail);
        }
        self.newline(i + len);
        Ok(())
    }

    /// The rest of a line after a value: blanks, maybe a comment, the break.
    fn end_line(&mut self) -> R<()> {
        let mut j = self.i;
        while self.at(j) == Some(b' ') {
            j += 1;
        }
        match self.at(j) {
            None | Some(b'\n') => {
                self.newline(j);
                Ok(())
            }
            Some(b'#') if j > self.i => self.skip_comment(j),
            _ => Err(Bail),
        }
    }

    /// From a line start, past blank and comment lines: the indentation of
    /// the next content line (the cursor stays at its start), or None at the
    /// end of the document.
    fn next_content(&mut self) -> R<Option<usize>> {
        loop {
            let start = self.i;
            if start >= self.s.len()
                || is_marker(self.s, start, b'-')
                || is_marker(self.s, start, b'.')
            {
                return Ok(None);
            }
            let mut j = start;
            while self.at(j) == Some(b' ') {
                j += 1;
            }
            match self.at(j) {
                None | Some(b'\n') => self.newline(j),
                Some(b'#') => self.skip_comment(j)?,
                Some(b'\t' | b'\r') => return Err(Bail),
                Some(_) => return Ok(Some(j - start)),
            }
        }
    }

    fn is_dash_item(&self, i: usize) -> bool {
        self.at(i) == Some(b'-') && matches!(self.at(i + 1), None | Some(b' ' | b'\n'))
    }

    /// One document from a line start: None when it holds no node.
    fn document(&mut self) -> R<Option<Node>> {
        if is_marker(self.s, self.i, b'-') {
            self.i += 3;
            self.end_line()?;
        }
        let Some(indent) = self.next_content()? else {
            return if is_marker(self.s, self.i, b'.') {
                Err(Bail)
            } else {
                Ok(None)
            };
        };
        if indent != 0 {
            return Err(Bail);
        }
        let root = match self.at(self.i) {
            _ if self.is_dash_item(self.i) => self.block_seq(0, 1)?,
            Some(b'{' | b'[') => {
                let n = self.flow(1)?;
                self.end_line()?;
                n
            }
            _ => self.block_map(0, 1)?,
        };
        if self.next_content()?.is_some() || is_marker(self.s, self.i, b'.') {
            return Err(Bail);
        }
        Ok(Some(root))
    }

    /// A block mapping whose keys start at column `n`; the cursor is at the
    /// first key. Ends at a line start.
    fn block_map(&mut self, n: usize, depth: usize) -> R<Node> {
        if depth > MAX_QUICK_DEPTH {
            return Err(Bail);
        }
        let start = self.i;
        let start_pos = self.pos(start);
        let base = self.entries.len();
        let mut index = None;
        loop {
            let (ks, ke, text) = self.block_key()?;
            self.check_unique(base, text, &mut index)?;
            // The key's node is made once its value is parsed, in place in
            // the stack: not carried across the value's parse (a copy of
            // 56 bytes per entry). Its span is taken now, on its line.
            let key_span = self.span(ks, ke);
            let plain = !matches!(self.s[ks], b'"' | b'\'');
            let value = self.block_value(n, depth + 1)?;
            self.entries.push(Entry {
                key: key_node(text, plain, key_span),
                value,
            });
            self.keys.push(text);
            match self.next_content()? {
                Some(m) if m == n => {
                    self.i += m;
                    if self.is_dash_item(self.i) {
                        return Err(Bail);
                    }
                }
                Some(m) if m < n => break,
                None => break,
                Some(_) => return Err(Bail),
            }
        }
        let entries: Vec<Entry> = self.entries.drain(base..).collect();
        self.keys.truncate(base);
        let end = entries.last().map_or(start_pos, |e| e.value.span.end);
        Ok(Node {
            value: Value::Map(entries),
            span: Span {
                file: self.file,
                start: start_pos,
                end,
            },
            tag: None,
        })
    }

    /// Refuses a key the mapping (whose keys start at `base`) already has:
    /// saphyr's path reports it. Large mappings (a Compose file's services)
    /// are checked through `index`.
    /// (made when first needed: most mappings are small, and a `HashSet`
    /// costs a random seed even empty).
    fn check_unique(
        &self,
        base: usize,
        text: &'a str,
        index: &mut Option<HashSet<&'a str>>,
    ) -> R<()> {
        let keys = &self.keys[base..];
        let seen = if keys.len() < INDEXED_MAP {
            keys.contains(&text)
        } else {
            !index
                .get_or_insert_with(|| keys.iter().copied().collect())
                .insert(text)
        };
        if seen { Err(Bail) } else { Ok(()) }
    }

    /// A key and its `:`; the cursor ends past the colon.
    fn block_key(&mut self) -> R<(usize, usize, &'a str)> {
        let start = self.i;
        let (end, text) = match self.at(start) {
            Some(b'"') => {
                let (ie, _) = self.double_quoted(start)?;
                (self.quoted_end(ie)?, self.str(start + 1, ie))
            }
            Some(b'\'') => {
                let (ie, text) = self.single_quoted(start)?;
                if text.len() != ie - start - 1 {
                    return Err(Bail);
                }
                (self.quoted_end(ie)?, self.str(start + 1, ie))
            }
            Some(c) if plain_start(c, self.at(start + 1)) => {
                let mut j = start;
                let mut end = start;
                loop {
                    match self.at(j) {
                        Some(b':') if matches!(self.at(j + 1), None | Some(b' ' | b'\n')) => break,
                        Some(b' ') => j += 1,
                        Some(b'#') if self.s[j - 1] == b' ' => return Err(Bail),
                        Some(0x21..=0x7e) => {
                            j += 1;
                            end = j;
                        }
                        _ => return Err(Bail),
                    }
                }
                let text = self.str(start, end);
                if is_null(text) || text == "<<" {
                    return Err(Bail);
                }
                (end, text)
            }
            _ => return Err(Bail),
        };
        if end - start > MAX_KEY_LEN {
            return Err(Bail);
        }
        let mut j = end;
        while self.at(j) == Some(b' ') {
            j += 1;
        }
        if self.at(j) != Some(b':') || !matches!(self.at(j + 1), None | Some(b' ' | b'\n')) {
            return Err(Bail);
        }
        self.i = j + 1;
        Ok((start, end, text))
    }

    /// The value after `key:` in a block mapping at column `n`. Ends at a line start.
    fn block_value(&mut self, n: usize, depth: usize) -> R<Node> {
        // A missing value is saphyr's empty scalar at the `:`.
        let colon = self.i - 1;
        let mut j = self.i;
        while self.at(j) == Some(b' ') {
            j += 1;
        }
        match self.at(j) {
            None | Some(b'\n') => {
                let null = self.pos(colon);
                self.newline(j);
                self.nested(n, depth, null, true)
            }
            Some(b'#') => {
                let null = self.pos(colon);
                self.skip_comment(j)?;
                self.nested(n, depth, null, true)
            }
            _ => {
                self.i = j;
                let node = self.inline_value(depth)?;
                self.end_line()?;
                Ok(node)
            }
        }
    }

    /// What follows a key or dash that ended its line: a block collection
    /// on the next lines, or null (at `null`, where the line ended). A
    /// mapping's sequence may start at the mapping's own column (`same_column`).
    fn nested(&mut self, n: usize, depth: usize, null: Pos, same_column: bool) -> R<Node> {
        match self.next_content()? {
            Some(m) if m > n => {
                self.i += m;
                self.block_node(m, depth)
            }
            Some(m) if m == n && same_column && self.is_dash_item(self.i + m) => {
                self.i += m;
                self.indentless_seq(n, depth)
            }
            _ => Ok(Node {
                value: Value::Null,
                span: Span {
                    file: self.file,
                    start: null,
                    end: null,
                },
                tag: None,
            }),
        }
    }

    fn block_node(&mut self, m: usize, depth: usize) -> R<Node> {
        if self.is_dash_item(self.i) {
            self.block_seq(m, depth)
        } else {
            self.block_map(m, depth)
        }
    }

    /// A scalar or flow collection that starts at the cursor and ends on its line.
    fn inline_value(&mut self, depth: usize) -> R<Node> {
        let start = self.i;
        match self.at(start) {
            Some(b'{' | b'[') => self.flow(depth),
            Some(b'"') => {
                let (ie, _) = self.double_quoted(start)?;
                let end = self.quoted_end(ie)?;
                self.i = ie + 1;
                Ok(self.scalar(self.str(start + 1, ie), false, start, end))
            }
            Some(b'\'') => {
                let (ie, text) = self.single_quoted(start)?;
                let end = self.quoted_end(ie)?;
                self.i = ie + 1;
                Ok(self.scalar(&text, false, start, end))
            }
            Some(c) if plain_start(c, self.at(start + 1)) => {
                let mut j = start;
                let mut end = start;
                loop {
                    match self.at(j) {
                        None | Some(b'\n') => break,
                        Some(b' ') => j += 1,
                        Some(b'#') if self.s[j - 1] == b' ' => break,
                        Some(b':') if matches!(self.at(j + 1), None | Some(b' ' | b'\n')) => {
                            return Err(Bail);
                        }
                        Some(0x21..=0x7e) => {
                            j += 1;
                            end = j;
                        }
                        _ => return Err(Bail),
                    }
                }
                self.i = end;
                Ok(self.scalar(self.str(start, end), true, start, end))
            }
            _ => Err(Bail),
        }
    }

    /// The closing quote of the double-quoted scalar at `start` (escapes
    /// and line breaks are saphyr's).
    fn double_quoted(&self, start: usize) -> R<(usize, ())> {
        let mut j = start + 1;
        loop {
            match self.at(j) {
                Some(b'"') => return Ok((j, ())),
                Some(0x20..=0x7e) if self.s[j] != b'\\' => j += 1,
                _ => return Err(Bail),
            }
        }
    }

    /// The closing quote of the single-quoted scalar at `start`, and its text.
    fn single_quoted(&self, start: usize) -> R<(usize, String)> {
        let mut j = start + 1;
        let mut text = String::new();
        let mut from = j;
        loop {
            match self.at(j) {
                Some(b'\'') if self.at(j + 1) == Some(b'\'') => {
                    text.push_str(self.str(from, j + 1));
                    j += 2;
                    from = j;
                }
                Some(b'\'') => {
                    text.push_str(self.str(from, j));
                    return Ok((j, text));
                }
                Some(0x20..=0x7e) => j += 1,
                _ => return Err(Bail),
            }
        }
    }

    /// A block sequence whose dashes are at column `n`; the cursor is at the
    /// first dash. Ends at a line start.
    fn block_seq(&mut self, n: usize, depth: usize) -> R<Node> {
        let start = self.pos(self.i);
        self.seq(n, depth, Some(start))
    }

    /// A sequence at its mapping's column (`ports:` / `- name: x`): saphyr
    /// starts it where its first entry's content does.
    fn indentless_seq(&mut self, n: usize, depth: usize) -> R<Node> {
        self.seq(n, depth, None)
    }

    fn seq(&mut self, n: usize, depth: usize, start: Option<Pos>) -> R<Node> {
        if depth > MAX_QUICK_DEPTH {
            return Err(Bail);
        }
        let mut start_pos = start;
        let base = self.items.len();
        loop {
            let dash = self.i;
            let mut j = dash + 1;
            while self.at(j) == Some(b' ') {
                j += 1;
            }
            // saphyr's entry token: past the dash, blanks and a comment.
            let content = match self.at(j) {
                Some(b'#') if j > dash + 1 => self.comment_end(j)?,
                _ => j,
            };
            let entry = self.pos(content);
            start_pos.get_or_insert(entry);
            let item = match self.at(j) {
                None | Some(b'\n') => {
                    self.newline(j);
                    self.nested(n, depth + 1, entry, false)?
                }
                Some(b'#') if j > dash + 1 => {
                    self.skip_comment(j)?;
                    self.nested(n, depth + 1, entry, false)?
                }
                _ if self.is_dash_item(j) => return Err(Bail),
                Some(c) if plain_start(c, self.at(j + 1)) && self.has_key(j) => {
                    self.i = j;
                    let col = j - self.line_start;
                    self.block_map(col, depth + 1)?
                }
                _ => {
                    self.i = j;
                    let node = self.inline_value(depth + 1)?;
                    self.end_line()?;
                    node
                }
            };
            self.items.push(item);
            match self.next_content()? {
                Some(m) if m == n && self.is_dash_item(self.i + m) => self.i += m,
                Some(m) if m <= n => break,
                None => break,
                Some(_) => return Err(Bail),
            }
        }
        let items: Vec<Node> = self.items.drain(base..).collect();
        let start_pos = start_pos.unwrap_or_default();
        let end = items.last().map_or(start_pos, |i| i.span.end);
        Ok(Node {
            value: Value::Seq(items),
            span: Span {
                file: self.file,
                start: start_pos,
                end,
            },
            tag: None,
        })
    }

    /// Where saphyr ends the token whose last character is at `last` (a
    /// closing quote or bracket): past the blanks and a comment after it.
    /// Anything but `:`, `,`, a closing bracket or the line's end after a
    /// quoted scalar is left to saphyr (which may refuse it).
    fn quoted_end(&self, last: usize) -> R<usize> {
        let mut j = last + 1;
        while self.at(j) == Some(b' ') {
            j += 1;
        }
        match self.at(j) {
            Some(b'#') if j > last + 1 => self.comment_end(j),
            None | Some(b'\n' | b':' | b',' | b']' | b'}') => Ok(j),
            _ => Err(Bail),
        }
    }

    /// Where the comment at `i` ends (its line break), when it is ASCII:
    /// a position on its line is then a byte count.
    fn comment_end(&self, i: usize) -> R<usize> {
        let rest = &self.s[i..];
        let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        if rest[..len].iter().all(|b| (0x20..=0x7e).contains(b)) {
            Ok(i + len)
        } else {
            Err(Bail)
        }
    }

    /// Whether the plain text at `i` is a key (`: ` before the line or a
    /// comment ends).
    fn has_key(&self, i: usize) -> bool {
        let mut j = i;
        loop {
            match self.at(j) {
                None | Some(b'\n') => return false,
                Some(b':') if matches!(self.at(j + 1), None | Some(b' ' | b'\n')) => return true,
                Some(b'#') if self.s[j - 1] == b' ' => return false,
                _ => j += 1,
            }
        }
    }

    /// A one-line flow collection at the cursor; the cursor ends past it.
    fn flow(&mut self, depth: usize) -> R<Node> {
        if depth > MAX_QUICK_DEPTH {
            return Err(Bail);
        }
        let start = self.i;
        let open = self.s[start];
        self.i += 1;
        self.skip_spaces();
        let close = if open == b'{' { b'}' } else { b']' };
        if self.at(self.i) == Some(close) {
            let end = self.quoted_end(self.i)?;
            self.i += 1;
            let value = if open == b'{' {
                Value::Map(Vec::new())
            } else {
                Value::Seq(Vec::new())
            };
            return Ok(Node {
                value,
                span: self.span(start, end),
                tag: None,
            });
        }
        let (ebase, kbase, ibase) = (self.entries.len(), self.keys.len(), self.items.len());
        let mut index = None;
        loop {
            if open == b'{' {
                let ks = self.i;
                let (ke, text) = self.flow_scalar()?;
                let plain = self.s[ks] != b'"' && self.s[ks] != b'\'';
                if plain && (is_null(text) || text == "<<") {
                    return Err(Bail);
                }
                self.check_unique(kbase, text, &mut index)?;
                let key_span = self.span(ks, ke);
                self.skip_spaces();
                if self.at(self.i) != Some(b':') || self.at(self.i + 1) != Some(b' ') {
                    return Err(Bail);
                }
                self.i += 1;
                self.skip_spaces();
                let value = self.flow_value(depth + 1)?;
                self.entries.push(Entry {
                    key: key_node(text, plain, key_span),
                    value,
                });
                self.keys.push(text);
            } else {
                let item = self.flow_value(depth + 1)?;
                self.items.push(item);
            }
            self.skip_spaces();
            match self.at(self.i) {
                Some(b',') => {
                    self.i += 1;
                    self.skip_spaces();
                    if matches!(self.at(self.i), Some(b'}' | b']')) {
                        return Err(Bail);
                    }
                }
                Some(c) if c == close => {
                    self.i += 1;
                    break;
                }
                _ => return Err(Bail),
            }
        }
        let start_pos = self.pos(start);
        let (value, end) = if open == b'{' {
            let entries: Vec<Entry> = self.entries.drain(ebase..).collect();
            self.keys.truncate(kbase);
            let end = entries.last().map_or(start_pos, |e| e.value.span.end);
            (Value::Map(entries), end)
        } else {
            let items: Vec<Node> = self.items.drain(ibase..).collect();
            let end = items.last().map_or(start_pos, |i| i.span.end);
            (Value::Seq(items), end)
        };
        Ok(Node {
            value,
            span: Span {
                file: self.file,
                start: start_pos,
                end,
            },
            tag: None,
        })
    }

    fn skip_spaces(&mut self) {
        while self.at(self.i) == Some(b' ') {
            self.i += 1;
        }
    }

    fn flow_value(&mut self, depth: usize) -> R<Node> {
        let start = self.i;
        match self.at(start) {
            Some(b'{' | b'[') => self.flow(depth),
            _ => {
                let (end, text) = self.flow_scalar()?;
                if self.at(self.i) == Some(b':') {
                    return Err(Bail);
                }
                let plain = self.s[start] != b'"' && self.s[start] != b'\'';
                Ok(self.scalar(text, plain, start, end))
            }
        }
    }

    /// A scalar inside a flow collection: its end and text; the cursor ends
    /// past it (before blanks).
    fn flow_scalar(&mut self) -> R<(usize, &'a str)> {
        let start = self.i;
        match self.at(start) {
            Some(b'"') => {
                let (ie, _) = self.double_quoted(start)?;
                self.i = ie + 1;
                Ok((self.quoted_end(ie)?, self.str(start + 1, ie)))
            }
            Some(b'\'') => {
                let (ie, text) = self.single_quoted(start)?;
                if text.len() != ie - start - 1 {
                    // `''` escapes: keys would need an owned text.
                    return Err(Bail);
                }
                self.i = ie + 1;
                Ok((self.quoted_end(ie)?, self.str(start + 1, ie)))
            }
            Some(c) if plain_start(c, self.at(start + 1)) => {
                let mut j = start;
                let mut end = start;
                loop {
                    match self.at(j) {
                        Some(b',' | b'[' | b']' | b'{' | b'}') => break,
                        Some(b':') if self.at(j + 1) == Some(b' ') => break,
                        Some(b':') => return Err(Bail),
                        Some(b' ') => j += 1,
                        Some(b'#') if self.s[j - 1] == b' ' => return Err(Bail),
                        Some(0x21..=0x7e) => {
                            j += 1;
                            end = j;
                        }
                        _ => return Err(Bail),
                    }
                }
                self.i = end;
                Ok((end, self.str(start, end)))
            }
            _ => Err(Bail),
        }
    }
}

/// A mapping key's node: never null (null-like plain keys are left to saphyr).
fn key_node(text: &str, plain: bool, span: Span) -> Node {
    Node {
        value: Value::Scalar(Scalar {
            text: CompactString::new(text),
            plain,
        }),
        span,
        tag: None,
    }
}

/// Whether a plain scalar may start with `c` (then `next`) in the subset:
/// no indicator, and `-` only before a letter or digit (`-1`, `-Xmx`).
fn plain_start(c: u8, next: Option<u8>) -> bool {
    match c {
        b'-' => next.is_some_and(|n| n.is_ascii_alphanumeric()),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => false,
        0x21..=0x7e => true,
        _ => false,
    }
}
