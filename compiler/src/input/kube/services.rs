//! Services (ClusterIP incl. headless, NodePort, LoadBalancer, ExternalName)
//! and Ingresses (reduced to the Services they route to).

use super::Cx;
use super::meta;
use super::workloads::valid_port;
use crate::diagnostic as diag;
use crate::ir::{Ingress, IngressBackend, Origin, PortRef, Service, ServicePort, ServiceType};
use crate::syntax::Node;

impl Cx<'_> {
    pub(super) fn service(&mut self, obj: &Node) {
        let Some((m, origin)) = self.named_meta(obj, "Service") else {
            return;
        };
        let ns = self.namespace_of(&m, origin);
        let spec = self.map_field(obj, "spec");
        let mut svc = Service {
            name: m.name.clone(),
            namespace: ns,
            service_type: ServiceType::ClusterIp,
            selector: None,
            selector_origin: None,
            ports: Vec::new(),
            headless: false,
            external_name: None,
            annotations: m.annotations.clone(),
            origin,
        };
        if let Some(spec) = spec {
            if let Some((ty, span)) = self.str_field(spec, "type") {
                svc.service_type = match ty.as_str() {
                    "ClusterIP" => ServiceType::ClusterIp,
                    "NodePort" => ServiceType::NodePort,
                    "LoadBalancer" => ServiceType::LoadBalancer,
                    "ExternalName" => ServiceType::ExternalName,
                    _ => {
                        self.error(
                            &diag::INVALID_VALUE,
                            span,
                            format!("unknown Service type `{ty}` (expected ClusterIP, NodePort, LoadBalancer or ExternalName)"),
                        );
                        ServiceType::ClusterIp
                    }
                };
            }
            if let Some(sel) = spec.get("selector") {
                let labels = self.string_map(Some(sel));
                // An empty selector means "endpoints are managed elsewhere".
                if !labels.is_empty() {
                    svc.selector = Some(labels);
                    svc.selector_origin = Some(Origin::from(sel.span));
                }
            }
            if let Some((ip, _)) = self.str_field(spec, "clusterIP") {
                svc.headless = ip == "None";
            }
            svc.external_name = self.str_field(spec, "externalName").map(|(n, _)| n);
            for p in self.seq_field(spec, "ports") {
                if let Some(sp) = self.service_port(p) {
                    svc.ports.push(sp);
                }
            }
        }
        self.t.services.push(svc);
    }

    fn service_port(&mut self, p: &Node) -> Option<ServicePort> {
        let Some(pn) = p.get("port") else {
            self.error(&diag::INVALID_PORT, p.span, "a Service port needs `port`");
            return None;
        };
        let Some(port) = valid_port(pn) else {
            self.error(
                &diag::INVALID_PORT,
                pn.span,
                "`port` must be a port number 1-65535",
            );
            return None;
        };
        let protocol = self.protocol(p);
        // API defaulting (`SetDefaults_Service`): a `targetPort` of 0 (the
        // zero value kompose writes for headless Services) means `port`; a
        // `nodePort` of 0 means unset (allocated if the type needs one).
        let zero = |n: &Node| n.as_int() == Some(0);
        let (target, target_origin) = match p.get("targetPort").filter(|t| !t.is_null()) {
            None => (PortRef::Number(port), None),
            Some(t) if zero(t) => (PortRef::Number(port), Some(Origin::from(t.span))),
            Some(t) => (self.port_ref(t)?, Some(Origin::from(t.span))),
        };
        let mut node_port = None;
        let mut node_port_origin = None;
        if let Some(np) = p.get("nodePort").filter(|n| !n.is_null() && !zero(n)) {
            match valid_port(np) {
                Some(n) => {
                    node_port = Some(n);
                    node_port_origin = Some(Origin::from(np.span));
                }
                None => self.error(
                    &diag::INVALID_PORT,
                    np.span,
                    "`nodePort` must be a port number 1-65535",
                ),
            }
        }
        Some(ServicePort {
            name: self.str_field(p, "name").map(|(n, _)| n),
            port,
            target,
            target_origin,
            node_port,
            node_port_origin,
            protocol,
            origin: Origin::from(p.span),
        })
    }

    /// A port given by number or IANA name (`targetPort`, policy `port`).
    pub(super) fn port_ref(&mut self, t: &Node) -> Option<PortRef> {
        if t.as_int().is_some() || t.is_number() {
            return match valid_port(t) {
                Some(n) => Some(PortRef::Number(n)),
                None => {
                    self.error(
                        &diag::INVALID_PORT,
                        t.span,
                        format!("port must be 1-65535, found `{}`", t.as_str().unwrap_or("")),
                    );
                    None
                }
            };
        }
        match t.as_str() {
            Some(s) if s.parse::<u32>().is_ok() => match valid_port(t) {
                Some(n) => Some(PortRef::Number(n)),
                None => {
                    self.error(
                        &diag::INVALID_PORT,
                        t.span,
                        format!("port must be 1-65535, found `{s}`"),
                    );
                    None
                }
            },
            Some(s) if is_port_name(s) => Some(PortRef::Name(s.to_string())),
            _ => {
                self.error(
                    &diag::INVALID_PORT,
                    t.span,
                    format!(
                        "expected a port number or a port name (up to 15 lowercase letters, digits and `-`), found `{}`",
                        t.as_str().unwrap_or(t.describe())
                    ),
                );
                None
            }
        }
    }

    pub(super) fn ingress(&mut self, obj: &Node) {
        let m = self.meta(obj);
        let origin = meta::name_origin(obj, &m);
        let ns = self.namespace_of(&m, origin);
        let mut ing = Ingress {
            name: m.name.clone(),
            namespace: ns,
            kind: crate::ir::IngressKind::Ingress,
            backends: Vec::new(),
            origin,
        };
        if let Some(spec) = self.map_field(obj, "spec") {
            for key in ["defaultBackend", "backend"] {
                if let Some(b) = spec.get(key) {
                    self.backend(b, &mut ing);
                }
            }
            for rule in self.seq_field(spec, "rules") {
                let Some(http) = self.map_field(rule, "http") else {
                    continue;
                };
                for path in self.seq_field(http, "paths") {
                    if let Some(b) = path.get("backend") {
                        self.backend(b, &mut ing);
                    }
                }
            }
        }
        self.t.ingresses.push(ing);
    }

    /// `backend.service.{name,port}` (v1) or `backend.serviceName/servicePort` (v1beta1).
    fn backend(&mut self, b: &Node, ing: &mut Ingress) {
        let (name, port) = if let Some(svc) = b.get("service") {
            let port = svc
                .get("port")
                .and_then(|p| p.get("number").or_else(|| p.get("name")));
            (svc.get("name"), port)
        } else {
            (b.get("serviceName"), b.get("servicePort"))
        };
        let Some(name) = name.and_then(|n| n.as_str().map(|s| (s.to_string(), n.span))) else {
            return;
        };
        let port = port.and_then(|p| self.port_ref(p));
        ing.backends.push(IngressBackend {
            service: name.0,
            port,
            origin: Origin::from(name.1),
        });
    }
}

/// An IANA_SVC_NAME: 1–15 chars of `[a-z0-9-]`, at least one letter, no
/// leading, trailing or double `-`.
pub fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}
