//! Namespaces of Compose projects, unique in a run. A project's namespace is
//! its `x-topoc.namespace` or its project name, so ids read `project/service`.
//! Projects that would share one — variants of a directory (a layer
//! `-f compose.yaml -f compose.prod.yaml`, a standalone alternative), or
//! directories with the same name — are told apart by their file:
//! `name@FILE`, where FILE is the variant file (for the canonical project,
//! its default file). When exactly one of them is a directory's canonical
//! project, it keeps the plain name. FILE is the shortest end of the file's
//! path that no other of them shares (`compose.prod.yaml`,
//! `one/app/compose.yaml`), so it does not depend on how paths were typed.

use super::Prepared;
use crate::source::{FileId, SourceMap};
use crate::syntax::Node;

/// The namespace each project would have before disambiguation.
fn wanted(p: &Prepared, name: &str) -> String {
    p.root
        .get("x-topoc")
        .and_then(|x| x.get("namespace"))
        .and_then(Node::as_str)
        .map_or_else(|| name.to_string(), String::from)
}

/// The file that names a project apart from others.
fn own_file(p: &Prepared) -> Option<FileId> {
    p.variant.or_else(|| p.files.first().copied())
}

pub(super) fn namespaces(
    sources: &SourceMap,
    prepared: &[Prepared],
    names: &[String],
) -> Vec<String> {
    let wanted: Vec<String> = prepared
        .iter()
        .zip(names)
        .map(|(p, n)| wanted(p, n))
        .collect();
    let mut groups: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, ns) in wanted.iter().enumerate() {
        groups.entry(ns.as_str()).or_default().push(i);
    }
    let mut out = wanted.clone();
    for (i, ns) in wanted.iter().enumerate() {
        let same = &groups[ns.as_str()];
        if same.len() < 2 {
            continue;
        }
        let canonical: Vec<usize> = same
            .iter()
            .copied()
            .filter(|&j| prepared[j].variant.is_none())
            .collect();
        if canonical == [i] {
            continue;
        }
        let Some(file) = own_file(&prepared[i]) else {
            continue;
        };
        let others: Vec<FileId> = same
            .iter()
            .filter(|&&j| j != i)
            .filter_map(|&j| own_file(&prepared[j]))
            .collect();
        let tag = distinguishing_suffix(sources, file, &others);
        out[i] = format!("{ns}@{tag}");
    }
    out
}

/// The last path components of `file` that none of `others` ends with.
fn distinguishing_suffix(sources: &SourceMap, file: FileId, others: &[FileId]) -> String {
    let others: Vec<&std::path::Path> = others.iter().map(|&o| &*sources.get(o).path).collect();
    crate::input::distinguishing_suffix(&sources.get(file).path, &others)
        .unwrap_or_else(|| sources.get(file).name.clone())
}
