//! The walk over `resources` and `components`: each kustomization is
//! read once per overlay, its resources accumulated (directories are
//! built as kustomizations of their own, files read as objects), then its
//! components applied to what it has, then its own transformers — the
//! order of kustomize's `accumulateTarget`. A directory met again on the
//! way down is a cycle; past `MAX_KUSTOMIZATIONS` / `MAX_FILES` the build
//! stops.

use super::file::{self, Kustomization};
use super::{Fail, MAX_FILES, MAX_KUSTOMIZATIONS, Object, Session, fail, transform};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::input::Reader;
use crate::source::{self, FileId, SourceFile, Span};
use crate::syntax::{self, Document, Node, Value};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

pub struct Builder<'r, 'a> {
    pub reader: &'r mut Reader<'a>,
    session: &'r mut Session,
    overlay: String,
    /// Canonical directories being built, outermost first.
    stack: Vec<PathBuf>,
    kustomizations: usize,
    files: Vec<PathBuf>,
    files_seen: HashSet<PathBuf>,
    pub notes: Vec<Diagnostic>,
    pub written: Vec<(Span, Span)>,
}

impl<'r, 'a> Builder<'r, 'a> {
    pub fn new(reader: &'r mut Reader<'a>, session: &'r mut Session, overlay: &str) -> Self {
        Builder {
            reader,
            session,
            overlay: overlay.to_string(),
            stack: Vec::new(),
            kustomizations: 0,
            files: Vec::new(),
            files_seen: HashSet::new(),
            notes: Vec::new(),
            written: Vec::new(),
        }
    }

    pub fn files_read(&self) -> Vec<PathBuf> {
        self.files.clone()
    }

    /// Build the overlay in `dir`, name references fixed at the end as
    /// kustomize does once, at the top.
    pub fn root(&mut self, dir: &Path) -> Result<Vec<Object>, Fail> {
        let mut objects = self.target(dir, None)?;
        super::namereference::fix(&mut objects)?;
        Ok(objects)
    }

    /// Build the kustomization in `dir` (a resource directory) into new objects.
    fn target(&mut self, dir: &Path, at: Option<Span>) -> Result<Vec<Object>, Fail> {
        let k = self.enter(dir, at, false)?;
        let mut objects = Vec::new();
        self.accumulate(&k, &mut objects)?;
        self.stack.pop();
        Ok(objects)
    }

    /// Read the kustomization of `dir`, checking cycles, budget and kind.
    fn enter(
        &mut self,
        dir: &Path,
        at: Option<Span>,
        component: bool,
    ) -> Result<Kustomization, Fail> {
        let here = at.unwrap_or_else(|| self.command_line(dir));
        let canonical = dir.canonicalize().map_err(|e| {
            fail(
                here,
                format!("must build at directory: '{}': {e}", dir.display()),
            )
        })?;
        if let Some(i) = self.stack.iter().position(|d| *d == canonical) {
            let chain: Vec<String> = self.stack[i..]
                .iter()
                .chain([&canonical])
                .map(|d| d.display().to_string())
                .collect();
            return Err(fail(
                here,
                format!(
                    "cycle detected: kustomization `{}` includes itself ({})",
                    dir.display(),
                    chain.join(" → ")
                ),
            ));
        }
        self.kustomizations += 1;
        if self.kustomizations > MAX_KUSTOMIZATIONS {
            return Err(fail(
                here,
                format!("more than {MAX_KUSTOMIZATIONS} kustomizations in one build: stopped"),
            ));
        }
        let path = file::find(dir).map_err(|m| fail(here, m))?;
        let (_, docs) = self.read(&path, here)?;
        let doc = docs.into_iter().next().unwrap_or(Document {
            file: FileId(0),
            index: 0,
            root: tree::null(here),
        });
        let k = file::read(doc, dir)?;
        let root_span = k.root.span;
        if component && !k.is_component {
            return Err(fail(
                here,
                format!("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nexpected kind 'Component' for path '{}'", path.display()),
            )
            .related(root_span, "this kustomization is not a Component"));
        }
        if !component && k.is_component {
            return Err(fail(
                here,
                format!("expected kind != 'Component' for path '{}': a Component is listed in `components`, not `resources`", path.display()),
            )
            .related(root_span, "this kustomization is a Component"));
        }
        self.stack.push(canonical);
        Ok(k)
    }

