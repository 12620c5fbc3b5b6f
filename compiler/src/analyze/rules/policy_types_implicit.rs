//! ## policy-types-implicit (TOPO408, warning)
//!
//! The `policyTypes` defaulting trap: without `policyTypes`, a policy is
//! `[Ingress]` plus `Egress` only when `egress` is non-empty. So an
//! egress-only policy also denies all ingress, and `egress: []` isolates
//! nothing; with `policyTypes` written, rules of a direction it does not
//! list are ignored.

use super::kube_common::policy_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, POLICY_TYPES_IMPLICIT};
use crate::ir::Policy;

pub static RULE: Rule = Rule {
    code: &POLICY_TYPES_IMPLICIT,
    doc: "`policyTypes` defaults to `[Ingress]`, plus `Egress` only when `egress` has rules. \
An egress-only policy without `policyTypes` therefore also isolates ingress (every inbound \
connection to the selected pods is denied), and `egress: []` without `policyTypes` isolates \
nothing. When `policyTypes` is written, `ingress`/`egress` rules of a direction it does not \
list are silently ignored. Write `policyTypes` explicitly, listing exactly the directions \
the policy is meant to isolate.",
    fail_example: fixture!("policy-types-implicit", "fail"),
    pass_example: fixture!("policy-types-implicit", "pass"),
    check,
};

fn finding(p: &Policy, key: Option<crate::ir::Origin>, msg: String, help: &str) -> Diagnostic {
    let span = p.policy_types_origin.or(key).unwrap_or(p.origin).span;
    Diagnostic::new(&POLICY_TYPES_IMPLICIT, span, msg).with_help(help.to_string())
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for p in &t.policies {
        let mut ds = Vec::new();
        if p.policy_types_origin.is_some() {
            if !p.egress.is_empty() && !p.isolates_egress {
                ds.push(finding(
                    p,
                    p.egress_origin,
                    format!("NetworkPolicy `{}` has egress rules but `policyTypes` does not list Egress: they are ignored", p.name),
                    "add `Egress` to policyTypes",
                ));
            }
            if !p.ingress.is_empty() && !p.isolates_ingress {
                ds.push(finding(
                    p,
                    p.ingress_origin,
                    format!("NetworkPolicy `{}` has ingress rules but `policyTypes` does not list Ingress: they are ignored", p.name),
                    "add `Ingress` to policyTypes",
                ));
            }
        } else {
            if p.ingress_origin.is_none() && !p.egress.is_empty() {
                ds.push(finding(
                    p,
                    p.egress_origin,
                    format!("NetworkPolicy `{}` only has egress rules, but without `policyTypes` it also denies all ingress to the selected pods", p.name),
                    "write `policyTypes: [Egress]` for an egress-only policy (or [Ingress, Egress] if the ingress deny is intended)",
                ));
            }
            if p.egress_origin.is_some() && p.egress.is_empty() {
                ds.push(finding(
                    p,
                    p.egress_origin,
                    format!("`egress: []` in NetworkPolicy `{}` isolates nothing without `policyTypes: [..., Egress]`", p.name),
                    "add `policyTypes: [Ingress, Egress]` to deny all egress",
                ));
            }
        }
        out.extend(
            ds.into_iter()
                .map(|d| d.with_resource(policy_resource(t, p))),
        );
    }
    out
}
