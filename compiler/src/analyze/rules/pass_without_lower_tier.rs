//! ## pass-without-lower-tier (TOPO414, warning)
//!
//! An AdminNetworkPolicy `Pass` rule whose subject pods no NetworkPolicy
//! isolates in that direction and no BaselineAdminNetworkPolicy rule covers:
//! what it passes is decided by nobody, so the cluster default allows it.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::analyze::connectivity::kube::dir_index;
use crate::diagnostic::{Diagnostic, PASS_WITHOUT_LOWER_TIER};
use crate::ir::{AdminAction, Direction};

pub static RULE: Rule = Rule {
    code: &PASS_WITHOUT_LOWER_TIER,
    doc: "`Pass` skips the remaining AdminNetworkPolicy rules and hands the connection to the \
NetworkPolicies of the subject's namespace, then to the BaselineAdminNetworkPolicy. When no \
NetworkPolicy isolates the subject pods in that direction and no BANP rule applies to them, \
nothing decides the passed traffic and the cluster default allows it: the `Pass` behaves as an \
`Allow`, which is rarely what a delegation meant. Add the NetworkPolicies (or the BANP rule) that \
should decide it, or write `Allow` if that is the intent.",
    fail_example: fixture!("pass-without-lower-tier", "fail"),
    pass_example: fixture!("pass-without-lower-tier", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    if !t
        .admin_policies
        .iter()
        .flat_map(|p| p.ingress.iter().chain(&p.egress))
        .any(|r| r.action == AdminAction::Pass)
    {
        return Vec::new();
    }
    let engine = ctx.kube_engine();
    let mut out = Vec::new();
    for (pi, p) in t.admin_policies.iter().enumerate() {
        for (dir, rules, label) in [
            (Direction::Ingress, &p.ingress, "ingress"),
            (Direction::Egress, &p.egress, "egress"),
        ] {
            let d = dir_index(dir);
            let subjects = &k.admin_classes[pi];
            // Every subject pod lacks a lower tier in this direction.
            let undecided = !subjects.is_empty()
                && subjects.iter().all(|&c| {
                    !engine.isolated(dir, c) && engine.baseline_rules[d][c.index()].is_empty()
                });
            if !undecided {
                continue;
            }
            for r in rules.iter().filter(|r| r.action == AdminAction::Pass) {
                out.push(
                    Diagnostic::new(
                        &PASS_WITHOUT_LOWER_TIER,
                        r.origin.span,
                        format!(
                            "{label} rule `{}` of AdminNetworkPolicy `{}` passes traffic that no NetworkPolicy or BaselineAdminNetworkPolicy decides for its subjects: the cluster default allows it",
                            r.name, p.name
                        ),
                    )
                    .with_help("add the NetworkPolicies that should decide it, or use `Allow` if that is the intent")
                    .with_resource(format!("AdminNetworkPolicy/{}", p.name)),
                );
            }
        }
    }
    out
}
