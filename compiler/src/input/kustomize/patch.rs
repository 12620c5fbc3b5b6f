//! Patches: where they come from (a file beside the kustomization, or
//! inline text whose nodes are placed back on the kustomization's lines),
//! which objects they apply to (`target` selectors, or a strategic merge
//! patch's own kind and name), and applying them (`strategic`,
//! `json6902`). kustomize's failures are kept: a JSON patch without a
//! target, a strategic merge patch whose object is missing or not unique.

use super::build::Builder;
use super::fieldspec::{self, Gvk};
use super::file::Kustomization;
use super::{Fail, Object, fail, json6902, strategic, tree};
use crate::source::{Pos, SourceFile, Span};
use crate::syntax::{self, Node, Value};

/// The documents of one patch.
fn load(
    b: &mut Builder,
    k: &Kustomization,
    path: Option<&Node>,
    inline: Option<&Node>,
) -> Result<Vec<Node>, Fail> {
    if let Some(p) = path {
        let Some(rel) = p.as_str() else {
            return Err(fail(p.span, "a patch `path` must be a string"));
        };
        let file = super::build::normalize(&k.dir.join(rel));
        if !file.is_file() {
            return Err(fail(
                p.span,
                format!(
                    "trouble configuring builtin PatchTransformer: open {}: no such file or directory",
                    file.display()
                ),
            ));
        }
        b.within(k, &file, p.span)?;
        let (_, docs) = b.read(&file, p.span)?;
        return Ok(docs
            .into_iter()
            .map(|d| d.root)
            .filter(|r| !r.is_null())
            .collect());
    }
    let Some(n) = inline else {
        return Ok(Vec::new());
    };
    let Some(text) = n.as_str() else {
        return Err(fail(
            n.span,
            format!("an inline patch must be a string, found {}", n.describe()),
        ));
    };
    let sources = &b.reader.loaded.sources;
    let (docs, diags) = syntax::parse_in(n.span.file, text, &b.reader.loaded.alias_budget);
    if let Some(d) = diags.iter().find(|d| d.is_input_error()) {
        return Err(fail(
            n.span,
            format!("the inline patch does not parse: {}", d.message),
        ));
    }
    let file = sources.get(n.span.file);
    let literal = block_indent(file, n.span);
    Ok(docs
        .into_iter()
        .map(|d| {
            let mut root = d.root;
            match literal {
                Some((first_line, indent)) => place(&mut root, file, first_line, indent, n.span),
                None => tree::respan(&mut root, n.span),
            }
            root
        })
        .filter(|r| !r.is_null())
        .collect())
}

/// For a literal block scalar (`|`), the file line its text starts on and
/// the indentation of its lines.
fn block_indent(file: &SourceFile, span: Span) -> Option<(u32, usize)> {
    let at = file.byte_offset(span.start);
    if !file.text[at..].starts_with('|') {
        return None;
    }
    let starts = file.line_starts();
    let first = span.start.line as usize; // 0-based index of the next line
    let line = starts.get(first).map(|&s| {
        let end = starts.get(first + 1).copied().unwrap_or(file.text.len());
        &file.text[s..end]
    })?;
    let indent = line.len() - line.trim_start_matches(' ').len();
    Some((span.start.line + 1, indent))
}

/// Put the nodes of text parsed from a literal block back on the file's lines.
fn place(n: &mut Node, file: &SourceFile, first_line: u32, indent: usize, whole: Span) {
    let map = |p: Pos| -> Option<Pos> {
        let line = first_line + p.line - 1;
        let starts = file.line_starts();
        let start = *starts.get(line as usize - 1)?;
        let rest = &file.text[start..];
        let col_chars = indent + p.column as usize - 1;
        let byte = rest
            .char_indices()
            .nth(col_chars)
            .map_or(rest.len(), |(i, _)| i);
        Some(file.pos_of_byte(start + byte))
    };
    n.span = match (map(n.span.start), map(n.span.end)) {
        (Some(s), Some(e)) if s >= whole.start && e <= whole.end => Span {
            file: whole.file,
            start: s,
            end: e,
        },
        _ => whole,
    };
    match &mut n.value {
        Value::Seq(items) => items
            .iter_mut()
            .for_each(|i| place(i, file, first_line, indent, whole)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            place(&mut e.key, file, first_line, indent, whole);
            place(&mut e.value, file, first_line, indent, whole);
        }),
        _ => {}
    }
}

