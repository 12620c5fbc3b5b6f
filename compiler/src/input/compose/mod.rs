//! The Compose front end: group files into projects, interpolate, resolve
//! `extends`/`include`, merge override files, then lower into the IR
//! (compose-go's loading pipeline, on spanned trees).

pub mod dotenv;
mod env;
mod extends;
mod include;
pub mod interpolate;
mod lower;
mod merge;
mod naming;
pub mod ports;
pub mod project;

use super::{LoadOptions, Loaded, Reader};
use crate::source::{FileId, SourceMap};
use crate::syntax::{Document, Node};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

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
        let referenced = referenced_elsewhere(&reader.loaded.sources, &files);
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
            if let Some(d) = legacy_format(&doc) {
                resolver.reader.loaded.diagnostics.push(d);
                continue;
            }
            let path = resolver.reader.loaded.sources.get(id).path.clone();
            let mut root = doc.root;
            extends::prepare(&mut root, &env, &mut resolver.reader.loaded.diagnostics);
            resolver.resolve_extends(&mut root, &path, &env);
            env::inline_env_files(
                &mut root,
                &project::dir_of(&resolver.reader.loaded.sources, id),
                resolver.reader,
            );
            if let Some(included) = resolver.resolve_includes(&mut root, &path, &env) {
                let at = root.clone();
                root = resolver.union(included, root, &at, true);
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
                loaded.diagnostics.push(*d);
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

/// Input files that another input file reaches through `extends.file` or
/// `include` (transitively): they are loaded through that reference, not as
/// projects of their own. A reference to the file itself does not count, and
/// files that only reach each other in a cycle keep one of them (a default
/// file first) as the project, so the cycle is loaded and reported.
fn referenced_elsewhere(sources: &SourceMap, files: &[(FileId, Document)]) -> Vec<PathBuf> {
    let nodes: Vec<(PathBuf, Vec<PathBuf>)> = files
        .iter()
        .map(|(id, doc)| {
            let own = extends::canonical(&sources.get(*id).path);
            let refs = extends::referenced_paths(&doc.root, &project::dir_of(sources, *id))
                .into_iter()
                .filter(|p| *p != own)
                .collect();
            (own, refs)
        })
        .collect();
    let targets: HashSet<&PathBuf> = nodes.iter().flat_map(|(_, r)| r).collect();
    let mut reached: HashSet<PathBuf> = HashSet::new();
    let mut roots: HashSet<PathBuf> = HashSet::new();
    let mut edges: HashMap<&PathBuf, Vec<&PathBuf>> = HashMap::new();
    for (own, refs) in &nodes {
        edges.entry(own).or_default().extend(refs);
    }
    let visit = |start: &PathBuf, reached: &mut HashSet<PathBuf>| {
        let mut todo: Vec<&PathBuf> = vec![start];
        while let Some(p) = todo.pop() {
            for r in edges.get(p).into_iter().flatten() {
                if reached.insert((*r).clone()) {
                    todo.push(r);
                }
            }
        }
    };
    for (own, _) in &nodes {
        if !targets.contains(own) && roots.insert(own.clone()) {
            visit(own, &mut reached);
        }
    }
    let is_default = |p: &PathBuf| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| project::DEFAULT_FILES.contains(&n))
    };
    let mut in_cycles: Vec<&PathBuf> = nodes
        .iter()
        .map(|(own, _)| own)
        .filter(|own| !reached.contains(*own) && !roots.contains(*own))
        .collect();
    in_cycles.sort_by_key(|p| !is_default(p));
    for own in in_cycles {
        if !reached.contains(own) && roots.insert(own.clone()) {
            visit(own, &mut reached);
        }
    }
    reached.into_iter().filter(|p| !roots.contains(p)).collect()
}

/// A Compose file without `services:` whose top level holds keys Compose
/// does not define is the Compose file format v1 (services at the top
/// level), which docker compose v2 refuses ("additional properties 'web' not
/// allowed"); topoc says so rather than reading it as an empty project.
fn legacy_format(doc: &Document) -> Option<crate::diagnostic::Diagnostic> {
    let entries = doc.root.as_map()?;
    if doc.root.get("services").is_some() {
        return None;
    }
    let stray = entries.iter().find(|e| {
        e.key
            .as_str()
            .is_some_and(|k| !k.starts_with("x-") && !lower::TOP_LEVEL_KEYS.contains(&k))
    })?;
    let key = stray.key.as_str().unwrap_or_default();
    Some(
        crate::diagnostic::Diagnostic::new(
            &crate::diagnostic::INVALID_VALUE,
            stray.key.span,
            format!("`{key}` is not a Compose top-level key and the file has no `services:`, as in the Compose file format v1, which docker compose refuses (\"additional properties '{key}' not allowed\")"),
        )
        .with_help("move the services under a top-level `services:` key"),
    )
}
