//! Representative peers of the exposure analysis: one per distinct selector
//! pair of the policies' rules, named as the reference prints them, and
//! matched by a rule when each of the rule's requirements is one of theirs.

use super::super::kube::Engine;
use crate::ir::{Direction, LabelSelector, NamespaceId, Peer, SelectorOp, Topology};
use crate::resolve::kube::{KubeResolved, NAMESPACE_NAME_LABEL};
use std::collections::HashSet;

/// One requirement of a selector in comparable form: `matchLabels` entries
/// are `=`, expression values a sorted set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Op {
    Equals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// A selector as a sorted set of requirements (empty: everything).
type Requirements = Vec<Requirement>;

fn requirements(sel: Option<&LabelSelector>) -> Requirements {
    let Some(sel) = sel else {
        return Vec::new();
    };
    let mut out: Requirements = sel
        .match_labels
        .iter()
        .map(|(k, v)| Requirement {
            key: k.clone(),
            op: Op::Equals,
            values: vec![v.clone()],
        })
        .collect();
    for r in &sel.match_expressions {
        let mut values = r.values.clone();
        values.sort();
        values.dedup();
        let op = match r.op {
            SelectorOp::In => Op::In,
            SelectorOp::NotIn => Op::NotIn,
            SelectorOp::Exists => Op::Exists,
            SelectorOp::DoesNotExist => Op::DoesNotExist,
        };
        out.push(Requirement {
            key: r.key.clone(),
            op,
            values,
        });
    }
    out.sort();
    out.dedup();
    out
}

/// Whether every requirement of `rule` is one of `rep`'s (both sorted).
fn subset(rule: &Requirements, rep: &Requirements) -> bool {
    rule.iter().all(|r| rep.binary_search(r).is_ok())
}

