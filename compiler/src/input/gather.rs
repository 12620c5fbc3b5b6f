//! From command-line inputs to parsed files: directories are walked
//! (`walk`), charts rendered or reported (`chart`), and every file the walk
//! found is kept only when it is topology. A walk-found file that is not
//! YAML/JSON at all, or holds no Compose file or Kubernetes object, is
//! skipped with one `skipped-file` info (verbose output only) — unless it
//! looks like topology (a Compose file by name, `apiVersion` + `kind`), in
//! which case its errors are reported as for a named file.

use super::classify::{self, DocKind};
use super::{
    Input, LoadOptions, Loaded, ParsedFile, Reader, chart, command_line_span, kustomize, walk,
};
use crate::diagnostic::{self as diag, Diagnostic, Severity};
use crate::source::{self, FileId, SourceFile, Span};
use crate::syntax::Document;
use std::path::Path;

/// What the inputs amount to before classification.
pub struct Gathered {
    pub files: Vec<ParsedFile>,
    /// Files holding `helm template` output.
    pub chart_files: Vec<FileId>,
    /// Helm charts found (rendered or not): Kubernetes input, even when
    /// it could not be checked.
    pub charts: usize,
    /// Objects built by kustomize overlays.
    pub built: Vec<Document>,
}

pub fn gather(loaded: &mut Loaded, inputs: &[Input], opts: &LoadOptions) -> Gathered {
    let mut out = Gathered {
        files: Vec::new(),
        chart_files: Vec::new(),
        charts: 0,
        built: Vec::new(),
    };
    let mut reader = Reader { loaded };
    let mut overlays = kustomize::Session::default();
    let mut charts_seen: Vec<std::path::PathBuf> = Vec::new();
    let mut chart = |reader: &mut Reader, dir: &Path, out: &mut Gathered| {
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        if charts_seen.contains(&abs) {
            return;
        }
        charts_seen.push(abs);
        out.charts += 1;
        let files = chart::load_chart(reader, dir, opts.render_chart, &mut out.chart_files);
        out.files.extend(files);
    };
    for input in inputs {
        match input {
            Input::Stdin(text) => out.files.push(reader.add_text("-", text.clone())),
            Input::Named { name, read } => match read {
                Ok(text) => out
                    .files
                    .push(reader.add_text_at(name, Path::new(name), text.clone())),
                Err(err) => reader.unreadable(name, Path::new(name), err, None),
            },
            Input::Path(name) => {
                let path = Path::new(name);
                if std::fs::symlink_metadata(path).is_err() {
                    let span = command_line_span(reader.loaded, name);
                    reader.loaded.diagnostics.push(Diagnostic::new(
                        &diag::UNREADABLE_FILE,
                        span,
                        format!("{name}: no such file or directory"),
                    ));
                } else if let Some(dir) = chart::chart_of(path) {
                    chart(&mut reader, &dir, &mut out);
                } else if path.is_dir() {
                    let found = walk::walk(path, &opts.walk);
                    for (p, msg) in &found.problems {
                        let shown = p.display().to_string();
                        let span = command_line_span(reader.loaded, &shown);
                        reader.loaded.diagnostics.push(Diagnostic::new(
                            &diag::UNREADABLE_FILE,
                            span,
                            format!("{shown}: cannot read directory: {msg}"),
                        ));
                    }
                    for dir in &found.charts {
                        chart(&mut reader, dir, &mut out);
                    }
                    let plain = kustomize::build_walked(
                        &mut reader,
                        &mut overlays,
                        &found.files,
                        &mut out.built,
                    );
                    let ids: Vec<FileId> = plain
                        .iter()
                        .filter_map(|p| read_found(&mut reader, p))
                        .collect();
                    crate::timing::mark("read");
                    for (file, diags) in reader.parse_all(&ids) {
                        keep_if_topology(&mut reader, file, diags, &mut out.files);
                    }
                    crate::timing::mark("parse");
                } else if kustomize::is_kustomization_file(path) {
                    let dir = match path.parent() {
                        Some(d) if !d.as_os_str().is_empty() => d,
                        _ => Path::new("."),
                    };
                    let shown = dir.display().to_string();
                    let b = kustomize::build_overlay(&mut reader, &mut overlays, dir, &shown);
                    out.built.extend(b.documents);
                } else if let Some(id) = reader.read_text_at(name, path, None) {
                    // Marked here, not in `Reader::read`, which Compose's
                    // `extends` and includes call mid-phase.
                    crate::timing::mark("read");
                    out.files.push(reader.parse(id, true));
                    crate::timing::mark("parse");
                }
            }
        }
    }
    reader.loaded.kustomize_written.extend(overlays.written);
    out
}

