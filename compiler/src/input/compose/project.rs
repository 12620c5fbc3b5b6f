//! Which Compose files form which project, and what the project is called
//! (compose-go `cli/options.go`, `NormalizeProjectName`).

use crate::source::{FileId, SourceMap};
use crate::syntax::Document;
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

/// Group Compose documents found among the inputs into projects: per
/// directory, the default file plus its overrides form one project; every
/// other Compose file is a project of its own. `referenced` files (reached
/// through `extends.file` or `include`) are not projects themselves.
pub fn group(
    sources: &SourceMap,
    docs: Vec<(FileId, Document)>,
    referenced: &[PathBuf],
) -> Vec<ProjectFiles> {
    let is_referenced = |id: FileId| {
        let p = sources.get(id).path.canonicalize().ok();
        p.is_some_and(|p| referenced.contains(&p))
    };
    let mut by_dir: Vec<(PathBuf, Vec<(FileId, Document)>)> = Vec::new();
    for (id, doc) in docs {
        if is_referenced(id) {
            continue;
        }
        let dir = dir_of(sources, id);
        match by_dir.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, list)) => list.push((id, doc)),
            None => by_dir.push((dir, vec![(id, doc)])),
        }
    }
    let mut projects = Vec::new();
    for (dir, list) in by_dir {
        let rank = |id: FileId, names: &[&str]| {
            let n = file_name(sources, id);
            names.iter().position(|d| *d == n)
        };
        let main = list
            .iter()
            .filter_map(|(id, _)| rank(*id, &DEFAULT_FILES).map(|r| (r, *id)))
            .min()
            .map(|(_, id)| id);
        let mut grouped = Vec::new();
        let mut rest = Vec::new();
        for (id, doc) in list {
            let is_main = Some(id) == main;
            let is_override = main.is_some() && rank(id, &OVERRIDE_FILES).is_some();
            if is_main || is_override {
                grouped.push((id, doc));
            } else {
                rest.push((id, doc));
            }
        }
        // The default file first, then overrides in compose-go's order.
        grouped.sort_by_key(|(id, d)| {
            (
                rank(*id, &DEFAULT_FILES).map(|_| 0).unwrap_or(1),
                rank(*id, &OVERRIDE_FILES),
                d.index,
            )
        });
        if !grouped.is_empty() {
            projects.push(ProjectFiles {
                dir: dir.clone(),
                docs: grouped,
            });
        }
        for (id, doc) in rest {
            projects.push(ProjectFiles {
                dir: dir.clone(),
                docs: vec![(id, doc)],
            });
        }
    }
    projects
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
