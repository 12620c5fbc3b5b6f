//! OpenShift Route (`route.openshift.io/v1`): like an Ingress, it makes the
//! cluster's ingress controller reach the pods of Services — `spec.to` and
//! every `spec.alternateBackends` entry of kind `Service` (the default
//! kind), on `spec.port.targetPort` (a number is a Service port's target
//! port, a name a Service port's name; absent: every port of the Service).

use super::Cx;
use crate::ir::{Ingress, IngressBackend, IngressKind, Origin};
use crate::syntax::Node;

impl Cx<'_> {
    pub(super) fn route(&mut self, obj: &Node) {
        let Some((m, origin)) = self.named_meta(obj, "Route") else {
            return;
        };
        let ns = self.namespace_of(&m, origin);
        let mut route = Ingress {
            name: m.name,
            namespace: ns,
            kind: IngressKind::Route,
            backends: Vec::new(),
            origin,
        };
        if let Some(spec) = self.map_field(obj, "spec") {
            let port = spec
                .get("port")
                .and_then(|p| p.get("targetPort"))
                .filter(|p| !p.is_null())
                .and_then(|p| self.port_ref(p));
            let mut targets: Vec<&Node> = spec.get("to").into_iter().collect();
            targets.extend(self.seq_field(spec, "alternateBackends"));
            for to in targets {
                let kind = to.get("kind").and_then(Node::as_str).unwrap_or("Service");
                if kind != "Service" {
                    continue;
                }
                if let Some((name, span)) = self.str_field(to, "name") {
                    route.backends.push(IngressBackend {
                        service: name,
                        port: port.clone(),
                        origin: Origin::from(span),
                    });
                }
            }
        }
        self.t.ingresses.push(route);
    }
}
