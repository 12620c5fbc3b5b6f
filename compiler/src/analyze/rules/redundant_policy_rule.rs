//! ## redundant-policy-rule (TOPO409, warning)
//!
//! A rule of a NetworkPolicy whose allowed set (peers × ports, on the pods
//! of the input) the policy's other rules of the same direction already
//! cover. Of two identical rules the later one is reported.

use super::kube_common::policy_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::analyze::connectivity::ConnSet;
use crate::analyze::connectivity::ipset;
use crate::analyze::connectivity::kube::RuleInfo;
use crate::diagnostic::{Diagnostic, REDUNDANT_POLICY_RULE};
use crate::resolve::kube::{ClassId, KubeResolved};
use std::collections::HashMap;

pub static RULE: Rule = Rule {
    code: &REDUNDANT_POLICY_RULE,
    doc: "NetworkPolicy rules are a union: a rule whose peers and ports are already covered by \
the other rules of the same policy and direction adds nothing. It is usually a leftover of an \
edit, or a sign that another rule is broader than intended (a missing `ports`, an empty \
selector). Coverage is judged on the workloads of the input and on every external address. \
Remove the redundant rule or narrow the broad one.",
    fail_example: fixture!("redundant-policy-rule", "fail"),
    pass_example: fixture!("redundant-policy-rule", "pass"),
    check,
};

/// What a rule allows towards every (peer, destination) of the input:
/// pod peers by class, external peers by piece.
struct Allowed {
    /// ((peer class, destination class), connections).
    pods: Vec<((u32, u32), ConnSet)>,
    ext: Vec<(ipset::Range, ConnSet)>,
}

fn allowed(
    k: &KubeResolved,
    info: &RuleInfo,
    ingress: bool,
    selected: &[ClassId],
    pieces: &[ipset::Range],
) -> Allowed {
    let mut pods = Vec::new();
    for c in 0..k.classes.len() as u32 {
        let c = ClassId(c);
        if !info.matches_class(c) {
            continue;
        }
        if ingress {
            for d in selected {
                pods.push(((c.0, d.0), info.conn_to(&k.classes[d.index()])));
            }
        } else {
            pods.push(((c.0, c.0), info.conn_to(&k.classes[c.index()])));
        }
    }
    let mut ext = Vec::new();
    for &piece in pieces {
        if !info.matches_piece(piece) {
            continue;
        }
        if ingress {
            for d in selected {
                ext.push((piece, info.conn_to(&k.classes[d.index()])));
            }
        } else {
            ext.push((piece, info.fixed.clone()));
        }
    }
    Allowed { pods, ext }
}

fn covered(a: &Allowed, others: &[&Allowed]) -> bool {
    let mut pods: HashMap<(u32, u32), ConnSet> = HashMap::new();
    let mut ext: HashMap<ipset::Range, ConnSet> = HashMap::new();
    for o in others {
        for (key, c) in &o.pods {
            pods.entry(*key).or_default().union_with(c);
        }
        for (piece, c) in &o.ext {
            ext.entry(*piece).or_default().union_with(c);
        }
    }
    a.pods
        .iter()
        .all(|(key, c)| c.is_empty() || pods.get(key).is_some_and(|u| u.contains(c)))
        && a.ext
            .iter()
            .all(|(p, c)| c.is_empty() || ext.get(p).is_some_and(|u| u.contains(c)))
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    for (pi, p) in t.policies.iter().enumerate() {
        for (ingress, rules) in [(true, &p.ingress), (false, &p.egress)] {
            if rules.len() < 2 {
                continue;
            }
            let infos: Vec<RuleInfo> = rules
                .iter()
                .map(|r| RuleInfo::new(t, k, p.namespace, r))
                .collect();
            let ips: Vec<ipset::Range> = infos.iter().flat_map(|i| i.ips.iter().copied()).collect();
            let pieces = ipset::pieces(&ips);
            let sets: Vec<Allowed> = infos
                .iter()
                .map(|i| allowed(k, i, ingress, &k.policy_classes[pi], &pieces))
                .collect();
            let mut flagged = vec![false; rules.len()];
            // Later rules first, so that of two equal rules the later one is reported.
            for i in (0..rules.len()).rev() {
                let a = &sets[i];
                if a.pods.iter().all(|(_, c)| c.is_empty())
                    && a.ext.iter().all(|(_, c)| c.is_empty())
                {
                    continue; // allows nothing on this input: other rules report that
                }
                let others: Vec<&Allowed> = (0..rules.len())
                    .filter(|&j| j != i && !(j > i && flagged[j]))
                    .map(|j| &sets[j])
                    .collect();
                if covered(a, &others) {
                    flagged[i] = true;
                    out.push(
                        Diagnostic::new(
                            &REDUNDANT_POLICY_RULE,
                            rules[i].origin.span,
                            format!(
                                "this {} rule of NetworkPolicy `{}` allows nothing its other rules do not already allow",
                                if ingress { "ingress" } else { "egress" },
                                p.name
                            ),
                        )
                        .with_help("remove it, or narrow the broader rule if it allows more than intended")
                        .with_resource(policy_resource(t, p)),
                    );
                }
            }
        }
    }
    out
}
