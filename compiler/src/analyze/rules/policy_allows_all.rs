//! ## policy-allows-all (TOPO407, warning)
//!
//! A rule with neither peers nor ports — `ingress: [{}]`, or a stray
//! `- ports: []` item — allows every pod and every external address on every
//! port, which silently undoes the rest of the policy.

use super::kube_common::policy_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, POLICY_ALLOWS_ALL};

pub static RULE: Rule = Rule {
    code: &POLICY_ALLOWS_ALL,
    doc: "A NetworkPolicy rule without `from`/`to` and without `ports` — `ingress: [{}]`, \
`egress: [{}]` or a stray `- ports: []` list item — allows every pod, every namespace and \
every external address on every port and protocol. Other rules of the policy then allow \
nothing more, and the selected pods are effectively open. If that is intended, say so with \
an explicit allow-all policy; otherwise remove the stray item (often a dash too many).",
    fail_example: fixture!("policy-allows-all", "fail"),
    pass_example: fixture!("policy-allows-all", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for p in &t.policies {
        for (dir, isolates, rules) in [
            ("ingress", p.isolates_ingress, &p.ingress),
            ("egress", p.isolates_egress, &p.egress),
        ] {
            if !isolates {
                continue;
            }
            for rule in rules.iter() {
                if rule.peers.is_empty() && rule.ports.is_empty() {
                    out.push(
                        Diagnostic::new(
                            &POLICY_ALLOWS_ALL,
                            rule.origin.span,
                            format!(
                                "this {dir} rule of NetworkPolicy `{}` allows all traffic from every pod and address on every port",
                                p.name
                            ),
                        )
                        .with_help("a rule with no peers and no ports allows everything; add `from`/`to` or `ports`, or remove it")
                        .with_resource(policy_resource(t, p)),
                    );
                }
            }
        }
    }
    out
}