/// `patchesStrategicMerge`: file paths or inline patches, each applied to
/// the object its own kind and name identify.
pub fn strategic_merge_patches(
    b: &mut Builder,
    k: &Kustomization,
    objects: &mut Vec<Object>,
) -> Result<(), Fail> {
    for (entry, node) in k.strings("patchesStrategicMerge")? {
        let file = k.dir.join(&entry);
        let docs = if !entry.contains('\n') && file.is_file() {
            load(b, k, Some(node), None)?
        } else if entry.contains('\n') || entry.contains(':') {
            load(b, k, None, Some(node))?
        } else {
            return Err(fail(
                node.span,
                format!(
                    "trouble configuring builtin PatchStrategicMergeTransformer: open {}: no such file or directory",
                    file.display()
                ),
            ));
        };
        for doc in docs {
            by_id(objects, &doc, &mut b.written)?;
        }
    }
    Ok(())
}

/// `patches`: a strategic merge or JSON 6902 patch, from `path` or
/// `patch`, applied to the objects `target` selects (or, without one, to
/// the object a strategic merge patch names).
pub fn patches(b: &mut Builder, k: &Kustomization, objects: &mut Vec<Object>) -> Result<(), Fail> {
    let Some(list) = k.root.get("patches") else {
        return Ok(());
    };
    for entry in list.as_seq().unwrap_or_default() {
        let docs = load(b, k, entry.get("path"), entry.get("patch"))?;
        let target = entry.get("target");
        let is_json = docs.first().is_some_and(|d| d.as_seq().is_some());
        if is_json {
            let Some(target) = target else {
                return Err(fail(entry.span, "must specify a target for JSON patch"));
            };
            for i in select(objects, target)? {
                json(&mut objects[i], &docs[0], &mut b.written)?;
            }
            continue;
        }
        for doc in &docs {
            match target {
                Some(t) => {
                    let chosen = select(objects, t)?;
                    let mut gone = Vec::new();
                    for i in chosen {
                        if strategic_into(&mut objects[i], doc, &mut b.written)? {
                            gone.push(i);
                        }
                    }
                    for i in gone.into_iter().rev() {
                        objects.remove(i);
                    }
                }
                None => by_id(objects, doc, &mut b.written)?,
            }
        }
    }
    Ok(())
}

/// `patchesJson6902`: a target and the operations (`path` or `patch`).
pub fn json6902_patches(
    b: &mut Builder,
    k: &Kustomization,
    objects: &mut [Object],
) -> Result<(), Fail> {
    let Some(list) = k.root.get("patchesJson6902") else {
        return Ok(());
    };
    for entry in list.as_seq().unwrap_or_default() {
        let Some(target) = entry.get("target") else {
            return Err(fail(entry.span, "must specify a target for JSON patch"));
        };
        let docs = load(b, k, entry.get("path"), entry.get("patch"))?;
        let Some(ops) = docs.first() else { continue };
        for i in select(objects, target)? {
            json(&mut objects[i], ops, &mut b.written)?;
        }
    }
    Ok(())
}

fn json(o: &mut Object, ops: &Node, written: &mut Vec<(Span, Span)>) -> Result<(), Fail> {
    json6902::apply(&mut o.node, ops)
        .map_err(|(at, m)| fail(at.span, m).related(o.base, "patching this object"))?;
    written.push((ops.span, o.base));
    o.remember();
    Ok(())
}

/// Merge `patch` into `o`; whether the patch deletes it.
fn strategic_into(
    o: &mut Object,
    patch: &Node,
    written: &mut Vec<(Span, Span)>,
) -> Result<bool, Fail> {
    if patch.get("$patch").and_then(Node::as_str) == Some("delete") {
        return Ok(true);
    }
    // With a target, the patch's own identity is the target's.
    let mut p = patch.clone();
    for key in ["apiVersion", "kind"] {
        tree::remove(&mut p, key);
    }
    if let Some(meta) = tree::get_mut(&mut p, "metadata") {
        tree::remove(meta, "name");
        tree::remove(meta, "namespace");
    }
    let known = is_builtin_kind(&o.node);
    let kind = o.kind().to_string();
    strategic::merge(&mut o.node, &p, known, &kind)
        .map_err(|(at, m)| fail(at, m).related(o.base, "patching this object"))?;
    written.push((patch.span, o.base));
    o.remember();
    Ok(false)
}

