//! A YAML document as the JSON value a JSON Schema validator sees, resolved
//! with the YAML 1.2 core schema as yaml-language-server does: plain scalars
//! become numbers, booleans or null; quoted ones stay strings. Used to check
//! files against `schemas/*.schema.json` the way an editor would.

use crate::syntax::{Node, Value as Y};
use serde_json::{Map, Number, Value};

pub fn to_json(node: &Node) -> Value {
    match &node.value {
        Y::Null => Value::Null,
        Y::Scalar(s) => {
            if !s.plain {
                return Value::String(s.text.clone());
            }
            if let Some(b) = node.as_bool() {
                Value::Bool(b)
            } else if let Some(i) = node.as_int() {
                Value::Number(i.into())
            } else if let Some(n) = float(&s.text) {
                n
            } else {
                Value::String(s.text.clone())
            }
        }
        Y::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Y::Map(entries) => {
            let mut m = Map::new();
            for e in entries {
                let key = match (&e.key.value, e.key.as_str()) {
                    (_, Some(k)) => k.to_string(),
                    (Y::Null, _) => "null".to_string(),
                    _ => to_json(&e.key).to_string(),
                };
                m.insert(key, to_json(&e.value));
            }
            Value::Object(m)
        }
    }
}

/// Core-schema floats (`1.5`, `1e3`, `.inf`); NaN and infinities have no
/// JSON form and stay strings.
fn float(text: &str) -> Option<Value> {
    let ok = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    let f: f64 = text.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn scalars_resolve_like_yaml_1_2() {
        let (docs, diags) = crate::syntax::parse(
            FileId(0),
            "a: 1\nb: '1'\nc: true\nd: off\ne: ~\nf: 1.5\ng: 8000:80\nh: [x, 2]\n",
        );
        assert!(diags.is_empty());
        let v = to_json(&docs[0].root);
        assert_eq!(
            v,
            serde_json::json!({"a": 1, "b": "1", "c": true, "d": "off", "e": null, "f": 1.5, "g": "8000:80", "h": ["x", 2]})
        );
    }
}
