//! ## policy-port-not-listening (TOPO404, warning)
//!
//! A port in a NetworkPolicy rule that no pod on the rule's destination side
//! declares: for an ingress rule the pods the policy selects, for an egress
//! rule the pods its peers select. Rules whose destinations include external
//! addresses (no peers, or an ipBlock) are skipped.

use super::kube_common::policy_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, POLICY_PORT_NOT_LISTENING};
use crate::ir::{PortRef, WorkloadId};
use crate::resolve::kube::ClassId;

pub static RULE: Rule = Rule {
    code: &POLICY_PORT_NOT_LISTENING,
    doc: "NetworkPolicy ports are container ports (after the Service's DNAT), resolved on \
the destination pods: for an ingress rule the pods the policy selects, for an egress rule the \
pods its peers select. A port (number or name, with its protocol) that none of those pods \
declares usually means the Service port was written instead of the targetPort, or a named \
port is misspelled — the intended traffic stays blocked. Rules that also reach external \
addresses are not checked.",
    fail_example: fixture!("policy-port-not-listening", "fail"),
    pass_example: fixture!("policy-port-not-listening", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    for (pi, p) in t.policies.iter().enumerate() {
        for (ingress, rules) in [(true, &p.ingress), (false, &p.egress)] {
            for (ri, rule) in rules.iter().enumerate() {
                let dest: Vec<ClassId> = if ingress {
                    k.policy_classes[pi].clone()
                } else {
                    if rule.peers.is_empty() || rule.peers.iter().any(|x| x.ip_block.is_some()) {
                        continue;
                    }
                    let mut v: Vec<ClassId> = k
                        .policy_peer_selections(t, pi, false, ri)
                        .iter()
                        .flat_map(|x| x.classes.iter().map(|c| ClassId(c as u32)))
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                };
                if dest.is_empty() {
                    continue;
                }
                let pods: Vec<WorkloadId> = k.members(&dest).collect();
                for port in &rule.ports {
                    let Some(pr) = &port.port else { continue };
                    let listens = pods.iter().any(|&w| {
                        t.workload(w).ports.iter().any(|cp| {
                            cp.protocol == port.protocol
                                && match pr {
                                    PortRef::Number(n) => {
                                        (*n..=port.end_port.unwrap_or(*n)).contains(&cp.port)
                                    }
                                    PortRef::Name(n) => cp.name.as_deref() == Some(n),
                                }
                        })
                    });
                    if listens {
                        continue;
                    }
                    let shown = match (pr, port.end_port) {
                        (PortRef::Number(n), Some(e)) if e != *n => format!("{n}-{e}"),
                        (PortRef::Number(n), _) => n.to_string(),
                        (PortRef::Name(n), _) => format!("`{n}`"),
                    };
                    let side = if ingress { "selected" } else { "destination" };
                    out.push(
                        Diagnostic::new(
                            &POLICY_PORT_NOT_LISTENING,
                            port.origin.span,
                            format!(
                                "port {shown}/{} in NetworkPolicy `{}` is not declared by any {side} pod",
                                port.protocol.as_str(),
                                p.name
                            ),
                        )
                        .with_related(
                            t.workload(pods[0]).origin.span,
                            format!("a {side} pod: `{}`", t.workload(pods[0]).name),
                        )
                        .with_help("policy ports are container ports (the Service's targetPort), resolved on the destination pods")
                        .with_resource(policy_resource(t, p)),
                    );
                }
            }
        }
    }
    out
}
