//! SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, IDE
//! viewers): every code as a `reportingDescriptor` with its documentation,
//! results with exact regions, related locations and fingerprints that stay
//! put when lines move.

mod fingerprint;

use super::{ALL_CODES, Code, Diagnostic, RenderOptions, Severity, Summary};
use crate::source::{SourceMap, Span};
use fingerprint::Fingerprint;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;

const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A URI reference for a path as the user gave it: relative paths stay
/// relative (resolved against `%SRCROOT%`), absolute ones become `file://`.
pub fn path_uri(name: &str) -> (String, bool) {
    let name = name.replace('\\', "/");
    let absolute = name.starts_with('/');
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if absolute {
        (format!("file://{out}"), true)
    } else {
        (out, false)
    }
}

/// Where topoc's documentation lives (`package.repository`).
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// A rule's section of docs/rules.md.
pub fn help_uri(c: &Code) -> String {
    format!("{INFORMATION_URI}/blob/main/docs/rules.md#{}", c.name)
}

/// A directory as a `file://` URI ending in `/`, as SARIF wants base URIs.
fn directory_uri(dir: &std::path::Path) -> String {
    let (uri, _) = path_uri(&dir.to_string_lossy());
    let uri = if uri.starts_with("file://") {
        uri
    } else {
        format!("file:///{}", uri.trim_start_matches('/'))
    };
    if uri.ends_with('/') {
        uri
    } else {
        format!("{uri}/")
    }
}

/// Artifact locations are relative to the repository root (`%SRCROOT%`),
/// whichever way the path was typed and wherever topoc ran.
fn physical<'a>(uris: &'a [(String, bool)], span: Span) -> Physical<'a> {
    let (uri, absolute) = &uris[span.file.0 as usize];
    let start_line = span.start.line.max(1);
    let start_col = span.start.column.max(1);
    let (end_line, end_col) = if span.end.line < start_line
        || (span.end.line == start_line && span.end.column < start_col)
    {
        (start_line, start_col)
    } else {
        (span.end.line, span.end.column.max(1))
    };
    Physical {
        artifact_location: Artifact {
            uri,
            uri_base_id: (!absolute).then_some("%SRCROOT%"),
        },
        region: Region {
            start_line,
            start_column: start_col,
            end_line,
            end_column: end_col,
        },
    }
}

// A result as typed structs, not a `json!` tree: the log of 100k objects
// holds tens of thousands of results, and a tree cost an allocation and a
// hashed insert per key. Field order is the output's key order.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    level: &'static str,
    message: Message<'a>,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
    partial_fingerprints: Fingerprints,
}

/// A result's message: the finding's, with its help on a line of its own.
#[derive(Serialize)]
struct Message<'a> {
    #[serde(serialize_with = "message_text")]
    text: (&'a str, Option<&'a str>),
}

/// Both parts escaped as they are written (`collect_str` makes the bytes
/// of one string), not joined into a copy first.
fn message_text<S: Serializer>(
    &(message, help): &(&str, Option<&str>),
    s: S,
) -> Result<S::Ok, S::Error> {
    struct WithHelp<'a>(&'a str, &'a str);
    impl std::fmt::Display for WithHelp<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "{}\nhelp: {}", self.0, self.1)
        }
    }
    match help {
        Some(help) => s.collect_str(&WithHelp(message, help)),
        None => s.serialize_str(message),
    }
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: Physical<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[Logical<'a>; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'a> {
    artifact_location: Artifact<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact<'a> {
    uri: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    physical_location: Physical<'a>,
    message: Text<'a>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "topocFingerprint/v1")]
    v1: Fingerprint,
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn rule(c: &Code, opts: &RenderOptions) -> Value {
    let doc = (opts.rule_doc)(c);
    let text = doc.clone().unwrap_or_else(|| {
        format!(
            "{} ({}): {}.\n\nRun `topoc rules {}` for details.",
            c.name, c.code, c.summary, c.name
        )
    });
    json!({
        "id": c.code,
        "name": c.name,
        "shortDescription": {"text": c.summary},
        "fullDescription": {"text": (opts.rule_description)(c).unwrap_or_else(|| format!(
            "{}. Run `topoc rules {}` for its documentation.",
            capitalized(c.summary), c.name
        ))},
        "help": {"text": text, "markdown": text},
        "helpUri": help_uri(c),
        "defaultConfiguration": {"level": level(c.severity)},
        "properties": {"tags": ["topology"]},
    })
}

fn result<'a>(
    d: &'a Diagnostic,
    uris: &'a [(String, bool)],
    rule_index: Option<usize>,
    fingerprint: Fingerprint,
) -> SarifResult<'a> {
    SarifResult {
        rule_id: d.code,
        level: level(d.severity),
        message: Message {
            text: (&d.message, d.help.as_deref()),
        },
        locations: [Location {
            physical_location: physical(uris, d.span),
            logical_locations: d.resource.as_deref().map(|r| {
                [Logical {
                    fully_qualified_name: r,
                    kind: "resource",
                }]
            }),
        }],
        rule_index,
        related_locations: d
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| RelatedLocation {
                id: i + 1,
                physical_location: physical(uris, r.span),
                message: Text { text: &r.message },
            })
            .collect(),
        partial_fingerprints: Fingerprints { v1: fingerprint },
    }
}

