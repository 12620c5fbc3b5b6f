//! Which Compose files form which project, and what the project is called
//! (compose-go `cli/options.go`, `NormalizeProjectName`).

use crate::diagnostic::{self as diag, Diagnostic};
use crate::source::{FileId, SourceMap};
use crate::syntax::{Document, Node, Value};
use std::path::{Path, PathBuf};

/// Default file names, in compose-go's order of preference.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
/// Override files merged automatically after the default file.
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// A project declared in `topoc.yaml` (`projects: [{files, env_files,
/// profiles}]`), paths already joined to the config file's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredProject {
    pub files: Vec<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// The entry in `topoc.yaml`.
    pub origin: crate::source::Span,
}

/// Files of one project, in merge order.
pub struct ProjectFiles {
    pub dir: PathBuf,
    pub docs: Vec<(FileId, Document)>,
    /// Env files that replace the directory's `.env` (a declared project).
    pub env_files: Vec<PathBuf>,
    /// Profiles the project activates beyond `--profile` (a declared project).
    pub profiles: Vec<String>,
    /// The file that tells this project apart from the canonical project of
    /// its directory (a layer or a standalone alternative); None for the
    /// canonical project, `-f` files and declared projects.
    pub variant: Option<FileId>,
}

impl ProjectFiles {
    fn new(dir: PathBuf, docs: Vec<(FileId, Document)>, variant: Option<FileId>) -> Self {
        ProjectFiles {
            dir,
            docs,
            env_files: Vec::new(),
            profiles: Vec::new(),
            variant,
        }
    }
}

fn file_name(sources: &SourceMap, id: FileId) -> String {
    sources
        .get(id)
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string()
}

