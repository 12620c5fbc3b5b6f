//! Name references, fixed once at the end of a build as kustomize's
//! `FixBackReferences` does: a field that names an object by a name it had
//! before a prefix or suffix (an Ingress backend's Service, a
//! StatefulSet's `serviceName`, a volume's ConfigMap, ...; the table is
//! kustomize's `nameReference` configuration) is set to its new name, when
//! the renamed object is in the referrer's namespace (or cluster-scoped).
//! Selectors are labels, not names: they are never renamed.

use super::fieldspec::{self, builtin};
use super::{Fail, Object, tree};
use crate::syntax::{Node, Value};
use std::collections::HashMap;

struct Renamed {
    kind_index: usize,
    old_names: Vec<String>,
    /// Namespaces the object had (a reference from any of them may mean it).
    namespaces: Vec<String>,
    cluster_scoped: bool,
    name: Node,
    namespace: String,
}

pub fn fix(objects: &mut [Object]) -> Result<(), Fail> {
    let refs = &builtin().name_references;
    let mut renamed: Vec<Renamed> = Vec::new();
    for o in objects.iter() {
        let Some(kind_index) = refs.iter().position(|r| r.target.selects(&o.node)) else {
            continue;
        };
        let old_names: Vec<String> = o
            .history
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| n != o.name())
            .collect();
        if old_names.is_empty() {
            continue;
        }
        let Some(name) = o.node.get("metadata").and_then(|m| m.get("name")).cloned() else {
            continue;
        };
        renamed.push(Renamed {
            kind_index,
            old_names,
            namespaces: o.history.iter().map(|(_, ns)| ns.clone()).collect(),
            cluster_scoped: fieldspec::is_cluster_scoped(&o.node),
            name,
            namespace: o.namespace().to_string(),
        });
    }
    if renamed.is_empty() {
        return Ok(());
    }
    // Per target kind: old name → the renamed objects that had it (one
    // look-up per referring field, not a pass per renamed object).
    let mut by_kind: Vec<HashMap<&str, Vec<usize>>> = vec![HashMap::new(); refs.len()];
    for (i, r) in renamed.iter().enumerate() {
        for old in &r.old_names {
            by_kind[r.kind_index]
                .entry(old.as_str())
                .or_default()
                .push(i);
        }
    }
    for o in objects.iter_mut() {
        let referrer_ns = o.namespace().to_string();
        for (kind_index, names) in by_kind.iter().enumerate() {
            if names.is_empty() {
                continue;
            }
            let target_kind = refs[kind_index].target.kind.clone().unwrap_or_default();
            let lookup = Lookup {
                names,
                renamed: &renamed,
                referrer_ns: &referrer_ns,
            };
            for spec in &refs[kind_index].referrers {
                fieldspec::visit(&mut o.node, spec, o.base, &mut |parent, key| {
                    if let Some(field) = tree::get_mut(parent, key) {
                        rename_field(field, &lookup, &target_kind);
                    }
                });
            }
        }
    }
    Ok(())
}

struct Lookup<'a> {
    names: &'a HashMap<&'a str, Vec<usize>>,
    renamed: &'a [Renamed],
    referrer_ns: &'a str,
}

impl Lookup<'_> {
    /// The renamed object a reference by `name` from the referrer means:
    /// one in its namespace (or cluster-scoped).
    fn target(&self, name: &str) -> Option<&Renamed> {
        self.names
            .get(name)?
            .iter()
            .map(|&i| &self.renamed[i])
            .find(|r| {
                r.cluster_scoped
                    || r.namespace == self.referrer_ns
                    || r.namespaces.iter().any(|n| n == self.referrer_ns)
            })
    }
}

fn rename_field(field: &mut Node, lookup: &Lookup, target_kind: &str) {
    let rename_scalar = |n: &mut Node| {
        if let Some(r) = n.as_str().and_then(|s| lookup.target(s)) {
            // Spanned at the renamed object's name: findings about the
            // reference point where that name is declared.
            *n = tree::string(r.name.as_str().unwrap_or(""), r.name.span);
        }
    };
    match &mut field.value {
        Value::Scalar(_) => rename_scalar(field),
        // A reference as a mapping (`webhooks[].clientConfig.service`) or a
        // list of them (`subjects`): its `name`, for entries of the kind.
        Value::Map(_) => {
            if let Some(n) = tree::get_mut(field, "name") {
                rename_scalar(n);
            }
        }
        Value::Seq(items) => {
            for item in items.iter_mut() {
                if item.as_map().is_some() {
                    let kind_ok = tree::str_at(item, &["kind"]).is_none_or(|k| k == target_kind);
                    if kind_ok && let Some(n) = tree::get_mut(item, "name") {
                        rename_scalar(n);
                    }
                } else {
                    rename_scalar(item);
                }
            }
        }
        Value::Null => {}
    }
}
