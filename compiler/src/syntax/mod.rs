//! YAML (and JSON, its subset) as a tree with a span on every key and value.
//!
//! Building the tree never panics and never trusts the input: nesting depth,
//! alias expansion and duplicate keys are checked here, once, so that the
//! front ends can walk plain data.

mod build;
pub mod cache;
#[cfg(test)]
mod fast_paths;
mod json;
mod quick;
#[cfg(test)]
mod quick_tests;
mod split;
mod tag;

pub use build::{Budget, MAX_DEPTH, MAX_NODES, MAX_RUN_ALIAS_NODES, parse, parse_in};
pub use json::strict_json_error;
pub use tag::Tag;

/// Parse a file by its name: `*.json` must be strict JSON (no comments, no
/// trailing commas), everything else is YAML.
pub fn parse_file(
    file: FileId,
    path: &std::path::Path,
    text: &str,
    budget: &Budget,
) -> (Vec<Document>, Vec<crate::diagnostic::Diagnostic>) {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json && let Some(d) = strict_json_error(file, text) {
        return (Vec::new(), vec![d]);
    }
    parse_in(file, text, budget)
}

use crate::source::{FileId, Span};
use compact_str::CompactString;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// A local tag such as `!reset` / `!override`, or a core tag as `!!str`:
    /// an interned id, so that the rare tag costs 4 bytes on every node (a
    /// tree of a large manifest stream has millions of nodes).
    pub tag: Option<Tag>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// Inline up to 24 bytes (most keys and values of a manifest): one
    /// heap allocation less per scalar than a `Box<str>`, which for a
    /// 100k-object stream is millions of allocations, frees and pages.
    pub text: CompactString,
    /// Plain (unquoted, untagged) scalars may resolve to numbers and booleans;
    /// quoted ones are always strings.
    pub plain: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// One YAML document of a file (files may hold `---` streams).
#[derive(Debug, Clone)]
pub struct Document {
    pub file: FileId,
    /// 0-based position in the stream.
    pub index: usize,
    pub root: Node,
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The text of any scalar (numbers and booleans included), not of null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    /// A YAML 1.2 core-schema integer (decimal, `0x`, `0o`) from a plain scalar.
    pub fn as_int(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(s) if s.plain => parse_int(&s.text),
            _ => None,
        }
    }

    /// A core-schema boolean from a plain scalar.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(s) if s.plain => match &*s.text {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether this is a plain scalar that YAML resolves to a number.
    pub fn is_number(&self) -> bool {
        match &self.value {
            Value::Scalar(s) if s.plain => {
                parse_int(&s.text).is_some() || s.text.parse::<f64>().is_ok()
            }
            _ => false,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The entry for `key` in a mapping (scalar keys only).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.as_str() == Some(key))
    }

    /// The value for `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// "a mapping", "a sequence", "a string", ... for wrong-type messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
            Value::Scalar(_) if self.as_bool().is_some() => "a boolean",
            Value::Scalar(_) if self.is_number() => "a number",
            Value::Scalar(_) => "a string",
        }
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tag.is_some_and(|t| t.as_str() == tag)
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let v = if let Some(hex) = body.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = body.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}
