//! Strategic merge patches, as Kubernetes' `strategicpatch` (and so
//! kustomize) merges them: mappings merge key by key, `null` deletes, lists
//! with a patch merge key (containers by `name`, container ports by
//! `containerPort`, Service ports by `port`, ...) merge element by element
//! in apimachinery's order (patch elements in patch order, interleaved with
//! the elements only the original has by their original order; port lists,
//! keyed by port and protocol, as kustomize v5 orders them: new entries
//! first), other lists are replaced. Directives: `$patch: replace|delete|merge`,
//! `$retainKeys`, `$deleteFromPrimitiveList/…`, `$setElementOrder/…`.
//! Custom resources have no schema: their lists merge by the first
//! associative key every element has (`name`, ...), as kyaml does.

use super::tree;
use crate::syntax::{Node, Value};

/// Merge `patch` into `target`. `kind_known`: a built-in Kubernetes kind
/// (lists merge by their schema's key); otherwise by kyaml's heuristic.
pub fn merge(
    target: &mut Node,
    patch: &Node,
    kind_known: bool,
    kind: &str,
) -> Result<(), (Span, String)> {
    let mut path = Vec::new();
    merge_map(target, patch, &mut path, &Cx { kind_known, kind })
}

use crate::source::Span;

struct Cx<'a> {
    kind_known: bool,
    kind: &'a str,
}

fn directive(n: &Node) -> Option<&str> {
    n.get("$patch").and_then(Node::as_str)
}

fn is_directive_key(k: &str) -> bool {
    k == "$patch"
        || k == "$retainKeys"
        || k.starts_with("$setElementOrder/")
        || k.starts_with("$deleteFromPrimitiveList/")
}

/// The patch value without directives, for places the original lacks.
pub fn strip(n: &Node) -> Node {
    let mut out = n.clone();
    strip_in(&mut out);
    out
}

fn strip_in(n: &mut Node) {
    match &mut n.value {
        Value::Map(entries) => {
            entries.retain(|e| !e.key.as_str().is_some_and(is_directive_key));
            for e in entries {
                strip_in(&mut e.value);
            }
        }
        Value::Seq(items) => {
            items.retain(|i| directive(i).is_none());
            for i in items {
                strip_in(i);
            }
        }
        _ => {}
    }
}

fn merge_map(
    target: &mut Node,
    patch: &Node,
    path: &mut Vec<String>,
    cx: &Cx,
) -> Result<(), (Span, String)> {
    let Some(entries) = patch.as_map() else {
        *target = strip(patch);
        return Ok(());
    };
    if directive(patch) == Some("replace") {
        *target = strip(patch);
        return Ok(());
    }
    if target.as_map().is_none() {
        *target = strip(patch);
        return Ok(());
    }
    if let Some(keep) = patch.get("$retainKeys").and_then(Node::as_seq) {
        let keep: Vec<&str> = keep.iter().filter_map(Node::as_str).collect();
        if let Value::Map(t) = &mut target.value {
            t.retain(|e| e.key.as_str().is_some_and(|k| keep.contains(&k)));
        }
    }
    for e in entries {
        let Some(key) = e.key.as_str() else { continue };
        if let Some(list) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let Some(t) = tree::get_mut(target, list)
                && let Value::Seq(items) = &mut t.value
            {
                let gone: Vec<&Node> = e.value.as_seq().unwrap_or_default().iter().collect();
                items.retain(|i| !gone.iter().any(|g| tree::same_data(i, g)));
            }
            continue;
        }
        if is_directive_key(key) {
            continue;
        }
        if e.value.is_null()
            || directive(&e.value) == Some("delete")
                && e.value.as_map().is_some_and(|m| m.len() == 1)
        {
            tree::remove(target, key);
            continue;
        }
        let order = patch.get(&format!("$setElementOrder/{key}"));
        let Some(existing) = tree::get_mut(target, key) else {
            tree::set(target, key, strip(&e.value), e.key.span);
            continue;
        };
        path.push(key.to_string());
        let r = match (&existing.value, &e.value.value) {
            (Value::Map(_), Value::Map(_)) => merge_map(existing, &e.value, path, cx),
            (Value::Seq(_), Value::Seq(_)) => merge_list(existing, &e.value, order, path, cx),
            _ => {
                *existing = strip(&e.value);
                Ok(())
            }
        };
        path.pop();
        r?;
    }
    Ok(())
}

/// The patch merge key of the list at `path` (field names from the object root).
fn merge_key(path: &[String], items: &[&Node], cx: &Cx) -> Option<&'static str> {
    let field = path.last()?.as_str();
    if cx.kind_known {
        let in_container = path.iter().any(|p| {
            matches!(
                p.as_str(),
                "containers" | "initContainers" | "ephemeralContainers"
            )
        });
        return match field {
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "env"
            | "volumes"
            | "imagePullSecrets"
            | "resourceClaims"
            | "schedulingGates" => Some("name"),
            "ports" if in_container => Some("containerPort"),
            "ports" if cx.kind == "Service" => Some("port"),
            "volumeMounts" => Some("mountPath"),
            "volumeDevices" => Some("devicePath"),
            "hostAliases" => Some("ip"),
            "topologySpreadConstraints" => Some("topologyKey"),
            "ownerReferences" => Some("uid"),
            "conditions" => Some("type"),
            "resizePolicy" => Some("resourceName"),
            _ => None,
        };
    }
    const ASSOCIATIVE: [&str; 7] = [
        "mountPath",
        "devicePath",
        "ip",
        "type",
        "topologyKey",
        "name",
        "containerPort",
    ];
    let first = items.first()?;
    let key = ASSOCIATIVE.iter().find(|k| first.get(k).is_some())?;
    items.iter().all(|i| i.get(key).is_some()).then_some(*key)
}

