//! Code actions for the findings under the cursor: the inline ignore of
//! the resource a finding is about (`x-topoc.ignore` on a Compose service,
//! the `topoc.dev/ignore` annotation on a Kubernetes object), and the
//! mechanical fixes: declare an undefined network, write the `policyTypes`
//! a policy means, move a conflicting host port to the next free one.
//!
//! Edits are computed on the spanned tree of the file as analysed, and
//! inserted as whole lines at the indentation of their siblings, so the
//! rest of the file keeps its bytes.

use super::project::Project;
use super::text::{self, Encoding};
use crate::config;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::{Origin, Topology};
use crate::source::{FileId, Pos, SourceFile, Span};
use crate::syntax::{self, Node};
use lsp_types as lsp;
use std::collections::HashMap;
use std::path::Path;

pub fn actions(
    project: &Project,
    path: &Path,
    range: lsp::Range,
    enc: Encoding,
) -> Vec<lsp::CodeActionOrCommand> {
    let Some(file) = project.file(path) else {
        return Vec::new();
    };
    let a = &project.analysis;
    let sources = &a.loaded.sources;
    let f = sources.get(file);
    let (from, to) = (text::pos(f, range.start, enc), text::pos(f, range.end, enc));
    let mut out = Vec::new();
    for d in a.diagnostics.iter().filter(|d| {
        d.span.file == file
            && (d.span.start.line, d.span.start.column) <= (to.line, to.column)
            && (from.line, from.column) <= (d.span.end.line, d.span.end.column)
    }) {
        let shown = super::diagnostics::convert(d, sources, enc);
        let fixes = [
            fix_network(project, d),
            fix_policy_types(project, d),
            fix_host_port(project, d),
            ignore(project, d),
        ];
        for (title, edit) in fixes.into_iter().flatten() {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![shown.clone()]),
                edit: Some(workspace_edit(project, edit, enc)),
                is_preferred: None,
                ..Default::default()
            }));
        }
    }
    out
}

/// Text edits in one file: insert or replace at span positions.
struct Edit {
    file: FileId,
    at: Pos,
    end: Pos,
    text: String,
}

// `WorkspaceEdit.changes` is keyed by `Uri`, whose parse cache is a `Cell`;
// its `Hash`/`Eq` read only the string.
#[allow(clippy::mutable_key_type)]
fn workspace_edit(project: &Project, e: Edit, enc: Encoding) -> lsp::WorkspaceEdit {
    let f = project.analysis.loaded.sources.get(e.file);
    let range = lsp::Range::new(text::position(f, e.at, enc), text::position(f, e.end, enc));
    let mut changes = HashMap::new();
    changes.insert(
        text::uri_of(&f.path),
        vec![lsp::TextEdit::new(range, e.text)],
    );
    lsp::WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }
}

fn insert(file: FileId, at: Pos, text: String) -> Edit {
    Edit {
        file,
        at,
        end: at,
        text,
    }
}

/// The documents of a file as analysed.
fn parse(project: &Project, file: FileId) -> Vec<syntax::Document> {
    let f = project.analysis.loaded.sources.get(file);
    syntax::parse_file(file, &f.path, &f.text, &syntax::Budget::default()).0
}

/// The innermost mapping entry whose key span is `key`, searched from `node`.
fn entry_with_key(node: &Node, key: Span) -> Option<&syntax::Entry> {
    if let Some(entries) = node.as_map() {
        for e in entries {
            if e.key.span == key {
                return Some(e);
            }
            if let Some(found) = entry_with_key(&e.value, key) {
                return Some(found);
            }
        }
    }
    node.as_seq()?.iter().find_map(|n| entry_with_key(n, key))
}

/// The document of `file` holding `span`.
fn document_of(docs: &[syntax::Document], span: Span) -> Option<&syntax::Document> {
    let lc = |p: Pos| (p.line, p.column);
    docs.iter()
        .filter(|d| lc(d.root.span.start) <= lc(span.start) && lc(span.end) <= lc(d.root.span.end))
        .min_by_key(|d| d.root.span.extent())
}

/// The start of the line of `pos`.
fn line_start(pos: Pos) -> Pos {
    Pos {
        line: pos.line,
        column: 1,
    }
}

/// The text of `file` from the start of the line of `pos` up to it.
fn indent_before(f: &SourceFile, pos: Pos) -> String {
    let start = f.byte_offset(line_start(pos));
    let end = f.byte_offset(pos);
    f.text[start..end].to_string()
}

