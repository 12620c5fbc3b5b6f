//! JSON Schemas for editors and tools, generated from Rust types with
//! schemars (draft-07, the draft yaml-language-server handles best).
//!
//! The types under `compose` and `config` exist only to describe files; the
//! parsers never use them (they walk the spanned `syntax` tree so that every
//! diagnostic keeps its span). The diagnostics and IR schemas are derived from
//! the very types that are serialized, so they cannot drift from the output.
//!
//! `topoc schema --out schemas/` writes `all()`; a test compares it with the
//! committed files byte for byte.

pub mod compose;
pub mod config;
mod helpers;
pub mod yaml;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::Value;

/// Every schema file: (file name, pretty JSON text ending in a newline).
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("compose.schema.json", to_text(compose_schema())),
        ("topoc-config.schema.json", to_text(config_schema())),
        ("diagnostics.schema.json", to_text(diagnostics_schema())),
        ("ir.schema.json", to_text(ir_schema())),
    ]
}

/// Compose as topoc reads it: strict about keys (`x-` keys excepted).
pub fn compose_schema() -> Value {
    let settings = SchemaSettings::draft07()
        .with_transform(helpers::allow_extensions)
        .with_transform(helpers::allow_interpolated_enums);
    finish::<compose::ComposeFile>(settings)
}

/// `topoc.yaml`.
pub fn config_schema() -> Value {
    finish::<config::ConfigFile>(SchemaSettings::draft07())
}

/// `topoc check --format json` output.
pub fn diagnostics_schema() -> Value {
    finish::<crate::diagnostic::json::JsonReport<'static>>(
        SchemaSettings::draft07().for_serialize(),
    )
}

/// `topoc ir --format json` output.
pub fn ir_schema() -> Value {
    finish::<crate::ir::IrDump>(SchemaSettings::draft07().for_serialize())
}

/// Generate the root schema of `T`. Descriptions come from doc comments,
/// whose hard line breaks are joined (editors reflow the text themselves).
/// No `$id`: the files are addressed by where they are checked in.
fn finish<T: JsonSchema>(settings: SchemaSettings) -> Value {
    let schema: Schema = settings
        .with_transform(helpers::unwrap_descriptions)
        .into_generator()
        .into_root_schema_for::<T>();
    let mut value = schema.to_value();
    // `$schema` first, for people reading the file; the rest keeps its order.
    if let Value::Object(map) = &mut value
        && let Some(meta) = map.shift_remove("$schema")
    {
        let mut out = serde_json::Map::new();
        out.insert("$schema".into(), meta);
        out.extend(std::mem::take(map));
        *map = out;
    }
    value
}

fn to_text(v: Value) -> String {
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_draft07_with_titles() {
        for (name, text) in all() {
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                v["$schema"], "http://json-schema.org/draft-07/schema#",
                "{name}"
            );
            assert_no_single_newlines(&v, name);
        }
        assert_eq!(compose_schema()["title"], "Compose file (topoc)");
    }

    fn assert_no_single_newlines(v: &Value, name: &str) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(d)) = m.get("description") {
                    let single = d.replace("\n\n", "");
                    assert!(
                        !single.contains('\n'),
                        "{name}: hard-wrapped description {d:?}"
                    );
                }
                m.values().for_each(|x| assert_no_single_newlines(x, name));
            }
            Value::Array(a) => a.iter().for_each(|x| assert_no_single_newlines(x, name)),
            _ => {}
        }
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(all(), all());
    }
}
