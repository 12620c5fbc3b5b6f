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
use crate::ir::FastMap;
use crate::resolve::kube::{ClassId, KubeResolved};

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
/// What one rule allows, kept factored: the pod part is peers × (what it
/// allows into each destination), which is checked per group of peers
/// instead of being expanded into every (peer, destination) pair — the
/// expansion was quadratic for rules whose peers span many namespaces.
struct Allowed<'a> {
    info: &'a RuleInfo,
    /// Ingress: what the rule allows into each selected class (the same for
    /// every peer). Egress: unused, the destination is the peer itself.
    to_selected: Vec<ConnSet>,
    ext: Vec<(ipset::Range, ConnSet)>,
}

impl Allowed<'_> {
    /// The rule's peer classes, ascending.
    fn peers<'s>(&'s self, k: &KubeResolved) -> Box<dyn Iterator<Item = ClassId> + 's> {
        if self.info.all_peers {
            Box::new((0..k.classes.len() as u32).map(ClassId))
        } else {
            Box::new(self.info.classes.iter().map(|c| ClassId(c as u32)))
        }
    }

    fn allows_nothing(&self, k: &KubeResolved, ingress: bool) -> bool {
        let pods_empty = if ingress {
            self.to_selected.iter().all(ConnSet::is_empty) || self.peers(k).next().is_none()
        } else {
            self.peers(k)
                .all(|c| self.info.conn_to(&k.classes[c.index()]).is_empty())
        };
        pods_empty && self.ext.iter().all(|(_, c)| c.is_empty())
    }
}

fn allowed<'a>(
    k: &KubeResolved,
    info: &'a RuleInfo,
    ingress: bool,
    selected: &[ClassId],
    pieces: &[ipset::Range],
) -> Allowed<'a> {
    let to_selected = if ingress {
        selected
            .iter()
            .map(|d| info.conn_to(&k.classes[d.index()]))
            .collect()
    } else {
        Vec::new()
    };
    let mut ext = Vec::new();
    for &piece in pieces {
        if !info.matches_piece(piece) {
            continue;
        }
        if ingress {
            for c in &to_selected {
                ext.push((piece, c.clone()));
            }
        } else {
            ext.push((piece, info.fixed.clone()));
        }
    }
    Allowed {
        info,
        to_selected,
        ext,
    }
}

/// Whether the rules `others` together allow everything `a` allows.
/// Whether the rules `matching` (indexes into `others`) together allow
/// everything `a` allows towards the pods its policy selects (ingress).
fn selected_covered(
    a: &Allowed,
    others: &[&Allowed],
    matching: impl Iterator<Item = usize> + Clone,
) -> bool {
    let any = matching.clone().next().is_some();
    a.to_selected.iter().enumerate().all(|(di, need)| {
        let mut have = ConnSet::none();
        for j in matching.clone() {
            have.union_with(&others[j].to_selected[di]);
        }
        need.is_empty() || (any && have.contains(need))
    })
}

fn covered(k: &KubeResolved, ingress: bool, a: &Allowed, others: &[&Allowed]) -> bool {
    let mut ext: FastMap<ipset::Range, ConnSet> = FastMap::default();
    for o in others {
        for (piece, c) in &o.ext {
            ext.entry(*piece).or_default().union_with(c);
        }
    }
    let ext_ok = a
        .ext
        .iter()
        .all(|(p, c)| c.is_empty() || ext.get(p).is_some_and(|u| u.contains(c)));
    if !ext_ok {
        return false;
    }
    // Peers that the same other rules match are covered alike (ingress), so
    // each distinct set of matching rules is judged once. Policies have few
    // rules: the set is a bitmask then, found among the few judged ones
    // without hashing or allocating per peer.
    if ingress && others.len() <= 64 {
        let mut judged: Vec<(u64, bool)> = Vec::new();
        return a.peers(k).all(|c| {
            let mask = (0..others.len())
                .filter(|&j| others[j].info.matches_class(c))
                .fold(0u64, |m, j| m | 1 << j);
            if let Some(&(_, ok)) = judged.iter().find(|(m, _)| *m == mask) {
                return ok;
            }
            let ok = selected_covered(
                a,
                others,
                (0..others.len()).filter(|j| mask & (1 << j) != 0),
            );
            judged.push((mask, ok));
            ok
        });
    }
    let mut judged: FastMap<Vec<usize>, bool> = FastMap::default();
    a.peers(k).all(|c| {
        let matching: Vec<usize> = (0..others.len())
            .filter(|&j| others[j].info.matches_class(c))
            .collect();
        if ingress {
            *judged
                .entry(matching)
                .or_insert_with_key(|m| selected_covered(a, others, m.iter().copied()))
        } else {
            let dst = &k.classes[c.index()];
            let need = a.info.conn_to(dst);
            let mut have = ConnSet::none();
            for &j in &matching {
                have.union_with(&others[j].info.conn_to(dst));
            }
            need.is_empty() || (!matching.is_empty() && have.contains(&need))
        }
    })
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    if !t
        .policies
        .iter()
        .any(|p| p.ingress.len() > 1 || p.egress.len() > 1)
    {
        return out;
    }
    // The engine's rules, numbered policy by policy, ingress then egress
    // (`Engine::new`): evaluated once for every rule that needs them.
    let engine = ctx.kube_engine();
    let mut first = 0;
    for (pi, p) in t.policies.iter().enumerate() {
        let at = first;
        first += p.ingress.len() + p.egress.len();
        for (ingress, rules) in [(true, &p.ingress), (false, &p.egress)] {
            if rules.len() < 2 {
                continue;
            }
            let from = if ingress { at } else { at + p.ingress.len() };
            let infos: &[RuleInfo] = &engine.rules[from..from + rules.len()];
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
                if a.allows_nothing(k, ingress) {
                    continue; // allows nothing on this input: other rules report that
                }
                let others: Vec<&Allowed> = (0..rules.len())
                    .filter(|&j| j != i && !(j > i && flagged[j]))
                    .map(|j| &sets[j])
                    .collect();
                if covered(k, ingress, a, &others) {
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
