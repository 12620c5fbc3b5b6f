//! Front ends: turn input paths into documents, classify each document
//! (Kubernetes object or Compose file), and lower them into one `Topology`.
//! A front end never stops at the first problem; it returns what it could
//! lower together with every diagnostic.

pub mod chart;
pub mod classify;
pub mod compose;
mod gather;
pub mod kube;
pub mod kustomize;
pub mod scheme;
pub mod walk;

pub use classify::{DocKind, classify};

use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::{Origin, Topology};
use crate::source::{self, FileId, Pos, SourceFile, SourceMap, Span};
use crate::syntax::{self, Document};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One input as given on the command line.
#[derive(Debug, Clone)]
pub enum Input {
    Path(String),
    /// `-`: text the CLI read from stdin.
    Stdin(String),
    /// Stdin as the CLI read it, named `name` in findings (`-`, or
    /// `--stdin-filename`; relative references and the config are then
    /// resolved from that path). A read error becomes a spanned finding.
    Named {
        name: String,
        read: Result<String, source::ReadError>,
    },
}

/// Everything that changes how inputs are read, passed in explicitly so the
/// core never looks at the process environment itself.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-f FILE`: explicit Compose files, merged in order into one project.
    pub compose_files: Vec<String>,
    /// `-p NAME`.
    pub project_name: Option<String>,
    /// `--profile P` (plus `COMPOSE_PROFILES`, split by the caller).
    pub profiles: Vec<String>,
    /// `--env-file F` (repeatable, later files win): replaces the
    /// project's `.env`.
    pub env_files: Vec<String>,
    /// The process environment, for interpolation.
    pub env: BTreeMap<String, String>,
    /// How directories are walked (ignore files, excludes, includes).
    pub walk: walk::WalkOptions,
    /// Renders Helm charts (`helm template`); None: charts are reported,
    /// not checked.
    pub render_chart: Option<chart::ChartRenderer>,
    /// Projects declared in `topoc.yaml`; each replaces the guess for the
    /// directory of its first file.
    pub projects: Vec<compose::project::DeclaredProject>,
    /// Texts read instead of files on disk (`topoc lsp`'s unsaved buffers).
    pub overlay: Option<std::sync::Arc<source::Overlay>>,
    /// Parsed files kept from earlier runs of this process (`topoc lsp`).
    pub parse_cache: Option<std::sync::Arc<syntax::cache::ParseCache>>,
}

/// The result of loading: every file read, the lowered topology, and the
/// diagnostics found on the way.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub topology: Topology,
    pub diagnostics: Vec<Diagnostic>,
    /// One `skipped-file` info per file the walk found and did not read as
    /// topology; shown in verbose output only, never part of the verdict.
    pub skipped: Vec<Diagnostic>,
    /// Alias expansion of every file of the run together (issue 18, hostile/3).
    pub alias_budget: syntax::Budget,
    /// Values kustomize overlays wrote → the base object they went into
    /// (`kustomize::annotate` adds it to findings on those values).
    pub kustomize_written: Vec<(Span, Span)>,
    /// From `LoadOptions::parse_cache`.
    pub parse_cache: Option<std::sync::Arc<syntax::cache::ParseCache>>,
}

/// A parsed input file.
pub struct ParsedFile {
    pub id: FileId,
    pub documents: Vec<Document>,
    /// Named on the command line (vs. found by a directory scan).
    pub explicit: bool,
}

/// Reads and parses files, keeping every file in one `SourceMap`.
pub struct Reader<'a> {
    pub loaded: &'a mut Loaded,
}