    fn accumulate(&mut self, k: &Kustomization, objects: &mut Vec<Object>) -> Result<(), Fail> {
        if let Some(first) = k.ignored.first() {
            let names: Vec<&str> = k.ignored.iter().filter_map(Node::as_str).collect();
            self.notes.push(
                Diagnostic::new(
                    &diag::KUSTOMIZE_FIELD_IGNORED,
                    first.span,
                    format!("not applied: {} (topoc builds what decides the network; these fields change no network fact it models)", names.join(", ")),
                )
                .with_help("check what they build with `kubectl kustomize DIR | topoc check -`"),
            );
        }
        let mut index: Index = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (id(o), i))
            .collect();
        let mut entries = k.strings("resources")?;
        entries.extend(k.strings("bases")?);
        for (entry, node) in entries {
            if is_remote(&entry, &k.dir) {
                self.remote(&entry, node.span);
                continue;
            }
            let path = normalize(&k.dir.join(&entry));
            if path.is_dir() {
                for o in self.target(&path, Some(node.span))? {
                    add(objects, &mut index, o)?;
                }
            } else if path.exists() {
                for o in self.objects(k, &path, node.span)? {
                    add(objects, &mut index, o)?;
                }
            } else {
                return Err(fail(
                    node.span,
                    format!(
                        "accumulating resources from '{entry}': open {}: no such file or directory",
                        path.display()
                    ),
                ));
            }
        }
        for (entry, node) in k.strings("components")? {
            if is_remote(&entry, &k.dir) {
                self.remote(&entry, node.span);
                continue;
            }
            let path = normalize(&k.dir.join(&entry));
            let c = self.enter(&path, Some(node.span), true)?;
            self.accumulate(&c, objects)?;
            self.stack.pop();
        }
        transform::apply(self, k, objects)
    }

    fn remote(&mut self, entry: &str, span: Span) {
        self.notes.push(
            Diagnostic::new(
                &diag::KUSTOMIZE_REMOTE_RESOURCE,
                span,
                format!("remote resource `{entry}` is not fetched: what it adds is not checked"),
            )
            .with_help(
                "vendor it into the repository, or check `kubectl kustomize DIR | topoc check -`",
            ),
        );
    }

    /// The objects of one resource file.
    fn objects(&mut self, k: &Kustomization, path: &Path, at: Span) -> Result<Vec<Object>, Fail> {
        self.within(k, path, at)?;
        let (_, docs) = self.read(path, at)?;
        let mut out = Vec::new();
        for doc in docs {
            let root = doc.root;
            match &root.value {
                Value::Null => continue,
                Value::Map(_) => {}
                _ => {
                    return Err(fail(
                        root.span,
                        format!(
                            "invalid resource in '{}': expected an object, found {}",
                            path.display(),
                            root.describe()
                        ),
                    ));
                }
            }
            let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
            if kind.ends_with("List") && root.get("items").and_then(Node::as_seq).is_some() {
                let items = root.get("items").and_then(Node::as_seq).unwrap_or_default();
                for item in items {
                    out.push(object(item.clone(), path)?);
                }
            } else {
                out.push(object(root, path)?);
            }
        }
        Ok(out)
    }

    /// Files a kustomization reads (resources, patches) lie in or below its
    /// directory (kustomize's default load restrictor).
    pub fn within(&self, k: &Kustomization, path: &Path, at: Span) -> Result<(), Fail> {
        let (Ok(dir), Ok(file)) = (k.dir.canonicalize(), path.canonicalize()) else {
            return Ok(());
        };
        if file.starts_with(&dir) {
            return Ok(());
        }
        Err(fail(
            at,
            format!(
                "security; file '{}' is not in or below '{}'",
                file.display(),
                dir.display()
            ),
        ))
    }

    /// Read and parse a file as this overlay sees it.
    pub fn read(&mut self, path: &Path, at: Span) -> Result<(FileId, Vec<Document>), Fail> {
        let canonical = path
            .canonicalize()
            .map_err(|e| fail(at, format!("{}: {e}", path.display())))?;
        let key = (canonical.clone(), self.overlay.clone());
        let id = match self.session.views.get(&key) {
            Some(&id) => id,
            None => {
                if self.files.len() >= MAX_FILES {
                    return Err(fail(
                        at,
                        format!("more than {MAX_FILES} files in one build: stopped"),
                    ));
                }
                let sources = &mut self.reader.loaded.sources;
                let left = source::MAX_RUN_BYTES.saturating_sub(sources.total_bytes());
                let text = sources
                    .read_within(path, left)
                    .map_err(|e| fail(at, format!("{}: {e}", path.display())))?;
                let mut f = SourceFile::new(path.display().to_string(), path, text);
                f.kustomize_overlay = Some(self.overlay.clone());
                let seen = !self.session.read.insert(canonical.clone())
                    || sources.find_path(&canonical).is_some();
                let id = if seen {
                    sources.add_not_input(f)
                } else {
                    sources.add(f)
                };
                self.session.views.insert(key, id);
                id
            }
        };
        if self.files_seen.insert(canonical.clone()) {
            self.files.push(canonical);
        }
        let f = self.reader.loaded.sources.get(id);
        let (docs, diags) =
            syntax::parse_file(id, &f.path, &f.text, &self.reader.loaded.alias_budget);
        if let Some(d) = diags.iter().find(|d| d.is_input_error()) {
            let d = d.clone();
            self.reader.loaded.diagnostics.extend(diags);
            return Err(Fail(Box::new(d)));
        }
        self.reader.loaded.diagnostics.extend(diags);
        Ok((id, docs))
    }

    fn command_line(&mut self, dir: &Path) -> Span {
        crate::input::command_line_span(self.reader.loaded, &dir.display().to_string())
    }
}

