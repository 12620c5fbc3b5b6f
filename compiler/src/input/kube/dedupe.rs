//! The same object twice in the inputs (same API group, kind, namespace and
//! name: kompose's `output-k8s.json` beside `output-oc.json`, istio's
//! `bookinfo.yaml` beside `bookinfo-dualstack.yaml`) is one object, as
//! `kubectl apply` of both leaves it: the last copy, in its place. Every
//! kind is treated alike; each replaced copy is a warning on the copy that
//! wins, with the one it replaces as related span. Objects of different
//! clusters (kustomize overlays, `Namespace::cluster`) are never one.

use super::{DEFAULT_NAMESPACE, Object};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::syntax::Node;
use std::collections::HashMap;

/// kubectl's identity of an object; `None` for objects without a name.
fn identity(o: &Object) -> Option<(String, String, String, String, usize)> {
    let md = o.node.get("metadata")?;
    let name = md.get("name")?.as_str()?.to_string();
    let namespace = md
        .get("namespace")
        .and_then(Node::as_str)
        .unwrap_or(DEFAULT_NAMESPACE)
        .to_string();
    // The API group: `apps` of `apps/v1`, empty for the core `v1`.
    let group = match o.api_version.split_once('/') {
        Some((g, _)) => g.to_string(),
        None => String::new(),
    };
    Some((group, o.kind.clone(), namespace, name, o.cluster))
}

fn name_span(o: &Object) -> crate::source::Span {
    o.node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .map_or(o.node.span, |n| n.span)
}

/// Which objects to lower: the last copy of every object, each at the place
/// of that copy (one flag per object of `objects`).
pub(super) fn last_copies(objects: &[Object], diags: &mut Vec<Diagnostic>) -> Vec<bool> {
    let keys: Vec<_> = objects.iter().map(identity).collect();
    let mut last: HashMap<&(String, String, String, String, usize), usize> = HashMap::new();
    let mut previous: Vec<Option<usize>> = vec![None; objects.len()];
    for (i, key) in keys.iter().enumerate() {
        if let Some(key) = key
            && let Some(before) = last.insert(key, i)
        {
            previous[i] = Some(before);
        }
    }
    for (i, before) in previous.iter().enumerate() {
        let (Some(before), Some((_, kind, ns, name, _))) = (before, &keys[i]) else {
            continue;
        };
        diags.push(
            Diagnostic::new(
                &diag::DUPLICATE_OBJECT,
                name_span(&objects[i]),
                format!("duplicate object {ns}/{kind}/{name}: this copy replaces the earlier one, as `kubectl apply` of both leaves it"),
            )
            .with_related(name_span(&objects[*before]), "replaced copy")
            .with_resource(format!("{kind}/{ns}/{name}")),
        );
    }
    (0..objects.len())
        .map(|i| keys[i].as_ref().is_none_or(|k| last.get(k) == Some(&i)))
        .collect()
}
