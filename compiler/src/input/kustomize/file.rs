//! One kustomization file: which file of a directory it is, and its
//! fields, checked as kustomize checks them (an unknown field fails the
//! build; fields that change no network fact are named in one info).

use super::{Fail, fail};
use crate::syntax::{Document, Node};
use std::path::{Path, PathBuf};

pub use crate::input::classify::KUSTOMIZATION_FILES;

/// Fields topoc applies.
const APPLIED: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "replicas",
];

/// Fields kustomize knows that decide no network fact topoc models (or
/// that need a process or the network: generators, helm, KRM functions).
const IGNORED: &[&str] = &[
    "images",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "generators",
    "transformers",
    "validators",
    "replacements",
    "vars",
    "configurations",
    "crds",
    "openapi",
    "buildMetadata",
    "sortOptions",
    "imageTags",
];

/// A parsed kustomization.
pub struct Kustomization {
    pub dir: PathBuf,
    pub root: Node,
    pub is_component: bool,
    /// Known fields topoc does not apply, with their keys' nodes.
    pub ignored: Vec<Node>,
}

/// The kustomization file of `dir`: exactly one of the names kustomize
/// looks for.
pub fn find(dir: &Path) -> Result<PathBuf, String> {
    let found: Vec<PathBuf> = KUSTOMIZATION_FILES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    match found.len() {
        1 => Ok(found.into_iter().next().unwrap_or_default()),
        0 => Err(format!(
            "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
            dir.display()
        )),
        _ => Err(format!(
            "Found multiple kustomization files under: {}",
            dir.display()
        )),
    }
}

/// Check the fields of a kustomization document.
pub fn read(doc: Document, dir: &Path) -> Result<Kustomization, Fail> {
    let root = doc.root;
    if root.is_null() {
        return Ok(Kustomization {
            dir: dir.to_path_buf(),
            root: super::tree::map(root.span),
            is_component: false,
            ignored: Vec::new(),
        });
    }
    let Some(entries) = root.as_map() else {
        return Err(fail(
            root.span,
            format!(
                "invalid Kustomization: expected a mapping, found {}",
                root.describe()
            ),
        ));
    };
    let mut ignored = Vec::new();
    for e in entries {
        let key = e.key.as_str().unwrap_or("");
        if IGNORED.contains(&key) {
            ignored.push(e.key.clone());
        } else if !APPLIED.contains(&key) {
            return Err(fail(
                e.key.span,
                format!("invalid Kustomization: json: unknown field \"{key}\""),
            ));
        }
    }
    let kind = root.get("kind").and_then(Node::as_str);
    let is_component = match kind {
        None | Some("Kustomization") => false,
        Some("Component") => true,
        Some(other) => {
            let span = root.get("kind").map_or(root.span, |n| n.span);
            return Err(fail(
                span,
                format!(
                    "invalid Kustomization: kind `{other}` is neither Kustomization nor Component"
                ),
            ));
        }
    };
    Ok(Kustomization {
        dir: dir.to_path_buf(),
        root,
        is_component,
        ignored,
    })
}

impl Kustomization {
    /// The string entries of a list field (`resources`, `components`, ...),
    /// each with its node; a non-string entry fails the build.
    pub fn strings(&self, key: &str) -> Result<Vec<(String, &Node)>, Fail> {
        let Some(node) = self.root.get(key) else {
            return Ok(Vec::new());
        };
        if node.is_null() {
            return Ok(Vec::new());
        }
        let Some(items) = node.as_seq() else {
            return Err(fail(
                node.span,
                format!("invalid Kustomization: `{key}` must be a list of strings"),
            ));
        };
        items
            .iter()
            .map(|n| match n.as_str() {
                Some(s) => Ok((s.to_string(), n)),
                None => Err(fail(
                    n.span,
                    format!(
                        "invalid Kustomization: `{key}` entries must be strings, found {}",
                        n.describe()
                    ),
                )),
            })
            .collect()
    }

    /// A string field (`namespace`, `namePrefix`, `nameSuffix`).
    pub fn string(&self, key: &str) -> Result<Option<(&str, &Node)>, Fail> {
        match self.root.get(key) {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => match (&n.value, n.as_str()) {
                (crate::syntax::Value::Scalar(_), Some(s)) => Ok(Some((s, n))),
                _ => Err(fail(
                    n.span,
                    format!(
                        "invalid Kustomization: `{key}` must be a string, found {}",
                        n.describe()
                    ),
                )),
            },
        }
    }

    /// A string-to-string mapping (`commonLabels`, `commonAnnotations`, `pairs`).
    pub fn string_map<'a>(
        node: &'a Node,
        key: &str,
    ) -> Result<Vec<&'a crate::syntax::Entry>, Fail> {
        if node.is_null() {
            return Ok(Vec::new());
        }
        let Some(entries) = node.as_map() else {
            return Err(fail(
                node.span,
                format!(
                    "invalid Kustomization: `{key}` must be a mapping of strings, found {}",
                    node.describe()
                ),
            ));
        };
        for e in entries {
            if e.value.as_str().is_none() && !e.value.is_null() {
                return Err(fail(
                    e.value.span,
                    format!(
                        "invalid Kustomization: `{key}` values must be strings, found {}",
                        e.value.describe()
                    ),
                ));
            }
        }
        Ok(entries.iter().collect())
    }
}
