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
use crate::ir::{PortRef, Protocol, Topology, WorkloadId};
use crate::resolve::kube::{ClassId, KubeResolved, PeerSelection};

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
                let selections;
                let dest = if ingress {
                    Dest::Selected(&k.policy_classes[pi])
                } else {
                    if rule.peers.is_empty() || rule.peers.iter().any(|x| x.ip_block.is_some()) {
                        continue;
                    }
                    selections = k.policy_peer_selections(t, pi, false, ri);
                    Dest::Peers(&selections)
                };
                if dest.is_empty() {
                    continue;
                }
                for port in &rule.ports {
                    let Some(pr) = &port.port else { continue };
                    if listens(t, k, &dest, port.protocol, pr, port.end_port) {
                        continue;
                    }
                    let shown = match (pr, port.end_port) {
                        (PortRef::Number(n), Some(e)) if e != *n => format!("{n}-{e}"),
                        (PortRef::Number(n), _) => n.to_string(),
                        (PortRef::Name(n), _) => format!("`{n}`"),
                    };
                    let side = if ingress { "selected" } else { "destination" };
                    let mut d = Diagnostic::new(
                        &POLICY_PORT_NOT_LISTENING,
                        port.origin.span,
                        format!(
                            "port {shown}/{} in NetworkPolicy `{}` is not declared by any {side} pod",
                            port.protocol.as_str(),
                            p.name
                        ),
                    );
                    if let Some(pod) = dest.first_pod(k).map(|w| t.workload(w)) {
                        let text = format!("a {side} pod: `{}`", pod.name);
                        d = d.with_related(pod.origin.span, text);
                    }
                    out.push(
                        d.with_help("policy ports are container ports (the Service's targetPort), resolved on the destination pods")
                            .with_resource(policy_resource(t, p)),
                    );
                }
            }
        }
    }
    out
}

/// The pods a rule's ports are resolved on, as classes.
enum Dest<'a> {
    /// An ingress rule's: the classes the policy selects (ascending).
    Selected(&'a [ClassId]),
    /// An egress rule's: those its peers select.
    Peers(&'a [PeerSelection]),
}

impl Dest<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Dest::Selected(c) => c.is_empty(),
            Dest::Peers(p) => p.iter().all(|x| x.classes.is_empty()),
        }
    }

    /// Its classes, as selected: a class two peers select comes twice
    /// (collecting, sorting and deduplicating them per rule was most of the
    /// rule's time where peers select whole namespaces).
    fn classes(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            Dest::Selected(c) => Box::new(c.iter().map(|c| c.0)),
            Dest::Peers(p) => Box::new(p.iter().flat_map(|x| x.classes.iter().map(|c| c as u32))),
        }
    }

    /// The finding's example pod: the first of its lowest class.
    fn first_pod(&self, k: &KubeResolved) -> Option<WorkloadId> {
        let members = |c: u32| &k.classes[c as usize].members;
        let lowest = self.classes().filter(|&c| !members(c).is_empty()).min()?;
        members(lowest).first().copied()
    }
}

/// Whether a pod of `dest` declares the port (a number up to `end`, or a
/// name) with `protocol`.
fn listens(
    t: &Topology,
    k: &KubeResolved,
    dest: &Dest,
    protocol: Protocol,
    port: &PortRef,
    end: Option<u16>,
) -> bool {
    let declares = |w: &WorkloadId| {
        t.workload(*w).ports.iter().any(|cp| {
            cp.protocol == protocol
                && match port {
                    PortRef::Number(n) => (*n..=end.unwrap_or(*n)).contains(&cp.port),
                    PortRef::Name(n) => cp.name.as_deref() == Some(n),
                }
        })
    };
    dest.classes()
        .any(|c| k.classes[c as usize].members.iter().any(declares))
}
