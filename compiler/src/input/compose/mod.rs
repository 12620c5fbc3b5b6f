//! The Compose front end: group files into projects, interpolate, resolve
//! `extends`/`include`, merge override files, then lower into the IR
//! (compose-go's loading pipeline, on spanned trees).

mod declared;
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
mod project_name;

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
        let referenced = referenced_elsewhere(&reader.loaded.sources, &files);
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
                variant: group.variant,
                profiles: group.profiles,
            });
        }
    }

    // A project whose `-p` / COMPOSE_PROJECT_NAME compose refuses is not loaded.
    let mut named = Vec::new();
    let mut names = Vec::new();
    for p in prepared {
        let at = || super::command_line_span(loaded, "<command line>");
        match project_name::project_name(&p.root, &p.dir, opts, &p.env, at) {
            Ok(name) => {
                names.push(name);
                named.push(p);
            }
            Err(d) => loaded.diagnostics.push(*d),
        }
    }
    let namespaces = naming::namespaces(&loaded.sources, &named, &names);
    for ((p, name), namespace) in named.into_iter().zip(names).zip(namespaces) {
        let mut profiles = project_name::active_profiles(opts, &p.env);
        profiles.extend(p.profiles.iter().cloned());
        lower::lower_project(loaded, &p.root, &name, &namespace, p.files, &profiles);
    }
    lower::allocate_addresses(loaded);
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
