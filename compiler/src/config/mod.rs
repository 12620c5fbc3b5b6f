//! `topoc.yaml` (design §7): severity overrides and suppressions, and the
//! inline ignores the front ends collect into `Workload.ignores`.
//!
//! The file is parsed with the spanned `syntax` tree, like every input, so a
//! bad entry is reported at its own node. Configuration is applied after the
//! rules ran (`apply`): rules stay oblivious of it, and a suppressed finding
//! is still counted.

mod apply;
mod discovery;

pub use apply::{Applied, apply, unmatched_ignores};
pub use discovery::Discovery;

use crate::diagnostic::{self as diag, Code, Diagnostic, Severity};
use crate::input::Input;
use crate::source::{self, FileId, Pos, SourceFile, SourceMap, Span};
use crate::syntax::{self, Node};
use std::path::PathBuf;

/// The file name looked for in the inputs' directory and its ancestors.
pub const FILE_NAME: &str = "topoc.yaml";

/// Where the configuration comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConfigSource {
    /// `topoc.yaml` found upward from the first input (the default).
    #[default]
    Discover,
    /// `--config FILE`.
    File(PathBuf),
    /// No configuration (`--no-config`).
    Disabled,
}

/// A rule's severity as configured; `None` is `off`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelOverride {
    pub code: &'static Code,
    pub level: Option<Severity>,
    pub span: Span,
}

/// One `ignore:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    pub code: &'static Code,
    /// A resource pattern (`*` matches any characters); None: everywhere.
    pub resource: Option<String>,
    pub reason: String,
    pub span: Span,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from, when there is one.
    pub file: Option<FileId>,
    pub levels: Vec<LevelOverride>,
    pub ignores: Vec<IgnoreRule>,
    /// `exclude`, `include`, `projects`: what is loaded.
    pub discovery: Discovery,
}

/// Whether configuration may change a code. Input errors cannot be waived:
/// they mean topoc could not read what it was given.
pub fn configurable(code: &Code) -> bool {
    !(code.code.starts_with("TOPO0") && code.severity == Severity::Error)
}

/// Look a rule up for configuration; the error message explains a refusal.
pub fn rule(key: &str) -> Result<&'static Code, String> {
    match diag::lookup(key) {
        Some(c) if configurable(c) => Ok(c),
        Some(c) => Err(format!(
            "`{key}` ({}) reports input that topoc cannot read; it cannot be configured or ignored",
            c.code
        )),
        None => Err(format!("unknown rule `{key}` (see `topoc rules`)")),
    }
}

