//! Checks over the resolved IR. Each rule lives in its own file under
//! `rules/`, registered in `rules::RULES`.

pub mod connectivity;
pub mod diff;
pub mod rules;

use crate::diagnostic::Diagnostic;
use crate::ir::Topology;
use crate::resolve::Resolved;
use crate::source::SourceMap;
use connectivity::kube::Engine;
use std::sync::OnceLock;

/// What every rule sees.
pub struct Context<'a> {
    pub topology: &'a Topology,
    pub resolved: &'a Resolved,
    pub sources: &'a SourceMap,
    /// The Kubernetes connectivity engine, built by the first rule that
    /// asks and shared by the others (each built its own: twice the time,
    /// and at 100k objects two sets of per-rule bitsets alive together).
    kube_engine: OnceLock<Engine<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(topology: &'a Topology, resolved: &'a Resolved, sources: &'a SourceMap) -> Self {
        Context {
            topology,
            resolved,
            sources,
            kube_engine: OnceLock::new(),
        }
    }

    /// The NetworkPolicy / admin-tier engine over this context's classes.
    pub fn kube_engine(&self) -> &Engine<'a> {
        self.kube_engine
            .get_or_init(|| Engine::new(self.topology, &self.resolved.kube))
    }
}

/// Inputs with fewer IR elements than this run their rules on one thread.
const PARALLEL_ELEMENTS: usize = 2_000;

/// The rules that take longest on large inputs, in the order threads take
/// them after the connectivity engine. First those that need no engine, so
/// the thread not building it has work; then the longest ones that need it,
/// so that no thread is left running one long rule while the other idles.
/// The rest follow in registry order. Only the schedule depends on this.
const LONG_RULES: &[&str] = &[
    "policy-port-not-listening",
    "duplicate-port-name",
    "policy-peer-selects-nothing",
    "intent-blocked",
    "redundant-policy-rule",
    "egress-blocks-dns",
];

/// Indices of `rules::RULES` in the order threads take them.
fn schedule() -> Vec<usize> {
    let index = |name: &str| rules::RULES.iter().position(|r| r.code.name == name);
    let mut order: Vec<usize> = LONG_RULES.iter().filter_map(|n| index(n)).collect();
    let rest: Vec<usize> = (0..rules::RULES.len())
        .filter(|i| !order.contains(i))
        .collect();
    order.extend(rest);
    order
}

/// Run every registered rule. Rules only read the context, so on large
/// inputs they run on every core, each thread taking the next rule of the
/// schedule; findings are concatenated in registry order, so the result is
/// the same as a sequential run.
pub fn run(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    run_into(ctx, &mut out);
    out
}

/// [`run`], the findings appended to `out` (the loading diagnostics): a
/// large input's findings are tens of megabytes, moved once.
pub fn run_into(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let t = ctx.topology;
    let elements = t.workloads.len() + t.services.len() + t.policies.len();
    if elements < PARALLEL_ELEMENTS || crate::parallel::threads() < 2 {
        out.extend(rules::RULES.iter().flat_map(|r| (r.check)(ctx)));
        return;
    }
    let order = schedule();
    // Task 0 builds the connectivity engine, which `egress-blocks-dns` asks
    // for on every input and several rules share: built by the first rule
    // that asks, it kept the other thread waiting on the `OnceLock` while
    // rules it could run were left. Findings do not depend on who builds it.
    let mut results: Vec<(usize, Vec<Diagnostic>)> = crate::parallel::ordered(
        order.len() + 1,
        || (),
        |_, i| match i {
            0 => {
                ctx.kube_engine();
                (usize::MAX, Vec::new())
            }
            _ => {
                let r = order[i - 1];
                (r, (rules::RULES[r].check)(ctx))
            }
        },
    );
    results.sort_by_key(|(i, _)| *i);
    // One allocation: growing the result by doubling copied every finding
    // of a large input several times.
    out.reserve(results.iter().map(|(_, d)| d.len()).sum());
    for (_, d) in results {
        out.extend(d);
    }
}

#[cfg(test)]
mod tests {
    /// The schedule names real rules and takes every rule once.
    #[test]
    fn schedule_is_a_permutation_of_the_registry() {
        let mut order = super::schedule();
        for name in super::LONG_RULES {
            assert!(super::rules::find(name).is_some(), "{name}");
        }
        order.sort_unstable();
        assert_eq!(order, (0..super::rules::RULES.len()).collect::<Vec<_>>());
    }
}