/// The whole log. Results are built one at a time while the log is written
/// (`Results`): a tree of every result first cost about 1 KB per finding,
/// hundreds of MB at 100k objects. Field order is the output's key order.
#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Value,
    invocations: [Value; 1],
    column_kind: &'static str,
    /// Written in place (`parallel::write_with_array`).
    results: &'static str,
    properties: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<Value>,
}

/// The log without its results, their fingerprints, and every file's
/// artifact URI (whether it is absolute) by file id.
fn log(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    opts: &RenderOptions,
) -> (Log, Vec<Fingerprint>, Vec<(String, bool)>) {
    let rules: Vec<Value> = ALL_CODES.iter().map(|c| rule(c, opts)).collect();
    let fingerprints = fingerprint::all(diags, sources);
    let mut invocation = json!({"executionSuccessful": true});
    if let Some(cwd) = opts.working_directory {
        invocation["workingDirectory"] = json!({"uri": directory_uri(cwd)});
    }
    let run = Run {
        tool: json!({"driver": {
            "name": "topoc",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }}),
        invocations: [invocation],
        column_kind: "unicodeCodePoints",
        results: super::parallel::ARRAY_MARKER,
        properties: json!({
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
            "files": summary.files,
            "suppressed": summary.suppressed,
        }),
        original_uri_base_ids: sources
            .root()
            .map(|root| json!({"%SRCROOT%": {"uri": directory_uri(root)}})),
    };
    let uris = sources
        .files()
        .map(|(_, f)| path_uri(f.repo_name()))
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [run],
    };
    (log, fingerprints, uris)
}

pub fn render(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    opts: &RenderOptions,
) -> String {
    let mut bytes = Vec::new();
    match write(diags, sources, summary, opts, &mut bytes) {
        Ok(()) => String::from_utf8(bytes).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// `render`, written to `out` as it is serialized (the SARIF log of a large
/// input is hundreds of MB).
pub fn write(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let (log, fingerprints, uris) = log(diags, sources, summary, opts);
    let results: Vec<(&Diagnostic, Fingerprint)> = diags.iter().zip(fingerprints).collect();
    // A code's index in the log's rules, looked up once per result.
    let rule_index: HashMap<&str, usize, crate::ir::HashState> = ALL_CODES
        .iter()
        .enumerate()
        .rev()
        .map(|(i, c)| (c.code, i))
        .collect();
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    super::parallel::write_with_array(
        &log,
        &results,
        |&(d, f)| result(d, &uris, rule_index.get(d.code).copied(), f),
        &mut buffered,
    )?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_escaped_and_relative_paths_stay_relative() {
        assert_eq!(
            path_uri("a dir/compose.yaml"),
            ("a%20dir/compose.yaml".into(), false)
        );
        assert_eq!(
            path_uri("/srv/x#1.yaml"),
            ("file:///srv/x%231.yaml".into(), true)
        );
        assert_eq!(path_uri("ünï.yaml").0, "%C3%BCn%C3%AF.yaml");
    }
}
