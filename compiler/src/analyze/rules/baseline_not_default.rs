//! ## baseline-not-default (TOPO412, error)
//!
//! A BaselineAdminNetworkPolicy whose name is not `default`: the API admits
//! one BANP only, named `default`, and refuses any other, so its rules never
//! apply (connectivity ignores it, as the cluster would).

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::analyze::connectivity::tiers::BASELINE_NAME;
use crate::diagnostic::{BASELINE_NOT_DEFAULT, Diagnostic};

pub static RULE: Rule = Rule {
    code: &BASELINE_NOT_DEFAULT,
    doc: "The network-policy-api admits exactly one BaselineAdminNetworkPolicy per cluster, and it \
must be named `default`: the API server rejects any other name, so a BANP called anything else \
is never applied and the baseline it was meant to set (often a default deny) does not exist. \
topoc's connectivity ignores it too. Rename it to `default` (merging its rules into the existing \
`default` if there is one).",
    fail_example: fixture!("baseline-not-default", "fail"),
    pass_example: fixture!("baseline-not-default", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    ctx.topology
        .admin_policies
        .iter()
        .filter(|p| p.is_baseline() && p.name != BASELINE_NAME)
        .map(|p| {
            Diagnostic::new(
                &BASELINE_NOT_DEFAULT,
                p.origin.span,
                format!(
                    "BaselineAdminNetworkPolicy `{}` is not named `{BASELINE_NAME}`: the API refuses it and its rules never apply",
                    p.name
                ),
            )
            .with_help("rename it to `default`; a cluster has exactly one BaselineAdminNetworkPolicy")
            .with_resource(format!("BaselineAdminNetworkPolicy/{}", p.name))
        })
        .collect()
}
