//! `extends` (same file or `file:`) and `include`, resolved on spanned trees
//! after interpolation and before override files merge (compose-go steps 6–7).

use super::env::{Env, interpolate_tree, project_env};
use super::merge::{merge, normalize_service};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::input::LoadOptions;
use crate::input::Reader;
use crate::ir::{DanglingRef, Origin, RefKind};
use crate::source::FileId;
use crate::syntax::{Entry, Node, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// extends/include chains deeper than this are treated as cycles.
const MAX_CHAIN: usize = 32;

/// Loads and prepares files reached by `extends.file` and `include`.
pub struct Resolver<'r, 'a> {
    pub reader: &'r mut Reader<'a>,
    pub opts: &'r LoadOptions,
    /// Prepared roots of referenced files, by canonical path.
    cache: HashMap<PathBuf, Option<(FileId, Node)>>,
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

fn dir_of(path: &Path) -> PathBuf {
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
fn include_paths(inc: &Node) -> Vec<&Node> {
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
            cache: HashMap::new(),
        }
    }

    fn diag(&mut self, d: Diagnostic) {
        self.reader.loaded.diagnostics.push(d);
    }

    /// Read and prepare another file (first document), once.
    fn load(&mut self, path: &Path, env: &Env, at: Node) -> Option<(FileId, Node)> {
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let name = path.to_string_lossy().into_owned();
        let result = self.reader.read(&name, path, Some(at.span)).and_then(|f| {
            let id = f.id;
            f.documents.into_iter().next().map(|d| (id, d.root))
        });
        let result = result.map(|(id, mut root)| {
            prepare(&mut root, env, &mut self.reader.loaded.diagnostics);
            (id, root)
        });
        self.cache.insert(key, result.clone());
        result
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
            self.reader.loaded.topology.dangling.push(DanglingRef {
                kind: RefKind::Service,
                name: target_name.clone(),
                from: None,
                context: "extends",
                note: file
                    .as_ref()
                    .map(|f| format!("not defined in {}", f.as_str().unwrap_or_default())),
                origin: Origin::from(target.span),
            });
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

    /// Load every `include` of `root` (a file at `path`) and return the
    /// included model (services, networks, volumes, ...) to merge under it.
    pub fn resolve_includes(&mut self, root: &mut Node, path: &Path, depth: usize) -> Option<Node> {
        let includes = root.get("include")?.clone();
        let Some(items) = includes.as_seq() else {
            self.diag(Diagnostic::new(
                &diag::INVALID_INCLUDE,
                includes.span,
                "`include` must be a list",
            ));
            return None;
        };
        if depth > MAX_CHAIN {
            self.diag(Diagnostic::new(
                &diag::INVALID_INCLUDE,
                includes.span,
                "`include` chain is too deep (cycle?)",
            ));
            return None;
        }
        let mut combined: Option<Node> = None;
        for inc in items {
            let paths = include_paths(inc);
            if paths.is_empty() {
                self.diag(Diagnostic::new(
                    &diag::INVALID_INCLUDE,
                    inc.span,
                    "an `include` entry needs a path",
                ));
                continue;
            }
            let env_file = inc
                .get("env_file")
                .and_then(Node::as_str)
                .map(|f| dir_of(path).join(f));
            let mut sub: Option<Node> = None;
            for p in paths {
                let file = dir_of(path).join(p.as_str().unwrap_or_default());
                if file.canonicalize().ok() == path.canonicalize().ok() {
                    self.diag(Diagnostic::new(
                        &diag::INVALID_INCLUDE,
                        p.span,
                        "a file cannot include itself",
                    ));
                    continue;
                }
                let sub_dir = dir_of(&file);
                let env = project_env(
                    self.reader,
                    &sub_dir,
                    env_file.as_ref().and_then(|f| f.to_str()),
                    &self.opts.env,
                );
                let Some((_, mut sub_root)) = self.load(&file, &env, p.clone()) else {
                    continue;
                };
                self.resolve_extends(&mut sub_root, &file, &env);
                if let Some(nested) = self.resolve_includes(&mut sub_root, &file, depth + 1) {
                    sub_root = self.union(nested, sub_root, p);
                }
                sub = Some(match sub {
                    Some(s) => merge(s, sub_root),
                    None => sub_root,
                });
            }
            if let Some(s) = sub {
                combined = Some(match combined {
                    Some(c) => self.union(c, s, inc),
                    None => s,
                });
            }
        }
        if let Value::Map(entries) = &mut root.value {
            entries.retain(|e| e.key.as_str() != Some("include"));
        }
        combined.map(|c| {
            // Only resources travel; `name` and `x-` keys stay with the includer.
            let mut c = c;
            if let Value::Map(entries) = &mut c.value {
                entries.retain(|e| {
                    matches!(
                        e.key.as_str(),
                        Some("services" | "networks" | "volumes" | "configs" | "secrets")
                    )
                });
            }
            c
        })
    }

    /// Add the resources of `extra` to `base`; a resource defined in both is
    /// an error (compose-go: "imported compose file defines conflicting service").
    pub fn union(&mut self, base: Node, extra: Node, at: &Node) -> Node {
        let mut base = base;
        let Value::Map(extra_entries) = extra.value else {
            return base;
        };
        let Value::Map(base_entries) = &mut base.value else {
            return base;
        };
        for section in extra_entries {
            let Some(name) = section.key.as_str().map(String::from) else {
                continue;
            };
            match base_entries
                .iter_mut()
                .find(|e| e.key.as_str() == Some(&name))
            {
                None => base_entries.push(section),
                Some(existing) => {
                    let (Value::Map(into), Value::Map(items)) =
                        (&mut existing.value.value, section.value.value)
                    else {
                        continue;
                    };
                    for item in items {
                        let key = item.key.as_str().unwrap_or_default().to_string();
                        if let Some(prev) = into.iter().find(|e| e.key.as_str() == Some(&key)) {
                            if name == "services" {
                                let prev_span = prev.key.span;
                                self.diag(
                                    Diagnostic::new(
                                        &diag::INVALID_INCLUDE,
                                        at.span,
                                        format!("included file defines service `{key}`, which conflicts with another definition"),
                                    )
                                    .with_related(item.key.span, "defined here")
                                    .with_related(prev_span, "and here"),
                                );
                            }
                            continue;
                        }
                        into.push(Entry {
                            key: item.key,
                            value: item.value,
                        });
                    }
                }
            }
        }
        base
    }
}
