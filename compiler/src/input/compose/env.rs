//! Interpolation variables (process environment over the project's `.env`
//! or `--env-file`) and the `${...}` pass over a file's values, which runs
//! per file before anything else looks at them (compose-go step 3).

use super::dotenv;
use super::interpolate;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::input::Reader;
use crate::source::Span;
use crate::syntax::{Node, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Variables visible to interpolation.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub vars: BTreeMap<String, String>,
}

impl Env {
    pub fn get(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
}

/// Build the environment of a project in `dir`: `env_file` (or `dir/.env`
/// when present), overridden by the process environment.
pub fn project_env(
    reader: &mut Reader,
    dir: &Path,
    env_file: Option<&str>,
    process: &BTreeMap<String, String>,
) -> Env {
    let mut vars = BTreeMap::new();
    let path = match env_file {
        Some(f) => Some(Path::new(f).to_path_buf()),
        None => {
            let p = dir.join(".env");
            p.is_file().then_some(p)
        }
    };
    if let Some(path) = path {
        let name = path.to_string_lossy().into_owned();
        let id = match reader.loaded.sources.find_path(&path) {
            Some(id) => Some(id),
            None => reader.read_text(&name, &path),
        };
        if let Some(id) = id {
            let text = reader.loaded.sources.get(id).text.clone();
            let lookup = |k: &str| process.get(k).cloned();
            match dotenv::parse(&text, Some(&lookup)) {
                Ok(map) => vars.extend(map),
                Err(e) => {
                    let span = dotenv_error_span(reader.loaded.sources.get(id), id, &e);
                    reader.loaded.diagnostics.push(Diagnostic::new(
                        &diag::INVALID_INTERPOLATION,
                        span,
                        format!("cannot parse env file {name}: {e}"),
                    ));
                }
            }
        }
    }
    vars.extend(process.iter().map(|(k, v)| (k.clone(), v.clone())));
    Env { vars }
}

/// Substitute `${...}` in every value (never in keys) of `node`.
pub fn interpolate_tree(
    node: &mut Node,
    env: &Env,
    path: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let span = node.span;
    match &mut node.value {
        Value::Scalar(s) => {
            if !s.text.contains('$') {
                return;
            }
            let lookup = |k: &str| env.get(k);
            match interpolate::substitute(&s.text, &lookup) {
                Ok(out) => {
                    // One finding per variable and value, not per use: a
                    // value may name the same variable thousands of times.
                    let mut seen = std::collections::HashSet::new();
                    for var in out.unset.into_iter().filter(|v| seen.insert(v.clone())) {
                        diags.push(
                            Diagnostic::new(
                                &diag::UNSET_VARIABLE,
                                span,
                                format!("variable `{var}` is not set; defaulting to an empty string"),
                            )
                            .with_help("set it in the environment or the project's .env file, or give a default: ${VAR:-default}"),
                        );
                    }
                    s.text = out.value.into();
                }
                Err(e) => diags.push(Diagnostic::new(
                    &diag::INVALID_INTERPOLATION,
                    span,
                    format!("invalid interpolation in `{}`: {e}", path.join(".")),
                )),
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(format!("[{i}]"));
                interpolate_tree(item, env, path, diags);
                path.pop();
            }
        }
        Value::Map(entries) => {
            for e in entries {
                path.push(e.key.as_str().unwrap_or("?").to_string());
                interpolate_tree(&mut e.value, env, path, diags);
                path.pop();
            }
        }
        Value::Null => {}
    }
}

/// `env_file` entries of a service: (path node, required).
fn env_file_entries(v: &Node) -> Vec<(&Node, bool)> {
    match &v.value {
        Value::Scalar(_) => vec![(v, true)],
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| match &i.value {
                Value::Scalar(_) => Some((i, true)),
                Value::Map(_) => Some((
                    i.get("path")?,
                    i.get("required").and_then(Node::as_bool).unwrap_or(true),
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Read every service's `env_file`s (relative to `dir`) into its
/// `environment`, where `environment` itself wins, as in Compose. The values
/// keep the span of the `env_file` entry they came from.
pub fn inline_env_files(root: &mut Node, dir: &Path, reader: &mut Reader) {
    let Value::Map(top) = &mut root.value else {
        return;
    };
    let Some(services) = top.iter_mut().find(|e| e.key.as_str() == Some("services")) else {
        return;
    };
    let Value::Map(services) = &mut services.value.value else {
        return;
    };
    for svc in services.iter_mut() {
        let Some(files) = svc.value.get("env_file").cloned() else {
            continue;
        };
        let mut vars: Vec<(String, String, Span)> = Vec::new();
        for (path_node, required) in env_file_entries(&files) {
            let Some(rel) = path_node.as_str() else {
                continue;
            };
            let path = dir.join(rel);
            if !path.is_file() {
                if required {
                    reader.loaded.diagnostics.push(
                        Diagnostic::new(
                            &diag::UNREADABLE_FILE,
                            path_node.span,
                            format!("env file {} not found", path.display()),
                        )
                        .with_help("create the file, fix the path, or mark it `required: false`"),
                    );
                }
                continue;
            }
            let name = path.to_string_lossy().into_owned();
            let Some(id) = reader.read_text(&name, &path) else {
                continue;
            };
            match dotenv::parse(&reader.loaded.sources.get(id).text.clone(), None) {
                Ok(map) => vars.extend(map.into_iter().map(|(k, v)| (k, v, path_node.span))),
                Err(e) => {
                    let span = dotenv_error_span(reader.loaded.sources.get(id), id, &e);
                    reader.loaded.diagnostics.push(
                        Diagnostic::new(
                            &diag::INVALID_INTERPOLATION,
                            span,
                            format!("cannot parse env file {name}: {e}"),
                        )
                        .with_related(path_node.span, "named in `env_file` here"),
                    )
                }
            }
        }
        let Value::Map(fields) = &mut svc.value.value else {
            continue;
        };
        let env = match fields
            .iter()
            .position(|f| f.key.as_str() == Some("environment"))
        {
            Some(i) => &mut fields[i].value,
            None => {
                fields.push(crate::syntax::Entry {
                    key: scalar("environment", files.span),
                    value: Node {
                        value: Value::Map(Vec::new()),
                        span: files.span,
                        tag: None,
                    },
                });
                &mut fields.last_mut().expect("just pushed").value
            }
        };
        let Value::Map(env) = &mut env.value else {
            continue;
        };
        for (k, v, span) in vars {
            if !env.iter().any(|e| e.key.as_str() == Some(k.as_str())) {
                env.push(crate::syntax::Entry {
                    key: scalar(&k, span),
                    value: scalar(&v, span),
                });
            }
        }
    }
}

fn scalar(text: &str, span: Span) -> Node {
    Node {
        value: Value::Scalar(crate::syntax::Scalar {
            text: text.into(),
            plain: false,
        }),
        span,
        tag: None,
    }
}

/// Where a `.env` syntax error is: the start of the line its message names
/// (`line N: ...`, as compose-go words it), else the start of the file.
fn dotenv_error_span(f: &crate::source::SourceFile, id: crate::source::FileId, msg: &str) -> Span {
    let line = msg
        .strip_prefix("line ")
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1);
    let starts = f.line_starts();
    let byte = starts
        .get(line.saturating_sub(1))
        .or(starts.last())
        .copied()
        .unwrap_or(0);
    let start = f.pos_of_byte(byte);
    Span {
        file: id,
        start,
        end: start,
    }
}
