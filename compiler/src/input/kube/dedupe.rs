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
use std::hash::BuildHasherDefault;

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
    Some((group, o.kind, namespace, name, o.cluster))
}

fn name_span(o: &Object) -> crate::source::Span {
    o.node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .map_or(o.node.span, |n| n.span)
}

/// An identity with its hash, computed where the identity is read.
struct Keyed<'a> {
    hash: u64,
    identity: Identity<'a>,
}

impl PartialEq for Keyed<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.identity == other.identity
    }
}

impl Eq for Keyed<'_> {}

impl std::hash::Hash for Keyed<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The map's hasher passes a [`Keyed`]'s hash through.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The identity of every object, hashed. Reading each object's metadata
/// from the cold trees, and hashing its four strings, were most of this
/// pass at 100k objects: large inputs do both on two threads, joined in
/// order (a thread that cannot start: read here).
fn identities<'a>(objects: &'a [Object]) -> Vec<Option<Keyed<'a>>> {
    let hasher = foldhash::fast::FixedState::default();
    let keyed = |o: &'a Object| {
        let identity = identity(o)?;
        let hash = std::hash::BuildHasher::hash_one(&hasher, identity);
        Some(Keyed { hash, identity })
    };
    if objects.len() < 4096 {
        return objects.iter().map(keyed).collect();
    }
    let (first, second) = objects.split_at(objects.len() / 2);
    std::thread::scope(|scope| {
        let rest = std::thread::Builder::new()
            .name("dedupe".into())
            .spawn_scoped(scope, || second.iter().map(keyed).collect::<Vec<_>>());
        let mut keys = Vec::with_capacity(objects.len());
        keys.extend(first.iter().map(keyed));
        match rest.map(|h| h.join()) {
            Ok(Ok(rest)) => keys.extend(rest),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => keys.extend(second.iter().map(keyed)),
        }
        keys
    })
}

/// Which objects to lower: the last copy of every object, each at the place
/// of that copy (one flag per object of `objects`).
pub(super) fn last_copies(objects: &[Object], diags: &mut Vec<Diagnostic>) -> Vec<bool> {
    let keys = identities(objects);
    let mut last: std::collections::HashMap<&Keyed, usize, BuildHasherDefault<Prehashed>> =
        std::collections::HashMap::with_capacity_and_hasher(keys.len(), Default::default());
    // A copy is kept until a later one replaces it (no second lookup per
    // object to ask which copy came last).
    let mut keep = vec![true; objects.len()];
    for (i, key) in keys.iter().enumerate() {
        let Some(key) = key else { continue };
        let Some(before) = last.insert(key, i) else {
            continue;
        };
        keep[before] = false;
        let (_, kind, ns, name, _) = key.identity;
        diags.push(
            Diagnostic::new(
                &diag::DUPLICATE_OBJECT,
                name_span(&objects[i]),
                format!("duplicate object {ns}/{kind}/{name}: this copy replaces the earlier one, as `kubectl apply` of both leaves it"),
            )
            .with_related(name_span(&objects[before]), "replaced copy")
            .with_resource(format!("{kind}/{ns}/{name}")),
        );
    }
    keep
}
