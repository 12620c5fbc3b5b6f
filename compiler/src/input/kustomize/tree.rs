//! Editing spanned YAML trees: the built objects are `syntax::Node` trees
//! whose every node keeps the span of the file that wrote it, so a value
//! a transformer or patch sets is a new node spanned at that transformer's
//! entry or that patch's node.

use crate::source::Span;
use crate::syntax::{Entry, Node, Scalar, Value};

/// A string scalar spanned at `span`.
pub fn string(text: &str, span: Span) -> Node {
    Node {
        value: Value::Scalar(Scalar {
            text: text.into(),
            plain: false,
        }),
        span,
        tag: None,
    }
}

/// An empty mapping spanned at `span`.
pub fn map(span: Span) -> Node {
    Node {
        value: Value::Map(Vec::new()),
        span,
        tag: None,
    }
}

/// The scalar text of `key` in a mapping.
pub fn str_at<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    let mut n = node;
    for k in path {
        n = n.get(k)?;
    }
    n.as_str()
}

pub fn get_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|e| e.key.as_str() == Some(key))
            .map(|e| &mut e.value),
        _ => None,
    }
}

/// Set `key` of a mapping to `value` (replacing the value, keeping the
/// key's node) or append the entry, its key spanned at `key_span`.
pub fn set(node: &mut Node, key: &str, value: Node, key_span: Span) {
    if let Value::Null = node.value {
        node.value = Value::Map(Vec::new());
    }
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    if let Some(e) = entries.iter_mut().find(|e| e.key.as_str() == Some(key)) {
        e.value = value;
    } else {
        entries.push(Entry {
            key: string(key, key_span),
            value,
        });
    }
}

/// Remove `key` from a mapping; whether it was there.
pub fn remove(node: &mut Node, key: &str) -> Option<Node> {
    let Value::Map(entries) = &mut node.value else {
        return None;
    };
    let i = entries.iter().position(|e| e.key.as_str() == Some(key))?;
    Some(entries.remove(i).value)
}

/// The mapping at `key`, created (spanned at `span`) when missing or null.
pub fn child_map<'a>(node: &'a mut Node, key: &str, span: Span) -> Option<&'a mut Node> {
    let missing = node.get(key).is_none_or(Node::is_null);
    if missing {
        set(node, key, map(span), span);
    }
    get_mut(node, key).filter(|n| n.as_map().is_some())
}

/// Two trees equal as data (spans, tags and key order aside; a plain
/// scalar and a quoted one with the same text differ only when YAML
/// resolves the plain one to a non-string).
pub fn same_data(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Scalar(x), Value::Scalar(y)) => {
            x.text == y.text && (x.plain == y.plain || !(a.is_number() || b.is_number()))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_data(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|e| {
                    let k = e.key.as_str();
                    y.iter()
                        .find(|f| f.key.as_str() == k)
                        .is_some_and(|f| same_data(&e.value, &f.value))
                })
        }
        _ => false,
    }
}

/// Give every node of `node` the span `span` (values that come from text
/// without a place of their own, such as a quoted inline patch).
pub fn respan(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| respan(n, span)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            respan(&mut e.key, span);
            respan(&mut e.value, span);
        }),
        _ => {}
    }
}

/// A null node spanned at `span`.
pub fn null(span: Span) -> Node {
    Node {
        value: Value::Null,
        span,
        tag: None,
    }
}

/// A tree as JSON data, scalars resolved as YAML 1.2's core schema
/// resolves them (plain `8080` a number, `"8080"` a string), for comparing
/// built objects with another builder's output.
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Null => J::Null,
        Value::Scalar(s) if !s.plain || node.has_tag("!!str") => J::String(s.text.to_string()),
        Value::Scalar(s) => {
            if matches!(&*s.text, "~" | "null" | "Null" | "NULL" | "") {
                J::Null
            } else if let Some(b) = node.as_bool() {
                J::Bool(b)
            } else if let Some(i) = node.as_int() {
                J::from(i)
            } else if let Some(f) = s
                .text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && !s.text.chars().any(char::is_alphabetic))
            {
                serde_json::Number::from_f64(f).map_or(J::String(s.text.to_string()), J::Number)
            } else {
                J::String(s.text.to_string())
            }
        }
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|e| (e.key.as_str().unwrap_or("").to_string(), to_json(&e.value)))
                .collect(),
        ),
    }
}
