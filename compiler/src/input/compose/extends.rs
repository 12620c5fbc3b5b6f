//! `extends` (same file or `file:`), resolved on spanned trees after
//! interpolation and before override files merge (compose-go step 6), and the
//! `Resolver` that loads every file reached by `extends.file` or `include`
//! (`include.rs`): each (file, environment) is read and interpolated once, and
//! a project may reach at most `MAX_REFERENCED_FILES` of them.

use super::env::{Env, interpolate_tree};
use super::merge::{merge, normalize_service};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::input::LoadOptions;
use crate::input::Reader;
use crate::source::FileId;
use crate::syntax::{Node, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// extends/include chains deeper than this are treated as cycles.
pub(super) const MAX_CHAIN: usize = 32;

/// Distinct (file, environment) pairs one project may load through
/// `extends.file` and `include`; past it loading stops with one error.
pub(super) const MAX_REFERENCED_FILES: usize = 4096;

/// A referenced file's id and its interpolated root.
type Prepared = (FileId, Node);

/// Loads and prepares files reached by `extends.file` and `include`.
pub struct Resolver<'r, 'a> {
    pub reader: &'r mut Reader<'a>,
    pub opts: &'r LoadOptions,
    /// First documents of referenced files as parsed, by canonical path.
    raw: HashMap<PathBuf, Option<(FileId, Node)>>,
    /// Interpolated roots, by canonical path and the environment used.
    prepared: HashMap<PathBuf, Vec<(Env, Prepared)>>,
    /// Resolved models of included files (`include.rs`), by the same key.
    pub(super) included: HashMap<PathBuf, Vec<(Env, Option<Node>)>>,
    /// Whether the `MAX_REFERENCED_FILES` error was given.
    over_budget: bool,
}

/// A path as the key of the caches and of cycle detection.
pub(super) fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Interpolate a file's tree and bring its services into mapping form.
pub fn prepare(root: &mut Node, env: &Env, diags: &mut Vec<Diagnostic>) {
    interpolate_tree(root, env, &mut Vec::new(), diags);
    if let Some(Value::Map(services)) = services_mut(root).map(|s| &mut s.value) {
        for e in services {
            normalize_service(&mut e.value);
        }
    }
}

fn services_mut(root: &mut Node) -> Option<&mut Node> {
    match &mut root.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|e| e.key.as_str() == Some("services"))
            .map(|e| &mut e.value),
        _ => None,
    }
}

pub(super) fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Paths named by `extends.file` and `include` in a tree, resolved against `dir`.
pub fn referenced_paths(root: &Node, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(services) = root.get("services").and_then(Node::as_map) {
        for s in services {
            if let Some(f) = s
                .value
                .get("extends")
                .and_then(|e| e.get("file"))
                .and_then(Node::as_str)
            {
                out.push(dir.join(f));
            }
        }
    }
    if let Some(includes) = root.get("include").and_then(Node::as_seq) {
        for inc in includes {
            for p in include_paths(inc) {
                out.push(dir.join(p.as_str().unwrap_or_default()));
            }
        }
    }
    out.into_iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect()
}

