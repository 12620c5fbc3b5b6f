//! The same object twice in the inputs (same API group, kind, namespace and
//! name: kompose's `output-k8s.json` beside `output-oc.json`, istio's
//! `bookinfo.yaml` beside `bookinfo-dualstack.yaml`) is one object, as
//! `kubectl apply` of both leaves it: the last copy, in its place. Every
//! kind is treated alike; each replaced copy is a warning on the copy that
//! wins, with the one it replaces as related span. Objects of different
//! clusters (kustomize overlays, `Namespace::cluster`) are never one.

use super::{DEFAULT_NAMESPACE, Object};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::FastMap;
use crate::syntax::Node;

/// kubectl's identity of an object: API group, kind, namespace, name and
/// cluster, borrowed from the tree (no allocation per object); `None` for
/// objects without a name.
type Identity<'a> = (&'a str, &'a str, &'a str, &'a str, usize);

fn identity<'a>(o: &'a Object) -> Option<Identity<'a>> {
    let md = o.node.get("metadata")?;
    let name = md.get("name")?.as_str()?;
    let namespace = md
        .get("namespace")
        .and_then(Node::as_str)
        .unwrap_or(DEFAULT_NAMESPACE);
    // The API group: `apps` of `apps/v1`, empty for the core `v1`.
    let group = match o.api_version.split_once('/') {
        Some((g, _)) => g,
        None => "",
    };
    Some((group, o.kind.as_str(), namespace, name, o.cluster))
}

fn name_span(o: &Object) -> crate::source::Span {
    o.node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .map_or(o.node.span, |n| n.span)
}

/// The identity of every object. Reading each object's metadata from the
/// cold trees was most of this pass at 100k objects: large inputs read it on
/// two threads, joined in order (a thread that cannot start: read here).
fn identities<'a>(objects: &'a [Object]) -> Vec<Option<Identity<'a>>> {
    if objects.len() < 4096 {
        return objects.iter().map(identity).collect();
    }
    let (first, second) = objects.split_at(objects.len() / 2);
    std::thread::scope(|scope| {
        let rest = std::thread::Builder::new()
            .name("dedupe".into())
            .spawn_scoped(scope, || second.iter().map(identity).collect::<Vec<_>>());
        let mut keys = Vec::with_capacity(objects.len());
        keys.extend(first.iter().map(identity));
        match rest.map(|h| h.join()) {
            Ok(Ok(rest)) => keys.extend(rest),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => keys.extend(second.iter().map(identity)),
        }
        keys
    })
}

/// Which objects to lower: the last copy of every object, each at the place
/// of that copy (one flag per object of `objects`).
pub(super) fn last_copies(objects: &[Object], diags: &mut Vec<Diagnostic>) -> Vec<bool> {
    let keys = identities(objects);
    let mut last: FastMap<&Identity, usize> =
        FastMap::with_capacity_and_hasher(keys.len(), Default::default());
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
