//! Hover: on a workload (a Compose service, a Deployment, ...), who it
//! reaches and who reaches it, with ports, from the connectivity engine; on
//! a Service, the workloads it selects and their flows; on a NetworkPolicy,
//! the workloads it selects and the directions it isolates; on a Compose
//! network, its members. On a reference, what the reference names.

use super::navigate::{self, Cursor, Target};
use super::project::Project;
use super::text::{self, Encoding};
use crate::analyze::connectivity::EndpointKind;
use crate::ir::WorkloadId;
use lsp_types as lsp;
use std::fmt::Write;
use std::path::Path;

/// Lines of a list shown before "… and N more".
const MAX_LINES: usize = 25;

pub fn hover(
    project: &Project,
    path: &Path,
    p: lsp::Position,
    enc: Encoding,
) -> Option<lsp::Hover> {
    let cur = navigate::at(project, path, p, enc)?;
    let (span, text) = policy(project, cur).or_else(|| {
        let target = navigate::declaration_at(project, cur).or_else(|| referenced(project, cur))?;
        Some((
            target.span(&project.analysis.loaded.topology),
            describe(project, target),
        ))
    })?;
    let file = project.analysis.loaded.sources.get(span.file);
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: text,
        }),
        range: (span.file == cur.file).then(|| text::range(file, span, enc)),
    })
}

/// What the innermost reference under the cursor names (its first target).
fn referenced(project: &Project, cur: Cursor) -> Option<Target> {
    project
        .links()
        .refs
        .iter()
        .filter(|(s, _)| cur.on(*s))
        .min_by_key(|(s, _)| s.extent())
        .map(|(_, t)| *t)
}

fn policy(project: &Project, cur: Cursor) -> Option<(crate::source::Span, String)> {
    let t = &project.analysis.loaded.topology;
    let k = &project.analysis.resolved.kube;
    let (i, pol) = t
        .policies
        .iter()
        .enumerate()
        .find(|(_, p)| cur.on(p.origin.span))?;
    let ns = &t.namespace(pol.namespace).name;
    let mut out = format!("**NetworkPolicy `{ns}/{}`**\n\n", pol.name);
    let dirs: Vec<&str> = [
        (pol.isolates_ingress, "ingress"),
        (pol.isolates_egress, "egress"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, d)| *d)
    .collect();
    let isolates = if dirs.is_empty() {
        "nothing".to_string()
    } else {
        dirs.join(" and ")
    };
    let _ = writeln!(out, "Isolates {isolates} of the pods it selects.\n");
    let classes = k.policy_classes.get(i).map(Vec::as_slice).unwrap_or(&[]);
    let names: Vec<String> = k
        .members(classes)
        .map(|w| workload_name(project, w))
        .collect();
    list(
        &mut out,
        &format!("Selects {} workload(s)", names.len()),
        names,
    );
    Some((pol.origin.span, out))
}

fn describe(project: &Project, target: Target) -> String {
    let t = &project.analysis.loaded.topology;
    let k = &project.analysis.resolved.kube;
    match target {
        Target::Workload(w) => {
            let mut out = format!("**{}**\n\n", title(project, w));
            flows(project, &[w], &mut out);
            out
        }
        Target::Service(s) => {
            let svc = &t.services[s.index()];
            let ns = &t.namespace(svc.namespace).name;
            let mut out = format!("**Service `{ns}/{}`**\n\n", svc.name);
            let pods = k
                .service_workloads
                .get(s.index())
                .cloned()
                .unwrap_or_default();
            let names = pods.iter().map(|&w| workload_name(project, w)).collect();
            list(
                &mut out,
                &format!("Selects {} workload(s)", pods.len()),
                names,
            );
            flows(project, &pods, &mut out);
            out
        }
        Target::Network(n) => {
            let net = t.network(n);
            let mut out = format!("**network `{}`**", net.name);
            if net.internal {
                out.push_str(" (internal)");
            }
            out.push_str("\n\n");
            let members: Vec<String> = t
                .workload_ids()
                .filter(|&w| t.workload(w).attachments.iter().any(|a| a.network == n))
                .map(|w| workload_name(project, w))
                .collect();
            list(&mut out, &format!("{} member(s)", members.len()), members);
            out
        }
    }
}

fn title(project: &Project, w: WorkloadId) -> String {
    let t = &project.analysis.loaded.topology;
    let wl = t.workload(w);
    match wl.project {
        Some(p) => format!(
            "service `{}` (project `{}`)",
            wl.name,
            t.projects[p.index()].name
        ),
        None => format!("{} `{}`", wl.kind.as_str(), workload_name(project, w)),
    }
}

fn workload_name(project: &Project, w: WorkloadId) -> String {
    let t = &project.analysis.loaded.topology;
    let wl = t.workload(w);
    format!("{}/{}", t.namespace(wl.namespace).name, wl.name)
}

/// "Reaches" and "Reached by" of a set of workloads.
fn flows(project: &Project, of: &[WorkloadId], out: &mut String) {
    let c = project.connectivity();
    let mine = |kind: EndpointKind| matches!(kind, EndpointKind::Workload(w) if of.contains(&w));
    let mut reaches = Vec::new();
    let mut reached = Vec::new();
    for e in &c.edges {
        let (src, dst) = (c.src(e), c.dst(e));
        let conn = c.conn_text(e);
        let many = of.len() > 1;
        if mine(src.kind) {
            let via = if many {
                format!(" (from {})", short(&src.name))
            } else {
                String::new()
            };
            reaches.push(format!("`{}`: {conn}{via}", dst.name));
        }
        if mine(dst.kind) {
            let via = if many {
                format!(" (to {})", short(&dst.name))
            } else {
                String::new()
            };
            reached.push(format!("`{}`: {conn}{via}", src.name));
        }
    }
    list(out, &format!("Reaches {}", reaches.len()), reaches);
    list(out, &format!("Reached by {}", reached.len()), reached);
}

fn short(name: &str) -> &str {
    name.split('[').next().unwrap_or(name)
}

fn list(out: &mut String, heading: &str, items: Vec<String>) {
    let _ = writeln!(out, "{heading}:");
    if items.is_empty() {
        out.push_str("- (none)\n");
    }
    for i in items.iter().take(MAX_LINES) {
        let _ = writeln!(out, "- {i}");
    }
    if items.len() > MAX_LINES {
        let _ = writeln!(out, "- … and {} more", items.len() - MAX_LINES);
    }
    out.push('\n');
}
