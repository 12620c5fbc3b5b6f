//! ## service-selects-nothing (TOPO306, warning)
//!
//! A Service whose selector matches no workload of its namespace: it has no
//! endpoints, and every client gets "connection refused" or a timeout.

use super::kube_common::service_resource;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, SERVICE_SELECTS_NOTHING};
use crate::ir::ServiceType;

pub static RULE: Rule = Rule {
    code: &SERVICE_SELECTS_NOTHING,
    doc: "A Service whose `selector` matches no workload in its namespace has no endpoints: \
clients resolve its name but every connection fails. Usually a label typo, or the Service and \
the workload live in different namespaces. Fix the selector (or the pod template labels) so \
that they match; a Service without a selector (endpoints managed elsewhere) is not reported.",
    fail_example: fixture!("service-selects-nothing", "fail"),
    pass_example: fixture!("service-selects-nothing", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let k = &ctx.resolved.kube;
    t.services
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            s.selector.is_some()
                && s.service_type != ServiceType::ExternalName
                && k.service_workloads[*i].is_empty()
        })
        .map(|(_, s)| {
            let sel = s.selector.as_ref().map_or(String::new(), |l| {
                l.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            });
            let span = s.selector_origin.unwrap_or(s.origin).span;
            Diagnostic::new(
                &SERVICE_SELECTS_NOTHING,
                span,
                format!(
                    "Service `{}` selects no workload in namespace `{}` (selector {sel})",
                    s.name,
                    t.namespace(s.namespace).name
                ),
            )
            .with_help("make the selector match the pod template labels of the workload it fronts")
            .with_resource(service_resource(t, s))
        })
        .collect()
}
