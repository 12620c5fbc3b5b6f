//! ## policy-allows-all (TOPO407, warning)
//!
//! A rule with neither peers nor ports — `- {}`, or a stray `- ports: []`
//! item — beside other rules of the same direction allows every pod and
//! every external address on every port, which silently undoes those rules.
//! When it is the only rule of its direction (the Kubernetes docs'
//! `allow-all-egress`: `egress: [{}]`) allowing everything is the policy's
//! whole, explicit intent, and nothing is reported.

use super::kube_common::policy_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, POLICY_ALLOWS_ALL};

pub static RULE: Rule = Rule {
    code: &POLICY_ALLOWS_ALL,
    doc: "A NetworkPolicy rule without `from`/`to` and without `ports` — `- {}` or a stray \
`- ports: []` list item — allows every pod, every namespace and every external address on \
every port and protocol. Beside narrower rules of the same direction it makes them \
pointless: the selected pods are effectively open, which is rarely what the narrower rules \
meant (often the allow-all item is a dash too many). A direction whose only rule allows \
everything (`ingress: [{}]`, `egress: [{}]`, as in the Kubernetes docs' `allow-all-egress`) \
is an explicit allow-all policy and is not reported. Remove the stray item, or move the \
allow-all into a policy of its own if it is intended.",
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
            // A lone allow-all rule is the policy's explicit intent.
            if !isolates || rules.len() < 2 {
                continue;
            }
            for rule in rules.iter() {
                if rule.peers.is_empty() && rule.ports.is_empty() {
                    out.push(
                        Diagnostic::new(
                            &POLICY_ALLOWS_ALL,
                            rule.origin.span,
                            format!(
                                "this {dir} rule of NetworkPolicy `{}` allows all traffic {peer} every pod and address on every port, which makes its other {dir} rules pointless",
                                p.name,
                                peer = if dir == "ingress" { "from" } else { "to" }
                            ),
                        )
                        .with_help("a rule with no peers and no ports allows everything; add `from`/`to` or `ports`, remove it, or put an intended allow-all in a policy of its own")
                        .with_resource(policy_resource(t, p)),
                    );
                }
            }
        }
    }
    out
}
