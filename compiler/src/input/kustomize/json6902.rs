//! JSON 6902 patches (RFC 6902 with RFC 6901 pointers) on spanned trees,
//! as kustomize applies them (evanphx/json-patch v5): `add`, `remove`,
//! `replace`, `copy`, `move`, `test`. `replace` of a missing key of an
//! existing mapping sets it, as that library does; every other missing
//! path fails the build. Added values keep the patch's spans.

use super::tree;
use crate::syntax::{Node, Value};

/// Apply the operations of `patch` (a sequence) to `doc`, stopping at the
/// first failure: its node and message.
pub fn apply<'p>(doc: &mut Node, patch: &'p Node) -> Result<(), (&'p Node, String)> {
    let Some(ops) = patch.as_seq() else {
        return Err((patch, "a JSON 6902 patch is a list of operations".into()));
    };
    for op in ops {
        apply_one(doc, op)?;
    }
    Ok(())
}

fn apply_one<'p>(doc: &mut Node, op: &'p Node) -> Result<(), (&'p Node, String)> {
    let name = op.get("op").and_then(Node::as_str).unwrap_or("");
    let field = |key: &str| -> Result<&'p Node, (&'p Node, String)> {
        op.get(key)
            .ok_or_else(|| (op, format!("{name} operation: missing `{key}`")))
    };
    let pointer = |key: &str| -> Result<(Vec<String>, &'p Node), (&'p Node, String)> {
        let n = field(key)?;
        let text = n.as_str().unwrap_or("");
        parse_pointer(text).map(|p| (p, n)).ok_or_else(|| {
            (
                n,
                format!("invalid JSON pointer {text:?}: it must be empty or start with `/`"),
            )
        })
    };
    match name {
        "add" => {
            let (path, at) = pointer("path")?;
            let value = field("value")?.clone();
            add(doc, &path, value).map_err(|m| (at, m))
        }
        "remove" => {
            let (path, at) = pointer("path")?;
            remove(doc, &path).map(drop).map_err(|m| {
                (
                    at,
                    format!("error in remove for path: '{}': {m}", shown(&path)),
                )
            })
        }
        "replace" => {
            let (path, at) = pointer("path")?;
            let value = field("value")?.clone();
            replace(doc, &path, value).map_err(|m| (at, m))
        }
        "move" => {
            let (from, at) = pointer("from")?;
            let (path, to) = pointer("path")?;
            let value = remove(doc, &from).map_err(|m| {
                (
                    at,
                    format!("error in move for path: '{}': {m}", shown(&from)),
                )
            })?;
            add(doc, &path, value).map_err(|m| (to, m))
        }
        "copy" => {
            let (from, at) = pointer("from")?;
            let (path, to) = pointer("path")?;
            let value = lookup(doc, &from)
                .cloned()
                .ok_or_else(|| (at, format!("copy from does not exist: {}", shown(&from))))?;
            add(doc, &path, value).map_err(|m| (to, m))
        }
        "test" => {
            let (path, at) = pointer("path")?;
            let want = field("value")?;
            match lookup(doc, &path) {
                Some(have) if tree::same_data(have, want) => Ok(()),
                _ => Err((
                    at,
                    format!("testing value {} failed: test failed", shown(&path)),
                )),
            }
        }
        other => {
            let at = op.get("op").unwrap_or(op);
            Err((at, format!("Unexpected kind: {other}")))
        }
    }
}

/// RFC 6901: `""` is the whole document; `~1` is `/`, `~0` is `~`.
fn parse_pointer(text: &str) -> Option<Vec<String>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    let rest = text.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn shown(path: &[String]) -> String {
    path.iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn lookup<'a>(doc: &'a Node, path: &[String]) -> Option<&'a Node> {
    let mut n = doc;
    for t in path {
        n = match &n.value {
            Value::Map(_) => n.get(t)?,
            Value::Seq(items) => items.get(index(t, items.len())?)?,
            _ => return None,
        };
    }
    Some(n)
}

fn lookup_mut<'a>(doc: &'a mut Node, path: &[String]) -> Option<&'a mut Node> {
    let mut n = doc;
    for t in path {
        n = match &mut n.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|e| e.key.as_str() == Some(t.as_str()))
                .map(|e| &mut e.value)?,
            Value::Seq(items) => {
                let i = index(t, items.len())?;
                items.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(n)
}

/// An array index token: decimal, no leading zeros, below `len`.
fn index(token: &str, len: usize) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    let i: usize = token.parse().ok()?;
    (i < len).then_some(i)
}

fn split(path: &[String]) -> Option<(&[String], &String)> {
    let (last, parent) = path.split_last()?;
    Some((parent, last))
}

fn add(doc: &mut Node, path: &[String], value: Node) -> Result<(), String> {
    let Some((parent, last)) = split(path) else {
        *doc = value;
        return Ok(());
    };
    let missing = || {
        format!(
            "add operation does not apply: doc is missing path: \"{}\": missing value",
            shown(path)
        )
    };
    let target = lookup_mut(doc, parent).ok_or_else(missing)?;
    match &mut target.value {
        Value::Map(_) => {
            let span = value.span;
            tree::set(target, last, value, span);
            Ok(())
        }
        Value::Seq(items) => {
            let i = if last == "-" {
                items.len()
            } else {
                index(last, items.len() + 1).ok_or_else(|| {
                    format!("error in add for path: '{}': Unable to access invalid index: {last}: invalid index referenced", shown(path))
                })?
            };
            items.insert(i, value);
            Ok(())
        }
        _ => Err(missing()),
    }
}

fn remove(doc: &mut Node, path: &[String]) -> Result<Node, String> {
    let Some((parent, last)) = split(path) else {
        return Err("cannot remove the whole document".into());
    };
    let target = lookup_mut(doc, parent)
        .ok_or_else(|| format!("Unable to remove nonexistent key: {last}: missing value"))?;
    match &mut target.value {
        Value::Map(_) => tree::remove(target, last)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {last}: missing value")),
        Value::Seq(items) => {
            let i = index(last, items.len()).ok_or_else(|| {
                format!("Unable to access invalid index: {last}: invalid index referenced")
            })?;
            Ok(items.remove(i))
        }
        _ => Err(format!(
            "Unable to remove nonexistent key: {last}: missing value"
        )),
    }
}

fn replace(doc: &mut Node, path: &[String], value: Node) -> Result<(), String> {
    let Some((parent, last)) = split(path) else {
        *doc = value;
        return Ok(());
    };
    let missing = || {
        format!(
            "replace operation does not apply: doc is missing path: {}: missing value",
            shown(path)
        )
    };
    let target = lookup_mut(doc, parent).ok_or_else(missing)?;
    match &mut target.value {
        Value::Map(_) => {
            let span = value.span;
            tree::set(target, last, value, span);
            Ok(())
        }
        Value::Seq(items) => {
            let i = index(last, items.len()).ok_or_else(missing)?;
            items[i] = value;
            Ok(())
        }
        _ => Err(missing()),
    }
}