impl Reader<'_> {
    /// Read and decode one file into the source map (once per path);
    /// failures become diagnostics.
    pub fn read_text(&mut self, name: &str, path: &Path) -> Option<FileId> {
        self.read_text_at(name, path, None)
    }

    fn read_text_at(&mut self, name: &str, path: &Path, at: Option<Span>) -> Option<FileId> {
        if let Some(id) = self.loaded.sources.find_path(path) {
            return Some(id);
        }
        let left = source::MAX_RUN_BYTES.saturating_sub(self.loaded.sources.total_bytes());
        match self.loaded.sources.read_within(path, left) {
            Ok(text) => Some(self.loaded.sources.add(SourceFile::new(name, path, text))),
            Err(err) => {
                self.unreadable(name, path, &err, at);
                None
            }
        }
    }

    /// A file that could not be decoded: a finding at the bad byte (or 1:1).
    fn unreadable(&mut self, name: &str, path: &Path, err: &source::ReadError, at: Option<Span>) {
        let (text, pos) = match &err {
            source::ReadError::NotUtf8 { valid_prefix, byte } => {
                let f = SourceFile::new(name, path, valid_prefix.clone());
                (valid_prefix.clone(), f.pos_of_byte(*byte))
            }
            _ => (String::new(), Pos { line: 1, column: 1 }),
        };
        let id = self.loaded.sources.add(SourceFile::new(name, path, text));
        let span = Span {
            file: id,
            start: pos,
            end: pos,
        };
        let mut d = Diagnostic::new(&diag::UNREADABLE_FILE, span, format!("{name}: {err}"));
        if let Some(at) = at {
            d = d.with_related(at, "referenced here");
        }
        self.loaded.diagnostics.push(d);
    }

    /// Read, decode and parse one file; failures become diagnostics. A file
    /// already read is parsed again from its text (its diagnostics are
    /// deduplicated by the driver).
    pub fn read(&mut self, name: &str, path: &Path, at: Option<Span>) -> Option<ParsedFile> {
        let id = self.read_text_at(name, path, at)?;
        Some(self.parse(id, true))
    }

    /// Add text that did not come from a file (stdin).
    pub fn add_text(&mut self, name: &str, text: String) -> ParsedFile {
        self.add_text_at(name, Path::new("."), text)
    }

    /// Add text read elsewhere that stands for the file at `path`.
    fn add_text_at(&mut self, name: &str, path: &Path, text: String) -> ParsedFile {
        let id = self
            .loaded
            .sources
            .add(SourceFile::new(name, path.to_path_buf(), text));
        self.parse(id, true)
    }

    /// Parse files on every core (a directory of manifests is often
    /// thousands of small files, each too small to be split on its own);
    /// the result and the diagnostics keep the order of `ids`.
    fn parse_all(&mut self, ids: &[FileId]) -> Vec<(ParsedFile, Vec<Diagnostic>)> {
        let sources = &self.loaded.sources;
        let budget = &self.loaded.alias_budget;
        let cache = self.loaded.parse_cache.as_deref();
        let before = budget.used();
        let parse = |id: &FileId| {
            let f = sources.get(*id);
            let parse = || syntax::parse_file(*id, &f.path, &f.text, budget);
            match cache {
                Some(c) => c.get_or_parse(*id, &f.path, &f.text, parse),
                None => parse(),
            }
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        let parsed: Vec<(Vec<Document>, Vec<Diagnostic>)> = if threads < 2 || ids.len() < 2 {
            ids.iter().map(parse).collect()
        } else {
            let per = ids.len().div_ceil(threads);
            std::thread::scope(|s| {
                let parse = &parse;
                let workers: Vec<_> = ids
                    .chunks(per)
                    .map(|chunk| s.spawn(move || chunk.iter().map(parse).collect::<Vec<_>>()))
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|w| match w.join() {
                        Ok(done) => done,
                        Err(panic) => std::panic::resume_unwind(panic),
                    })
                    .collect()
            })
        };
        // Which file exhausts the run's alias budget must not depend on
        // thread timing: redo in input order.
        let parsed = if budget.tripped() {
            budget.reset_to(before);
            ids.iter().map(parse).collect()
        } else {
            parsed
        };
        ids.iter()
            .zip(parsed)
            .map(|(&id, (documents, diags))| {
                let file = ParsedFile {
                    id,
                    documents,
                    explicit: false,
                };
                (file, diags)
            })
            .collect()
    }

    fn parse(&mut self, id: FileId, explicit: bool) -> ParsedFile {
        let f = self.loaded.sources.get(id);
        let budget = &self.loaded.alias_budget;
        let parse = || syntax::parse_file(id, &f.path, &f.text, budget);
        let (documents, diags) = match &self.loaded.parse_cache {
            Some(c) => c.get_or_parse(id, &f.path, &f.text, parse),
            None => parse(),
        };
        self.loaded.diagnostics.extend(diags);
        ParsedFile {
            id,
            documents,
            explicit,
        }
    }
}

