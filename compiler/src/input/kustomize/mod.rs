//! Kustomize overlays, built natively on spanned trees, as `kubectl
//! kustomize` (kustomize v5) builds them, for everything that decides the
//! network: `resources` and `components` (`build`: the graph walk, with
//! cycle detection and a budget), `namespace`, `namePrefix`/`nameSuffix`
//! and the name references they update, `labels`/`commonLabels`,
//! `commonAnnotations`, `replicas` (`transform`, `namereference`), and the
//! patches (`patch`: which objects; `strategic`: strategic merge;
//! `json6902`). Fields that decide nothing topoc models (generators,
//! `images`, `helmCharts`, KRM functions) are named in one info; remote
//! resources are a warning and never fetched. Where kustomize fails the
//! build, so does topoc: one spanned error, no objects.
//!
//! Every node of a built object keeps the span of the file that wrote it:
//! a value from a patch points into the patch, a label into the
//! kustomization entry that added it. Each file is read once per overlay
//! (the root kustomization being built), as its own `SourceFile` naming
//! that overlay, so a base shared by two overlays is checked once in each
//! and every finding in it says which overlay it was built by.

mod build;
mod fieldspec;
mod file;
mod json6902;
mod namereference;
mod patch;
mod strategic;
mod transform;
mod tree;

use crate::diagnostic::{self as diag, Diagnostic};
use crate::input::Reader;
use crate::source::{SourceMap, Span};
use crate::syntax::{Document, Node};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use file::KUSTOMIZATION_FILES;

/// A build failure: kustomize stops at the first one.
#[derive(Debug)]
pub struct Fail(Box<Diagnostic>);

pub(crate) fn fail(span: Span, message: impl Into<String>) -> Fail {
    let d = Diagnostic::new(&diag::KUSTOMIZE_BUILD_FAILED, span, message);
    Fail(Box::new(d))
}

/// One built object.
#[derive(Debug, Clone)]
pub struct Object {
    pub node: Node,
    /// The root of the document it was read from.
    pub base: Span,
    /// Names and namespaces it had before (oldest first), for name references
    /// and patch targets.
    pub history: Vec<(String, String)>,
}

impl Object {
    pub fn kind(&self) -> &str {
        tree::str_at(&self.node, &["kind"]).unwrap_or("")
    }
    pub fn name(&self) -> &str {
        tree::str_at(&self.node, &["metadata", "name"]).unwrap_or("")
    }
    pub fn namespace(&self) -> &str {
        tree::str_at(&self.node, &["metadata", "namespace"]).unwrap_or("")
    }
    /// The name and namespace it was read with.
    pub fn original(&self) -> (&str, &str) {
        match self.history.first() {
            Some((n, ns)) => (n, ns),
            None => (self.name(), self.namespace()),
        }
    }
    fn remember(&mut self) {
        let now = (self.name().to_string(), self.namespace().to_string());
        if self.history.last() != Some(&now) {
            self.history.push(now);
        }
    }
}

/// What one overlay built.
#[derive(Debug, Default)]
pub struct Built {
    pub documents: Vec<Document>,
    /// Canonical paths of every file the build read.
    pub files: Vec<PathBuf>,
}

/// The state shared by every overlay of a run.
#[derive(Default)]
pub struct Session {
    /// (canonical path, overlay) → the file as read through that overlay.
    views: HashMap<(PathBuf, String), crate::source::FileId>,
    /// Canonical paths read by any overlay.
    read: HashSet<PathBuf>,
    /// Spans of values an overlay wrote → the base object they were written into.
    pub written: Vec<(Span, Span)>,
}

/// Kustomizations read per overlay before the build gives up (a fan-out
/// that is not a cycle, such as a base listed through many paths).
pub const MAX_KUSTOMIZATIONS: usize = 1_000;
/// Resource and patch files read per overlay.
pub const MAX_FILES: usize = 10_000;

/// Build the kustomization in `dir` as the overlay named `overlay`.
/// Failures and notes join `reader`'s diagnostics; on failure no object.
pub fn build_overlay(
    reader: &mut Reader,
    session: &mut Session,
    dir: &Path,
    overlay: &str,
) -> Built {
    let mut b = build::Builder::new(reader, session, overlay);
    let result = b.root(dir);
    let files = b.files_read();
    let notes = std::mem::take(&mut b.notes);
    let written = std::mem::take(&mut b.written);
    drop(b);
    reader.loaded.diagnostics.extend(notes);
    match result {
        Ok(objects) => {
            session.written.extend(written);
            Built {
                documents: objects
                    .into_iter()
                    .enumerate()
                    .map(|(index, o)| Document {
                        file: o.base.file,
                        index,
                        root: o.node,
                    })
                    .collect(),
                files,
            }
        }
        Err(Fail(d)) => {
            reader.loaded.diagnostics.push(*d);
            Built {
                documents: Vec::new(),
                files,
            }
        }
    }
}