pub fn dir_of(sources: &SourceMap, id: FileId) -> PathBuf {
    let p = &sources.get(id).path;
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The documents of one file.
type FileDocs = (FileId, Vec<Document>);

/// Group Compose documents found among the inputs into projects, per
/// directory as docker compose finds them: the first default file
/// (`DEFAULT_FILES` order) plus the first override file form the
/// canonical project; other default or override names are ignored with a
/// warning, as docker compose does. Every other Compose file of the
/// directory is a variant: one that completes the canonical project
/// (`completes`) is checked as `-f <canonical> -f <variant>`, a
/// self-contained one is a project of its own. `referenced` files (reached
/// through `extends.file` or `include`) are not projects themselves.
pub fn group(
    sources: &SourceMap,
    docs: Vec<(FileId, Document)>,
    referenced: &[PathBuf],
) -> (Vec<ProjectFiles>, Vec<Diagnostic>) {
    let is_referenced = |id: FileId| {
        let p = sources.get(id).path.canonicalize().ok();
        p.is_some_and(|p| referenced.contains(&p))
    };
    // Directories in the order they were first seen; an index keeps a walk
    // over thousands of directories linear.
    let mut by_dir: Vec<(PathBuf, Vec<FileDocs>)> = Vec::new();
    let mut index: std::collections::HashMap<PathBuf, usize> = Default::default();
    for (id, doc) in docs {
        if is_referenced(id) {
            continue;
        }
        let dir = dir_of(sources, id);
        let slot = *index.entry(dir.clone()).or_insert_with(|| {
            by_dir.push((dir, Vec::new()));
            by_dir.len() - 1
        });
        let list = &mut by_dir[slot].1;
        // A file given twice (named and found by a walk) counts once.
        match list.iter_mut().find(|(f, _)| *f == id) {
            Some((_, docs)) if docs.iter().any(|d| d.index == doc.index) => {}
            Some((_, docs)) => docs.push(doc),
            None => list.push((id, vec![doc])),
        }
    }
    let mut projects = Vec::new();
    let mut diags = Vec::new();
    for (dir, list) in by_dir {
        group_dir(sources, dir, list, &mut projects, &mut diags);
    }
    (projects, diags)
}

fn first_by_rank(
    sources: &SourceMap,
    list: &[FileDocs],
    names: &[&str],
) -> (Option<FileId>, Vec<FileId>) {
    let mut ranked: Vec<(usize, FileId)> = list
        .iter()
        .filter_map(|(id, _)| {
            let n = file_name(sources, *id);
            names.iter().position(|d| *d == n).map(|r| (r, *id))
        })
        .collect();
    ranked.sort();
    let mut ids = ranked.into_iter().map(|(_, id)| id);
    (ids.next(), ids.collect())
}

fn ignored_file(sources: &SourceMap, id: FileId, docs: &[Document], used: FileId) -> Diagnostic {
    let span = docs.first().map_or_else(
        || crate::source::Span {
            file: id,
            start: Default::default(),
            end: Default::default(),
        },
        |d| d.root.span,
    );
    Diagnostic::new(
        &diag::COMPOSE_FILE_IGNORED,
        crate::source::Span {
            end: span.start,
            ..span
        },
        format!(
            "`{}` is ignored: docker compose uses `{}` in this directory",
            file_name(sources, id),
            file_name(sources, used)
        ),
    )
    .with_help(format!(
        "check it on its own with `topoc check -f {}`, or remove one of the two",
        sources.get(id).name
    ))
}

fn group_dir(
    sources: &SourceMap,
    dir: PathBuf,
    list: Vec<FileDocs>,
    projects: &mut Vec<ProjectFiles>,
    diags: &mut Vec<Diagnostic>,
) {
    let (canonical, other_defaults) = first_by_rank(sources, &list, &DEFAULT_FILES);
    let (overrides, other_overrides) = match canonical {
        Some(_) => first_by_rank(sources, &list, &OVERRIDE_FILES),
        None => (None, Vec::new()),
    };
    let docs_of = |id: FileId| -> Vec<Document> {
        list.iter()
            .find(|(f, _)| *f == id)
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
    };
    for id in &other_defaults {
        let used = canonical.expect("ranked files have a winner");
        diags.push(ignored_file(sources, *id, &docs_of(*id), used));
    }
    for id in &other_overrides {
        let used = overrides.expect("ranked files have a winner");
        diags.push(ignored_file(sources, *id, &docs_of(*id), used));
    }
    let base: Vec<(FileId, Document)> = canonical
        .into_iter()
        .flat_map(|id| docs_of(id).into_iter().map(move |d| (id, d)))
        .collect();
    if canonical.is_some() {
        let mut docs = base.clone();
        if let Some(o) = overrides {
            docs.extend(docs_of(o).into_iter().map(|d| (o, d)));
        }
        projects.push(ProjectFiles::new(dir.clone(), docs, None));
    }
    let base_names = Names::of(base.iter().map(|(_, d)| &d.root));
    for (id, docs) in list {
        if Some(id) == canonical
            || Some(id) == overrides
            || other_defaults.contains(&id)
            || other_overrides.contains(&id)
        {
            continue;
        }
        let layer = !base.is_empty() && docs.iter().any(|d| completes(&d.root, &base_names));
        let mut files: Vec<(FileId, Document)> = if layer { base.clone() } else { Vec::new() };
        files.extend(docs.into_iter().map(|d| (id, d)));
        projects.push(ProjectFiles::new(dir.clone(), files, Some(id)));
    }
}

/// The names a Compose file defines.
#[derive(Default)]
struct Names {
    services: Vec<String>,
    networks: Vec<String>,
    volumes: Vec<String>,
}

fn keys(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|e| e.key.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Names listed as a sequence of strings or as the keys of a mapping.
fn list_or_keys(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(String::from))
            .collect(),
        Some(Value::Map(_)) => keys(node),
        _ => Vec::new(),
    }
}

