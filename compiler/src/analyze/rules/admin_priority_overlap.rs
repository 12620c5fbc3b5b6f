//! ## admin-priority-overlap (TOPO413, warning)
//!
//! Two AdminNetworkPolicies with the same `priority` whose subjects select
//! common pods: the API does not define which one is evaluated first, so
//! where their rules disagree the outcome depends on the implementation.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{ADMIN_PRIORITY_OVERLAP, Diagnostic};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    code: &ADMIN_PRIORITY_OVERLAP,
    doc: "AdminNetworkPolicies are evaluated by ascending `priority`; for two policies of the same \
priority the network-policy-api leaves the order undefined (\"a conflict\"), so when both select a \
pod and their rules match one connection with different actions, which action wins differs \
between implementations. topoc's connectivity orders such ties by name. Give each overlapping \
policy its own priority.",
    fail_example: fixture!("admin-priority-overlap", "fail"),
    pass_example: fixture!("admin-priority-overlap", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut by_priority: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, p) in t.admin_policies.iter().enumerate() {
        if let Some(prio) = p.priority {
            by_priority.entry(prio).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    // Only policies sharing a priority are compared, and the API allows
    // 1001 priorities: the groups stay small.
    for (prio, group) in by_priority {
        for (n, &b) in group.iter().enumerate() {
            let later = &t.admin_policies[b];
            let classes_b = &k.admin_classes[b];
            let Some(&a) = group[..n]
                .iter()
                .find(|&&a| k.admin_classes[a].iter().any(|c| classes_b.contains(c)))
            else {
                continue;
            };
            let earlier = &t.admin_policies[a];
            let span = later.priority_origin.unwrap_or(later.origin).span;
            let related = earlier.priority_origin.unwrap_or(earlier.origin).span;
            out.push(
                Diagnostic::new(
                    &ADMIN_PRIORITY_OVERLAP,
                    span,
                    format!(
                        "AdminNetworkPolicies `{}` and `{}` both have priority {prio} and select common pods: their order is undefined",
                        later.name, earlier.name
                    ),
                )
                .with_related(related, format!("`{}` has priority {prio} too", earlier.name))
                .with_help("give each of them its own priority")
                .with_resource(format!("AdminNetworkPolicy/{}", later.name)),
            );
        }
    }
    out
}
