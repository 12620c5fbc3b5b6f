//! A kustomization's own transformers, in kustomize's order
//! (`configureBuiltinTransformers`): strategic merge patches, `patches`,
//! `namespace`, `namePrefix`, `nameSuffix`, labels, annotations, JSON 6902
//! patches, `replicas`. Each value they write is a node spanned at the
//! kustomization entry that wrote it.

use super::build::Builder;
use super::fieldspec::{self, FieldSpec, Gvk, builtin};
use super::file::Kustomization;
use super::{Fail, Object, fail, patch, tree};
use crate::source::Span;
use crate::syntax::{Entry, Node};

pub fn apply(b: &mut Builder, k: &Kustomization, objects: &mut Vec<Object>) -> Result<(), Fail> {
    patch::strategic_merge_patches(b, k, objects)?;
    patch::patches(b, k, objects)?;
    if let Some((ns, node)) = k.string("namespace")? {
        namespace(objects, ns, node.span, &mut b.written);
    }
    let prefix = k.string("namePrefix")?;
    let suffix = k.string("nameSuffix")?;
    if let Some((p, node)) = prefix {
        rename(objects, p, "", node.span, &mut b.written);
    }
    if let Some((s, node)) = suffix {
        rename(objects, "", s, node.span, &mut b.written);
    }
    if let Some(node) = k.root.get("commonLabels") {
        let pairs = Kustomization::string_map(node, "commonLabels")?;
        set_pairs(objects, &builtin().common_labels, &pairs, &mut b.written);
    }
    labels(k, objects, &mut b.written)?;
    if let Some(node) = k.root.get("commonAnnotations") {
        let pairs = Kustomization::string_map(node, "commonAnnotations")?;
        set_pairs(
            objects,
            &builtin().common_annotations,
            &pairs,
            &mut b.written,
        );
    }
    patch::json6902_patches(b, k, objects)?;
    replicas(k, objects, &mut b.written)
}

fn namespace(objects: &mut [Object], ns: &str, span: Span, written: &mut Vec<(Span, Span)>) {
    for o in objects.iter_mut() {
        let value = tree::string(ns, span);
        if !fieldspec::is_cluster_scoped(&o.node)
            && let Some(meta) = tree::child_map(&mut o.node, "metadata", span)
        {
            tree::set(meta, "namespace", value.clone(), span);
            written.push((span, o.base));
        }
        for spec in &builtin().namespace {
            fieldspec::visit(&mut o.node, spec, span, &mut |parent, key| {
                tree::set(parent, key, value.clone(), span);
            });
        }
        let kind = o.kind();
        if matches!(kind, "RoleBinding" | "ClusterRoleBinding")
            && let Some(subjects) = tree::get_mut(&mut o.node, "subjects")
            && let crate::syntax::Value::Seq(items) = &mut subjects.value
        {
            // kustomize's default (`defaultOnly`): the subject named
            // `default` is the namespace's default service account.
            for s in items.iter_mut() {
                if tree::str_at(s, &["name"]) == Some("default") {
                    tree::set(s, "namespace", value.clone(), span);
                }
            }
        }
        o.remember();
    }
}

/// Kinds kustomize never renames (`prefixSuffixFieldSpecsToSkip`).
fn keeps_name(o: &Object) -> bool {
    let (group, _) = fieldspec::group_version(&o.node);
    matches!(
        (group, o.kind()),
        (_, "CustomResourceDefinition")
            | ("apiregistration.k8s.io", "APIService")
            | (_, "Namespace")
    )
}

fn rename(
    objects: &mut [Object],
    prefix: &str,
    suffix: &str,
    span: Span,
    written: &mut Vec<(Span, Span)>,
) {
    for o in objects.iter_mut() {
        if keeps_name(o) {
            continue;
        }
        let name = format!("{prefix}{}{suffix}", o.name());
        // The name keeps the place of the name it decorates: findings about
        // the object point at the object, and name the overlay.
        let at = o
            .node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .map_or(span, |n| n.span);
        if let Some(meta) = tree::child_map(&mut o.node, "metadata", span) {
            tree::set(meta, "name", tree::string(&name, at), span);
            written.push((span, o.base));
        }
        o.remember();
    }
}

