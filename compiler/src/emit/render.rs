//! The template environment shared by every emitter: embedded templates (or
//! overrides), strict undefined values, and escaping that makes the output
//! valid whatever the names and strings contain.
//!
//! Escaping is not left to template authors: the formatter of `*.yaml.j2`
//! templates double-quotes every string it prints (in `compose/` templates it
//! also writes every `$` as `$$`, since Compose interpolates values; mapping
//! keys, which Compose does not interpolate, go through `yaml_key`), and that of `*.nft.j2`
//! templates refuses any string that is not a plain nft token, so a value that
//! needs quoting must go through `nft_str` / `nft_comment` explicitly. A
//! forgotten filter is a render error, never broken output.

use super::EmitError;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeMap;

/// Every embedded template, by name (the path under `templates/`).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "k8s/manifests.yaml.j2",
        include_str!("../../../templates/k8s/manifests.yaml.j2"),
    ),
    (
        "compose/compose.yaml.j2",
        include_str!("../../../templates/compose/compose.yaml.j2"),
    ),
    (
        "nft/ruleset.nft.j2",
        include_str!("../../../templates/nft/ruleset.nft.j2"),
    ),
];

/// nft rejects longer comments (NFT_USERDATA_MAXLEN-derived limit).
pub const NFT_COMMENT_MAX: usize = 128;

/// Render template `name` with `view`, honouring overrides.
pub fn render<V: Serialize>(
    name: &str,
    view: &V,
    overrides: &BTreeMap<String, String>,
) -> Result<String, EmitError> {
    let mut env = environment(overrides).map_err(|e| EmitError::Template(describe(&e)))?;
    if !overrides.is_empty() {
        // Templates from `--templates` are not ours: bound their work by
        // the size of what they are given (hostile/19: nested loops).
        let values = serde_json::to_value(view).map_or(0, |v| value_count(&v));
        env.set_fuel(Some(FUEL_BASE + FUEL_PER_VALUE * values));
    }
    let tmpl = env
        .get_template(name)
        .map_err(|e| EmitError::Template(describe(&e)))?;
    tmpl.render(Value::from(Serde(view)))
        .map_err(|e| EmitError::Template(describe(&e)))
}

/// Instructions an overriding template may run: a base, plus this many per
/// value of its view (the embedded templates need well under 100).
pub const FUEL_BASE: u64 = 1_000_000;
pub const FUEL_PER_VALUE: u64 = 1_000;

fn value_count(v: &serde_json::Value) -> u64 {
    1 + match v {
        serde_json::Value::Array(a) => a.iter().map(value_count).sum(),
        serde_json::Value::Object(o) => o.values().map(value_count).sum(),
        _ => 0,
    }
}

/// The error with its chain of causes, on one line per cause.
fn describe(e: &Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(&format!(": {inner}"));
        src = inner.source();
    }
    s
}

pub fn environment(overrides: &BTreeMap<String, String>) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    for (name, source) in EMBEDDED {
        let src = overrides
            .get(*name)
            .cloned()
            .unwrap_or_else(|| source.to_string());
        env.add_template_owned(name.to_string(), src)?;
    }
    env.set_formatter(|out, state, value| {
        let text = if value.is_safe() {
            value.to_string()
        } else if state.name().starts_with("compose/") && state.name().ends_with(".yaml.j2") {
            format_compose_value(value)?
        } else if state.name().ends_with(".yaml.j2") {
            format_yaml(value)?
        } else if state.name().ends_with(".nft.j2") {
            format_nft(value)?
        } else {
            value.to_string()
        };
        out.write_str(&text).map_err(Error::from)
    });
    env.add_filter("yaml", |v: Value| -> Result<Value, Error> {
        Ok(Value::from_safe_string(format_yaml(&v)?))
    });
    // Mapping keys: quoted, never `$`-escaped (Compose interpolates values only).
    env.add_filter("yaml_key", |v: Value| -> Result<Value, Error> {
        Ok(Value::from_safe_string(format_yaml(&v)?))
    });
    env.add_filter("nft_str", |s: String| {
        Value::from_safe_string(nft_string(&s, usize::MAX))
    });
    env.add_filter("nft_comment", |s: String| {
        Value::from_safe_string(nft_string(&s, NFT_COMMENT_MAX))
    });
    env.add_filter("yaml_comment", |s: String| {
        Value::from_safe_string(yaml_comment(&s))
    });
    Ok(env)
}

fn format_yaml(v: &Value) -> Result<String, Error> {
    match v.kind() {
        ValueKind::Undefined => Err(Error::new(ErrorKind::UndefinedError, "undefined value")),
        ValueKind::None => Ok("null".into()),
        ValueKind::Bool | ValueKind::Number => Ok(v.to_string()),
        ValueKind::String => Ok(yaml_quote(v.as_str().unwrap_or_default())),
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot print a {} into YAML; iterate over it", v.kind()),
        )),
    }
}