/// The reference's text of a selector: `matchLabels` as `k=v` by key, then
/// each expression as Go prints a `LabelSelectorRequirement`, by key, with
/// its values as written.
fn selector_text(sel: &LabelSelector) -> String {
    let mut labels: Vec<(&String, &String)> = sel.match_labels.iter().collect();
    labels.sort();
    let mut exprs: Vec<_> = sel.match_expressions.iter().collect();
    exprs.sort_by(|a, b| a.key.cmp(&b.key));
    let parts: Vec<String> = labels
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(exprs.into_iter().map(|r| {
            let op = match r.op {
                SelectorOp::In => "In",
                SelectorOp::NotIn => "NotIn",
                SelectorOp::Exists => "Exists",
                SelectorOp::DoesNotExist => "DoesNotExist",
            };
            format!(
                "{{Key:{},Operator:{op},Values:[{}],}}",
                r.key,
                r.values.join(" ")
            )
        }))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// A representative peer: pods of the namespaces `ns` selects, with the
/// labels `pods` selects.
pub(super) struct Representative {
    ns: Requirements,
    pods: Requirements,
    /// As printed: `[namespace with {..}]/[pod with {..}]`, `ns/[all pods]`, ...
    pub(super) name: String,
}

/// The namespace requirement of a peer without `namespaceSelector`.
fn own_namespace(name: &str) -> Requirements {
    vec![Requirement {
        key: NAMESPACE_NAME_LABEL.to_string(),
        op: Op::Equals,
        values: vec![name.to_string()],
    }]
}

/// The namespace a selector names by `kubernetes.io/metadata.name` alone.
fn named_namespace(ns: &Requirements) -> Option<&str> {
    match ns.as_slice() {
        [r] if r.key == NAMESPACE_NAME_LABEL && r.op == Op::Equals => Some(&r.values[0]),
        _ => None,
    }
}

/// A rule peer's selector pair, in comparable form.
fn peer_requirements(
    t: &Topology,
    policy_ns: Option<NamespaceId>,
    p: &Peer,
) -> (Requirements, Requirements) {
    let ns = match (&p.namespace_selector, policy_ns) {
        (None, Some(ns)) => own_namespace(&t.namespace(ns).name),
        (sel, _) => requirements(sel.as_ref()),
    };
    (ns, requirements(p.pod_selector.as_ref()))
}

/// The printed name of a new representative for peer `p`.
fn representative_name(
    t: &Topology,
    policy_ns: Option<NamespaceId>,
    p: &Peer,
    ns: &Requirements,
) -> String {
    let ns_text = match (named_namespace(ns), &p.namespace_selector, policy_ns) {
        (Some(name), _, _) => name.to_string(),
        (None, None, Some(id)) => t.namespace(id).name.clone(),
        (None, Some(sel), _) if !sel.is_empty() => {
            format!("[namespace with {}]", selector_text(sel))
        }
        _ => "[all namespaces]".to_string(),
    };
    let pod_text = match &p.pod_selector {
        Some(sel) if !sel.is_empty() => format!("[pod with {}]", selector_text(sel)),
        _ => "[all pods]".to_string(),
    };
    format!("{ns_text}/{pod_text}")
}

/// Per engine rule in use: its direction's peers and the namespace of its
/// NetworkPolicy (None for an admin rule).
fn rules_in_use<'t>(t: &'t Topology, e: &Engine) -> Vec<(u32, &'t [Peer], Option<NamespaceId>)> {
    let mut seen = vec![false; e.rules.len()];
    let mut out = Vec::new();
    for (d, dir) in [(0, Direction::Ingress), (1, Direction::Egress)] {
        let np = if d == 0 {
            &e.ingress_rules
        } else {
            &e.egress_rules
        };
        let lists = np
            .iter()
            .chain(&e.admin_rules[d])
            .chain(&e.baseline_rules[d]);
        for list in lists {
            for &ri in list {
                if std::mem::replace(&mut seen[ri as usize], true) {
                    continue;
                }
                let (pi, rj) = e.rule_source[ri as usize];
                let (peers, ns): (&[Peer], _) = match e.actions[ri as usize] {
                    None => {
                        let p = &t.policies[pi as usize];
                        let rules = match dir {
                            Direction::Ingress => &p.ingress,
                            Direction::Egress => &p.egress,
                        };
                        (&rules[rj as usize].peers, Some(p.namespace))
                    }
                    Some(_) => {
                        let p = &t.admin_policies[pi as usize];
                        let rules = match dir {
                            Direction::Ingress => &p.ingress,
                            Direction::Egress => &p.egress,
                        };
                        (&rules[rj as usize].peers, None)
                    }
                };
                out.push((ri, peers, ns));
            }
        }
    }
    out.sort_by_key(|(ri, _, _)| *ri);
    out
}

/// Whether a representative stands for a workload of the inputs: its
/// namespace is named and present, and its `matchLabels` (no expressions)
/// are exactly the labels of a class there.
fn stands_for_a_workload(t: &Topology, r: &KubeResolved, rep: &Representative) -> bool {
    let Some(name) = named_namespace(&rep.ns) else {
        return false;
    };
    if rep.pods.is_empty() || rep.pods.iter().any(|q| q.op != Op::Equals) {
        return false;
    }
    let Some(ns) = t.namespaces.iter().position(|n| n.name == name) else {
        return false;
    };
    r.ns_classes[ns].iter().any(|c| {
        let labels = &r.classes[c.index()].labels;
        labels.len() == rep.pods.len()
            && rep
                .pods
                .iter()
                .all(|q| labels.get(&q.key) == Some(&q.values[0]))
    })
}

