//! The `{ingress-controller}` source (netpol-analyzer's rules): an Ingress
//! or an OpenShift Route makes the cluster's ingress controller reach the
//! pods its backend Services select, on the target ports of the Service
//! ports it names (named target ports resolve on each pod) — as far as the
//! destination's policies admit a pod of which nothing is known: a pod in
//! any namespace, with any labels. So only rules whose peers select every
//! pod (`namespaceSelector: {}`, no `from`, an ANP `namespaces: {}`) let it
//! in; the controller's own egress is not governed by the inputs.

use super::conn::ConnSet;
use super::kube::Engine;
use super::{EndpointKind, Flows};
use crate::ir::{IngressKind, PortRef, ServicePort, Topology, WorkloadId};
use crate::resolve::kube::{ClassId, KubeResolved};
use std::collections::{BTreeMap, HashMap};

/// How netpol-analyzer names the ingress controller.
pub const INGRESS_CONTROLLER: &str = "{ingress-controller}";

/// Whether a backend's port names this Service port.
fn names_port(kind: IngressKind, want: &PortRef, sp: &ServicePort) -> bool {
    match (kind, want) {
        (IngressKind::Ingress, PortRef::Number(n)) => sp.port == *n,
        (IngressKind::Route, PortRef::Number(n)) => sp.target == PortRef::Number(*n),
        (_, PortRef::Name(n)) => sp.name.as_deref() == Some(n.as_str()),
    }
}

/// Per workload: the ports the ingress controller is routed to.
pub fn routed_ports(t: &Topology, r: &KubeResolved) -> BTreeMap<WorkloadId, ConnSet> {
    let mut out: BTreeMap<WorkloadId, ConnSet> = BTreeMap::new();
    for ing in &t.ingresses {
        let ns = t.namespace(ing.namespace);
        for b in &ing.backends {
            let Some(svc) = r.services.lookup(ns, &b.service) else {
                continue;
            };
            let s = &t.services[svc.index()];
            for sp in &s.ports {
                if b.port
                    .as_ref()
                    .is_some_and(|want| !names_port(ing.kind, want, sp))
                {
                    continue;
                }
                for &w in &r.service_workloads[svc.index()] {
                    let Some(class) = r.class(w) else { continue };
                    let port = match &sp.target {
                        PortRef::Number(n) => Some(*n),
                        PortRef::Name(name) => class.named_port(name, sp.protocol),
                    };
                    if let Some(p) = port {
                        out.entry(w).or_default().add(sp.protocol, p, p);
                    }
                }
            }
        }
    }
    out
}

/// Add the ingress controller's flows to `out`.
pub fn edges(t: &Topology, r: &KubeResolved, e: &Engine, out: &mut Flows) {
    let routed = routed_ports(t, r);
    if routed.is_empty() {
        return;
    }
    let src = out.endpoint(t, EndpointKind::IngressController);
    let mut admitted: HashMap<ClassId, ConnSet> = HashMap::new();
    for (w, ports) in routed {
        let Some(c) = r.class_of[w.index()] else {
            continue;
        };
        let allowed = admitted.entry(c).or_insert_with(|| e.from_any_pod(c));
        let conn = ports.intersect(allowed);
        if !conn.is_empty() {
            let dst = out.endpoint(t, EndpointKind::Workload(w));
            out.push(src, dst, conn);
        }
    }
}
