//! NetworkPolicy, normalised with the upstream defaulting applied
//! (`semantics/networkpolicy.md`): `policyTypes` defaults to `[Ingress]` plus
//! `Egress` iff `egress` is non-empty; protocol defaults to TCP; `from`/`to`
//! absent or empty means every peer; `{}` as a peer is invalid; ipBlock may
//! not share a peer with selectors; `endPort` only with a numeric `port`.

use super::Cx;

use crate::diagnostic as diag;
use crate::ir::{Direction, IpBlock, Origin, Peer, Policy, PolicyPort, PolicyRule, PortRef};
use crate::syntax::Node;
use ipnet::IpNet;

impl Cx<'_> {
    pub(super) fn policy(&mut self, obj: &Node) {
        let Some((m, origin)) = self.named_meta(obj, "NetworkPolicy") else {
            return;
        };
        let ns = self.namespace_of(&m, origin);
        let spec = self.map_field(obj, "spec");
        let mut pol = Policy {
            name: m.name.clone(),
            namespace: ns,
            pod_selector: Default::default(),
            isolates_ingress: true,
            isolates_egress: false,
            policy_types_origin: None,
            ingress: Vec::new(),
            egress: Vec::new(),
            ingress_origin: None,
            egress_origin: None,
            annotations: m.annotations.clone(),
            origin,
        };
        let Some(spec) = spec else {
            self.t.policies.push(pol);
            return;
        };
        pol.pod_selector = self.selector(spec.get("podSelector"));
        if pol.pod_selector.origin.is_none() {
            pol.pod_selector.origin = Some(origin);
        }
        for (dir, key) in [
            (Direction::Ingress, "ingress"),
            (Direction::Egress, "egress"),
        ] {
            let entry = spec.entry(key);
            let rules: Vec<PolicyRule> = self
                .seq_field(spec, key)
                .iter()
                .filter_map(|r| self.rule(r, dir))
                .collect();
            let key_origin = entry.map(|e| Origin::from(e.key.span));
            match dir {
                Direction::Ingress => {
                    pol.ingress = rules;
                    pol.ingress_origin = key_origin;
                }
                Direction::Egress => {
                    pol.egress = rules;
                    pol.egress_origin = key_origin;
                }
            }
        }
        match spec.get("policyTypes").filter(|t| !t.is_null()) {
            // The defaulting trap: without policyTypes, Ingress is always
            // isolated and Egress only when egress rules exist.
            None => {
                pol.isolates_ingress = true;
                pol.isolates_egress = !pol.egress.is_empty();
            }
            Some(_) => {
                // The key: findings about isolation point at `policyTypes:`.
                pol.policy_types_origin =
                    spec.entry("policyTypes").map(|e| Origin::from(e.key.span));
                let items = self.seq_field(spec, "policyTypes");
                if items.is_empty() {
                    pol.isolates_ingress = true;
                    pol.isolates_egress = !pol.egress.is_empty();
                } else {
                    pol.isolates_ingress = false;
                    for t in items {
                        match t.as_str() {
                            Some("Ingress") => pol.isolates_ingress = true,
                            Some("Egress") => pol.isolates_egress = true,
                            _ => self.error(
                                &diag::INVALID_VALUE,
                                t.span,
                                format!(
                                    "unknown policy type `{}` (expected Ingress or Egress)",
                                    t.as_str().unwrap_or(t.describe())
                                ),
                            ),
                        }
                    }
                }
            }
        }
        self.t.policies.push(pol);
    }

    /// A rule; None (after an error) when it is not a mapping, so that a
    /// malformed entry never becomes an allow-all rule.
    fn rule(&mut self, r: &Node, dir: Direction) -> Option<PolicyRule> {
        let mut rule = PolicyRule {
            peers: Vec::new(),
            ports: Vec::new(),
            origin: Origin::from(r.span),
        };
        if r.as_map().is_none() && !r.is_null() {
            self.error(
                &diag::INVALID_VALUE,
                r.span,
                format!("a policy rule must be a mapping, found {}", r.describe()),
            );
            return None;
        }
        let key = match dir {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        };
        for p in self.seq_field(r, key) {
            if let Some(peer) = self.peer(p) {
                rule.peers.push(peer);
            }
        }
        for p in self.seq_field(r, "ports") {
            if let Some(port) = self.policy_port(p) {
                rule.ports.push(port);
            }
        }
        Some(rule)
    }

    fn peer(&mut self, p: &Node) -> Option<Peer> {
        // An explicit `null` is the same as an absent field (the API's nil
        // pointer): `namespaceSelector: null` keeps the policy's namespace.
        let present = |k| p.get(k).filter(|n| !n.is_null());
        let pod = present("podSelector");
        let ns = present("namespaceSelector");
        let ipb = present("ipBlock");
        if pod.is_none() && ns.is_none() && ipb.is_none() {
            self.error(
                &diag::INVALID_VALUE,
                p.span,
                "must specify a peer: `podSelector`, `namespaceSelector` or `ipBlock`",
            );
            return None;
        }
        if ipb.is_some() && (pod.is_some() || ns.is_some()) {
            self.error(
                &diag::INVALID_VALUE,
                p.span,
                "may not specify both `ipBlock` and another peer in one entry",
            );
            return None;
        }
        let ip_block = match ipb {
            Some(b) => Some(self.ip_block(b)?),
            None => None,
        };
        Some(Peer {
            pod_selector: pod.map(|s| self.selector(Some(s))),
            namespace_selector: ns.map(|s| self.selector(Some(s))),
            ip_block,
            origin: Origin::from(p.span),
        })
    }

    fn ip_block(&mut self, b: &Node) -> Option<IpBlock> {
        let Some((cidr, span)) = self.str_field(b, "cidr") else {
            self.error(&diag::INVALID_VALUE, b.span, "an `ipBlock` needs `cidr`");
            return None;
        };
        let Some(net) = parse_cidr(&cidr) else {
            self.error(
                &diag::INVALID_ADDRESS,
                span,
                format!("`{cidr}` is not a CIDR (like 10.0.0.0/8)"),
            );
            return None;
        };
        let mut except = Vec::new();
        let mut except_origins = Vec::new();
        for e in self.seq_field(b, "except") {
            match e.as_str().and_then(parse_cidr) {
                Some(n) => {
                    except.push(n);
                    except_origins.push(Origin::from(e.span));
                }
                None => self.error(
                    &diag::INVALID_ADDRESS,
                    e.span,
                    format!("`{}` is not a CIDR", e.as_str().unwrap_or(e.describe())),
                ),
            }
        }
        Some(IpBlock {
            cidr: net,
            except,
            except_origins,
            origin: Origin::from(b.span),
        })
    }

    fn policy_port(&mut self, p: &Node) -> Option<PolicyPort> {
        if p.as_map().is_none() {
            self.error(
                &diag::INVALID_VALUE,
                p.span,
                format!("a policy port must be a mapping, found {}", p.describe()),
            );
            return None;
        }
        let protocol = self.protocol(p);
        let port = match p.get("port").filter(|n| !n.is_null()) {
            Some(n) => Some(self.port_ref(n)?),
            None => None,
        };
        let mut end_port = None;
        if let Some((e, span)) = self.int_field(p, "endPort") {
            match &port {
                Some(PortRef::Number(start)) if (i64::from(*start)..=65535).contains(&e) => {
                    end_port = Some(e as u16);
                }
                Some(PortRef::Number(_)) => self.error(
                    &diag::INVALID_VALUE,
                    span,
                    "`endPort` must be greater than or equal to `port` and at most 65535",
                ),
                _ => self.error(
                    &diag::INVALID_VALUE,
                    span,
                    "`endPort` may only be given with a numeric `port`",
                ),
            }
        }
        Some(PolicyPort {
            protocol,
            port,
            end_port,
            origin: Origin::from(p.span),
        })
    }
}

/// A CIDR (`10.0.0.0/8`) or a bare address (as a host route), normalised.
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if let Ok(n) = s.parse::<IpNet>() {
        return Some(n.trunc());
    }
    s.parse::<std::net::IpAddr>().ok().map(IpNet::from)
}