/// A strategic merge patch applied to the one object its kind, name and
/// namespace name (by any name the object had).
fn by_id(
    objects: &mut Vec<Object>,
    patch: &Node,
    written: &mut Vec<(Span, Span)>,
) -> Result<(), Fail> {
    let kind = tree::str_at(patch, &["kind"]).unwrap_or("");
    let name = tree::str_at(patch, &["metadata", "name"]).unwrap_or("");
    let ns = tree::str_at(patch, &["metadata", "namespace"]);
    let (group, version) = fieldspec::group_version(patch);
    let matches: Vec<usize> = objects
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            let (g, v) = fieldspec::group_version(&o.node);
            o.kind() == kind
                && g == group
                && (version.is_empty() || v == version)
                && (o.name() == name || o.history.iter().any(|(n, _)| n == name))
                && ns.is_none_or(|ns| {
                    effective(o.namespace()) == effective(ns)
                        || o.history.iter().any(|(_, h)| effective(h) == effective(ns))
                })
        })
        .map(|(i, _)| i)
        .collect();
    let api = tree::str_at(patch, &["apiVersion"]).unwrap_or("");
    let id = format!(
        "{kind}.{}/{name}.{}",
        if group.is_empty() {
            api.to_string()
        } else {
            format!("{version}.{group}")
        },
        ns.filter(|n| !n.is_empty()).unwrap_or("[noNs]")
    );
    match matches.as_slice() {
        [] => Err(fail(
            patch.span,
            format!("no matches for Id {id}; failed to find unique target for patch {id}"),
        )),
        [i] => {
            if strategic_into(&mut objects[*i], patch, written)? {
                objects.remove(*i);
            }
            Ok(())
        }
        _ => Err(fail(
            patch.span,
            format!("multiple matches for Id {id}; failed to find unique target for patch {id}"),
        )),
    }
}

fn effective(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

/// Kinds of the Kubernetes API itself (kustomize has their schema).
fn is_builtin_kind(o: &Node) -> bool {
    let (group, _) = fieldspec::group_version(o);
    !group.contains('.') || group.ends_with(".k8s.io")
}

/// The objects a `target` selects: kind/group/version, `name` and
/// `namespace` as anchored regular expressions (against the current or
/// original value), `labelSelector`, `annotationSelector`.
fn select(objects: &[Object], target: &Node) -> Result<Vec<usize>, Fail> {
    let gvk = Gvk {
        group: target
            .get("group")
            .and_then(Node::as_str)
            .map(str::to_string),
        version: target
            .get("version")
            .and_then(Node::as_str)
            .map(str::to_string),
        kind: target
            .get("kind")
            .and_then(Node::as_str)
            .map(str::to_string),
    };
    let pattern = |key: &str| -> Result<Option<regex::Regex>, Fail> {
        let Some(n) = target.get(key) else {
            return Ok(None);
        };
        let Some(s) = n.as_str() else { return Ok(None) };
        regex::Regex::new(&format!("^(?:{s})$"))
            .map(Some)
            .map_err(|e| {
                fail(
                    n.span,
                    format!("invalid {key} pattern in patch target: {e}"),
                )
            })
    };
    let name = pattern("name")?;
    let namespace = pattern("namespace")?;
    let labels = selector(target, "labelSelector")?;
    let annotations = selector(target, "annotationSelector")?;
    Ok(objects
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            let (orig_name, orig_ns) = o.original();
            gvk.selects(&o.node)
                && name
                    .as_ref()
                    .is_none_or(|r| r.is_match(orig_name) || r.is_match(o.name()))
                && namespace.as_ref().is_none_or(|r| {
                    r.is_match(effective(orig_ns)) || r.is_match(effective(o.namespace()))
                })
                && labels
                    .as_ref()
                    .is_none_or(|s| s.matches(o.node.get("metadata").and_then(|m| m.get("labels"))))
                && annotations.as_ref().is_none_or(|s| {
                    s.matches(o.node.get("metadata").and_then(|m| m.get("annotations")))
                })
        })
        .map(|(i, _)| i)
        .collect())
}

/// A label selector string: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
/// `a in (x,y)`, `a notin (x,y)`, joined by commas.
struct Selector(Vec<Requirement>);

enum Requirement {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

fn selector(target: &Node, key: &str) -> Result<Option<Selector>, Fail> {
    let Some(n) = target.get(key) else {
        return Ok(None);
    };
    let text = n.as_str().unwrap_or("");
    let bad = || fail(n.span, format!("invalid {key} {text:?}"));
    let mut reqs = Vec::new();
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let set = |rest: &str| -> Option<Vec<String>> {
            let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
            Some(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        let req = if let Some((k, v)) = part.split_once("!=") {
            Requirement::Ne(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::Eq(k.trim().into(), v.trim().into())
        } else if let Some((k, rest)) = part.split_once(" notin ") {
            Requirement::NotIn(k.trim().into(), set(rest).ok_or_else(bad)?)
        } else if let Some((k, rest)) = part.split_once(" in ") {
            Requirement::In(k.trim().into(), set(rest).ok_or_else(bad)?)
        } else if let Some(k) = part.strip_prefix('!') {
            Requirement::Absent(k.trim().into())
        } else {
            Requirement::Exists(part.into())
        };
        reqs.push(req);
    }
    Ok(Some(Selector(reqs)))
}

impl Selector {
    fn matches(&self, labels: Option<&Node>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Eq(k, v) => get(k) == Some(v.as_str()),
            Requirement::Ne(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::Absent(k) => get(k).is_none(),
        })
    }
}
