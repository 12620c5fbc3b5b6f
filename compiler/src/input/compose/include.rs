//! `include` (compose-go step 7, `loader/include.go`): each included file is
//! loaded as a model of its own and its resources are imported.
//!
//! The includes form a graph, not a tree: a file included twice (or from two
//! includers) is resolved once per environment and reused, so fan-out never
//! multiplies the work; a file that includes one of the files on the current
//! path is a cycle, reported at the entry that closes it (compose-go: "include
//! cycle detected"). The environment of an included file is its own `.env`
//! (or the entry's `env_file`) under the includer's environment, which wins.
//! Importing a resource that the importer already has is an error unless both
//! are the same; a service the includer defines itself always conflicts
//! (upstream compares a loaded service with a raw one).

use super::env::{Env, project_env};
use super::extends::{Resolver, canonical, dir_of, include_paths};
use super::merge::merge;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::syntax::{Entry, Node, Value};
use std::path::{Path, PathBuf};

/// The sections an include imports; `name` and `x-` keys stay with the file.
const RESOURCES: [&str; 5] = ["services", "networks", "volumes", "configs", "secrets"];

/// Equal as data: spans and the position of the text do not count.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Scalar(x), Value::Scalar(y)) => x.text == y.text,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|e| {
                    y.iter()
                        .any(|f| same(&e.key, &f.key) && same(&e.value, &f.value))
                })
        }
        _ => false,
    }
}

fn display(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl Resolver<'_, '_> {
    /// Load every `include` of `root` (a file at `path`, interpolated with
    /// `env`) and return the imported model to add under it; the `include`
    /// key is removed from `root`.
    pub fn resolve_includes(&mut self, root: &mut Node, path: &Path, env: &Env) -> Option<Node> {
        let mut stack = vec![canonical(path)];
        self.includes_of(root, path, env, &mut stack)
    }

    fn includes_of(
        &mut self,
        root: &mut Node,
        path: &Path,
        env: &Env,
        stack: &mut Vec<PathBuf>,
    ) -> Option<Node> {
        let includes = root.get("include")?.clone();
        if let Value::Map(entries) = &mut root.value {
            entries.retain(|e| e.key.as_str() != Some("include"));
        }
        let Some(items) = includes.as_seq() else {
            self.diag(Diagnostic::new(
                &diag::INVALID_INCLUDE,
                includes.span,
                "`include` must be a list",
            ));
            return None;
        };
        if stack.len() > super::extends::MAX_CHAIN {
            self.diag(Diagnostic::new(
                &diag::INVALID_INCLUDE,
                includes.span,
                format!(
                    "`include` chain is deeper than {} files",
                    super::extends::MAX_CHAIN
                ),
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
                let Some(model) = self.included_model(&file, env_file.as_deref(), env, p, stack)
                else {
                    continue;
                };
                sub = Some(match sub {
                    // Several paths in one entry merge like override files.
                    Some(s) => merge(s, model),
                    None => model,
                });
            }
            if let Some(s) = sub {
                combined = Some(match combined {
                    Some(c) => self.union(c, s, inc, false),
                    None => s,
                });
            }
        }
        combined
    }

    /// The resources `file` contributes, resolved once per environment.
    fn included_model(
        &mut self,
        file: &Path,
        env_file: Option<&Path>,
        parent: &Env,
        at: &Node,
        stack: &mut Vec<PathBuf>,
    ) -> Option<Node> {
        let key = canonical(file);
        if let Some(pos) = stack.iter().position(|k| *k == key) {
            let message = if pos + 1 == stack.len() {
                format!("`{}` includes itself", display(&key))
            } else {
                let chain: Vec<String> = stack[pos..]
                    .iter()
                    .chain(std::iter::once(&key))
                    .map(|p| display(p))
                    .collect();
                format!("include cycle: {}", chain.join(" → "))
            };
            self.diag(
                Diagnostic::new(&diag::INVALID_INCLUDE, at.span, message)
                    .with_help("docker compose refuses the project (\"include cycle detected\"); remove one of the includes"),
            );
            return None;
        }
        let mut env = project_env(
            self.reader,
            &dir_of(file),
            env_file.and_then(Path::to_str),
            &self.opts.env,
        );
        env.vars
            .extend(parent.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(hit) = self
            .included
            .get(&key)
            .and_then(|v| v.iter().find(|(e, _)| e.vars == env.vars))
        {
            return hit.1.clone();
        }
        let model = self.load(file, &env, at.clone()).map(|(_, mut root)| {
            stack.push(key.clone());
            self.resolve_extends(&mut root, file, &env);
            if let Some(nested) = self.includes_of(&mut root, file, &env, stack) {
                root = self.union(nested, root, at, true);
            }
            stack.pop();
            if let Value::Map(entries) = &mut root.value {
                entries.retain(|e| e.key.as_str().is_some_and(|k| RESOURCES.contains(&k)));
            }
            root
        });
        self.included
            .entry(key)
            .or_default()
            .push((env, model.clone()));
        model
    }

    /// Add the resources of `extra` to `base` (the imported ones). A resource
    /// both define is an error unless both are the same; when `extra` is the
    /// importer's own file, a service it defines always conflicts.
    pub fn union(&mut self, base: Node, extra: Node, at: &Node, extra_is_own: bool) -> Node {
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
                        let Some(prev) = into.iter().find(|e| e.key.as_str() == Some(&key)) else {
                            into.push(Entry {
                                key: item.key,
                                value: item.value,
                            });
                            continue;
                        };
                        let conflicts = if name == "services" {
                            extra_is_own || !same(&prev.value, &item.value)
                        } else {
                            !same(&prev.value, &item.value)
                        };
                        if conflicts && RESOURCES.contains(&name.as_str()) {
                            let prev_span = prev.key.span;
                            self.diag(
                                Diagnostic::new(
                                    &diag::INVALID_INCLUDE,
                                    item.key.span,
                                    format!("`{name}.{key}` conflicts with an imported resource"),
                                )
                                .with_related(prev_span, "imported here")
                                .with_related(at.span, "through this `include`")
                                .with_help("docker compose refuses the project; rename one of them or define it once"),
                            );
                        }
                    }
                }
            }
        }
        base
    }
}

#[cfg(test)]
mod tests {
    use super::same;
    use crate::source::FileId;

    fn yaml(text: &str) -> crate::syntax::Node {
        crate::syntax::parse(FileId(0), text).0.remove(0).root
    }

    #[test]
    fn sameness_ignores_spans_and_key_order() {
        assert!(same(&yaml("a: 1\nb: [x]\n"), &yaml("\n\nb: [x]\na: 1\n")));
        assert!(!same(&yaml("a: 1\n"), &yaml("a: 2\n")));
        assert!(!same(&yaml("n: {internal: true}\n"), &yaml("n: {}\n")));
    }
}
