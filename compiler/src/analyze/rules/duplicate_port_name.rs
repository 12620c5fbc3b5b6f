//! ## duplicate-port-name (TOPO206, error)
//!
//! Two ports of one pod (across its containers) or of one Service share a
//! name. The API server rejects such a pod; for a Service, named targetPorts
//! and policy ports become ambiguous.

use super::kube_common::{service_resource, workload_resource};
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{DUPLICATE_PORT_NAME, Diagnostic};
use crate::ir::Origin;

pub static RULE: Rule = Rule {
    code: &DUPLICATE_PORT_NAME,
    doc: "Port names must be unique within a pod (across all its containers) and within a \
Service. Kubernetes rejects a pod with duplicate port names, and a named `targetPort` or \
NetworkPolicy port that matches two ports is ambiguous. Rename one of the ports.",
    fail_example: fixture!("duplicate-port-name", "fail"),
    pass_example: fixture!("duplicate-port-name", "pass"),
    check,
};

/// (name, origin) pairs → (later, earlier) for every repeated name, the
/// earlier being the name's first occurrence. Walks the pairs again for
/// each one instead of collecting them: most pods and Services have a few
/// ports, and allocating per object was most of this rule.
fn duplicates<'a>(
    items: impl Iterator<Item = (&'a str, Origin)> + Clone,
) -> Vec<(&'a str, Origin, Origin)> {
    let mut out = Vec::new();
    for (i, (n, o)) in items.clone().enumerate() {
        if let Some((_, first)) = items.clone().take(i).find(|(s, _)| *s == n) {
            out.push((n, o, first));
        }
    }
    out
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for w in t.workload_ids() {
        let wl = t.workload(w);
        if wl.project.is_some() {
            continue;
        }
        let named = wl
            .ports
            .iter()
            .filter_map(|p| Some((p.name.as_deref()?, p.origin)));
        for (n, later, first) in duplicates(named) {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_PORT_NAME,
                    later.span,
                    format!("port name `{n}` is used twice in the pod of `{}`", wl.name),
                )
                .with_related(first.span, "first named here")
                .with_help("give every container port of a pod a distinct name")
                .with_resource(workload_resource(t, w)),
            );
        }
    }
    for s in &t.services {
        let named = s
            .ports
            .iter()
            .filter_map(|p| Some((p.name.as_deref()?, p.origin)));
        for (n, later, first) in duplicates(named) {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_PORT_NAME,
                    later.span,
                    format!("port name `{n}` is used twice in Service `{}`", s.name),
                )
                .with_related(first.span, "first named here")
                .with_help("give every port of a Service a distinct name")
                .with_resource(service_resource(t, s)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::duplicates;
    use crate::ir::Origin;
    use crate::source::{FileId, Span};

    /// The walk finds what a list of first occurrences finds (the earlier
    /// port is the name's first one), in the same order.
    #[test]
    fn duplicates_pair_each_repeat_with_the_first_occurrence() {
        let names = ["a", "b", "a", "c", "b", "a", "d", "c"];
        let origin = |i: usize| Origin {
            span: Span::file_start(FileId(i as u32)),
        };
        let mut want = Vec::new();
        let mut seen: Vec<(&str, usize)> = Vec::new();
        for (i, n) in names.iter().enumerate() {
            match seen.iter().find(|(s, _)| s == n) {
                Some(&(_, first)) => want.push((*n, i, first)),
                None => seen.push((n, i)),
            }
        }
        for len in 0..=names.len() {
            let got = duplicates(
                names[..len]
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (*n, origin(i))),
            );
            let want: Vec<_> = want
                .iter()
                .filter(|(_, i, _)| *i < len)
                .map(|&(n, i, f)| (n, origin(i), origin(f)))
                .collect();
            assert_eq!(got, want, "first {len}");
        }
    }
}