/// Set each pair in every field `specs` name (labels, selectors, annotations).
fn set_pairs(
    objects: &mut [Object],
    specs: &[FieldSpec],
    pairs: &[&Entry],
    written: &mut Vec<(Span, Span)>,
) {
    let Some(first) = pairs.first() else {
        return;
    };
    let span = first.key.span;
    for o in objects.iter_mut() {
        let base = o.base;
        for spec in specs {
            fieldspec::visit(&mut o.node, spec, span, &mut |parent, key| {
                let missing = parent.get(key).is_none_or(Node::is_null);
                if missing {
                    tree::set(parent, key, tree::map(span), span);
                }
                let Some(target) = tree::get_mut(parent, key) else {
                    return;
                };
                if target.as_map().is_none() {
                    return;
                }
                for e in pairs {
                    let text = e.value.as_str().unwrap_or("");
                    let k = e.key.as_str().unwrap_or("");
                    tree::set(target, k, tree::string(text, e.value.span), e.key.span);
                    written.push((e.key.span.to(e.value.span), base));
                }
            });
        }
    }
}

/// `labels:` entries: `pairs`, with `includeSelectors` (selectors too, as
/// `commonLabels`), `includeTemplates` (pod templates) and extra `fields`.
fn labels(
    k: &Kustomization,
    objects: &mut [Object],
    written: &mut Vec<(Span, Span)>,
) -> Result<(), Fail> {
    let Some(list) = k.root.get("labels") else {
        return Ok(());
    };
    if list.is_null() {
        return Ok(());
    }
    let Some(items) = list.as_seq() else {
        return Err(fail(
            list.span,
            "invalid Kustomization: `labels` must be a list",
        ));
    };
    for item in items {
        let Some(pairs) = item.get("pairs") else {
            continue;
        };
        let pairs = Kustomization::string_map(pairs, "pairs")?;
        let flag = |key: &str| item.get(key).and_then(Node::as_bool).unwrap_or(false);
        let mut specs: Vec<FieldSpec> = if flag("includeSelectors") {
            builtin().common_labels.clone()
        } else if flag("includeTemplates") {
            builtin().template_labels.clone()
        } else {
            vec![FieldSpec {
                gvk: Gvk::default(),
                path: vec!["metadata".into(), "labels".into()],
                create: true,
            }]
        };
        for f in item
            .get("fields")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(spec) = fieldspec::FieldSpec::from_node(f) {
                specs.push(spec);
            }
        }
        set_pairs(objects, &specs, &pairs, written);
    }
    Ok(())
}

fn replicas(
    k: &Kustomization,
    objects: &mut [Object],
    written: &mut Vec<(Span, Span)>,
) -> Result<(), Fail> {
    let Some(list) = k.root.get("replicas") else {
        return Ok(());
    };
    for entry in list.as_seq().unwrap_or_default() {
        let Some(name) = entry.get("name").and_then(Node::as_str) else {
            return Err(fail(
                entry.span,
                "invalid Kustomization: a `replicas` entry needs a `name`",
            ));
        };
        let count = entry
            .get("count")
            .cloned()
            .unwrap_or_else(|| tree::string("0", entry.span));
        let mut matched = false;
        for o in objects.iter_mut() {
            let named = o.name() == name || o.history.iter().any(|(n, _)| n == name);
            if !named {
                continue;
            }
            for spec in &builtin().replicas {
                let base = o.base;
                fieldspec::visit(&mut o.node, spec, count.span, &mut |parent, key| {
                    tree::set(parent, key, count.clone(), count.span);
                    matched = true;
                    written.push((count.span, base));
                });
            }
        }
        if !matched {
            return Err(fail(
                entry.span,
                format!(
                    "resource with name {name} does not match a config with the following GVK [Deployment.[noVer].[noGrp] StatefulSet.[noVer].[noGrp] ReplicaSet.[noVer].[noGrp] ReplicationController.[noVer].[noGrp]]"
                ),
            ));
        }
    }
    Ok(())
}