fn is_port_list(path: &[String], key: &str) -> bool {
    path.last().is_some_and(|f| f == "ports") && matches!(key, "containerPort" | "port")
}

fn key_of<'a>(n: &'a Node, key: &str) -> Option<&'a str> {
    n.get(key).and_then(Node::as_str)
}

fn merge_list(
    target: &mut Node,
    patch: &Node,
    order: Option<&Node>,
    path: &mut Vec<String>,
    cx: &Cx,
) -> Result<(), (Span, String)> {
    let patch_items = patch.as_seq().unwrap_or_default();
    if patch_items.iter().any(|i| directive(i) == Some("replace")) {
        *target = strip(patch);
        return Ok(());
    }
    let original: Vec<Node> = match &target.value {
        Value::Seq(items) => items.clone(),
        _ => Vec::new(),
    };
    let all_maps = original
        .iter()
        .chain(patch_items)
        .all(|n| n.as_map().is_some());
    let refs: Vec<&Node> = original
        .iter()
        .chain(patch_items)
        .filter(|n| directive(n).is_none())
        .collect();
    let key = if all_maps {
        merge_key(path, &refs, cx)
    } else {
        None
    };
    let Some(key) = key else {
        let field = path.last().map(String::as_str);
        if field == Some("finalizers") {
            let mut merged = original;
            for p in patch_items {
                if !merged.iter().any(|m| tree::same_data(m, p)) {
                    merged.push(p.clone());
                }
            }
            target.value = Value::Seq(merged);
        } else {
            *target = strip(patch);
        }
        return Ok(());
    };
    let mut deleted: Vec<String> = Vec::new();
    let mut dropped = false;
    let mut patched: Vec<Node> = Vec::new();
    let mut used: Vec<bool> = vec![false; original.len()];
    for p in patch_items {
        let Some(k) = key_of(p, key) else {
            if directive(p).is_some() {
                continue;
            }
            return Err((
                p.span,
                format!(
                    "map: {} does not contain declared merge key: {key}",
                    describe(p)
                ),
            ));
        };
        if directive(p) == Some("delete") {
            deleted.push(k.to_string());
            continue;
        }
        let same = |o: &Node| key_of(o, key) == Some(k);
        let found = if is_port_list(path, key) {
            // Ports are keyed by port *and* protocol (their list-map keys),
            // compared as written: an entry whose port the original has
            // with another (or no) protocol spelled is dropped, as
            // kustomize v5 drops it.
            let proto = key_of(p, "protocol");
            match original
                .iter()
                .position(|o| same(o) && key_of(o, "protocol") == proto)
            {
                Some(i) => Some(i),
                None if original.iter().any(same) => {
                    dropped = true;
                    continue;
                }
                None => None,
            }
        } else {
            original.iter().position(same)
        };
        match found {
            Some(i) => {
                let mut merged = original[i].clone();
                merge_map(&mut merged, p, path, cx)?;
                used[i] = true;
                patched.push(merged);
            }
            None => patched.push(strip(p)),
        }
    }
    if let Some(order) = order.and_then(Node::as_seq) {
        let rank = |n: &Node| {
            order
                .iter()
                .position(|o| key_of(o, key).is_some() && key_of(o, key) == key_of(n, key))
                .unwrap_or(usize::MAX)
        };
        patched.sort_by_key(rank);
    }
    let server_only: Vec<Node> = original
        .iter()
        .zip(&used)
        .filter(|(o, u)| !**u && !key_of(o, key).is_some_and(|k| deleted.iter().any(|d| d == k)))
        .map(|(o, _)| o.clone())
        .collect();
    if dropped {
        // A port list with a dropped entry comes out as kustomize v5.5
        // writes it (observed, tests/fixtures/kustomize/ports-protocol):
        // the patch's new entries first, then the object's, in its order.
        let mut out: Vec<Node> = Vec::new();
        let mut merged: Vec<Option<Node>> = vec![None; original.len()];
        for n in patched {
            let proto = key_of(&n, "protocol");
            match original
                .iter()
                .position(|o| key_of(o, key) == key_of(&n, key) && key_of(o, "protocol") == proto)
                .filter(|&i| used[i])
            {
                Some(i) => merged[i] = Some(n),
                None => out.push(n),
            }
        }
        for (i, o) in original.iter().enumerate() {
            let gone = key_of(o, key).is_some_and(|k| deleted.iter().any(|d| d == k));
            if let Some(m) = merged[i].take() {
                out.push(m);
            } else if !gone {
                out.push(o.clone());
            }
        }
        target.value = Value::Seq(out);
        return Ok(());
    }
    let position = |n: &Node| {
        original
            .iter()
            .position(|o| key_of(o, key) == key_of(n, key))
    };
    // apimachinery's mergeSortedSlice: take the original-only element when
    // both are in the original and it comes first there.
    let mut out = Vec::with_capacity(server_only.len() + patched.len());
    let (mut i, mut j) = (0, 0);
    while i < server_only.len() || j < patched.len() {
        let take_left = if i >= server_only.len() {
            false
        } else if j >= patched.len() {
            true
        } else {
            matches!((position(&server_only[i]), position(&patched[j])), (Some(l), Some(r)) if l < r)
        };
        if take_left {
            out.push(server_only[i].clone());
            i += 1;
        } else {
            out.push(patched[j].clone());
            j += 1;
        }
    }
    target.value = Value::Seq(out);
    Ok(())
}

fn describe(n: &Node) -> String {
    let keys: Vec<&str> = n
        .as_map()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.key.as_str())
        .collect();
    format!("map[{}]", keys.join(" "))
}
