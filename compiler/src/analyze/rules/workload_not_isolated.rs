//! ## workload-not-isolated (TOPO405, info)
//!
//! A Kubernetes workload that no NetworkPolicy isolates for ingress, for
//! egress, or for both: every pod and every address can reach it (or it can
//! reach everything). One finding per workload names every open direction.
//! A namespace without any NetworkPolicy gets one summary finding instead of
//! one per workload: there, every workload is open, and the fix is one
//! default-deny policy.

use super::kube_common::{list, workload_resource};
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, WORKLOAD_NOT_ISOLATED};
use crate::ir::WorkloadId;
use indexmap::IndexMap;

pub static RULE: Rule = Rule {
    code: &WORKLOAD_NOT_ISOLATED,
    doc: "A pod is isolated for ingress (or egress) only when some NetworkPolicy selecting \
it lists that direction in its (defaulted) `policyTypes`. Until then every pod in the cluster \
and every external address may connect to it (or it may connect anywhere). Reported as \
information, once per workload naming every open direction; a namespace with no \
NetworkPolicy at all gets one summary finding for all its workloads. Add a default-deny \
policy for the namespace and allow what is needed.",
    fail_example: fixture!("workload-not-isolated", "fail"),
    pass_example: fixture!("workload-not-isolated", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let n = k.classes.len();
    let (mut ing, mut eg) = (vec![false; n], vec![false; n]);
    for (pi, p) in t.policies.iter().enumerate() {
        for c in &k.policy_classes[pi] {
            ing[c.index()] |= p.isolates_ingress;
            eg[c.index()] |= p.isolates_egress;
        }
    }
    let mut has_policy = vec![false; t.namespaces.len()];
    for p in &t.policies {
        has_policy[p.namespace.index()] = true;
    }
    let mut out = Vec::new();
    // Workloads of namespaces without any policy, in declaration order.
    let mut open_namespaces: IndexMap<usize, Vec<WorkloadId>> = IndexMap::new();
    for w in t.workload_ids() {
        let Some(c) = k.class_of[w.index()] else {
            continue;
        };
        let wl = t.workload(w);
        if !has_policy[wl.namespace.index()] {
            open_namespaces
                .entry(wl.namespace.index())
                .or_default()
                .push(w);
            continue;
        }
        let (ingress_open, egress_open) = (!ing[c.index()], !eg[c.index()]);
        let (what, help, types) = match (ingress_open, egress_open) {
            (false, false) => continue,
            (true, true) => (
                format!(
                    "no NetworkPolicy isolates the ingress or the egress of `{}`: any pod or address can connect to it, and it can connect to any pod or address",
                    wl.name
                ),
                "`Ingress` and `Egress`",
                "them",
            ),
            (true, false) => (
                format!(
                    "no NetworkPolicy isolates the ingress of `{}`: any pod or address can connect to it",
                    wl.name
                ),
                "`Ingress`",
                "it",
            ),
            (false, true) => (
                format!(
                    "no NetworkPolicy isolates the egress of `{}`: it can connect to any pod or address",
                    wl.name
                ),
                "`Egress`",
                "it",
            ),
        };
        out.push(
            Diagnostic::new(&WORKLOAD_NOT_ISOLATED, wl.origin.span, what)
                .with_help(format!(
                    "add a policy selecting it with {help} in policyTypes (a default-deny for the namespace covers {types})"
                ))
                .with_resource(workload_resource(t, w)),
        );
    }
    for (ns, workloads) in open_namespaces {
        let ns_name = &t.namespaces[ns].name;
        let names: Vec<String> = workloads
            .iter()
            .map(|&w| t.workload(w).name.clone())
            .collect();
        let who = if names.len() == 1 {
            format!("its workload {} accepts", list(&names))
        } else {
            format!("its {} workloads ({}) accept", names.len(), list(&names))
        };
        let first = t.workload(workloads[0]);
        out.push(
            Diagnostic::new(
                &WORKLOAD_NOT_ISOLATED,
                first.origin.span,
                format!(
                    "no NetworkPolicy in namespace `{ns_name}`: {who} connections from any pod or address and can connect anywhere"
                ),
            )
            .with_help(format!(
                "add a default-deny policy to namespace `{ns_name}` (podSelector: {{}}, policyTypes: [Ingress, Egress]) and allow what is needed"
            ))
            .with_resource(format!("Namespace/{ns_name}")),
        );
    }
    out
}
