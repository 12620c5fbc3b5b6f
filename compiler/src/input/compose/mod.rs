//! The Compose front end: group files into projects, interpolate, resolve
//! `extends`/`include`, merge override files, then lower into the IR
//! (compose-go's loading pipeline, on spanned trees).

pub mod dotenv;
mod env;
mod extends;
pub mod interpolate;
mod lower;
mod merge;
mod naming;
pub mod ports;
pub mod project;

use super::{LoadOptions, Loaded, Reader};
use crate::source::FileId;
use crate::syntax::{Document, Node};
use std::path::Path;

/// One project ready to lower: its merged tree and where it came from.
struct Prepared {
    root: Node,
    files: Vec<FileId>,
    dir: std::path::PathBuf,
    env: env::Env,
}

/// Load every Compose project among the inputs (and the `-f` files) into
/// `loaded.topology`.
pub fn load_projects(loaded: &mut Loaded, files: Vec<(FileId, Document)>, opts: &LoadOptions) {
    let mut groups = Vec::new();
    {
        let mut reader = Reader { loaded };
        if !opts.compose_files.is_empty() {
            let mut docs = Vec::new();
            for f in &opts.compose_files {
                if let Some(parsed) = reader.read(f, Path::new(f), None) {
                    let id = parsed.id;
                    docs.extend(parsed.documents.into_iter().take(1).map(|d| (id, d)));
                }
            }
            if let Some((first, _)) = docs.first() {
                let dir = project::dir_of(&reader.loaded.sources, *first);
                groups.push(project::ProjectFiles { dir, docs });
            }
        }
        let referenced: Vec<_> = files
            .iter()
            .flat_map(|(id, doc)| {
                extends::referenced_paths(&doc.root, &project::dir_of(&reader.loaded.sources, *id))
            })
            .collect();
        let first_directory_group = groups.len();
        groups.extend(project::group(&reader.loaded.sources, files, &referenced));
        for group in &mut groups[first_directory_group..] {
            add_override_without_services(&mut reader, group);
        }
    }

    let mut prepared = Vec::new();
    for group in groups {
        let mut reader = Reader { loaded };
        let env = env::project_env(&mut reader, &group.dir, opts.env_file.as_deref(), &opts.env);
        let mut resolver = extends::Resolver::new(&mut reader, opts);
        let mut merged: Option<Node> = None;
        let mut file_ids = Vec::new();
        for (id, doc) in group.docs {
            let path = resolver.reader.loaded.sources.get(id).path.clone();
            let mut root = doc.root;
            extends::prepare(&mut root, &env, &mut resolver.reader.loaded.diagnostics);
            resolver.resolve_extends(&mut root, &path, &env);
            env::inline_env_files(
                &mut root,
                &project::dir_of(&resolver.reader.loaded.sources, id),
                resolver.reader,
            );
            if let Some(included) = resolver.resolve_includes(&mut root, &path, 0) {
                let at = root.clone();
                root = resolver.union(included, root, &at);
            }
            merged = Some(match merged {
                Some(m) => merge::merge(m, root),
                // `!reset` in the first file clears its own value (compose-go
                // applies each file's resets after merging it).
                None => {
                    merge::strip_resets(&mut root);
                    root
                }
            });
            file_ids.push(id);
        }
        if let Some(mut root) = merged {
            merge::strip_resets(&mut root);
            prepared.push(Prepared {
                root,
                files: file_ids,
                dir: group.dir,
                env,
            });
        }
    }

    for p in prepared {
        let at = || super::command_line_span(loaded, "<command line>");
        let name = match naming::project_name(&p.root, &p.dir, opts, &p.env, at) {
            Ok(name) => name,
            Err(d) => {
                loaded.diagnostics.push(d);
                continue;
            }
        };
        let profiles = naming::active_profiles(opts, &p.env);
        lower::lower_project(loaded, &p.root, &name, p.files, &profiles);
    }
    lower::allocate_addresses(loaded);
}

/// An override file that holds no `services:` (only top-level `networks`,
/// `name`, ...) is not classified as Compose, but docker compose merges it
/// all the same: add the first one in compose-go's order to a directory
/// project that has a default file and no override yet.
fn add_override_without_services(reader: &mut Reader, group: &mut project::ProjectFiles) {
    let sources = &reader.loaded.sources;
    let name_of = |id: FileId| {
        sources
            .get(id)
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string()
    };
    let Some((first, _)) = group.docs.first() else {
        return;
    };
    if !project::DEFAULT_FILES.contains(&name_of(*first).as_str())
        || group
            .docs
            .iter()
            .any(|(id, _)| project::OVERRIDE_FILES.contains(&name_of(*id).as_str()))
    {
        return;
    }
    let Some(path) = project::OVERRIDE_FILES
        .iter()
        .map(|n| group.dir.join(n))
        .find(|p| p.is_file())
    else {
        return;
    };
    let name = path.to_string_lossy().into_owned();
    if let Some(parsed) = reader.read(&name, &path, None)
        && let Some(doc) = parsed.documents.into_iter().next()
        && doc.root.as_map().is_some()
    {
        group.docs.push((parsed.id, doc));
    }
}
