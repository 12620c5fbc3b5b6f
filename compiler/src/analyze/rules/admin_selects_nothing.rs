//! ## admin-selects-nothing (TOPO415, warning)
//!
//! An AdminNetworkPolicy or BaselineAdminNetworkPolicy whose `subject`, or
//! one of whose `namespaces`/`pods` peers, selects no workload of the inputs.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{ADMIN_SELECTS_NOTHING, Diagnostic};

pub static RULE: Rule = Rule {
    code: &ADMIN_SELECTS_NOTHING,
    doc: "A cluster-wide policy whose `subject` selects no pod applies to nothing; a `namespaces` \
or `pods` peer that selects no pod makes its rule match nothing from (or to) pods. Usually a label \
typo (`kubernetes.io/metadata.name` misspelled, a namespace label nobody sets) or a policy written \
for namespaces that are not among the inputs. Fix the selector, or remove the rule.",
    fail_example: fixture!("admin-selects-nothing", "fail"),
    pass_example: fixture!("admin-selects-nothing", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    if k.classes.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (pi, p) in t.admin_policies.iter().enumerate() {
        let resource = format!("{}/{}", p.kind(), p.name);
        if k.admin_classes[pi].is_empty() {
            out.push(
                Diagnostic::new(
                    &ADMIN_SELECTS_NOTHING,
                    p.subject.origin.span,
                    format!(
                        "the subject of {} `{}` selects no workload",
                        p.kind(),
                        p.name
                    ),
                )
                .with_help("fix the subject's selectors so they match the pods it is meant for")
                .with_resource(resource.clone()),
            );
        }
        for r in p.ingress.iter().chain(&p.egress) {
            for peer in r.peers.iter().filter(|peer| peer.ip_block.is_none()) {
                // Admin peers always carry a namespaceSelector.
                if k.admin_peer_classes(pi, peer).is_empty() {
                    out.push(
                        Diagnostic::new(
                            &ADMIN_SELECTS_NOTHING,
                            peer.origin.span,
                            format!(
                                "a peer of rule `{}` of {} `{}` selects no workload",
                                r.name,
                                p.kind(),
                                p.name
                            ),
                        )
                        .with_help("fix the peer's selectors, or remove it")
                        .with_resource(resource.clone()),
                    );
                }
            }
        }
    }
    out
}