/// Insert `lines` (each without indentation) as the first entries of a
/// block mapping `map`, at its entries' indentation. None for flow or empty
/// mappings, whose layout a line insertion would break.
fn prepend_entries(project: &Project, owner: Span, map: &Node, lines: &[String]) -> Option<Edit> {
    let first = map.as_map()?.first()?;
    if first.key.span.start.line <= owner.start.line {
        return None;
    }
    let f = project.analysis.loaded.sources.get(first.key.span.file);
    let indent = indent_before(f, first.key.span.start);
    if !indent.chars().all(|c| c == ' ') {
        return None;
    }
    let text: String = lines.iter().map(|l| format!("{indent}{l}\n")).collect();
    Some(insert(
        first.key.span.file,
        line_start(first.key.span.start),
        text,
    ))
}

/// Add one item to a sequence: `, x` in a flow sequence, a `- x` line after
/// the last item of a block one.
fn append_item(project: &Project, seq: &Node, item: &str) -> Option<Edit> {
    let items = seq.as_seq()?;
    let f = project.analysis.loaded.sources.get(seq.span.file);
    let last = items.last()?;
    let flow = f.text[f.byte_offset(seq.span.start)..].starts_with('[');
    if flow {
        return Some(insert(seq.span.file, last.span.end, format!(", {item}")));
    }
    let prefix = indent_before(f, last.span.start);
    let end = last.span.end;
    Some(insert(seq.span.file, end, format!("\n{prefix}{item}")))
}

/// Where a resource named in a finding is declared: its key (Compose
/// service) or `metadata.name` value (Kubernetes objects).
fn declaration(t: &Topology, resource: &str) -> Option<(Origin, bool)> {
    for w in &t.workloads {
        let ns = &t.namespace(w.namespace).name;
        let plain = format!("{ns}/{}", w.name);
        let kinded = format!("{}/{ns}/{}", w.kind.as_str(), w.name);
        if resource == plain || resource == kinded {
            return Some((w.origin, w.project.is_some()));
        }
    }
    let kube = |kind: &str, ns, name: &str| format!("{kind}/{}/{name}", t.namespace(ns).name);
    t.services
        .iter()
        .find(|s| kube("Service", s.namespace, &s.name) == resource)
        .map(|s| s.origin)
        .or_else(|| {
            t.policies
                .iter()
                .find(|p| kube("NetworkPolicy", p.namespace, &p.name) == resource)
                .map(|p| p.origin)
        })
        .map(|o| (o, false))
}

/// `x-topoc: {ignore: [rule]}` on the service, or `topoc.dev/ignore:
/// rule` on the object, of the finding's resource.
fn ignore(project: &Project, d: &Diagnostic) -> Option<(String, Edit)> {
    let code = diag::lookup(d.code)?;
    if !config::configurable(code) {
        return None;
    }
    let t = &project.analysis.loaded.topology;
    let (origin, compose) = declaration(t, d.resource.as_deref()?)?;
    let file = origin.span.file;
    let docs = parse(project, file);
    let doc = document_of(&docs, origin.span)?;
    let rule = d.rule;
    let edit = if compose {
        let service = entry_with_key(&doc.root, origin.span)?;
        match service.value.get("x-topoc") {
            Some(x) => match x.get("ignore") {
                Some(list) => append_item(project, list, rule)?,
                None => {
                    prepend_entries(project, service.key.span, x, &[format!("ignore: [{rule}]")])?
                }
            },
            None => prepend_entries(
                project,
                service.key.span,
                &service.value,
                &["x-topoc:".into(), format!("  ignore: [{rule}]")],
            )?,
        }
    } else {
        let meta = doc.root.entry("metadata")?;
        match meta.value.entry("annotations") {
            Some(ann) => match ann.value.get("topoc.dev/ignore") {
                Some(v) => {
                    let old = v.as_str()?;
                    Edit {
                        file,
                        at: v.span.start,
                        end: v.span.end,
                        text: format!("\"{old},{rule}\""),
                    }
                }
                None => prepend_entries(
                    project,
                    ann.key.span,
                    &ann.value,
                    &[format!("topoc.dev/ignore: {rule}")],
                )?,
            },
            None => prepend_entries(
                project,
                meta.key.span,
                &meta.value,
                &["annotations:".into(), format!("  topoc.dev/ignore: {rule}")],
            )?,
        }
    };
    let name = d.resource.as_deref().unwrap_or_default();
    Some((format!("Ignore {rule} on `{name}` (inline)"), edit))
}

