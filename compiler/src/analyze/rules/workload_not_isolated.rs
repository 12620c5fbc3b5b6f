//! ## workload-not-isolated (TOPO405, info)
//!
//! A Kubernetes workload that no NetworkPolicy isolates, for ingress and for
//! egress separately: every pod and every address can reach it (or it can
//! reach everything).

use super::kube_common::workload_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, WORKLOAD_NOT_ISOLATED};

pub static RULE: Rule = Rule {
    code: &WORKLOAD_NOT_ISOLATED,
    doc: "A pod is isolated for ingress (or egress) only when some NetworkPolicy selecting \
it lists that direction in its (defaulted) `policyTypes`. Until then every pod in the cluster \
and every external address may connect to it (or it may connect anywhere). Reported once per \
direction, as information: add a default-deny policy for the namespace and allow what is \
needed.",
    fail_example: fixture!("workload-not-isolated", "fail"),
    pass_example: fixture!("workload-not-isolated", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let n = k.classes.len();
    let (mut ing, mut eg) = (vec![false; n], vec![false; n]);
    for (pi, p) in t.policies.iter().enumerate() {
        for c in &k.policy_classes[pi] {
            ing[c.index()] |= p.isolates_ingress;
            eg[c.index()] |= p.isolates_egress;
        }
    }
    let mut out = Vec::new();
    for w in t.workload_ids() {
        let Some(c) = k.class_of[w.index()] else {
            continue;
        };
        let wl = t.workload(w);
        for (isolated, dir, help) in [
            (
                ing[c.index()],
                "ingress",
                "any pod or address can connect to it",
            ),
            (
                eg[c.index()],
                "egress",
                "it can connect to any pod or address",
            ),
        ] {
            if isolated {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &WORKLOAD_NOT_ISOLATED,
                    wl.origin.span,
                    format!(
                        "no NetworkPolicy isolates the {dir} of `{}`: {help}",
                        wl.name
                    ),
                )
                .with_help(format!(
                    "add a policy selecting it with `{}` in policyTypes",
                    if dir == "ingress" {
                        "Ingress"
                    } else {
                        "Egress"
                    }
                ))
                .with_resource(workload_resource(t, w)),
            );
        }
    }
    out
}