/// The representatives of every policy in effect (but those standing for a
/// workload of the inputs), and the engine's rules in use told which of
/// them they match.
pub(super) fn representatives(
    t: &Topology,
    r: &KubeResolved,
    e: &mut Engine,
) -> Vec<Representative> {
    let mut reps: Vec<Representative> = Vec::new();
    let mut seen: HashSet<(Requirements, Requirements)> = HashSet::new();
    // Every policy in effect contributes, whether or not it selects a pod
    // of the inputs: a rule applying to a workload may match them.
    // A NetworkPolicy's rules count in the directions it isolates only.
    let np_peers = t.policies.iter().flat_map(|p| {
        let ingress = if p.isolates_ingress {
            &p.ingress[..]
        } else {
            &[]
        };
        let egress = if p.isolates_egress {
            &p.egress[..]
        } else {
            &[]
        };
        ingress
            .iter()
            .chain(egress)
            .flat_map(move |rule| rule.peers.iter().map(move |peer| (peer, Some(p.namespace))))
    });
    let admin = super::super::tiers::admin_order(t)
        .into_iter()
        .chain(super::super::tiers::baselines(t));
    let admin_peers = admin.flat_map(|i| {
        let p = &t.admin_policies[i];
        p.ingress
            .iter()
            .chain(&p.egress)
            .flat_map(|rule| rule.peers.iter().map(|peer| (peer, None)))
    });
    for (p, policy_ns) in np_peers.chain(admin_peers) {
        if p.ip_block.is_some() {
            continue;
        }
        let (ns, pods) = peer_requirements(t, policy_ns, p);
        // Both selectors empty: the entire cluster, not a representative.
        let entire = ns.is_empty() && pods.is_empty();
        if !entire && seen.insert((ns.clone(), pods.clone())) {
            let name = representative_name(t, policy_ns, p, &ns);
            reps.push(Representative { ns, pods, name });
        }
    }
    let rule_peers: Vec<(u32, Vec<(Requirements, Requirements)>)> = rules_in_use(t, e)
        .into_iter()
        .map(|(ri, peers, policy_ns)| {
            let pairs = peers
                .iter()
                .filter(|p| p.ip_block.is_none())
                .map(|p| peer_requirements(t, policy_ns, p))
                .collect();
            (ri, pairs)
        })
        .collect();
    reps.retain(|rep| !stands_for_a_workload(t, r, rep));
    for (ri, pairs) in rule_peers {
        let matched: Vec<u32> = (0..reps.len() as u32)
            .filter(|&k| {
                let rep = &reps[k as usize];
                pairs
                    .iter()
                    .any(|(ns, pods)| subset(ns, &rep.ns) && subset(pods, &rep.pods))
            })
            .collect();
        e.rules[ri as usize].representatives = matched;
    }
    reps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::LabelRequirement;

    fn sel(labels: &[(&str, &str)], exprs: &[(&str, SelectorOp, &[&str])]) -> LabelSelector {
        LabelSelector {
            match_labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            match_expressions: exprs
                .iter()
                .map(|(k, op, vs)| LabelRequirement {
                    key: k.to_string(),
                    op: *op,
                    values: vs.iter().map(|v| v.to_string()).collect(),
                })
                .collect(),
            origin: None,
        }
    }

    #[test]
    fn selector_text_is_the_references() {
        let s = sel(
            &[("foo", "managed")],
            &[
                ("env", SelectorOp::Exists, &[]),
                ("app", SelectorOp::NotIn, &["web", "api"]),
            ],
        );
        assert_eq!(
            selector_text(&s),
            "{foo=managed,{Key:app,Operator:NotIn,Values:[web api],},{Key:env,Operator:Exists,Values:[],}}"
        );
    }

    #[test]
    fn rules_match_representatives_by_literal_requirements() {
        let narrow = requirements(Some(&sel(
            &[],
            &[("role", SelectorOp::NotIn, &["w", "x", "y", "z"])],
        )));
        let wide = requirements(Some(&sel(&[], &[("role", SelectorOp::NotIn, &["y", "x"])])));
        assert!(
            !subset(&wide, &narrow),
            "NotIn [x y] is not a requirement of NotIn [w x y z]"
        );
        let same = requirements(Some(&sel(&[], &[("role", SelectorOp::NotIn, &["x", "y"])])));
        assert!(
            subset(&wide, &same) && subset(&same, &wide),
            "values are a set"
        );
        let both = requirements(Some(&sel(
            &[("app", "x")],
            &[("role", SelectorOp::NotIn, &["x", "y"])],
        )));
        assert!(subset(&wide, &both));
        assert!(
            subset(&Vec::new(), &both),
            "an empty selector matches every representative"
        );
        let eq = requirements(Some(&sel(&[("app", "x")], &[])));
        let in_op = requirements(Some(&sel(&[], &[("app", SelectorOp::In, &["x"])])));
        assert!(
            !subset(&eq, &in_op),
            "matchLabels and In are different requirements"
        );
    }
}