/// The config file for a run: `topoc.yaml` in the directory of the first
/// input (or of the first `-f` file; the working directory for stdin) or in
/// the nearest ancestor that has one.
pub fn discover(inputs: &[Input], compose_files: &[String]) -> Option<PathBuf> {
    let first = inputs
        .iter()
        .find_map(|i| match i {
            Input::Path(p) => Some(PathBuf::from(p)),
            Input::Named { name, .. } if name != "-" => Some(PathBuf::from(name)),
            Input::Stdin(_) | Input::Named { .. } => None,
        })
        .or_else(|| compose_files.first().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."));
    let start = std::path::absolute(&first).ok()?;
    let dir = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Read and parse the configuration `source` names; the file joins `sources`
/// so diagnostics can point into it.
pub fn load(
    source: &ConfigSource,
    inputs: &[Input],
    compose_files: &[String],
    sources: &mut SourceMap,
) -> (Config, Vec<Diagnostic>) {
    let path = match source {
        ConfigSource::Disabled => return (Config::default(), Vec::new()),
        ConfigSource::File(p) => p.clone(),
        ConfigSource::Discover => match discover(inputs, compose_files) {
            Some(p) => p,
            None => return (Config::default(), Vec::new()),
        },
    };
    let name = path.display().to_string();
    match sources.read_within(&path, source::MAX_FILE_BYTES) {
        Ok(text) => {
            let id = sources.add_not_input(SourceFile::new(name, path, text));
            parse(id, sources)
        }
        Err(err) => {
            let id = sources.add_not_input(SourceFile::new(name.clone(), path, String::new()));
            let p = Pos { line: 1, column: 1 };
            let span = Span {
                file: id,
                start: p,
                end: p,
            };
            let d = Diagnostic::new(&diag::INVALID_CONFIG, span, format!("{name}: {err}"));
            (Config::default(), vec![d])
        }
    }
}

/// Parse a config file that is already in `sources`.
pub fn parse(file: FileId, sources: &SourceMap) -> (Config, Vec<Diagnostic>) {
    let (docs, mut diags) = syntax::parse(file, &sources.get(file).text);
    let dir = match sources.get(file).path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut p = Parser {
        config: Config {
            file: Some(file),
            ..Config::default()
        },
        diags: Vec::new(),
    };
    p.config.discovery.dir = dir.clone();
    if let Some(doc) = docs.first() {
        p.root(&doc.root, &dir);
    }
    if docs.len() > 1 {
        p.error(&docs[1].root, "a config file holds one YAML document");
    }
    diags.extend(p.diags);
    (p.config, diags)
}

struct Parser {
    config: Config,
    diags: Vec<Diagnostic>,
}

impl Parser {
    fn error(&mut self, node: &Node, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(&diag::INVALID_CONFIG, node.span, msg));
    }

    fn root(&mut self, root: &Node, dir: &std::path::Path) {
        if root.is_null() {
            return;
        }
        let Some(entries) = root.as_map() else {
            return self.error(
                root,
                format!("expected a mapping, found {}", root.describe()),
            );
        };
        for e in entries {
            match e.key.as_str() {
                Some("rules") => self.rules(&e.value),
                Some("ignore") => self.ignores(&e.value),
                Some("exclude") => {
                    self.config.discovery.exclude = self.strings(&e.value, "exclude")
                }
                Some("include") => {
                    self.config.discovery.include = self.strings(&e.value, "include")
                }
                Some("projects") => self.projects(&e.value, dir),
                _ => self.error(
                    &e.key,
                    "unknown key (expected `rules`, `ignore`, `exclude`, `include` or `projects`)",
                ),
            }
        }
    }

    fn rules(&mut self, node: &Node) {
        if node.is_null() {
            return;
        }
        let Some(entries) = node.as_map() else {
            return self.error(
                node,
                format!("`rules` must be a mapping, found {}", node.describe()),
            );
        };
        for e in entries {
            let Some(code) = self.rule_name(&e.key) else {
                continue;
            };
            let level = match e.value.as_str() {
                Some("off") => None,
                Some(s) if !e.value.is_number() => match s.parse::<Severity>() {
                    Ok(sev) => Some(sev),
                    Err(_) => {
                        self.error(
                            &e.value,
                            format!("unknown level `{s}` (expected off, info, warning or error)"),
                        );
                        continue;
                    }
                },
                _ => {
                    self.error(&e.value, "expected off, info, warning or error");
                    continue;
                }
            };
            if let Some(prev) = self.config.levels.iter().find(|l| l.code == code) {
                let d = Diagnostic::new(
                    &diag::INVALID_CONFIG,
                    e.key.span,
                    format!("`{}` is configured twice", code.name),
                )
                .with_related(prev.span, "first configured here");
                self.diags.push(d);
                continue;
            }
            self.config.levels.push(LevelOverride {
                code,
                level,
                span: e.key.span,
            });
        }
    }

    fn rule_name(&mut self, node: &Node) -> Option<&'static Code> {
        let Some(key) = node.as_str() else {
            self.error(
                node,
                format!("expected a rule name, found {}", node.describe()),
            );
            return None;
        };
        match rule(key) {
            Ok(c) => Some(c),
            Err(msg) => {
                self.error(node, msg);
                None
            }
        }
    }

    fn ignores(&mut self, node: &Node) {
        if node.is_null() {
            return;
        }
        let Some(items) = node.as_seq() else {
            return self.error(
                node,
                format!("`ignore` must be a list, found {}", node.describe()),
            );
        };
        for item in items {
            self.ignore(item);
        }
    }

    fn ignore(&mut self, item: &Node) {
        let Some(entries) = item.as_map() else {
            return self.error(item, "expected `{rule, resource, reason}`");
        };
        let (mut code, mut resource, mut reason) = (None, None, None);
        let mut ok = true;
        for e in entries {
            match e.key.as_str() {
                Some("rule") => {
                    code = self.rule_name(&e.value);
                    ok &= code.is_some();
                }
                Some("resource") => match e.value.as_str() {
                    Some(s) if !s.is_empty() => resource = Some(s.to_string()),
                    _ => {
                        self.error(
                            &e.value,
                            "`resource` must be a non-empty string such as `shop/web`",
                        );
                        ok = false;
                    }
                },
                Some("reason") => match e.value.as_str().map(str::trim) {
                    Some(s) if !s.is_empty() => reason = Some(s.to_string()),
                    _ => {
                        self.error(&e.value, "`reason` must say why the finding is acceptable");
                        ok = false;
                    }
                },
                _ => {
                    self.error(
                        &e.key,
                        "unknown key (expected `rule`, `resource` or `reason`)",
                    );
                    ok = false;
                }
            }
        }
        if item.get("rule").is_none() {
            self.error(item, "an ignore entry needs a `rule`");
            ok = false;
        }
        if item.get("reason").is_none() {
            self.error(
                item,
                "an ignore entry needs a `reason`: say why the finding is acceptable",
            );
            ok = false;
        }
        if let (true, Some(code), Some(reason)) = (ok, code, reason) {
            self.config.ignores.push(IgnoreRule {
                code,
                resource,
                reason,
                span: item.span,
            });
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests;