use super::tree;

/// A resource document as an object: kustomize needs its kind and name.
fn object(root: Node, path: &Path) -> Result<Object, Fail> {
    if root
        .get("kind")
        .and_then(Node::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(fail(
            root.span,
            format!(
                "missing Resource metadata: `kind` is not set in '{}'",
                path.display()
            ),
        ));
    }
    let has_name = root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .is_some_and(|n| !n.is_empty());
    if !has_name {
        return Err(fail(
            root.span,
            format!("missing metadata.name in object in '{}'", path.display()),
        ));
    }
    let base = root.span;
    let mut o = Object {
        node: root,
        base,
        history: Vec::new(),
    };
    o.remember();
    Ok(o)
}

/// kustomize's resource id: group, version, kind, namespace, name.
fn id(o: &Object) -> (String, String, String, String) {
    let api = tree::str_at(&o.node, &["apiVersion"]).unwrap_or("");
    (
        api.to_string(),
        o.kind().to_string(),
        o.namespace().to_string(),
        o.name().to_string(),
    )
}

/// Objects by id, for [`add`] (a kustomization may list thousands).
type Index = std::collections::HashMap<(String, String, String, String), usize>;

/// Add an object; an id given twice fails the build, as in kustomize.
fn add(objects: &mut Vec<Object>, index: &mut Index, o: Object) -> Result<(), Fail> {
    let this = id(&o);
    if let Some(&earlier) = index.get(&this) {
        let (api, kind, ns, name) = this;
        let ns = if ns.is_empty() {
            "[noNs]".to_string()
        } else {
            ns
        };
        return Err(fail(
            o.base,
            format!("may not add resource with an already registered id: {kind}.{api}/{name}.{ns}"),
        )
        .related(objects[earlier].base, "registered here"));
    }
    index.insert(this, objects.len());
    objects.push(o);
    Ok(())
}

/// A resource kustomize would fetch: a URL, a git address, or a
/// `host.tld/...` path that does not exist locally.
fn is_remote(entry: &str, dir: &Path) -> bool {
    if entry.contains("://") || entry.starts_with("git@") || entry.contains("?ref=") {
        return true;
    }
    let first = entry.split('/').next().unwrap_or("");
    first.contains('.')
        && first != "."
        && first != ".."
        && entry.contains('/')
        && !dir.join(entry).exists()
}

/// `a/b/../c` → `a/c`, lexically, keeping relative paths relative (names
/// in findings read as the user wrote them).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

impl Fail {
    pub fn related(mut self, span: Span, message: &str) -> Fail {
        self.0.related.push(diag::Related {
            span,
            message: message.into(),
        });
        self
    }
}
