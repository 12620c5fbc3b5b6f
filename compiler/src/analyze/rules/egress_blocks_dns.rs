//! ## egress-blocks-dns (TOPO406, error / warning)
//!
//! A workload whose egress is isolated but no egress rule allows UDP 53 to
//! kube-dns (or to anywhere): every name lookup times out. UDP allowed but
//! TCP 53 not is a warning (large answers and retries use TCP).

use super::kube_common::{list, policy_resource};
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::analyze::connectivity::kube::RuleInfo;
use crate::diagnostic::{Diagnostic, EGRESS_BLOCKS_DNS, Severity};
use crate::ir::{LabelSelector, Labels, Protocol};
use crate::resolve::kube::{ClassId, KubeResolved, NAMESPACE_NAME_LABEL};

pub static RULE: Rule = Rule {
    code: &EGRESS_BLOCKS_DNS,
    doc: "Once a pod's egress is isolated, DNS is blocked too unless a rule allows it: every \
name lookup times out and the application fails in confusing ways. Allow UDP **and** TCP \
port 53 to kube-dns (`namespaceSelector` for kube-system with `podSelector` \
`k8s-app: kube-dns`), or to anywhere. A missing UDP 53 is an error; UDP without TCP is a \
warning (truncated answers retry over TCP). The finding points at the policy's \
`policyTypes` (else its `egress` key) and names the affected workloads.",
    fail_example: fixture!("egress-blocks-dns", "fail"),
    pass_example: fixture!("egress-blocks-dns", "pass"),
    check,
};

/// Whether a rule's peers can reach the cluster DNS: every peer, an ipBlock
/// (node-local or external resolvers), a kube-dns class in the input, or a
/// peer that would select kube-dns pods in `kube-system`.
fn reaches_dns(
    k: &KubeResolved,
    info: &RuleInfo,
    rule: &crate::ir::PolicyRule,
    dns: &[ClassId],
) -> bool {
    if info.all_peers || !info.ips.is_empty() || dns.iter().any(|c| info.matches_class(*c)) {
        return true;
    }
    let mut ns_labels = Labels::default();
    ns_labels.insert(NAMESPACE_NAME_LABEL.into(), "kube-system".into());
    let mut pod_labels = Labels::default();
    pod_labels.insert("k8s-app".into(), "kube-dns".into());
    let _ = k;
    rule.peers.iter().any(|p| {
        p.namespace_selector
            .as_ref()
            .is_some_and(|s| s.matches(&ns_labels))
            && p.pod_selector
                .as_ref()
                .is_none_or(|s: &LabelSelector| s.matches(&pod_labels))
    })
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let engine = ctx.kube_engine();
    let dns: Vec<ClassId> = (0..k.classes.len() as u32)
        .map(ClassId)
        .filter(|c| {
            let cl = &k.classes[c.index()];
            cl.labels.get("k8s-app").is_some_and(|v| v == "kube-dns")
                || cl.labels.get("k8s-app").is_some_and(|v| v == "coredns")
        })
        .collect();
    // Flatten the rules in the same order Engine::new numbers them.
    let mut flat = Vec::new();
    for p in &t.policies {
        flat.extend(p.ingress.iter());
        flat.extend(p.egress.iter());
    }
    // Per rule: whether it allows DNS over (UDP, TCP); it depends on the
    // rule alone, so it is judged once, not per class it applies to.
    let mut per_rule: Vec<Option<(bool, bool)>> = vec![None; engine.rules.len()];
    let mut rule_verdict = |ri: usize| {
        *per_rule[ri].get_or_insert_with(|| {
            let info = &engine.rules[ri];
            if !reaches_dns(k, info, flat[ri], &dns) {
                return (false, false);
            }
            let mut conn = info.fixed.clone();
            for d in &dns {
                conn.union_with(&info.conn_to(&k.classes[d.index()]));
            }
            (
                conn.contains_port(Protocol::Udp, 53),
                conn.contains_port(Protocol::Tcp, 53),
            )
        })
    };
    // Per class: (udp ok, tcp ok).
    let mut verdict: Vec<Option<(bool, bool)>> = vec![None; k.classes.len()];
    for (c, slot) in verdict.iter_mut().enumerate() {
        if !engine.egress_isolated[c] {
            continue;
        }
        let (mut udp, mut tcp) = (false, false);
        for &ri in &engine.egress_rules[c] {
            let (u, t) = rule_verdict(ri as usize);
            udp |= u;
            tcp |= t;
        }
        *slot = Some((udp, tcp));
    }
    let mut out = Vec::new();
    for (pi, p) in t.policies.iter().enumerate() {
        if !p.isolates_egress {
            continue;
        }
        let (mut no_udp, mut no_tcp) = (Vec::new(), Vec::new());
        for c in &k.policy_classes[pi] {
            if let Some((udp, tcp)) = verdict[c.index()] {
                let names = k.classes[c.index()]
                    .members
                    .iter()
                    .map(|w| t.workload(*w).name.clone());
                if !udp {
                    no_udp.extend(names);
                } else if !tcp {
                    no_tcp.extend(names);
                }
            }
        }
        let span = p
            .policy_types_origin
            .or(p.egress_origin)
            .unwrap_or(p.origin)
            .span;
        if !no_udp.is_empty() {
            out.push(
                Diagnostic::new(
                    &EGRESS_BLOCKS_DNS,
                    span,
                    format!(
                        "NetworkPolicy `{}` isolates the egress of {} but nothing allows DNS (UDP 53): name lookups will fail",
                        p.name,
                        list(&no_udp)
                    ),
                )
                .with_help("allow UDP and TCP 53 to kube-dns: `to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]`")
                .with_resource(policy_resource(t, p)),
            );
        } else if !no_tcp.is_empty() {
            let mut d = Diagnostic::new(
                &EGRESS_BLOCKS_DNS,
                span,
                format!(
                    "NetworkPolicy `{}` isolates the egress of {}: DNS over UDP 53 is allowed but TCP 53 is not",
                    p.name,
                    list(&no_tcp)
                ),
            )
            .with_help("also allow TCP 53: truncated DNS answers are retried over TCP")
            .with_resource(policy_resource(t, p));
            d.severity = Severity::Warning;
            out.push(d);
        }
    }
    out
}