/// `undefined-network`: declare it under the top-level `networks:`.
fn fix_network(project: &Project, d: &Diagnostic) -> Option<(String, Edit)> {
    if d.code != diag::UNDEFINED_NETWORK.code {
        return None;
    }
    let t = &project.analysis.loaded.topology;
    let dangling = t
        .dangling
        .iter()
        .find(|r| r.kind == crate::ir::RefKind::Network && r.origin.span == d.span)?;
    let name = &dangling.name;
    let file = d.span.file;
    let docs = parse(project, file);
    let doc = document_of(&docs, d.span)?;
    let edit = match doc.root.entry("networks") {
        Some(nets) if nets.value.as_map().is_some_and(|m| !m.is_empty()) => prepend_entries(
            project,
            nets.key.span,
            &nets.value,
            &[format!("{name}: {{}}")],
        )?,
        Some(nets) if nets.value.is_null() => {
            insert(file, nets.key.span.end, format!("\n  {name}: {{}}"))
        }
        Some(_) => return None,
        None => {
            let f = project.analysis.loaded.sources.get(file);
            let end = doc.root.span.end;
            let at_line_start = end.column == 1;
            let text = format!(
                "{}networks:\n  {name}: {{}}\n",
                if at_line_start { "" } else { "\n" }
            );
            let _ = f;
            insert(file, end, text)
        }
    };
    Some((format!("Declare network `{name}`"), edit))
}

/// `policy-types-implicit`: write the `policyTypes` of the directions the
/// policy has rules keys for, or add the direction whose rules it ignores.
fn fix_policy_types(project: &Project, d: &Diagnostic) -> Option<(String, Edit)> {
    if d.code != diag::POLICY_TYPES_IMPLICIT.code {
        return None;
    }
    let t = &project.analysis.loaded.topology;
    let (origin, _) = declaration(t, d.resource.as_deref()?)?;
    let p = t.policies.iter().find(|p| p.origin == origin)?;
    let docs = parse(project, origin.span.file);
    let spec = document_of(&docs, origin.span)?.root.entry("spec")?;
    if let Some(types) = spec.value.get("policyTypes") {
        let missing = if !p.egress.is_empty() && !p.isolates_egress {
            "Egress"
        } else if !p.ingress.is_empty() && !p.isolates_ingress {
            "Ingress"
        } else {
            return None;
        };
        let edit = append_item(project, types, missing)?;
        return Some((format!("Add `{missing}` to policyTypes"), edit));
    }
    let mut types = Vec::new();
    if p.ingress_origin.is_some() || p.egress_origin.is_none() {
        types.push("Ingress");
    }
    if p.egress_origin.is_some() {
        types.push("Egress");
    }
    let list = types.join(", ");
    let edit = prepend_entries(
        project,
        spec.key.span,
        &spec.value,
        &[format!("policyTypes: [{list}]")],
    )?;
    Some((format!("Write `policyTypes: [{list}]`"), edit))
}

/// `host-port-conflict`: move the later publication to the next host port
/// no publication of that protocol uses.
fn fix_host_port(project: &Project, d: &Diagnostic) -> Option<(String, Edit)> {
    if d.code != diag::HOST_PORT_CONFLICT.code {
        return None;
    }
    let t = &project.analysis.loaded.topology;
    let p = t.publications.iter().find(|p| p.origin.span == d.span)?;
    let ports = p.host_ports?;
    if ports.start != ports.end {
        return None;
    }
    let taken = |n: u16| {
        t.publications
            .iter()
            .any(|q| q.protocol == p.protocol && q.host_ports.is_some_and(|r| r.contains(n)))
    };
    let next = (ports.start.checked_add(1)?..=u16::MAX).find(|&n| !taken(n))?;
    let f = project.analysis.loaded.sources.get(d.span.file);
    let (a, b) = (f.byte_offset(d.span.start), f.byte_offset(d.span.end));
    let written = ports.start.to_string();
    let slice = &f.text[a..b];
    let bytes = slice.as_bytes();
    let at = slice.match_indices(&written).map(|(i, _)| i).find(|&i| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + written.len()).copied();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })?;
    let start = f.pos_of_byte(a + at);
    let end = f.pos_of_byte(a + at + written.len());
    Some((
        format!("Publish on host port {next} instead (the next free one)"),
        Edit {
            file: d.span.file,
            at: start,
            end,
            text: next.to_string(),
        },
    ))
}
