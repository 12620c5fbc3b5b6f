//! ## subset-selects-nothing (TOPO503, warning)
//!
//! A DestinationRule subset whose labels match none of the pods behind its
//! host's Service: traffic routed to it fails.

use super::kube_common::resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, SUBSET_SELECTS_NOTHING};

pub static RULE: Rule = Rule {
    code: &SUBSET_SELECTS_NOTHING,
    doc: "A DestinationRule subset picks, among the endpoints of its host's Service, the pods \
whose labels match `subset.labels`. When no pod behind the Service carries those labels \
(typically a `version: v2` that was never deployed, or a typo), every request routed to the \
subset fails with 503. Fix the labels or deploy the version.",
    fail_example: fixture!("subset-selects-nothing", "fail"),
    pass_example: fixture!("subset-selects-nothing", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    let mut out = Vec::new();
    for (i, dr) in t.destination_rules.iter().enumerate() {
        let Some(svc) = k.dr_service[i] else { continue };
        let pods = &k.service_workloads[svc.index()];
        if pods.is_empty() {
            continue; // service-selects-nothing covers it
        }
        for s in &dr.subsets {
            let hit = pods.iter().any(|&w| {
                let l = &t.workload(w).labels;
                s.labels.iter().all(|(k, v)| l.get(k) == Some(v))
            });
            if !hit {
                let labels: Vec<String> =
                    s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                out.push(
                    Diagnostic::new(
                        &SUBSET_SELECTS_NOTHING,
                        s.origin.span,
                        format!(
                            "subset `{}` ({}) matches no pod behind Service `{}`",
                            s.name,
                            labels.join(","),
                            t.services[svc.index()].name
                        ),
                    )
                    .with_help("the subset's labels must match the pod template labels of one version of the workload")
                    .with_resource(resource(t, "DestinationRule", dr.namespace, &dr.name)),
                );
            }
        }
    }
    out
}
