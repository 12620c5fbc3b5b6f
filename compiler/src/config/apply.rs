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
}

/// Inline ignores by resource name: a workload is known both as
/// `namespace/name` and as `Kind/namespace/name`.
fn inline_ignores(
    t: &Topology,
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut map: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
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
    map
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
pub fn apply(config: &Config, topology: &Topology, diags: Vec<Diagnostic>) -> Applied {
    let mut problems = Vec::new();
    let inline = inline_ignores(topology, &mut problems);
    let mut out = Applied::default();
    for mut d in diags {
        let Some(code) = diag::lookup(d.code).filter(|c| configurable(c)) else {
            out.diagnostics.push(d);
            continue;
        };
        let ignored_inline = d
            .resource
            .as_deref()
            .and_then(|r| inline.get(r))
            .is_some_and(|codes| codes.contains(code.code));
        let ignored = config.ignores.iter().any(|i| {
            i.code == code
                && match (&i.resource, &d.resource) {
                    (None, _) => true,
                    (Some(p), Some(r)) => resource_matches(p, r),
                    (Some(_), None) => false,
                }
        });
        match config.levels.iter().find(|l| l.code == code) {
            _ if ignored_inline || ignored => out.suppressed += 1,
            Some(l) if l.level.is_none() => out.suppressed += 1,
            Some(l) => {
                d.severity = l.level.unwrap_or(d.severity);
                out.diagnostics.push(d);
            }
            None => out.diagnostics.push(d),
        }
    }
    out.diagnostics.extend(problems);
    out
}
