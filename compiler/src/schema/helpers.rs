//! Building blocks shared by the schema types: scalar unions that Compose
//! accepts (interpolation turns any typed value into a string), patterned
//! strings with messages editors show, and the rule-name enumeration.

use crate::diagnostic::{ALL_CODES, Code};
use schemars::transform::transform_subschemas;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};
use std::borrow::Cow;

/// A transform for Compose: every closed object also admits `x-` keys, as
/// Compose allows extensions anywhere a mapping is closed.
pub fn allow_extensions(schema: &mut Schema) {
    transform_subschemas(&mut allow_extensions, schema);
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    if closed
        && schema.get("properties").is_some()
        && let Some(obj) = schema.as_object_mut()
    {
        let pp = obj
            .entry("patternProperties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(pp) = pp {
            pp.entry("^x-").or_insert(json!({}));
            // A near miss of topoc's own extension (`x-topc`, `x-topoc2`)
            // would be ignored silently: the only `x-top*` key is `x-topoc`.
            pp.entry(MISSPELLED_TOPOC).or_insert(json!({
                "not": {},
                "errorMessage": "not a topoc key: the extension is spelled `x-topoc`"
            }));
        }
    }
}

/// `x-top…` keys other than `x-topoc` (no look-ahead: portable regex).
pub const MISSPELLED_TOPOC: &str = "^x-top(?:$|[^o]|o$|o[^c]|oc.)";

/// A transform for Compose: interpolation runs before validation, so an
/// enumeration (a `oneOf` of constants, or `enum`) also admits a string with
/// `${...}`, as the CLI does.
pub fn allow_interpolated_enums(schema: &mut Schema) {
    transform_subschemas(&mut allow_interpolated_enums, schema);
    let interpolated = json!({
        "type": "string",
        "pattern": INTERPOLATED,
        "description": "An interpolated value (`${VAR}`), checked once interpolated."
    });
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(branches)) = obj.get_mut("oneOf")
        && !branches.is_empty()
        && branches
            .iter()
            .all(|b| b.get("const").is_some_and(Value::is_string))
    {
        branches.push(interpolated);
    } else if let Some(Value::Array(values)) = obj.get("enum")
        && values.iter().all(Value::is_string)
    {
        let values = obj.remove("enum").unwrap_or_default();
        obj.remove("type");
        obj.insert(
            "anyOf".into(),
            json!([{"type": "string", "enum": values}, interpolated]),
        );
    }
}

/// Join the hard-wrapped lines of doc-comment descriptions into paragraphs
/// (a blank line still separates paragraphs).
pub fn unwrap_descriptions(schema: &mut Schema) {
    transform_subschemas(&mut unwrap_descriptions, schema);
    for key in ["description", "title"] {
        if let Some(Value::String(text)) = schema.get(key) {
            let joined = text
                .split("\n\n")
                .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join("\n\n");
            schema.insert(key.into(), Value::String(joined));
        }
    }
}

/// Declare a type whose schema is a fixed JSON value.
macro_rules! fixed_schema {
    ($(#[$doc:meta])* $name:ident, $id:literal, $schema:tt) => {
        $(#[$doc])*
        pub struct $name;
        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($id)
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

fixed_schema!(
    /// A boolean, or a string (an interpolated `${VAR}` or `"true"`).
    BoolOrString, "bool_or_string", {"type": ["boolean", "string"]}
);
fixed_schema!(
    /// An integer, or a string (interpolation, or a number written quoted).
    IntOrString, "int_or_string", {"type": ["integer", "string"]}
);
fixed_schema!(
    /// A number, or a string (interpolation, or a number written quoted).
    NumOrString, "number_or_string", {"type": ["number", "string"]}
);
fixed_schema!(
    /// One string or a list of strings.
    StringOrList, "string_or_list", {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}}
        ]
    }
);
fixed_schema!(
    /// `KEY=value` strings, or a mapping of keys to scalar values.
    ListOrDict, "list_or_dict", {
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]}
            },
            {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
        ]
    }
);

/// A port or inclusive range, 0-65535, as a regex fragment.
const PORT: &str =
    "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0)";