/// The kustomization directories a kustomization file names in
/// `resources`, `bases` and `components` (for deciding which of the
/// kustomizations found by a walk are overlays and which are bases).
pub fn referenced_dirs(doc: &Document, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for key in ["resources", "bases", "components"] {
        for n in doc.root.get(key).and_then(Node::as_seq).unwrap_or_default() {
            if let Some(s) = n.as_str() {
                let p = dir.join(s);
                if p.is_dir()
                    && let Ok(c) = p.canonicalize()
                {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// Name the overlay in every finding about a value it built, and point at
/// the base object when the value was written by a kustomization or patch.
pub fn annotate(diags: &mut [Diagnostic], sources: &SourceMap, written: &[(Span, Span)]) {
    // Each written span → the one object it went into (None: several,
    // such as a `namespace` entry, which names no single object).
    let mut into: HashMap<Span, Option<Span>> = HashMap::new();
    for &(w, base) in written {
        into.entry(w)
            .and_modify(|b| {
                if *b != Some(base) {
                    *b = None
                }
            })
            .or_insert(Some(base));
    }
    let mut by_file: HashMap<crate::source::FileId, Vec<(Span, Span)>> = HashMap::new();
    for (w, base) in into {
        if let Some(base) = base {
            by_file.entry(w.file).or_default().push((w, base));
        }
    }
    for ws in by_file.values_mut() {
        ws.sort();
    }
    for d in diags.iter_mut() {
        let Some(overlay) = sources.get(d.span.file).kustomize_overlay.clone() else {
            continue;
        };
        if d.code == diag::KUSTOMIZE_BUILD_FAILED.code {
            continue;
        }
        let base = by_file.get(&d.span.file).and_then(|ws| {
            ws.iter()
                .filter(|(w, _)| w.start <= d.span.start && d.span.end <= w.end)
                .min_by_key(|(w, _)| w.extent())
                .map(|&(_, b)| b)
        });
        if let Some(base) = base
            && base.file != d.span.file
            && !d.related.iter().any(|r| r.span == base)
        {
            d.related.push(diag::Related {
                span: base,
                message: "in this object, as the overlay builds it".into(),
            });
        }
        let suffix = format!(" (built by overlay `{overlay}`)");
        if !d.message.ends_with(&suffix) {
            d.message.push_str(&suffix);
        }
    }
}

/// Directories whose kustomization `found` (walk-found kustomization
/// files) are overlays: not named by another found kustomization, plus
/// any left unreachable from those (a cycle of bases), in input order.
pub fn overlays(found: &[(PathBuf, Vec<PathBuf>)]) -> Vec<PathBuf> {
    let referenced: HashSet<&PathBuf> = found.iter().flat_map(|(_, r)| r).collect();
    let mut roots: Vec<PathBuf> = found
        .iter()
        .filter(|(d, _)| !referenced.contains(d))
        .map(|(d, _)| d.clone())
        .collect();
    let edges: HashMap<&PathBuf, &Vec<PathBuf>> = found.iter().map(|(d, r)| (d, r)).collect();
    let mut reached: HashSet<PathBuf> = HashSet::new();
    let mut stack: Vec<PathBuf> = roots.clone();
    let visit = |stack: &mut Vec<PathBuf>, reached: &mut HashSet<PathBuf>| {
        while let Some(d) = stack.pop() {
            if reached.insert(d.clone())
                && let Some(next) = edges.get(&d)
            {
                stack.extend(next.iter().cloned());
            }
        }
    };
    visit(&mut stack, &mut reached);
    for (d, _) in found {
        if !reached.contains(d) {
            roots.push(d.clone());
            stack.push(d.clone());
            visit(&mut stack, &mut reached);
        }
    }
    roots
}

/// Whether `path` is named as kustomize names kustomization files.
pub fn is_kustomization_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_FILES.contains(&n))
}

/// Build the overlays among walk-found `files` (kustomizations no other
/// found kustomization names), adding their objects to `built`; returns
/// the files left to read as plain inputs: neither a kustomization nor a
/// file some overlay read.
pub fn build_walked(
    reader: &mut Reader,
    session: &mut Session,
    files: &[PathBuf],
    built: &mut Vec<Document>,
) -> Vec<PathBuf> {
    let mut found: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    let mut shown: HashMap<PathBuf, PathBuf> = HashMap::new();
    for f in files.iter().filter(|f| is_kustomization_file(f)) {
        let Some(dir) = f.parent() else { continue };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(canonical) = dir.canonicalize() else {
            continue;
        };
        if found.iter().any(|(d, _)| *d == canonical) {
            continue;
        }
        let refs = reader
            .loaded
            .sources
            .read_within(f, crate::source::MAX_FILE_BYTES)
            .ok()
            .map(|text| {
                let (docs, _) = crate::syntax::parse(crate::source::FileId(u32::MAX), &text);
                docs.first()
                    .map(|d| referenced_dirs(d, dir))
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        shown.insert(canonical.clone(), dir.to_path_buf());
        found.push((canonical, refs));
    }
    if found.is_empty() {
        return files.to_vec();
    }
    let mut used: HashSet<PathBuf> = HashSet::new();
    for dir in overlays(&found) {
        let shown_dir = shown.get(&dir).cloned().unwrap_or(dir);
        let b = build_overlay(
            reader,
            session,
            &shown_dir,
            &shown_dir.display().to_string(),
        );
        built.extend(b.documents);
        used.extend(b.files);
    }
    files
        .iter()
        .filter(|f| !is_kustomization_file(f) && f.canonicalize().is_ok_and(|c| !used.contains(&c)))
        .cloned()
        .collect()
}

/// Build the kustomization in `dir` on its own (for tools and tests): the
/// objects, every diagnostic, and the files read.
pub fn build_dir(dir: &Path) -> (Vec<Document>, Vec<Diagnostic>, SourceMap) {
    let mut loaded = crate::input::Loaded::default();
    let mut session = Session::default();
    let built = {
        let mut reader = Reader {
            loaded: &mut loaded,
        };
        build_overlay(&mut reader, &mut session, dir, &dir.display().to_string())
    };
    (built.documents, loaded.diagnostics, loaded.sources)
}

pub use tree::to_json;
