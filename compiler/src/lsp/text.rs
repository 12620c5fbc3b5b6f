//! Positions as the protocol counts them. topoc's spans count Unicode
//! scalar values; LSP counts UTF-16 code units by default, or UTF-8 bytes
//! when both sides agree (`positionEncoding`). Also file URIs ↔ paths.

use crate::source::{Pos, SourceFile, Span};
use lsp_types::{Position, Range, Uri};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The unit of `Position.character` negotiated at `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf16,
    Utf8,
}

impl Encoding {
    fn width(self, c: char) -> u32 {
        match self {
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf8 => c.len_utf8() as u32,
        }
    }
}

/// The text of line `line` (0-based) of `text`, without its line break,
/// and the byte offset where it starts. Lines break at LF, CRLF and a lone
/// CR, as the parser counts them.
fn line_of<'t>(starts: &[usize], text: &'t str, line: usize) -> Option<(usize, &'t str)> {
    let start = *starts.get(line)?;
    let end = starts.get(line + 1).copied().unwrap_or(text.len());
    let s = &text[start..end];
    let s = s.strip_suffix('\n').unwrap_or(s);
    let s = s.strip_suffix('\r').unwrap_or(s);
    Some((start, s))
}

/// The protocol position of a span position.
pub fn position(file: &SourceFile, pos: Pos, enc: Encoding) -> Position {
    let line = pos.line.max(1) as usize - 1;
    let Some((_, text)) = line_of(file.line_starts(), &file.text, line) else {
        let last = file.line_count().saturating_sub(1);
        return Position::new(last as u32, 0);
    };
    let character = text
        .chars()
        .take(pos.column.max(1) as usize - 1)
        .map(|c| enc.width(c))
        .sum();
    Position::new(line as u32, character)
}

/// The protocol range of a span (whose file is `file`).
pub fn range(file: &SourceFile, span: Span, enc: Encoding) -> Range {
    Range::new(
        position(file, span.start, enc),
        position(file, span.end, enc),
    )
}

/// Line starts of a text, as [`SourceFile`] computes them.
pub fn line_starts(text: &str) -> Vec<usize> {
    SourceFile::new("", "", text.to_string())
        .line_starts()
        .to_vec()
}

/// The byte offset in `text` of a protocol position; a character past the
/// end of its line is the end of the line, a line past the end is the end
/// of the text (as the protocol asks clients and servers to clamp).
pub fn byte_offset(text: &str, starts: &[usize], p: Position, enc: Encoding) -> usize {
    let Some((start, line)) = line_of(starts, text, p.line as usize) else {
        return text.len();
    };
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= p.character {
            return start + i;
        }
        units += enc.width(c);
    }
    start + line.len()
}

/// The span position (1-based line and column in scalar values, offset
/// from the file start) of a protocol position in `file`.
pub fn pos(file: &SourceFile, p: Position, enc: Encoding) -> Pos {
    let byte = byte_offset(&file.text, file.line_starts(), p, enc);
    file.pos_of_byte(byte)
}

/// Whether `span` contains `p` (its end included: a cursor right after a
/// name is still on it).
pub fn contains(span: Span, p: Pos) -> bool {
    (span.start.line, span.start.column) <= (p.line, p.column)
        && (p.line, p.column) <= (span.end.line, span.end.column)
}

/// Bytes kept as they are in a file URI path; everything else is
/// percent-encoded (RFC 3986 `pchar` plus `/`).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The `file://` URI of an absolute path.
pub fn uri_of(path: &Path) -> Uri {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let encoded = utf8_percent_encode(&abs.to_string_lossy(), PATH).to_string();
    Uri::from_str(&format!("file://{encoded}"))
        .unwrap_or_else(|_| Uri::from_str("file:///").expect("a constant URI parses"))
}

/// The path of a `file://` URI (None for other schemes).
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // `file://localhost/p` and `file:///p` name the same file.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let decoded = percent_decode_str(rest).decode_utf8().ok()?;
    Some(PathBuf::from(decoded.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_negotiated_encoding() {
        // `é` is one scalar value, one UTF-16 unit, two bytes; `𝄞` is one
        // scalar value, two UTF-16 units, four bytes.
        let f = SourceFile::new("a", "a", "k: é𝄞x\r\nb: 1\rc\n".into());
        let at = |column| Pos { line: 1, column };
        assert_eq!(position(&f, at(6), Encoding::Utf16), Position::new(0, 6));
        assert_eq!(position(&f, at(6), Encoding::Utf8), Position::new(0, 9));
        let back = pos(&f, Position::new(0, 6), Encoding::Utf16);
        assert_eq!((back.line, back.column), (1, 6));
        let c = pos(&f, Position::new(2, 0), Encoding::Utf16);
        assert_eq!((c.line, c.column), (3, 1));
        // Past the end of a line: its end, never the next line.
        let clamped = pos(&f, Position::new(1, 99), Encoding::Utf8);
        assert_eq!((clamped.line, clamped.column), (2, 5));
    }

    #[test]
    fn file_uris_round_trip() {
        let p = Path::new("/tmp/a b/ç#1.yaml");
        let u = uri_of(p);
        assert_eq!(u.as_str(), "file:///tmp/a%20b/%C3%A7%231.yaml");
        assert_eq!(path_of(&u).unwrap(), p);
    }
}
