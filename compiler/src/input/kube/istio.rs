//! Istio routing objects (`networking.istio.io`): VirtualService,
//! DestinationRule and Gateway. Hosts stay as written; `resolve` maps them to
//! Services.

use super::Cx;
use super::meta;
use super::workloads::valid_port;
use crate::diagnostic as diag;
use crate::ir::{
    Destination, DestinationRule, Gateway, GatewayServer, HttpMatch, HttpRoute, Origin,
    StringMatch, Subset, VirtualService, WeightedDestination,
};
use crate::syntax::Node;

fn string_match(n: &Node) -> Option<StringMatch> {
    ["exact", "prefix", "regex"].iter().find_map(|k| {
        n.get(k).and_then(Node::as_str).map(|v| StringMatch {
            kind: k.to_string(),
            value: v.to_string(),
        })
    })
}

impl Cx<'_> {
    pub(super) fn virtual_service(&mut self, obj: &Node) {
        let m = self.meta(obj);
        let origin = meta::name_origin(obj, &m);
        let ns = self.namespace_of(&m, origin);
        let mut vs = VirtualService {
            name: m.name.clone(),
            namespace: ns,
            hosts: Vec::new(),
            gateways: Vec::new(),
            http: Vec::new(),
            origin,
        };
        if let Some(spec) = self.map_field(obj, "spec") {
            for h in self.seq_field(spec, "hosts") {
                match h.as_str() {
                    Some(s) => vs.hosts.push((s.to_string(), Origin::from(h.span))),
                    None => self.error(&diag::INVALID_VALUE, h.span, "a host must be a string"),
                }
            }
            vs.gateways = self
                .seq_field(spec, "gateways")
                .iter()
                .filter_map(|g| g.as_str().map(|s| (s.to_string(), Origin::from(g.span))))
                .collect();
            for r in self.seq_field(spec, "http") {
                let route = self.http_route(r);
                vs.http.push(route);
            }
        }
        self.t.virtual_services.push(vs);
    }

    fn http_route(&mut self, r: &Node) -> HttpRoute {
        let mut route = HttpRoute {
            name: self.str_field(r, "name").map(|(n, _)| n),
            matches: Vec::new(),
            route: Vec::new(),
            route_origin: r.entry("route").map(|e| Origin::from(e.key.span)),
            mirror: None,
            mirror_percentage: None,
            origin: Origin::from(r.span),
        };
        for mt in self.seq_field(r, "match") {
            let mut hm = HttpMatch {
                uri: mt.get("uri").and_then(string_match),
                headers: Vec::new(),
                origin: Origin::from(mt.span),
            };
            if let Some(hs) = mt.get("headers").and_then(Node::as_map) {
                for e in hs {
                    if let (Some(k), Some(v)) = (e.key.as_str(), string_match(&e.value)) {
                        hm.headers.push((k.to_string(), v));
                    }
                }
            }
            route.matches.push(hm);
        }
        for d in self.seq_field(r, "route") {
            let Some(dest) = d.get("destination") else {
                self.error(
                    &diag::INVALID_VALUE,
                    d.span,
                    "a route entry needs `destination`",
                );
                continue;
            };
            let Some(destination) = self.destination(dest) else {
                continue;
            };
            let weight = self.int_field(d, "weight");
            route.route.push(WeightedDestination {
                destination,
                weight: weight.map(|(w, _)| w),
                weight_origin: weight.map(|(_, s)| Origin::from(s)),
                origin: Origin::from(d.span),
            });
        }
        if let Some(m) = r.get("mirror").filter(|m| !m.is_null()) {
            route.mirror = self.destination(m);
        }
        if let Some(p) = r.get("mirrorPercentage") {
            route.mirror_percentage = p
                .get("value")
                .and_then(|v| v.as_str())
                .and_then(|v| v.parse::<f64>().ok());
        }
        route
    }

    fn destination(&mut self, d: &Node) -> Option<Destination> {
        let Some((host, span)) = self.str_field(d, "host") else {
            self.error(&diag::INVALID_VALUE, d.span, "a destination needs `host`");
            return None;
        };
        let subset = self
            .str_field(d, "subset")
            .map(|(s, sp)| (s, Origin::from(sp)));
        let port = d
            .get("port")
            .and_then(|p| p.get("number"))
            .and_then(valid_port);
        Some(Destination {
            host,
            host_origin: Origin::from(span),
            subset,
            port,
            origin: Origin::from(d.span),
        })
    }

    pub(super) fn destination_rule(&mut self, obj: &Node) {
        let m = self.meta(obj);
        let origin = meta::name_origin(obj, &m);
        let ns = self.namespace_of(&m, origin);
        let Some(spec) = self.map_field(obj, "spec") else {
            return;
        };
        let Some((host, span)) = self.str_field(spec, "host") else {
            self.error(
                &diag::INVALID_VALUE,
                origin.span,
                "a DestinationRule needs `spec.host`",
            );
            return;
        };
        let mut dr = DestinationRule {
            name: m.name.clone(),
            namespace: ns,
            host,
            host_origin: Origin::from(span),
            subsets: Vec::new(),
            origin,
        };
        for s in self.seq_field(spec, "subsets") {
            let Some((name, nspan)) = self.str_field(s, "name") else {
                self.error(&diag::INVALID_VALUE, s.span, "a subset needs `name`");
                continue;
            };
            let labels = self.string_map(s.get("labels"));
            dr.subsets.push(Subset {
                name,
                labels,
                origin: Origin::from(nspan),
            });
        }
        self.t.destination_rules.push(dr);
    }

    pub(super) fn gateway(&mut self, obj: &Node) {
        let m = self.meta(obj);
        let origin = meta::name_origin(obj, &m);
        let ns = self.namespace_of(&m, origin);
        let mut gw = Gateway {
            name: m.name.clone(),
            namespace: ns,
            selector: Default::default(),
            selector_origin: None,
            servers: Vec::new(),
            origin,
        };
        if let Some(spec) = self.map_field(obj, "spec") {
            gw.selector = self.string_map(spec.get("selector"));
            gw.selector_origin = spec.get("selector").map(|s| Origin::from(s.span));
            for s in self.seq_field(spec, "servers") {
                let port = s.get("port");
                let number = port.and_then(|p| p.get("number"));
                gw.servers.push(GatewayServer {
                    port: number.and_then(valid_port),
                    port_origin: number.map(|n| Origin::from(n.span)),
                    protocol: port
                        .and_then(|p| p.get("protocol"))
                        .and_then(Node::as_str)
                        .map(String::from),
                    hosts: self
                        .seq_field(s, "hosts")
                        .iter()
                        .filter_map(|h| h.as_str().map(|v| (v.to_string(), Origin::from(h.span))))
                        .collect(),
                    origin: Origin::from(s.span),
                });
            }
        }
        self.t.gateways.push(gw);
    }
}