/// A value of a Compose file: Compose interpolates every value it reads, so
/// each `$` is written `$$` and reads back as exactly the string meant.
fn format_compose_value(v: &Value) -> Result<String, Error> {
    match v.as_str() {
        Some(s) if v.kind() == ValueKind::String && s.contains('$') => {
            Ok(yaml_quote(&s.replace('$', "$$")))
        }
        _ => format_yaml(v),
    }
}

fn format_nft(v: &Value) -> Result<String, Error> {
    match v.kind() {
        ValueKind::Number => Ok(v.to_string()),
        ValueKind::String => {
            let s = v.as_str().unwrap_or_default();
            if is_nft_token(s) {
                Ok(s.to_string())
            } else {
                Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "{s:?} is not a plain nft token; quote it with `nft_str` or `nft_comment`"
                    ),
                ))
            }
        }
        k => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot print a {k} into an nft ruleset"),
        )),
    }
}

/// Addresses, ranges, identifiers, numbers: nothing that could open a
/// string, a comment or a new statement.
fn is_nft_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'/' | b'-'))
}

/// A YAML double-quoted scalar that reads back as exactly `s`: escapes every
/// character outside YAML's printable set, quotes, backslashes and line breaks.
pub fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_yaml_printable(c) => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// YAML 1.2 c-printable, minus the BOM and line separators that some
/// parsers treat as breaks.
fn is_yaml_printable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7E | 0xA0..=0x2027 | 0x202A..=0xD7FF | 0xE000..=0xFEFE | 0xFF00..=0xFFFD | 0x10000..=0x10FFFF)
}

/// A YAML `#` comment body on one line.
pub fn yaml_comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || !is_yaml_printable(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// An nft quoted string. nft's scanner has no escapes inside quotes, so `"`
/// becomes `'`, control characters become spaces, and the text is cut at a
/// character boundary to fit `max` bytes including the quotes... of content.
pub fn nft_string(s: &str, max: usize) -> String {
    let mut body = String::new();
    for c in s.chars() {
        let c = match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            // Keep the ruleset ASCII: nft's comment limit counts bytes and
            // terminals differ on the rest; sources stay traceable anyway.
            c if !c.is_ascii() => '?',
            c => c,
        };
        if body.len() + c.len_utf8() > max.saturating_sub(1) {
            break;
        }
        body.push(c);
    }
    format!("\"{body}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_quoting_escapes_everything_dangerous() {
        assert_eq!(yaml_quote("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(yaml_quote("x: #y"), "\"x: #y\"");
        assert_eq!(
            yaml_quote("\u{7f}\u{85}\u{feff}"),
            "\"\\u007F\\u0085\\uFEFF\""
        );
        assert_eq!(yaml_quote("☃"), "\"☃\"");
    }

    #[test]
    fn nft_strings_are_safe_and_bounded() {
        assert_eq!(nft_string("a\"b\nc☃", 128), "\"a'b c?\"");
        let long = nft_string(&"x".repeat(300), NFT_COMMENT_MAX);
        assert_eq!(long.len(), NFT_COMMENT_MAX - 1 + 2);
    }

    #[test]
    fn nft_formatter_refuses_unquoted_strings() {
        let mut o = BTreeMap::new();
        o.insert("nft/ruleset.nft.j2".to_string(), "{{ x }}".to_string());
        let err = render("nft/ruleset.nft.j2", &serde_json::json!({"x": "a b"}), &o).unwrap_err();
        assert!(err.to_string().contains("not a plain nft token"), "{err}");
        let ok = render(
            "nft/ruleset.nft.j2",
            &serde_json::json!({"x": "10.0.0.1-10.0.0.9"}),
            &o,
        );
        assert_eq!(ok.unwrap(), "10.0.0.1-10.0.0.9");
    }

    #[test]
    fn overriding_templates_run_on_fuel() {
        let mut o = BTreeMap::new();
        o.insert(
            "nft/ruleset.nft.j2".to_string(),
            "{% for i in range(10000) %}{% for j in range(10000) %}x{% endfor %}{% endfor %}"
                .to_string(),
        );
        let started = std::time::Instant::now();
        let err = render("nft/ruleset.nft.j2", &serde_json::json!({"a": [1, 2]}), &o).unwrap_err();
        assert!(err.to_string().contains("fuel"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        o.insert(
            "nft/ruleset.nft.j2".to_string(),
            "{% for x in a %}{{ x }}{% endfor %}".to_string(),
        );
        let ok = render("nft/ruleset.nft.j2", &serde_json::json!({"a": [1, 2]}), &o);
        assert_eq!(ok.unwrap(), "12");
    }

    #[test]
    fn undefined_is_an_error() {
        let mut o = BTreeMap::new();
        o.insert(
            "k8s/manifests.yaml.j2".to_string(),
            "{{ nope }}".to_string(),
        );
        assert!(render("k8s/manifests.yaml.j2", &serde_json::json!({}), &o).is_err());
    }
}