/// The path nodes of one `include` entry (string, or `{path: str | [str]}`).
pub(super) fn include_paths(inc: &Node) -> Vec<&Node> {
    match &inc.value {
        Value::Scalar(_) => vec![inc],
        Value::Map(_) => match inc.get("path") {
            Some(p) if p.as_seq().is_some() => p.as_seq().unwrap().iter().collect(),
            Some(p) if p.as_str().is_some() => vec![p],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

impl<'r, 'a> Resolver<'r, 'a> {
    pub fn new(reader: &'r mut Reader<'a>, opts: &'r LoadOptions) -> Self {
        Resolver {
            reader,
            opts,
            raw: HashMap::new(),
            prepared: HashMap::new(),
            included: HashMap::new(),
            over_budget: false,
        }
    }

    pub(super) fn diag(&mut self, d: Diagnostic) {
        self.reader.loaded.diagnostics.push(d);
    }

    /// Files prepared so far (each (file, environment) pair counts once).
    fn loaded_count(&self) -> usize {
        self.prepared.values().map(Vec::len).sum()
    }

    /// Read another file (first document) once, and interpolate it once per
    /// environment. `None` when it cannot be read or the budget is spent.
    pub(super) fn load(&mut self, path: &Path, env: &Env, at: Node) -> Option<(FileId, Node)> {
        let key = canonical(path);
        if let Some(hit) = self
            .prepared
            .get(&key)
            .and_then(|v| v.iter().find(|(e, _)| e.vars == env.vars))
        {
            return Some(hit.1.clone());
        }
        if self.loaded_count() >= MAX_REFERENCED_FILES {
            if !self.over_budget {
                self.over_budget = true;
                self.diag(Diagnostic::new(
                    &diag::INPUT_LIMIT_EXCEEDED,
                    at.span,
                    format!("`include` and `extends` reach more than {MAX_REFERENCED_FILES} files (with their environments); the rest is not loaded"),
                ));
            }
            return None;
        }
        let raw = match self.raw.get(&key) {
            Some(hit) => hit.clone(),
            None => {
                let name = path.to_string_lossy().into_owned();
                let parsed = self.reader.read(&name, path, Some(at.span)).and_then(|f| {
                    let id = f.id;
                    f.documents.into_iter().next().map(|d| (id, d.root))
                });
                self.raw.insert(key.clone(), parsed.clone());
                parsed
            }
        };
        let (id, mut root) = raw?;
        prepare(&mut root, env, &mut self.reader.loaded.diagnostics);
        self.prepared
            .entry(key)
            .or_default()
            .push((env.clone(), (id, root.clone())));
        Some((id, root))
    }

    /// Resolve `extends` of every service in `root` (a file at `path`).
    pub fn resolve_extends(&mut self, root: &mut Node, path: &Path, env: &Env) {
        let snapshot = root.clone();
        let Some(Value::Map(services)) = services_mut(root).map(|s| &mut s.value) else {
            return;
        };
        for e in services.iter_mut() {
            if e.value.get("extends").is_none() {
                continue;
            }
            let name = e.key.as_str().unwrap_or_default().to_string();
            let mut stack = vec![(path.to_path_buf(), name)];
            if let Some(resolved) = self.extend(&snapshot, path, e.value.clone(), env, &mut stack) {
                e.value = resolved;
            }
        }
    }

    /// `service` with its `extends` chain applied (`None` keeps it as is).
    fn extend(
        &mut self,
        file_root: &Node,
        path: &Path,
        service: Node,
        env: &Env,
        stack: &mut Vec<(PathBuf, String)>,
    ) -> Option<Node> {
        let ext = service.get("extends")?.clone();
        let (target, file) = match (&ext.value, ext.get("service")) {
            (Value::Scalar(_), _) => (ext.clone(), None),
            (Value::Map(_), Some(s)) => (s.clone(), ext.get("file").cloned()),
            _ => {
                self.diag(Diagnostic::new(
                    &diag::INVALID_EXTENDS,
                    ext.span,
                    "`extends` needs a service name or a mapping with `service` (and optionally `file`)",
                ));
                return None;
            }
        };
        let target_name = target.as_str().unwrap_or_default().to_string();
        let (base_root, base_path) = match &file {
            Some(f) => {
                let p = dir_of(path).join(f.as_str().unwrap_or_default());
                let (_, root) = self.load(&p, env, f.clone())?;
                (root, p)
            }
            None => (file_root.clone(), path.to_path_buf()),
        };
        let key = (
            base_path
                .canonicalize()
                .unwrap_or_else(|_| base_path.clone()),
            target_name.clone(),
        );
        if stack
            .iter()
            .any(|(p, s)| p.canonicalize().ok().as_ref() == Some(&key.0) && *s == key.1)
            || stack.len() > MAX_CHAIN
        {
            self.diag(Diagnostic::new(
                &diag::INVALID_EXTENDS,
                target.span,
                format!("`extends` of service `{target_name}` forms a cycle"),
            ));
            return None;
        }
        let Some(base) = base_root
            .get("services")
            .and_then(|s| s.get(&target_name))
            .cloned()
        else {
            // compose-go refuses the project: `cannot extend service "a" in
            // FILE: service "ghost" not found`.
            let extending = stack.last().map(|(_, s)| s.clone()).unwrap_or_default();
            let place = match &file {
                Some(f) => format!(" in {}", f.as_str().unwrap_or_default()),
                None => String::new(),
            };
            self.diag(Diagnostic::new(
                &diag::INVALID_EXTENDS,
                target.span,
                format!(
                    "service `{extending}` cannot extend `{target_name}`: no such service{place}"
                ),
            ));
            return None;
        };
        stack.push(key);
        let base = self
            .extend(&base_root, &base_path, base.clone(), env, stack)
            .unwrap_or(base);
        stack.pop();
        let mut local = service;
        if let Value::Map(entries) = &mut local.value {
            entries.retain(|e| e.key.as_str() != Some("extends"));
        }
        let mut base = base;
        if let Value::Map(entries) = &mut base.value {
            entries.retain(|e| e.key.as_str() != Some("extends"));
        }
        Some(merge(base, local))
    }
}
