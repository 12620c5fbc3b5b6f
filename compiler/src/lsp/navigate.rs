//! Go to definition and find references. `Links` pairs every reference of
//! an analysis with what it names: `depends_on`, `links`, env URLs and
//! `talks-to` (the IR's intents) and `networks` entries name a service or a
//! network; a Service selector, a policy's podSelector and an Istio subset
//! name workloads; an Istio host names a Service. Definition follows a
//! reference under the cursor; references go the other way, from a
//! declaration (a service key, an object's name) to everything naming it.

use super::project::Project;
use super::text::{self, Encoding};
use crate::driver::Analysis;
use crate::ir::{IntentTarget, NetworkId, ServiceId, Topology, WorkloadId};
use crate::source::{FileId, Pos, Span};
use lsp_types as lsp;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Workload(WorkloadId),
    Service(ServiceId),
    Network(NetworkId),
}

impl Target {
    /// Where the target is declared.
    pub fn span(self, t: &Topology) -> Span {
        match self {
            Target::Workload(w) => t.workload(w).origin.span,
            Target::Service(s) => t.services[s.index()].origin.span,
            Target::Network(n) => t.network(n).origin.span,
        }
    }
}

/// Every reference of an analysis, with its target.
pub struct Links {
    pub refs: Vec<(Span, Target)>,
}

impl Links {
    pub fn of(a: &Analysis) -> Links {
        let t = &a.loaded.topology;
        let k = &a.resolved.kube;
        let mut refs = Vec::new();
        for i in &t.intents {
            let to = match i.to {
                IntentTarget::Workload(w) => Target::Workload(w),
                IntentTarget::Service(s) => Target::Service(s),
            };
            refs.push((i.origin.span, to));
        }
        for w in &t.workloads {
            for att in &w.attachments {
                let net = t.network(att.network);
                // The implicit `default` network has no declaration to go to.
                if !net.implicit && att.origin != w.origin {
                    refs.push((att.origin.span, Target::Network(att.network)));
                }
            }
        }
        for (s, svc) in t.services.iter().enumerate() {
            if let Some(o) = svc.selector_origin {
                for &w in k.service_workloads.get(s).into_iter().flatten() {
                    refs.push((o.span, Target::Workload(w)));
                }
            }
        }
        for (p, pol) in t.policies.iter().enumerate() {
            let Some(o) = pol.pod_selector.origin else {
                continue;
            };
            let classes = k.policy_classes.get(p).map(Vec::as_slice).unwrap_or(&[]);
            for w in k.members(classes) {
                refs.push((o.span, Target::Workload(w)));
            }
            // The podSelectors of its peers name workloads too.
            for peer in pol.ingress.iter().chain(&pol.egress).flat_map(|r| &r.peers) {
                let Some(sel) = &peer.pod_selector else {
                    continue;
                };
                let at = sel.origin.unwrap_or(peer.origin).span;
                let classes = k.peer_classes(pol.namespace, peer);
                for w in k.members(&classes) {
                    refs.push((at, Target::Workload(w)));
                }
            }
        }
        for (v, vs) in t.virtual_services.iter().enumerate() {
            let ns = t.namespace(vs.namespace);
            for (h, (_, origin)) in vs.hosts.iter().enumerate() {
                if let Some(Some(s)) = k.vs_hosts.get(v).and_then(|hs| hs.get(h)) {
                    refs.push((origin.span, Target::Service(*s)));
                }
            }
            let dests = vs
                .http
                .iter()
                .flat_map(|r| r.route.iter().map(|w| &w.destination).chain(&r.mirror));
            for d in dests {
                let Some(s) = k.services.lookup(ns, &d.host) else {
                    continue;
                };
                refs.push((d.host_origin.span, Target::Service(s)));
                if let Some((subset, origin)) = &d.subset {
                    for w in subset_workloads(a, s, subset) {
                        refs.push((origin.span, Target::Workload(w)));
                    }
                }
            }
        }
        refs.sort();
        refs.dedup();
        Links { refs }
    }
}

