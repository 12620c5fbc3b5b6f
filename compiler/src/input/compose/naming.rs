//! Namespaces of Compose projects, unique in a run. A project's namespace is
//! its `x-topoc.namespace` or its project name, so ids read `project/service`.
//! Projects that would share one — variants of a directory (a layer
//! `-f compose.yaml -f compose.prod.yaml`, a standalone alternative), or
//! directories with the same name — are told apart by their file:
//! `name@FILE`, where FILE is the variant file (for the canonical project,
//! its default file). When exactly one of them is a directory's canonical
//! project, it keeps the plain name. FILE is the file name when that is
//! unique among them, else the path as given.

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
    let mut out = wanted.clone();
    for (i, ns) in wanted.iter().enumerate() {
        let same: Vec<usize> = (0..wanted.len()).filter(|&j| wanted[j] == *ns).collect();
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
        let base = |id: FileId| {
            sources
                .get(id)
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string()
        };
        let short = base(file);
        let clash = same
            .iter()
            .filter(|&&j| j != i)
            .filter_map(|&j| own_file(&prepared[j]))
            .any(|f| base(f) == short);
        let tag = if clash {
            sources.get(file).name.clone()
        } else {
            short
        };
        out[i] = format!("{ns}@{tag}");
    }
    out
}
