//! `topoc.yaml` (design §7), for editors. Describes only; `crate::config`
//! is the parser.

use super::helpers::{RuleName, configurable_codes};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};
use std::borrow::Cow;

/// # topoc configuration
/// Severity overrides and suppressions for `topoc check`. topoc finds
/// `topoc.yaml` in the directory of the first input or above it; `--config
/// FILE` names one explicitly.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// # Rule severities
    /// Per rule (name or code): `off`, `info`, `warning` or `error`.
    pub rules: Option<RuleLevels>,
    /// # Ignored findings
    /// Findings to suppress, each with the reason it is acceptable.
    pub ignore: Option<Vec<IgnoreEntry>>,
    /// # Excluded paths
    /// Files and directories the directory walk leaves out: gitignore-style
    /// globs, relative to this file (added to `.gitignore` and `--exclude`).
    #[schemars(extend("examples" = [["vendor/", "**/testdata/"]]))]
    pub exclude: Option<Vec<String>>,
    /// # Included paths
    /// When set, the directory walk reads only files matching one of these
    /// gitignore-style globs (relative to this file).
    #[schemars(extend("examples" = [["deploy/", "compose*.yaml"]]))]
    pub include: Option<Vec<String>>,
    /// # Compose projects
    /// Stacks declared explicitly: each replaces topoc's guess for the
    /// directory of its first file (like `docker compose -f A -f B`).
    pub projects: Option<Vec<ProjectEntry>>,
}

/// # Compose project
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectEntry {
    /// # Files
    /// Compose files in merge order, relative to this file (`-f` order).
    #[schemars(length(min = 1), extend("examples" = [["compose.yaml", "compose.prod.yaml"]]))]
    pub files: Vec<String>,
    /// # Env files
    /// Interpolation variables, in order, later files winning (replace the
    /// project's `.env`, like `--env-file`).
    pub env_files: Option<Vec<String>>,
    /// # Profiles
    /// Profiles active in this project (added to `--profile`).
    pub profiles: Option<Vec<String>>,
}

/// # Rule level
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Do not report the rule (its findings count as suppressed).
    Off,
    /// Report as information (never fails unless `--fail-on info`).
    Info,
    /// Report as a warning (fails with `--fail-on warning`).
    Warning,
    /// Report as an error (fails the check).
    Error,
}

/// The `rules` mapping: one optional property per known rule name and code,
/// so that editors complete them and flag unknown ones.
pub struct RuleLevels;
impl JsonSchema for RuleLevels {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("RuleLevels")
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let level = generator.subschema_for::<Level>().to_value();
        let mut props = Map::new();
        for c in configurable_codes() {
            for key in [c.name, c.code] {
                let mut s = json!({"description": format!("{} ({}, default {}): {}", c.name, c.code, c.severity.as_str(), c.summary)});
                if let (Value::Object(s), Value::Object(l)) = (&mut s, &level) {
                    s.extend(l.clone());
                }
                props.insert(key.to_string(), s);
            }
        }
        json_schema!({
            "type": "object",
            "properties": props,
            "additionalProperties": false
        })
    }
}

/// # Ignore entry
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IgnoreEntry {
    /// The rule to suppress.
    pub rule: RuleName,
    /// # Resource
    /// Where: `namespace/name` of a workload (`shop/web`; for Kubernetes also
    /// `Kind/namespace/name`), with `*` matching any characters. Omitted:
    /// everywhere.
    #[schemars(extend("examples" = ["shop/web", "Deployment/prod/*"]))]
    pub resource: Option<String>,
    /// # Reason
    /// Why the finding is acceptable (required: suppressions are reviewed).
    #[schemars(length(min = 1))]
    pub reason: String,
}
