//! Files named `*.json` are JSON, not YAML that happens to look like it:
//! YAML would read `// comment "services"` as one odd key and the Compose
//! file inside would silently vanish (hostile/17). They are checked with a
//! strict JSON parser first; the tree is still built by the YAML builder
//! (JSON is its subset), so spans and limits are the same for both.

use crate::diagnostic::{self as diag, Diagnostic};
use crate::source::{FileId, Pos, Span};

/// The first JSON syntax error of `text`, spanned, or None when it is JSON.
/// Nesting is left to the tree builder, which reports it as a limit.
pub fn strict_json_error(file: FileId, text: &str) -> Option<Diagnostic> {
    let mut de = serde_json::Deserializer::from_str(text);
    let e = <serde::de::IgnoredAny as serde::Deserialize>::deserialize(&mut de)
        .and_then(|_| de.end())
        .err()?;
    // serde_json stops at 128 levels; the builder's depth limit says so.
    if e.to_string().starts_with("recursion limit exceeded") {
        return None;
    }
    let pos = position(text, e.line(), e.column());
    Some(Diagnostic::new(
        &diag::INVALID_YAML,
        Span {
            file,
            start: pos,
            end: pos,
        },
        format!("invalid JSON: {}", strip_location(&e.to_string())),
    ))
}

/// serde_json appends " at line L column C"; the span says it already.
fn strip_location(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i])
}

/// serde_json's 1-based line and byte column as a `Pos` (columns in scalar
/// values, like every other position).
fn position(text: &str, line: usize, column: usize) -> Pos {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut byte = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    let col = text[start.min(byte)..byte].chars().count();
    Pos {
        line: line.max(1) as u32,
        column: col as u32 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_errors_at_the_comment() {
        let text = "{\n  // comment\n  \"services\": {}\n}\n";
        let d = strict_json_error(FileId(0), text).expect("an error");
        assert_eq!((d.span.start.line, d.span.start.column), (2, 3));
        assert!(d.message.starts_with("invalid JSON: "), "{}", d.message);
    }

    #[test]
    fn json_passes_and_deep_json_is_left_to_the_depth_limit() {
        assert!(strict_json_error(FileId(0), "{\"a\": [1, {\"é\": \"x\"}]}\n").is_none());
        let deep = "[".repeat(300) + &"]".repeat(300);
        assert!(strict_json_error(FileId(0), &deep).is_none());
        let d = strict_json_error(FileId(0), "{\"é\": 1,}").expect("trailing comma");
        assert_eq!(d.span.start.line, 1);
    }
}
