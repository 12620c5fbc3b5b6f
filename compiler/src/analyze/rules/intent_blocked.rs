//! ## intent-blocked (TOPO411, error)
//!
//! An expected flow — an env URL or `*_HOST`/`*_PORT` pair naming a
//! Service, a `topoc.dev/talks-to` annotation, an Istio route destination —
//! that the effective NetworkPolicies deny (to every pod of the target).

use super::kube_common::workload_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, INTENT_BLOCKED};
use crate::ir::{IntentTarget, PortRef, WorkloadId};
use crate::resolve::kube::ClassId;

pub static RULE: Rule = Rule {
    code: &INTENT_BLOCKED,
    doc: "topoc derives expected flows from the configuration: URLs and host/port pairs in \
env values that name a Service, the `topoc.dev/talks-to` annotation \
(`service[.namespace][:port[/protocol]]`, comma-separated), and Istio route destinations of a \
Service a workload talks to. When the NetworkPolicies deny such a flow to every pod behind the \
Service — the client's egress or the server's ingress — the application will fail at runtime. \
The Service port is translated to its targetPort, as policies apply after DNAT. The related \
locations are the policies that isolate the flow.",
    fail_example: fixture!("intent-blocked", "fail"),
    pass_example: fixture!("intent-blocked", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    if t.policies.is_empty() {
        return Vec::new();
    }
    let engine = ctx.kube_engine();
    // Policies per class they select, ascending: a blocked flow's isolating
    // policies are among those of its source and destination classes (a
    // scan of every policy of their namespaces per finding was quadratic in
    // namespaces of thousands of policies).
    let mut class_policies: Vec<Vec<usize>> = vec![Vec::new(); k.classes.len()];
    for (pi, classes) in k.policy_classes.iter().enumerate() {
        for c in classes {
            class_policies[c.index()].push(pi);
        }
    }
    let mut out = Vec::new();
    for intent in &t.intents {
        let Some(sc) = k.class_of[intent.from.index()] else {
            continue;
        };
        // Destination pods and the container port each expects.
        let (targets, service): (&[WorkloadId], Option<&crate::ir::Service>) = match &intent.to {
            IntentTarget::Service(s) => (
                &k.service_workloads[s.index()],
                Some(&t.services[s.index()]),
            ),
            IntentTarget::Workload(w) => (std::slice::from_ref(w), None),
        };
        if targets.is_empty() {
            continue;
        }
        let mut any_allowed = false;
        let mut blocking_classes: Vec<ClassId> = Vec::new();
        for &w in targets {
            let Some(dc) = k.class_of[w.index()] else {
                continue;
            };
            let conn = engine.pair(sc, dc);
            let need = match (intent.port, service) {
                (None, _) => None,
                (Some(p), Some(s)) => {
                    let sp = s
                        .ports
                        .iter()
                        .find(|sp| sp.port == p && sp.protocol == intent.protocol);
                    match sp.map(|sp| &sp.target) {
                        Some(PortRef::Number(n)) => Some(*n),
                        Some(PortRef::Name(n)) => {
                            k.classes[dc.index()].named_port(n, intent.protocol)
                        }
                        None => Some(p),
                    }
                }
                (Some(p), None) => Some(p),
            };
            let ok = match need {
                None => !conn.is_empty(),
                Some(p) => conn.contains_port(intent.protocol, p),
            };
            if ok {
                any_allowed = true;
                break;
            }
            blocking_classes.push(dc);
        }
        if any_allowed {
            continue;
        }
        let from = t.workload(intent.from);
        let port = intent.port.map_or(String::new(), |p| {
            format!(" on {p}/{}", intent.protocol.as_str())
        });
        // OVN-Kubernetes isolates primary user-defined networks: no policy
        // can open a flow between two of them.
        let across = blocking_classes
            .iter()
            .all(|&dc| !engine.same_network(sc, dc));
        let (why, help) = if across {
            (
                "but it is on another pod network (OVN-Kubernetes user-defined networks are isolated)",
                "put both namespaces on one pod network (the same primary UserDefinedNetwork or ClusterUserDefinedNetwork, or none)",
            )
        } else {
            (
                "but NetworkPolicies deny it",
                "allow the flow in the client's egress and in the server's ingress policies (policy ports are container ports)",
            )
        };
        let mut d = Diagnostic::new(
            &INTENT_BLOCKED,
            intent.origin.span,
            format!(
                "`{}` expects to reach `{}`{port} ({}), {why}",
                from.name,
                intent.target_name,
                intent.source.as_str()
            ),
        )
        .with_help(help)
        .with_resource(workload_resource(t, intent.from));
        // The policies that isolate the flow, per side, in declaration order.
        blocking_classes.sort_unstable();
        blocking_classes.dedup();
        let mut candidates: Vec<usize> = std::iter::once(sc)
            .chain(blocking_classes.iter().copied())
            .flat_map(|c| class_policies[c.index()].iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for pi in candidates {
            let p = &t.policies[pi];
            let sel = &k.policy_classes[pi];
            let isolates_src = p.isolates_egress && sel.binary_search(&sc).is_ok();
            let isolates_dst = p.isolates_ingress
                && blocking_classes
                    .iter()
                    .any(|c| sel.binary_search(c).is_ok());
            if isolates_src {
                d = d.with_related(
                    p.origin.span,
                    format!("`{}` isolates the egress of `{}`", p.name, from.name),
                );
            }
            if isolates_dst {
                d = d.with_related(
                    p.origin.span,
                    format!(
                        "`{}` isolates the ingress of the pods behind `{}`",
                        p.name, intent.target_name
                    ),
                );
            }
        }
        out.push(d);
    }
    out
}
