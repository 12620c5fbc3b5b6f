//! ## policy-peer-selects-nothing (TOPO403, warning)
//!
//! A `from`/`to` peer (podSelector and/or namespaceSelector) that matches no
//! workload: the rule allows nothing through it.

use super::kube_common::policy_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, POLICY_PEER_SELECTS_NOTHING};

pub static RULE: Rule = Rule {
    code: &POLICY_PEER_SELECTS_NOTHING,
    doc: "A peer of a NetworkPolicy rule selects pods: a `podSelector` alone means pods of the \
policy's own namespace; with a `namespaceSelector` in the same entry both must match (AND). \
A peer that matches no workload allows nothing, which often means the traffic it was meant \
to allow is blocked. Peers whose `namespaceSelector` matches no namespace of the inputs \
(such as kube-system's DNS) point outside what topoc sees and are not reported. Common causes: a podSelector that should have had a namespaceSelector \
beside it, a namespace without the expected label, or a label typo.",
    fail_example: fixture!("policy-peer-selects-nothing", "fail"),
    pass_example: fixture!("policy-peer-selects-nothing", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    for (pi, p) in t.policies.iter().enumerate() {
        for (ingress, dir, rules) in [(true, "from", &p.ingress), (false, "to", &p.egress)] {
            for (ri, rule) in rules.iter().enumerate() {
                let selections = k.policy_peer_selections(t, pi, ingress, ri);
                for (peer, sel) in rule.peers.iter().zip(selections.iter()) {
                    if peer.ip_block.is_some() || !sel.classes.is_empty() {
                        continue;
                    }
                    // A namespaceSelector that matches no namespace of the
                    // inputs points outside them (kube-system's DNS, a
                    // monitoring namespace): topoc cannot judge those pods.
                    if peer.namespace_selector.is_some() && sel.no_namespace {
                        continue;
                    }
                    let what = match (&peer.pod_selector, &peer.namespace_selector) {
                        (Some(_), Some(_)) => "pods matching both selectors",
                        (Some(_), None) => "pods in the policy's namespace",
                        _ => "namespaces with pods",
                    };
                    out.push(
                        Diagnostic::new(
                            &POLICY_PEER_SELECTS_NOTHING,
                            peer.origin.span,
                            format!(
                                "this `{dir}` peer of NetworkPolicy `{}` selects no workload (it matches no {what})",
                                p.name
                            ),
                        )
                        .with_help("a podSelector without namespaceSelector only matches the policy's namespace; selectors in one entry are ANDed")
                        .with_resource(policy_resource(t, p)),
                    );
                }
            }
        }
    }
    out
}