/// A location for problems that belong to no file node (bad command-line paths).
pub(crate) fn command_line_span(loaded: &mut Loaded, name: &str) -> Span {
    let id =
        loaded
            .sources
            .add_not_input(SourceFile::new(name, PathBuf::from(name), String::new()));
    let p = Pos { line: 1, column: 1 };
    Span {
        file: id,
        start: p,
        end: p,
    }
}

/// Load every input into one topology.
pub fn load(inputs: &[Input], opts: &LoadOptions) -> Loaded {
    load_into(Loaded::default(), inputs, opts)
}

/// Load every input into `loaded`, whose source map may already hold files
/// read before (the configuration).
pub fn load_into(mut loaded: Loaded, inputs: &[Input], opts: &LoadOptions) -> Loaded {
    loaded.sources.set_overlay(opts.overlay.clone());
    loaded.parse_cache = opts.parse_cache.clone();
    let gathered = gather::gather(&mut loaded, inputs, opts);
    crate::timing::mark("discovery");
    let mut kube_docs: Vec<Document> = gathered.built;
    let mut compose_files: Vec<(FileId, Document)> = Vec::new();
    kube_docs.reserve(gathered.files.iter().map(|f| f.documents.len()).sum());
    for f in gathered.files {
        let path = loaded.sources.get(f.id).path.clone();
        let kinds = classify::classify_all(&f.documents, &path, f.explicit);
        for (doc, kind) in f.documents.into_iter().zip(kinds) {
            match kind {
                DocKind::Kubernetes => kube_docs.push(doc),
                DocKind::Compose => compose_files.push((f.id, doc)),
                DocKind::Kustomization => {
                    loaded.diagnostics.push(gather::kustomization(&doc, &path))
                }
                DocKind::Other if f.explicit => {
                    let span = doc.root.span;
                    loaded.diagnostics.push(
                        Diagnostic::new(
                            &diag::UNRECOGNIZED_DOCUMENT,
                            Span { end: span.start, ..span },
                            "document is neither a Kubernetes object (apiVersion + kind) nor a Compose file (services:)",
                        )
                        .with_help("topoc reads Compose files and Kubernetes manifests; remove this file from the inputs or add the missing keys"),
                    );
                }
                DocKind::Other => {}
            }
        }
    }
    if compose_files.is_empty()
        && kube_docs.is_empty()
        && opts.compose_files.is_empty()
        && gathered.charts == 0
        && !loaded.diagnostics.iter().any(Diagnostic::is_input_error)
    {
        gather::nothing_checked(&mut loaded, inputs);
    }

    crate::timing::mark("classify");
    compose::load_projects(&mut loaded, compose_files, opts);
    crate::timing::mark("compose");
    kube::lower(&mut loaded, kube_docs);
    crate::timing::mark("kubernetes lowering");
    gather::soften_chart_errors(&mut loaded.diagnostics, &gathered.chart_files);
    loaded
}

/// The last components of `path` (made absolute) that none of `others`
/// ends with, joined by `/`: how Compose projects and kustomize overlays
/// that share a name are told apart without depending on how paths were
/// typed. None when every end of `path` is shared.
pub(crate) fn distinguishing_suffix(path: &Path, others: &[&Path]) -> Option<String> {
    let parts = |path: &Path| -> Vec<String> {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        abs.components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    };
    let mine = parts(path);
    let theirs: Vec<Vec<String>> = others.iter().map(|&o| parts(o)).collect();
    (1..=mine.len()).find_map(|k| {
        let tail = &mine[mine.len() - k..];
        let shared = theirs
            .iter()
            .any(|t| t.len() >= k && t[t.len() - k..] == *tail);
        (!shared).then(|| tail.join("/"))
    })
}

/// The origin of a whole document's root.
pub fn doc_origin(doc: &Document) -> Origin {
    Origin::from(doc.root.span)
}
