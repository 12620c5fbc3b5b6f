//! ## ipblock-except-invalid (TOPO410, error)
//!
//! Every `except` entry of an ipBlock must be a strict subset of its `cidr`
//! (the API server rejects the policy otherwise).

use super::kube_common::policy_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, IPBLOCK_EXCEPT_INVALID};
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: &IPBLOCK_EXCEPT_INVALID,
    doc: "An ipBlock allows `cidr` minus its `except` entries, and the API server requires \
every `except` to be a strict subset of `cidr` (\"must be a strict subset of `cidr`\"). An \
except outside the cidr, equal to it, or of the other address family is rejected, or — with \
lenient tooling — silently excepts nothing. Fix the CIDR arithmetic.",
    fail_example: fixture!("ipblock-except-invalid", "fail"),
    pass_example: fixture!("ipblock-except-invalid", "pass"),
    check,
};

fn strict_subset(e: &IpNet, cidr: &IpNet) -> bool {
    cidr.contains(e) && e.prefix_len() > cidr.prefix_len()
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for p in &t.policies {
        for rule in p.ingress.iter().chain(&p.egress) {
            for b in rule.peers.iter().filter_map(|x| x.ip_block.as_ref()) {
                for (i, e) in b.except.iter().enumerate() {
                    if strict_subset(e, &b.cidr) {
                        continue;
                    }
                    let span = b.except_origins.get(i).unwrap_or(&b.origin).span;
                    out.push(
                        Diagnostic::new(
                            &IPBLOCK_EXCEPT_INVALID,
                            span,
                            format!("except `{e}` is not a strict subset of cidr `{}`", b.cidr),
                        )
                        .with_help("every except entry must lie inside the ipBlock's cidr and be smaller than it")
                        .with_resource(policy_resource(t, p)),
                    );
                }
            }
        }
    }
    out
}
