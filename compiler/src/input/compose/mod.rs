//! The Compose front end: group files into projects, interpolate, resolve
//! `extends`/`include`, merge override files, then lower into the IR
//! (compose-go's loading pipeline, on spanned trees).

mod declared;
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
    variant: Option<FileId>,
    profiles: Vec<String>,
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
                groups.push(project::ProjectFiles {
                    dir,
                    docs,
                    env_files: Vec::new(),
                    profiles: Vec::new(),
                    variant: None,
                });
            }
        }
        let (declared, files) = declared::take_declared(&mut reader, files, &opts.projects);
        groups.extend(declared);
        let referenced: Vec<_> = files
            .iter()
            .flat_map(|(id, doc)| {
                extends::referenced_paths(&doc.root, &project::dir_of(&reader.loaded.sources, *id))
            })
            .collect();
        let (guessed, diags) = project::group(&reader.loaded.sources, files, &referenced);
        reader.loaded.diagnostics.extend(diags);
        groups.extend(guessed);
    }

    let mut prepared = Vec::new();
    for group in groups {
        let mut reader = Reader { loaded };
        let env = declared::env_of(&mut reader, &group, opts);
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
                None => root,
            });
            file_ids.push(id);
        }
        if let Some(mut root) = merged {
            merge::strip_resets(&mut root);
            prepared.push(Prepared {
                root,
                files: file_ids,
                dir: group.dir,
                variant: group.variant,
                profiles: group.profiles,
            });
        }
    }

    let names: Vec<String> = prepared.iter().map(|p| project_name(p, opts)).collect();
    let namespaces = naming::namespaces(&loaded.sources, &prepared, &names);
    for ((p, name), namespace) in prepared.into_iter().zip(names).zip(namespaces) {
        let mut profiles = opts.profiles.clone();
        profiles.extend(p.profiles.iter().cloned());
        lower::lower_project(loaded, &p.root, &name, &namespace, p.files, &profiles);
    }
    lower::allocate_addresses(loaded);
}

/// Top-level `name:`, else `-p`, else `COMPOSE_PROJECT_NAME`, else the
/// directory name — normalised as compose-go does.
fn project_name(p: &Prepared, opts: &LoadOptions) -> String {
    let raw = p
        .root
        .get("name")
        .and_then(Node::as_str)
        .map(String::from)
        .or_else(|| opts.project_name.clone())
        .or_else(|| opts.env.get("COMPOSE_PROJECT_NAME").cloned())
        .unwrap_or_else(|| project::dir_name(&p.dir));
    let name = project::normalize_name(&raw);
    if name.is_empty() {
        "default".into()
    } else {
        name
    }
}
