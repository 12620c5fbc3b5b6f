//! Applying configuration and inline ignores to a run's diagnostics.

use super::{Config, configurable, glob_match, rule};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::Topology;
use std::collections::{BTreeMap, BTreeSet};

/// The diagnostics to report, and how many were silenced.
#[derive(Debug, Default)]
pub struct Applied {
    pub diagnostics: Vec<Diagnostic>,
    /// Findings dropped by `off`, an `ignore` entry or an inline ignore.
    pub suppressed: usize,
    /// Per `ignore` entry of the configuration: whether it matched a finding.
    pub matched: Vec<bool>,
}

/// Inline ignores: by resource name (a workload is known both as
/// `namespace/name` and as `Kind/namespace/name`), and by namespace for a
/// `Namespace`'s annotation, which covers every object in it.
#[derive(Default)]
struct Inline {
    by_resource: BTreeMap<String, BTreeSet<&'static str>>,
    by_namespace: BTreeMap<String, BTreeSet<&'static str>>,
}

impl Inline {
    fn silences(&self, resource: &str, code: &'static str) -> bool {
        if self.by_resource.is_empty() && self.by_namespace.is_empty() {
            return false;
        }
        self.by_resource
            .get(resource)
            .is_some_and(|c| c.contains(code))
            || resource_namespace(resource)
                .and_then(|ns| self.by_namespace.get(ns))
                .is_some_and(|c| c.contains(code))
    }
}

/// The namespace of a resource identity: `Kind/ns/name`, `ns/name`
/// (workloads, Compose services), `Namespace/ns`.
fn resource_namespace(resource: &str) -> Option<&str> {
    if let Some(ns) = resource.strip_prefix("Namespace/") {
        return Some(ns);
    }
    let mut parts = resource.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(ns), Some(_), None) => Some(ns),
        (Some(ns), Some(_), None, None) => Some(ns),
        _ => None,
    }
}

fn inline_ignores(t: &Topology, problems: &mut Vec<Diagnostic>) -> Inline {
    let mut inline = Inline::default();
    for ig in &t.object_ignores {
        let ns = &t.namespace(ig.namespace).name;
        let (map, key) = if ig.kind == "Namespace" {
            (&mut inline.by_namespace, ns.clone())
        } else {
            (
                &mut inline.by_resource,
                format!("{}/{ns}/{}", ig.kind, ig.name),
            )
        };
        match rule(&ig.rule) {
            Ok(code) => {
                map.entry(key).or_default().insert(code.code);
            }
            Err(msg) => problems.push(
                Diagnostic::new(&diag::INVALID_CONFIG, ig.origin.span, msg).with_resource(key),
            ),
        }
    }
    let map = &mut inline.by_resource;
    for id in t.workload_ids() {
        let w = t.workload(id);
        if w.ignores.is_empty() {
            continue;
        }
        let name = t.workload_id(id);
        let kinded = format!("{}/{name}", w.kind.as_str());
        for (key, origin) in &w.ignores {
            let key = key.trim();
            if key.is_empty() {
                continue;
            }
            match rule(key) {
                Ok(code) => {
                    for r in [&name, &kinded] {
                        map.entry(r.clone()).or_default().insert(code.code);
                    }
                }
                Err(msg) => problems.push(
                    Diagnostic::new(&diag::INVALID_CONFIG, origin.span, msg)
                        .with_resource(name.clone()),
                ),
            }
        }
    }
    inline
}

/// Whether an `ignore` resource pattern names `resource`; a pattern without a
/// kind also matches the kind-prefixed form (`prod/web` ~ `Deployment/prod/web`).
pub(super) fn resource_matches(pattern: &str, resource: &str) -> bool {
    glob_match(pattern, resource)
        || resource
            .split_once('/')
            .is_some_and(|(_, rest)| rest.contains('/') && glob_match(pattern, rest))
}

/// Apply severities, `ignore` entries and inline ignores to `diags`. Input
/// errors pass untouched. Problems found in the inline ignores themselves are
/// added as `invalid-config` errors.
pub fn apply(config: &Config, topology: &Topology, mut diags: Vec<Diagnostic>) -> Applied {
    let mut problems = Vec::new();
    let inline = inline_ignores(topology, &mut problems);
    let mut suppressed = 0;
    let mut matched = vec![false; config.ignores.len()];
    // Findings come in runs of one rule: its code is looked up once a run.
    let mut last: Option<(&'static str, Option<&'static diag::Code>)> = None;
    // In place: moving 100k findings into a new, doubling vector copied
    // each of them several times.
    diags.retain_mut(|d| {
        let code = match last {
            Some((c, code)) if c == d.code => code,
            _ => {
                let code = diag::lookup(d.code).filter(|c| configurable(c));
                last = Some((d.code, code));
                code
            }
        };
        let Some(code) = code else {
            return true;
        };
        let ignored_inline = d
            .resource
            .as_deref()
            .is_some_and(|r| inline.silences(r, code.code));
        let mut ignored = false;
        for (n, i) in config.ignores.iter().enumerate() {
            if i.code == code
                && match (&i.resource, &d.resource) {
                    (None, _) => true,
                    (Some(p), Some(r)) => resource_matches(p, r),
                    (Some(_), None) => false,
                }
            {
                ignored = true;
                matched[n] = true;
            }
        }
        match config.levels.iter().find(|l| l.code == code) {
            _ if ignored_inline || ignored => {
                suppressed += 1;
                false
            }
            Some(l) if l.level.is_none() => {
                suppressed += 1;
                false
            }
            Some(l) => {
                d.severity = l.level.unwrap_or(d.severity);
                true
            }
            None => true,
        }
    });
    diags.extend(problems);
    Applied {
        diagnostics: diags,
        suppressed,
        matched,
    }
}

/// `ignore` entries that silenced nothing in a run: a warning each, as a
/// stale or misspelled entry hides nothing and misleads. Conversion findings
/// (`TOPO6xx`) only exist at compile time, so their entries are not judged
/// by `check`.
pub fn unmatched_ignores(config: &Config, applied: &Applied) -> Vec<Diagnostic> {
    config
        .ignores
        .iter()
        .zip(&applied.matched)
        .filter(|(i, m)| !**m && !i.code.code.starts_with("TOPO6"))
        .map(|(i, _)| {
            let what = match &i.resource {
                Some(r) => format!("`{}` on `{r}`", i.code.name),
                None => format!("`{}`", i.code.name),
            };
            Diagnostic::new(
                &diag::IGNORE_MATCHES_NOTHING,
                i.span,
                format!("this ignore entry for {what} matches no finding"),
            )
            .with_help("remove the entry, or fix its `rule` or `resource` (resources read `Kind/namespace/name` or `namespace/name`)")
        })
        .collect()
}
