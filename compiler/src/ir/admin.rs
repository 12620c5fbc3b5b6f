//! Cluster-scoped policy tiers of the network-policy-api
//! (`policy.networking.k8s.io/v1alpha1`): AdminNetworkPolicy (ANP) and
//! BaselineAdminNetworkPolicy (BANP), normalised by the front end.
//!
//! Evaluation order (the API's): ANPs by ascending `priority` (0–1000), the
//! rules of one ANP in order, the first rule matching a connection decides
//! it (`Allow`, `Deny`, or `Pass` to the NetworkPolicy tier); then
//! NetworkPolicies; then the single BANP (named `default`), whose first
//! matching rule `Allow`s or `Deny`s; then the cluster default (allow).
//! Subjects and peers reuse `Peer` with both selectors set, so selection is
//! the NetworkPolicy resolver's.

use super::{Origin, Peer, Protocol};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    Allow,
    Deny,
    /// ANP only: skip the remaining ANP rules; NetworkPolicies (then the
    /// BANP) decide.
    Pass,
}

impl AdminAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminAction::Allow => "Allow",
            AdminAction::Deny => "Deny",
            AdminAction::Pass => "Pass",
        }
    }
}

/// A port of an admin rule: the three shapes of `AdminNetworkPolicyPort`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminPort {
    /// `portNumber: {protocol, port}`.
    Number { protocol: Protocol, port: u16 },
    /// `portRange: {protocol, start, end}`, inclusive.
    Range {
        protocol: Protocol,
        start: u16,
        end: u16,
    },
    /// `namedPort`: the destination pod's container port of that name, on
    /// that port's own protocol.
    Named(String),
}

#[derive(Debug, Clone)]
pub struct AdminRule {
    pub name: String,
    pub action: AdminAction,
    /// `namespaces` and `pods` peers as selector pairs (`namespaceSelector`
    /// always set), `networks` as ipBlocks without `except`.
    pub peers: Vec<Peer>,
    /// `nodes` peers: not analysed (topoc models no nodes); kept for rules.
    pub node_peers: Vec<Origin>,
    /// Empty: every port and protocol.
    pub ports: Vec<AdminPort>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct AdminPolicy {
    pub name: String,
    /// `Some` for an ANP (0–1000), `None` for the BANP.
    pub priority: Option<u32>,
    pub priority_origin: Option<Origin>,
    /// The pods the policy applies to.
    pub subject: Peer,
    pub ingress: Vec<AdminRule>,
    pub egress: Vec<AdminRule>,
    /// The cluster it is part of (`Namespace::cluster`): its subject and
    /// peers select pods of that cluster only.
    pub cluster: Option<String>,
    pub origin: Origin,
}

impl AdminPolicy {
    pub fn is_baseline(&self) -> bool {
        self.priority.is_none()
    }

    /// `AdminNetworkPolicy` or `BaselineAdminNetworkPolicy`.
    pub fn kind(&self) -> &'static str {
        if self.is_baseline() {
            "BaselineAdminNetworkPolicy"
        } else {
            "AdminNetworkPolicy"
        }
    }
}