impl Names {
    fn of<'a>(roots: impl Iterator<Item = &'a Node>) -> Names {
        let mut n = Names::default();
        for root in roots {
            n.services.extend(keys(root.get("services")));
            n.networks.extend(keys(root.get("networks")));
            n.volumes.extend(keys(root.get("volumes")));
        }
        n
    }
}

/// The named volume of a service `volumes` entry, if it uses one.
fn volume_name(v: &Node) -> Option<String> {
    match &v.value {
        Value::Scalar(s) => {
            let (src, _) = s.text.split_once(':')?;
            let bind = src.is_empty() || src.starts_with(['.', '/', '~', '$']);
            (!bind).then(|| src.to_string())
        }
        Value::Map(_) => {
            let ty = v.get("type").and_then(Node::as_str).unwrap_or("volume");
            (ty == "volume")
                .then(|| v.get("source").and_then(Node::as_str).map(String::from))
                .flatten()
        }
        _ => None,
    }
}

/// Whether a variant file completes the canonical project rather than
/// standing alone: one of its services has neither `image`, `build` nor
/// `extends` (a patch of the canonical service), or it names a service,
/// network or volume that only the canonical project defines.
fn completes(root: &Node, base: &Names) -> bool {
    let own = Names::of(std::iter::once(root));
    let missing = |name: &str, own: &[String], base: &[String]| {
        !own.iter().any(|o| o == name) && base.iter().any(|b| b == name)
    };
    let Some(services) = root.get("services").and_then(Node::as_map) else {
        return false;
    };
    for svc in services {
        let s = &svc.value;
        if s.as_map().is_none() {
            continue;
        }
        if s.get("image").is_none() && s.get("build").is_none() && s.get("extends").is_none() {
            return true;
        }
        let mut service_refs = list_or_keys(s.get("depends_on"));
        service_refs.extend(
            list_or_keys(s.get("links"))
                .into_iter()
                .map(|l| l.split(':').next().unwrap_or("").to_string()),
        );
        if let Some(mode) = s.get("network_mode").and_then(Node::as_str)
            && let Some(target) = mode.strip_prefix("service:")
        {
            service_refs.push(target.to_string());
        }
        if let Some(ext) = s.get("extends") {
            let same_file = ext.get("file").is_none();
            let target = ext
                .as_str()
                .or_else(|| ext.get("service").and_then(Node::as_str));
            if let (true, Some(t)) = (same_file, target) {
                service_refs.push(t.to_string());
            }
        }
        for from in list_or_keys(s.get("volumes_from")) {
            let name = from.strip_prefix("service:").unwrap_or(&from);
            if !name.starts_with("container:") {
                service_refs.push(name.split(':').next().unwrap_or("").to_string());
            }
        }
        if service_refs
            .iter()
            .any(|r| missing(r, &own.services, &base.services))
        {
            return true;
        }
        if list_or_keys(s.get("networks"))
            .iter()
            .any(|n| missing(n, &own.networks, &base.networks))
        {
            return true;
        }
        let volumes = s.get("volumes").and_then(Node::as_seq).unwrap_or(&[]);
        if volumes
            .iter()
            .filter_map(volume_name)
            .any(|v| missing(&v, &own.volumes, &base.volumes))
        {
            return true;
        }
    }
    false
}

/// compose-go `NormalizeProjectName`: lowercase, keep `[a-z0-9_-]`, trim
/// leading `_`/`-`.
pub fn normalize_name(name: &str) -> String {
    let lower: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lower.trim_start_matches(['_', '-']).to_string()
}

/// The directory name a project defaults to.
pub fn dir_name(dir: &Path) -> String {
    let abs = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    abs.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("default")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::normalize_name;

    #[test]
    fn project_names_normalise_like_compose_go() {
        assert_eq!(normalize_name("My_App.v2"), "my_appv2");
        assert_eq!(normalize_name("-_shop"), "shop");
        assert_eq!(normalize_name("Web Shop"), "webshop");
    }
}
