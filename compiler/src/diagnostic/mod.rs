//! Diagnostics are data: this module holds the model; the printers in the
//! submodules turn a list of them into text. Every stage produces them.

mod codes;
pub mod concise;
pub mod github;
pub mod human;
mod human_simple;
pub mod json;
mod parallel;
pub mod sarif;

pub use codes::*;

use crate::source::{SourceMap, Span};
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(format!(
                "unknown severity `{s}` (expected error, warning or info)"
            )),
        }
    }
}

/// A secondary location with its own label ("first published here by `web`").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The offending YAML node itself.
    pub span: Span,
    pub related: Vec<Related>,
    pub help: Option<String>,
    /// `kind/namespace/name`, or `project/service` for Compose.
    pub resource: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `code` at its registered default severity.
    pub fn new(code: &'static Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.code,
            rule: code.name,
            severity: code.severity,
            message: message.into(),
            span,
            related: Vec::new(),
            help: None,
            resource: None,
        }
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Input errors (the `TOPO0xx` range at error level) make a run exit 2.
    pub fn is_input_error(&self) -> bool {
        self.severity == Severity::Error && self.code.starts_with("TOPO0")
    }
}

/// Text from the inputs (names, values) as a printer may show it on one
/// line: control characters, line and paragraph separators and the
/// bidirectional overrides are written as `\u{..}` escapes (`\n`, `\r`,
/// `\t` as such), so no input can forge a line of output or hide text.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    // Printable ASCII is the common case: a byte scan instead of decoding
    // every character (half of `--format concise` at 100k findings was
    // here), without an early exit so that it is vectorised (`all` was not).
    let printable = !s
        .bytes()
        .fold(false, |odd, b| odd | !(0x20..0x7f).contains(&b));
    if printable || !s.chars().any(bad) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if bad(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.into()
}

/// Stable order for every printer: file, position, code, message.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.span.file, a.span.start, a.code, &a.message).cmp(&(
            b.span.file,
            b.span.start,
            b.code,
            &b.message,
        ))
    });
}

/// Counts for the summary line of every format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub files: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn of(diags: &[Diagnostic], sources: &SourceMap, suppressed: usize) -> Self {
        let count = |s| diags.iter().filter(|d| d.severity == s).count();
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            files: sources.input_count(),
            suppressed,
        }
    }
}

/// The output formats a user can pick with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
}

/// What renderers need besides the diagnostics. Rule documentation lives in
/// the rule registry (`analyze::rules`), which this module must not import,
/// so the caller hands it in.
pub struct RenderOptions<'a> {
    /// Colour for `human`.
    pub color: bool,
    /// The documentation of a code (markdown), for SARIF's rule help.
    pub rule_doc: &'a dyn Fn(&Code) -> Option<String>,
    /// The longer description of a code (plain text), for SARIF's
    /// `fullDescription`.
    pub rule_description: &'a dyn Fn(&Code) -> Option<String>,
    /// Where topoc ran, for SARIF's `invocations[].workingDirectory`.
    pub working_directory: Option<&'a std::path::Path>,
}

impl Default for RenderOptions<'_> {
    fn default() -> Self {
        RenderOptions {
            color: false,
            rule_doc: &|_| None,
            rule_description: &|_| None,
            working_directory: None,
        }
    }
}

/// Render diagnostics in `format`; `color` only affects `human`.
pub fn render(
    format: Format,
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    color: bool,
) -> String {
    let opts = RenderOptions {
        color,
        ..RenderOptions::default()
    };
    render_with(format, diags, sources, summary, &opts)
}

/// `render_with`, written to `out` as it is produced: the report of a large
/// input (240 MB of SARIF for 100k objects) is never held whole in memory.
pub fn write_with(
    format: Format,
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    opts: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(diags, sources, summary, opts.color, out),
        Format::Concise => concise::write(diags, sources, summary, out),
        Format::Json => json::write(diags, sources, summary, out),
        Format::Sarif => sarif::write(diags, sources, summary, opts, out),
        Format::Github => github::write(diags, sources, summary, out),
    }
}

/// What a writer produces, as text (every writer writes UTF-8).
fn to_string(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut bytes = Vec::new();
    write(&mut bytes).expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("renderers write UTF-8")
}

/// Render diagnostics in `format` with everything a renderer may use.
pub fn render_with(
    format: Format,
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    opts: &RenderOptions,
) -> String {
    match format {
        Format::Human => human::render(diags, sources, summary, opts.color),
        Format::Concise => concise::render(diags, sources, summary),
        Format::Json => json::render(diags, sources, summary),
        Format::Sarif => sarif::render(diags, sources, summary, opts),
        Format::Github => github::render(diags, sources, summary),
    }
}
