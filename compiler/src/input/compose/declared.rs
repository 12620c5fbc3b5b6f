//! Projects declared in `topoc.yaml` (`projects: [{files, env_files,
//! profiles}]`) and the env files of a project. A declared project is
//! loaded when one of its files is among the inputs; it replaces topoc's
//! guess for the directory of its first file (the project directory, as
//! with `docker compose -f`): no other Compose file found there becomes a
//! project, and its own files are never loaded a second time.

use super::env::{self, Env};
use super::project::{self, DeclaredProject, ProjectFiles};
use crate::input::{LoadOptions, Reader};
use crate::source::FileId;
use crate::syntax::Document;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn canonical(p: &Path) -> Option<PathBuf> {
    p.canonicalize().ok()
}

/// Split the found Compose documents into declared projects and the rest.
pub(super) fn take_declared(
    reader: &mut Reader,
    files: Vec<(FileId, Document)>,
    declared: &[DeclaredProject],
) -> (Vec<ProjectFiles>, Vec<(FileId, Document)>) {
    if declared.is_empty() {
        return (Vec::new(), files);
    }
    let found: Vec<Option<PathBuf>> = files
        .iter()
        .map(|(id, _)| canonical(&reader.loaded.sources.get(*id).path))
        .collect();
    let mut projects = Vec::new();
    let mut claimed: Vec<PathBuf> = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for d in declared {
        let paths: Vec<Option<PathBuf>> = d.files.iter().map(|f| canonical(f)).collect();
        let in_scope = paths
            .iter()
            .flatten()
            .any(|p| found.contains(&Some(p.clone())));
        if !in_scope {
            continue;
        }
        let mut docs = Vec::new();
        for (file, canon) in d.files.iter().zip(&paths) {
            let hit = canon
                .as_ref()
                .and_then(|c| found.iter().position(|f| f.as_ref() == Some(c)));
            match hit {
                Some(i) => docs.push((files[i].0, files[i].1.clone())),
                None => {
                    let name = file.display().to_string();
                    if let Some(parsed) = reader.read(&name, file, Some(d.origin)) {
                        let id = parsed.id;
                        docs.extend(parsed.documents.into_iter().take(1).map(|doc| (id, doc)));
                    }
                }
            }
            claimed.extend(canon.iter().cloned());
        }
        let Some((first, _)) = docs.first() else {
            continue;
        };
        let dir = project::dir_of(&reader.loaded.sources, *first);
        dirs.extend(canonical(&dir));
        projects.push(ProjectFiles {
            dir,
            docs,
            env_files: d.env_files.clone(),
            profiles: d.profiles.clone(),
            variant: None,
        });
    }
    let rest = files
        .into_iter()
        .zip(found)
        .filter(|((id, _), path)| {
            let dir = canonical(&project::dir_of(&reader.loaded.sources, *id));
            let mine = path.as_ref().is_some_and(|p| claimed.contains(p));
            let replaced = dir.is_some_and(|d| dirs.contains(&d));
            !mine && !replaced
        })
        .map(|(f, _)| f)
        .collect();
    (projects, rest)
}

/// Interpolation variables of a project: `--env-file`s (repeatable, later
/// files winning), else a declared project's `env_files`, else the
/// directory's `.env`; the process environment wins over all of them.
pub(super) fn env_of(reader: &mut Reader, group: &ProjectFiles, opts: &LoadOptions) -> Env {
    let files: Vec<PathBuf> = if opts.env_files.is_empty() {
        group.env_files.clone()
    } else {
        opts.env_files.iter().map(PathBuf::from).collect()
    };
    if files.is_empty() {
        return env::project_env(reader, &group.dir, None, &opts.env);
    }
    let mut vars = BTreeMap::new();
    for f in &files {
        let file = f.to_string_lossy();
        vars.extend(env::project_env(reader, &group.dir, Some(&file), &opts.env).vars);
    }
    Env { vars }
}
