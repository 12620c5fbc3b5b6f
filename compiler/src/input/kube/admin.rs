//! AdminNetworkPolicy and BaselineAdminNetworkPolicy
//! (`policy.networking.k8s.io/v1alpha1`), validated as the CRD's schema
//! does: `priority` 0–1000 (ANP only, required); `subject` is exactly one of
//! `namespaces` / `pods`; each rule needs an `action` (`Allow`, `Deny`, and
//! `Pass` for ANPs only) and 1–100 peers; an ingress peer is `namespaces` or
//! `pods`, an egress peer also `nodes` or `networks`; a port is exactly one
//! of `portNumber`, `namedPort`, `portRange` (`start` < `end`).
//!
//! `nodes` peers are kept as origins only, with a warning: topoc models no
//! nodes, so such a peer matches nothing here (as netpol-analyzer does).

use super::Cx;
use super::policies::parse_cidr;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::{AdminAction, AdminPolicy, AdminPort, AdminRule, Direction, IpBlock, Origin, Peer};
use crate::syntax::Node;

/// The most rules one direction of an admin policy may have.
const MAX_RULES: usize = 100;

impl Cx<'_> {
    pub(super) fn admin_policy(&mut self, obj: &Node, baseline: bool) {
        let kind = if baseline {
            "BaselineAdminNetworkPolicy"
        } else {
            "AdminNetworkPolicy"
        };
        let Some((m, origin)) = self.named_meta(obj, kind) else {
            return;
        };
        let Some(spec) = self.map_field(obj, "spec") else {
            self.error(
                &diag::INVALID_VALUE,
                origin.span,
                format!("a {kind} needs `spec`"),
            );
            return;
        };
        let mut priority = None;
        let mut priority_origin = None;
        if !baseline {
            match self.int_field(spec, "priority") {
                Some((p, span)) if (0..=1000).contains(&p) => {
                    priority = Some(p as u32);
                    priority_origin = Some(Origin::from(span));
                }
                Some((p, span)) => {
                    self.error(
                        &diag::INVALID_VALUE,
                        span,
                        format!("`priority` must be 0-1000, found {p}"),
                    );
                    return;
                }
                None => {
                    self.error(
                        &diag::INVALID_VALUE,
                        spec.span,
                        "an AdminNetworkPolicy needs `priority` (0-1000)",
                    );
                    return;
                }
            }
        }
        let Some(subject) = self.admin_subject(spec) else {
            return;
        };
        let mut pol = AdminPolicy {
            name: m.name,
            priority,
            priority_origin,
            subject,
            ingress: Vec::new(),
            egress: Vec::new(),
            cluster: self.cluster().map(String::from),
            origin,
        };
        for (dir, key) in [
            (Direction::Ingress, "ingress"),
            (Direction::Egress, "egress"),
        ] {
            let items = self.seq_field(spec, key);
            if items.len() > MAX_RULES {
                self.error(
                    &diag::INVALID_VALUE,
                    items[MAX_RULES].span,
                    format!("at most {MAX_RULES} {key} rules are allowed"),
                );
            }
            let rules: Vec<AdminRule> = items
                .iter()
                .filter_map(|r| self.admin_rule(r, dir, baseline))
                .collect();
            match dir {
                Direction::Ingress => pol.ingress = rules,
                Direction::Egress => pol.egress = rules,
            }
        }
        self.t.admin_policies.push(pol);
    }

    /// `subject`: exactly one of `namespaces` and `pods`.
    fn admin_subject(&mut self, spec: &Node) -> Option<Peer> {
        let Some(subject) = self.map_field(spec, "subject") else {
            self.error(
                &diag::INVALID_VALUE,
                spec.span,
                "an admin network policy needs `subject` (`namespaces` or `pods`)",
            );
            return None;
        };
        self.admin_peer(subject, &["namespaces", "pods"], "subject")
            .and_then(|p| match p {
                AdminPeer::Pods(p) => Some(*p),
                _ => None,
            })
    }

    fn admin_rule(&mut self, r: &Node, dir: Direction, baseline: bool) -> Option<AdminRule> {
        if r.as_map().is_none() {
            self.error(
                &diag::INVALID_VALUE,
                r.span,
                format!("a rule must be a mapping, found {}", r.describe()),
            );
            return None;
        }
        let name = self
            .str_field(r, "name")
            .map(|(n, _)| n)
            .unwrap_or_default();
        let action = match self.str_field(r, "action") {
            Some((a, _)) if a == "Allow" => AdminAction::Allow,
            Some((a, _)) if a == "Deny" => AdminAction::Deny,
            Some((a, _)) if a == "Pass" && !baseline => AdminAction::Pass,
            Some((a, span)) => {
                let allowed = if baseline {
                    "Allow or Deny"
                } else {
                    "Allow, Deny or Pass"
                };
                self.error(
                    &diag::INVALID_VALUE,
                    span,
                    format!("unknown action `{a}` (expected {allowed})"),
                );
                return None;
            }
            None => {
                self.error(&diag::INVALID_VALUE, r.span, "a rule needs `action`");
                return None;
            }
        };
        let (key, kinds): (&str, &[&str]) = match dir {
            Direction::Ingress => ("from", &["namespaces", "pods"]),
            Direction::Egress => ("to", &["namespaces", "pods", "nodes", "networks"]),
        };
        let peers = self.seq_field(r, key);
        if peers.is_empty() {
            self.error(
                &diag::INVALID_VALUE,
                r.get(key).map_or(r.span, |n| n.span),
                format!("a rule needs at least one peer in `{key}`"),
            );
            return None;
        }
        let mut rule = AdminRule {
            name,
            action,
            peers: Vec::new(),
            node_peers: Vec::new(),
            ports: Vec::new(),
            origin: Origin::from(r.span),
        };
        for p in peers {
            match self.admin_peer(p, kinds, "peer") {
                Some(AdminPeer::Pods(peer)) => rule.peers.push(*peer),
                Some(AdminPeer::Networks(blocks)) => {
                    rule.peers.extend(blocks.into_iter().map(|b| Peer {
                        pod_selector: None,
                        namespace_selector: None,
                        origin: b.origin,
                        ip_block: Some(b),
                    }))
                }
                Some(AdminPeer::Nodes(origin)) => {
                    self.diags.push(Diagnostic::new(
                        &diag::UNSUPPORTED_PEER,
                        origin.span,
                        "a `nodes` peer is not analysed (topoc models no nodes): it matches nothing",
                    ));
                    rule.node_peers.push(origin);
                }
                None => return None,
            }
        }
        for p in self.seq_field(r, "ports") {
            rule.ports.push(self.admin_port(p)?);
        }
        Some(rule)
    }

    /// One peer (or the subject): exactly one of the keys in `kinds`.
    fn admin_peer(&mut self, p: &Node, kinds: &[&str], what: &str) -> Option<AdminPeer> {
        let given: Vec<&str> = kinds
            .iter()
            .copied()
            .filter(|k| p.get(k).is_some_and(|n| !n.is_null()))
            .collect();
        let [kind] = given.as_slice() else {
            self.error(
                &diag::INVALID_VALUE,
                p.span,
                format!(
                    "a {what} must set exactly one of {}",
                    kinds
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return None;
        };
        let node = p.get(kind)?;
        let origin = Origin::from(node.span);
        match *kind {
            "namespaces" => Some(AdminPeer::Pods(Box::new(Peer {
                pod_selector: None,
                namespace_selector: Some(self.selector(Some(node))),
                ip_block: None,
                origin,
            }))),
            "pods" => {
                // An absent selector is the empty one (every namespace /
                // every pod), as netpol-analyzer reads it.
                let sel = |cx: &mut Self, key: &str| {
                    let mut s = cx.selector(node.get(key).filter(|n| !n.is_null()));
                    s.origin.get_or_insert(origin);
                    s
                };
                let namespace_selector = sel(self, "namespaceSelector");
                let pod_selector = sel(self, "podSelector");
                Some(AdminPeer::Pods(Box::new(Peer {
                    pod_selector: Some(pod_selector),
                    namespace_selector: Some(namespace_selector),
                    ip_block: None,
                    origin,
                })))
            }
            "nodes" => Some(AdminPeer::Nodes(origin)),
            "networks" => {
                let mut blocks = Vec::new();
                for n in self.seq_field(p, "networks") {
                    match n
                        .as_str()
                        .and_then(|s| s.contains('/').then(|| parse_cidr(s))?)
                    {
                        Some(cidr) => blocks.push(IpBlock {
                            cidr,
                            except: Vec::new(),
                            except_origins: Vec::new(),
                            origin: Origin::from(n.span),
                        }),
                        None => self.error(
                            &diag::INVALID_ADDRESS,
                            n.span,
                            format!(
                                "`{}` is not a CIDR (like 10.0.0.0/8)",
                                n.as_str().unwrap_or(n.describe())
                            ),
                        ),
                    }
                }
                if blocks.is_empty() {
                    self.error(
                        &diag::INVALID_VALUE,
                        node.span,
                        "`networks` needs at least one CIDR",
                    );
                    return None;
                }
                Some(AdminPeer::Networks(blocks))
            }
            _ => None,
        }
    }

    fn admin_port(&mut self, p: &Node) -> Option<AdminPort> {
        const KINDS: [&str; 3] = ["portNumber", "namedPort", "portRange"];
        let given: Vec<&str> = KINDS
            .iter()
            .copied()
            .filter(|k| p.get(k).is_some_and(|n| !n.is_null()))
            .collect();
        let [kind] = given.as_slice() else {
            self.error(
                &diag::INVALID_VALUE,
                p.span,
                "a port must set exactly one of `portNumber`, `namedPort`, `portRange`",
            );
            return None;
        };
        let node = p.get(kind)?;
        let port_of = |cx: &mut Self, key: &str| -> Option<u16> {
            match cx.int_field(node, key) {
                Some((n, _)) if (1..=65535).contains(&n) => Some(n as u16),
                Some((n, span)) => {
                    cx.error(
                        &diag::INVALID_PORT,
                        span,
                        format!("`{key}` must be 1-65535, found {n}"),
                    );
                    None
                }
                None => {
                    cx.error(&diag::INVALID_VALUE, node.span, format!("needs `{key}`"));
                    None
                }
            }
        };
        match *kind {
            "namedPort" => match node.as_str() {
                Some(s) if !s.is_empty() => Some(AdminPort::Named(s.to_string())),
                _ => {
                    self.error(
                        &diag::INVALID_VALUE,
                        node.span,
                        "`namedPort` must be a port name",
                    );
                    None
                }
            },
            "portNumber" => {
                let protocol = self.protocol(node);
                let port = port_of(self, "port")?;
                Some(AdminPort::Number { protocol, port })
            }
            _ => {
                let protocol = self.protocol(node);
                let start = port_of(self, "start")?;
                let end = port_of(self, "end")?;
                if start >= end {
                    self.error(
                        &diag::INVALID_PORT,
                        node.span,
                        format!("`start` ({start}) must be less than `end` ({end})"),
                    );
                    return None;
                }
                Some(AdminPort::Range {
                    protocol,
                    start,
                    end,
                })
            }
        }
    }
}

/// One parsed peer entry.
enum AdminPeer {
    /// `namespaces` or `pods`, as a selector pair.
    Pods(Box<Peer>),
    Networks(Vec<IpBlock>),
    Nodes(Origin),
}