const PROTO: &str = "(?:tcp|udp|sctp|TCP|UDP|SCTP)";
const IPV4: &str = "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
/// Bracketed, or bare as Compose also accepts (`::1:6000:6000`).
const IPV6: &str = "(?:\\[[0-9A-Fa-f:.]+\\]|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})";
/// Values with `$` are interpolated before parsing, so only a run can judge them.
const INTERPOLATED: &str = ".*\\$.*";

fn range() -> String {
    format!("{PORT}(?:-{PORT})?")
}

/// The short port syntax: `[[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]`
/// (either host part may be empty: `:8080:80`, `127.0.0.1::80`, `::80`).
pub fn port_pattern() -> String {
    let r = range();
    format!("^(?:(?:(?:(?:{IPV4}|{IPV6})?:)?(?:{r})?:)?{r}(?:/{PROTO})?|{INTERPOLATED})$")
}

/// `expose` entries: a port or range with an optional protocol.
pub fn expose_pattern() -> String {
    format!("^(?:{}(?:/{PROTO})?|{INTERPOLATED})$", range())
}

/// `x-topoc.talks-to` entries: `service[:port][/protocol]`.
pub fn talks_to_pattern() -> String {
    format!("^(?:[a-zA-Z0-9._-]+(?::{PORT})?(?:/{PROTO})?|{INTERPOLATED})$")
}

/// A port string in the short syntax.
pub struct PortString;
impl JsonSchema for PortString {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("port_string")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "title": "Port mapping (short syntax)",
            "description": "`[[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]`: \"3000\", \"8080:80\", \"127.0.0.1:8080:80/udp\", \"[::1]:8080:80\", \"8000-8010:8000-8010\", \"8000-8010:80\". Without a host port, Docker picks an ephemeral one.",
            "pattern": port_pattern(),
            "patternErrorMessage": "not a port mapping: expected [[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/tcp|udp|sctp], e.g. \"8080:80\", \"127.0.0.1:5432:5432\" or \"[::1]:53:53/udp\"; ports are 0-65535 and ranges are written 8000-8010",
            "examples": ["8080:80", "127.0.0.1:5432:5432", "53:53/udp"]
        })
    }
}

/// An `expose` entry.
pub struct ExposeString;
impl JsonSchema for ExposeString {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("expose_string")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": expose_pattern(),
            "patternErrorMessage": "not an exposed port: expected PORT[/tcp|udp|sctp] or a range such as 8000-8010/tcp"
        })
    }
}

/// A `talks-to` entry.
pub struct TalksTo;
impl JsonSchema for TalksTo {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("talks_to")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A flow this service needs: `service[:port][/protocol]` (protocol tcp when omitted). Under `policy: default-deny` only these flows are allowed; under every policy topoc checks that they are reachable.",
            "pattern": talks_to_pattern(),
            "patternErrorMessage": "expected service[:port][/tcp|udp|sctp], e.g. \"database:5432\" or \"cache:6379/tcp\"",
            "examples": ["database:5432", "cache:6379/tcp"]
        })
    }
}

/// Codes whose severity configuration may change: everything but input errors,
/// which describe input topoc could not read and so cannot be waived.
pub fn configurable_codes() -> impl Iterator<Item = &'static Code> {
    ALL_CODES.iter().copied().filter(|c| {
        !(c.code.starts_with("TOPO0") && c.severity == crate::diagnostic::Severity::Error)
    })
}

/// Rule names and codes as `oneOf` of `const`s with the rule's summary, so
/// editors complete them and show what each one means.
pub fn rule_name_variants() -> Vec<Value> {
    let mut out = Vec::new();
    for c in configurable_codes() {
        out.push(json!({"const": c.name, "description": format!("{} ({}): {}", c.name, c.code, c.summary)}));
    }
    for c in configurable_codes() {
        out.push(json!({"const": c.code, "description": format!("{} ({}): {}", c.code, c.name, c.summary)}));
    }
    out
}

/// A rule, by kebab-case name or `TOPO###` code.
pub struct RuleName;
impl JsonSchema for RuleName {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("rule_name")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A rule name (`host-port-conflict`) or its code (`TOPO201`); `topoc rules` lists them.",
            "oneOf": rule_name_variants()
        })
    }
}