/// Read a file the walk found. A file that is not text is skipped unless
/// its name says it is a Compose file.
fn read_found(reader: &mut Reader, path: &Path) -> Option<FileId> {
    let name = path.display().to_string();
    if let Some(id) = reader.loaded.sources.find_path(path) {
        return Some(id);
    }
    match reader
        .loaded
        .sources
        .read_within(path, source::MAX_FILE_BYTES)
    {
        Ok(text) => Some(reader.loaded.sources.add(SourceFile::new(name, path, text))),
        Err(err @ source::ReadError::NotUtf8 { .. }) if !classify::is_compose_name(path) => {
            let id =
                reader
                    .loaded
                    .sources
                    .add_not_input(SourceFile::new(&name, path, String::new()));
            reader
                .loaded
                .skipped
                .push(skipped(id, &format!("not text ({err})")));
            None
        }
        Err(err) => {
            reader.unreadable(&name, path, &err, None);
            None
        }
    }
}

fn skipped(file: FileId, why: &str) -> Diagnostic {
    Diagnostic::new(
        &diag::SKIPPED_FILE,
        Span::file_start(file),
        format!("skipped: {why}"),
    )
}

/// Keep a walk-found file (and its parse diagnostics) when it is topology;
/// otherwise record one `skipped-file` info.
fn keep_if_topology(
    reader: &mut Reader,
    file: ParsedFile,
    diags: Vec<Diagnostic>,
    out: &mut Vec<ParsedFile>,
) {
    let f = reader.loaded.sources.get(file.id);
    let path = f.path.clone();
    let topology = file
        .documents
        .iter()
        .any(|d| classify::classify(d, &path) != DocKind::Other)
        || classify::looks_like_topology(&path, &f.text);
    if topology {
        reader.loaded.diagnostics.extend(diags);
        out.push(file);
        return;
    }
    let why = if diags.iter().any(|d| d.code == diag::INVALID_YAML.code) {
        "not well-formed YAML or JSON, and not a Compose file or Kubernetes manifest"
    } else if classify::is_ci_file(&path) {
        "a CI pipeline file, not a Compose file or Kubernetes manifest"
    } else {
        "neither a Compose file nor a Kubernetes manifest"
    };
    reader.loaded.sources.mark_not_input(file.id);
    reader.loaded.skipped.push(skipped(file.id, why));
}

/// The warning for a Kustomization read from stdin, which has no
/// directory to build from.
pub fn kustomization(doc: &Document, path: &Path) -> Diagnostic {
    let span = doc.root.span;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.display().to_string(),
        _ => ".".into(),
    };
    Diagnostic::new(
        &diag::KUSTOMIZATION_NOT_EXPANDED,
        Span {
            end: span.start,
            ..span
        },
        "Kustomization not expanded: read without its directory, its resources, patches and name prefixes are not applied",
    )
    .with_help(format!(
        "check what it builds: `kubectl kustomize {dir} | topoc check -`"
    ))
}

/// No Compose file or Kubernetes object among the inputs: say so.
pub fn nothing_checked(loaded: &mut Loaded, inputs: &[Input]) {
    let names: Vec<String> = inputs
        .iter()
        .map(|i| match i {
            Input::Path(p) => p.clone(),
            Input::Stdin(_) => "-".into(),
            Input::Named { name, .. } => name.clone(),
        })
        .collect();
    if names.is_empty() {
        return;
    }
    let shown = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let span = command_line_span(loaded, &names.join(" "));
    loaded.diagnostics.push(
        Diagnostic::new(
            &diag::NO_INPUT,
            span,
            format!("nothing to check: no Compose file or Kubernetes object in {shown}"),
        )
        .with_help("run with -v to see the files that were skipped, or name the files to check"),
    );
}

/// Input errors in `helm template` output never fail the run: they become
/// warnings (the chart, not the user's files, produced the text).
pub fn soften_chart_errors(diags: &mut [Diagnostic], chart_files: &[FileId]) {
    if chart_files.is_empty() {
        return;
    }
    for d in diags {
        if d.is_input_error() && chart_files.contains(&d.span.file) {
            d.severity = Severity::Warning;
            if d.help.is_none() {
                d.help = Some("this text was rendered by `helm template`".into());
            }
        }
    }
}