/// The workloads of Service `s` that carry the labels of its subset
/// `name` (from the DestinationRules of that Service).
fn subset_workloads(a: &Analysis, s: ServiceId, name: &str) -> Vec<WorkloadId> {
    let t = &a.loaded.topology;
    let k = &a.resolved.kube;
    let labels: Vec<_> = t
        .destination_rules
        .iter()
        .enumerate()
        .filter(|(i, _)| k.dr_service.get(*i).copied().flatten() == Some(s))
        .flat_map(|(_, dr)| dr.subsets.iter().filter(|sub| sub.name == name))
        .map(|sub| &sub.labels)
        .collect();
    let pods = k
        .service_workloads
        .get(s.index())
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    pods.iter()
        .copied()
        .filter(|&w| {
            let wl = t.workload(w);
            labels
                .iter()
                .any(|l| l.iter().all(|(k, v)| wl.labels.get(k) == Some(v)))
        })
        .collect()
}

/// The analysis position of a protocol position in the file at `path`.
pub fn at(project: &Project, path: &Path, p: lsp::Position, enc: Encoding) -> Option<Cursor> {
    let file = project.file(path)?;
    let pos = text::pos(project.analysis.loaded.sources.get(file), p, enc);
    Some(Cursor { file, pos })
}

/// A position in one file of an analysis.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    pub file: FileId,
    pub pos: Pos,
}

impl Cursor {
    pub fn on(self, span: Span) -> bool {
        span.file == self.file && text::contains(span, self.pos)
    }
}

fn location(project: &Project, span: Span, enc: Encoding) -> lsp::Location {
    let f = project.analysis.loaded.sources.get(span.file);
    lsp::Location::new(text::uri_of(&f.path), text::range(f, span, enc))
}

/// The targets of the innermost reference under the cursor.
pub fn definition(
    project: &Project,
    path: &Path,
    p: lsp::Position,
    enc: Encoding,
) -> Vec<lsp::Location> {
    let Some(cur) = at(project, path, p, enc) else {
        return Vec::new();
    };
    let t = &project.analysis.loaded.topology;
    let links = project.links();
    let under: Vec<&(Span, Target)> = links.refs.iter().filter(|(s, _)| cur.on(*s)).collect();
    let Some(inner) = under.iter().map(|(s, _)| s.extent()).min() else {
        return Vec::new();
    };
    let mut spans: Vec<Span> = under
        .iter()
        .filter(|(s, _)| s.extent() == inner)
        .map(|(_, target)| target.span(t))
        .collect();
    spans.sort();
    spans.dedup();
    spans
        .into_iter()
        .map(|s| location(project, s, enc))
        .collect()
}

/// The declaration under the cursor (innermost first).
pub fn declaration_at(project: &Project, cur: Cursor) -> Option<Target> {
    let t = &project.analysis.loaded.topology;
    let candidates = t
        .workload_ids()
        .map(Target::Workload)
        .chain((0..t.services.len() as u32).map(|i| Target::Service(ServiceId(i))))
        .chain((0..t.networks.len() as u32).map(|i| Target::Network(NetworkId(i))));
    candidates
        .filter(|c| cur.on(c.span(t)))
        .min_by_key(|c| c.span(t).extent())
}

/// Every reference to the declaration under the cursor (or, on a
/// reference, to what it names).
pub fn references(
    project: &Project,
    path: &Path,
    p: lsp::Position,
    include_declaration: bool,
    enc: Encoding,
) -> Vec<lsp::Location> {
    let Some(cur) = at(project, path, p, enc) else {
        return Vec::new();
    };
    let t = &project.analysis.loaded.topology;
    let links = project.links();
    let targets: Vec<Target> = match declaration_at(project, cur) {
        Some(d) => vec![d],
        None => links
            .refs
            .iter()
            .filter(|(s, _)| cur.on(*s))
            .map(|(_, target)| *target)
            .collect(),
    };
    let mut spans: Vec<Span> = links
        .refs
        .iter()
        .filter(|(_, target)| targets.contains(target))
        .map(|(s, _)| *s)
        .collect();
    if include_declaration {
        spans.extend(targets.iter().map(|d| d.span(t)));
    }
    spans.sort();
    spans.dedup();
    spans
        .into_iter()
        .map(|s| location(project, s, enc))
        .collect()
}
