//! ## gateway-selects-nothing (TOPO506, warning)
//!
//! An Istio `Gateway` configures the Envoy proxies of the pods its
//! `selector` matches (in every namespace, Istio's default). When no pod of
//! the input carries those labels, its servers open nothing and every
//! VirtualService bound to it routes no traffic. The selectors of Istio's
//! own gateways (`istio: ingressgateway`, `istio: egressgateway`) are not
//! judged: those pods come with the Istio installation, not with the
//! application's manifests.

use super::kube_common::resource;
use super::mesh_common::{gateway_pods, selects_istio_installed_gateway};
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, GATEWAY_SELECTS_NOTHING};

pub static RULE: Rule = Rule {
    code: &GATEWAY_SELECTS_NOTHING,
    doc: "An Istio Gateway applies to the gateway proxies whose pod labels match its \
`selector` (searched in every namespace). When no pod of the input matches, the Gateway's \
servers listen nowhere and the VirtualServices bound to it route nothing — usually a typo in \
the selector or a gateway deployment that was renamed. The selectors of Istio's own ingress \
and egress gateways (`istio: ingressgateway`, `istio: egressgateway`) are not judged, since \
those pods come with the Istio installation. Fix the selector to the labels of the gateway \
deployment.",
    fail_example: fixture!("gateway-selects-nothing", "fail"),
    pass_example: fixture!("gateway-selects-nothing", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for gw in &t.gateways {
        if gw.selector.is_empty()
            || selects_istio_installed_gateway(gw)
            || !gateway_pods(t, gw).is_empty()
        {
            continue;
        }
        let labels: Vec<String> = gw
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push(
            Diagnostic::new(
                &GATEWAY_SELECTS_NOTHING,
                gw.selector_origin.unwrap_or(gw.origin).span,
                format!(
                    "Gateway `{}` selects no pod ({}): its servers listen nowhere",
                    gw.name,
                    labels.join(",")
                ),
            )
            .with_help("set the selector to the pod labels of the gateway deployment")
            .with_resource(resource(t, "Gateway", gw.namespace, &gw.name)),
        );
    }
    out
}
