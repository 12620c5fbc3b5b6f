//! ## policy-selects-nothing (TOPO402, warning)
//!
//! A NetworkPolicy whose podSelector matches no workload of its namespace
//! protects nothing — usually a label typo or the wrong namespace.

use super::kube_common::policy_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, POLICY_SELECTS_NOTHING};

pub static RULE: Rule = Rule {
    code: &POLICY_SELECTS_NOTHING,
    doc: "A NetworkPolicy applies only to the pods its `podSelector` selects in the \
policy's own namespace. When it selects none, it isolates nothing and allows nothing: the pods \
it was written for stay open. Usually a label typo, or the policy was applied in the wrong \
namespace. Fix the selector or the namespace.",
    fail_example: fixture!("policy-selects-nothing", "fail"),
    pass_example: fixture!("policy-selects-nothing", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    t.policies
        .iter()
        .enumerate()
        .filter(|(i, _)| k.policy_classes[*i].is_empty())
        .map(|(_, p)| {
            let span = p.pod_selector.origin.unwrap_or(p.origin).span;
            Diagnostic::new(
                &POLICY_SELECTS_NOTHING,
                span,
                format!(
                    "NetworkPolicy `{}` selects no workload in namespace `{}`",
                    p.name,
                    t.namespace(p.namespace).name
                ),
            )
            .with_help("a policy's podSelector only matches pods of the policy's own namespace; check labels and namespace")
            .with_resource(policy_resource(t, p))
        })
        .collect()
}
