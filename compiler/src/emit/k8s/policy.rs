//! NetworkPolicies that give a Compose project's pods exactly the Compose
//! connectivity (design §6) the connectivity engine computed
//! (`EmitOptions::reach`): the engine's flows give the `default-deny` rules,
//! the outside egress and the publications; `isolate-networks` and `open`
//! are encoded structurally, as labels per network:
//! - `default-deny` isolates every pod of the namespace in both directions;
//! - `allow-dns` lets every pod query kube-dns (UDP and TCP 53);
//! - `isolate-networks`: per network, ingress from and egress to the pods
//!   labelled as its members (`topoc.dev/net-<name>`), so two pods talk iff
//!   they share a network: egress AND ingress both need a common network;
//! - `open`: every networked pod with every other;
//! - `default-deny` (x-topoc.policy): one ingress policy per destination and
//!   one egress policy per source, with exactly the talks-to ports;
//! - `allow-external-egress` for pods on a non-internal network;
//! - `publish-<svc>`: external ingress to the container ports published on a
//!   non-loopback address by a service on a non-internal network.

use super::{Kv, NsNames, kv};
use crate::analyze::connectivity::ConnSet;
use crate::emit::EmitContext;
use crate::emit::names::{self, Namer};
use crate::emit::reach::{Peer, Reach};
use crate::ir::{ComposePolicy, NamespaceId, NetworkId, NetworkMode, Protocol, WorkloadId};
use serde::Serialize;
use std::collections::BTreeMap;

pub const EXTERNAL_EGRESS_LABEL: &str = "topoc.dev/external-egress";
pub const OPEN_LABEL: &str = "topoc.dev/open";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PeerView {
    pub pod_selector: Option<Vec<Kv>>,
    pub namespace_selector: Option<Vec<Kv>>,
    pub cidr: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyPortView {
    pub protocol: &'static str,
    pub port: Option<u16>,
    pub end_port: Option<u16>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RuleView {
    /// Never empty here: "all peers" is not something these policies need.
    pub peers: Vec<PeerView>,
    /// Empty: every port and protocol.
    pub ports: Vec<PolicyPortView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    pub name: String,
    pub source: String,
    pub pod_selector: Vec<Kv>,
    pub policy_types: Vec<&'static str>,
    pub ingress: Vec<RuleView>,
    pub egress: Vec<RuleView>,
}

/// Per namespace: the label key of each network and who carries which label.
pub struct NetLabels {
    pub networks: Vec<(NetworkId, String)>,
    pub pods: BTreeMap<WorkloadId, Vec<Kv>>,
}

impl NetLabels {
    pub fn pod_labels(&self, id: WorkloadId) -> Vec<Kv> {
        self.pods.get(&id).cloned().unwrap_or_default()
    }
}

fn policy_of(cx: &EmitContext, ns: NamespaceId) -> ComposePolicy {
    cx.topology
        .projects
        .iter()
        .find(|p| p.namespace == ns)
        .map(|p| p.policy)
        .unwrap_or_default()
}

fn networks_of<'a>(cx: &EmitContext<'a>, id: WorkloadId) -> &'a [NetworkId] {
    &cx.resolved.effective_networks[id.index()]
}

/// Whether NetworkPolicies can govern the pod: a `hostNetwork` pod (Compose
/// `network_mode: host`) is the node itself, which policies do not isolate
/// (reported as `unsupported-network-mode`), so it carries no policy labels.
fn policy_governed(cx: &EmitContext, id: WorkloadId) -> bool {
    cx.topology.workload(id).network_mode != NetworkMode::Host
}

/// What the connectivity engine lets `from` reach at `to`, for pods the
/// policies govern.
fn reach_of<'r>(cx: &EmitContext, reach: &'r Reach, from: Peer, to: Peer) -> Option<&'r ConnSet> {
    let governed = |p: Peer| match p {
        Peer::Workload(w) => policy_governed(cx, w),
        Peer::External => true,
    };
    if governed(from) && governed(to) {
        reach.get(from, to)
    } else {
        None
    }
}

pub fn network_labels(
    cx: &EmitContext,
    reach: &Reach,
    ns: NamespaceId,
    members: &[WorkloadId],
) -> NetLabels {
    let t = cx.topology;
    let policy = policy_of(cx, ns);
    let mut namer = Namer::new();
    let mut networks: Vec<(NetworkId, String)> = Vec::new();
    let mut pods: BTreeMap<WorkloadId, Vec<Kv>> = BTreeMap::new();
    for &id in members {
        for &n in networks_of(cx, id) {
            if !networks.iter().any(|(m, _)| *m == n) {
                let base = format!("net-{}", names::label_name(&t.network(n).name));
                let key = format!("topoc.dev/{}", namer.unique(&base, "-", 63));
                networks.push((n, key));
            }
        }
    }
    for &id in members {
        let mut labels: Vec<Kv> = Vec::new();
        for &n in networks_of(cx, id) {
            if let Some((_, key)) = networks.iter().find(|(m, _)| *m == n) {
                labels.push(kv(key.clone(), "true"));
            }
        }
        if policy == ComposePolicy::Open && !networks_of(cx, id).is_empty() {
            labels.push(kv(OPEN_LABEL, "true"));
        }
        if reach_of(cx, reach, Peer::Workload(id), Peer::External).is_some_and(ConnSet::is_all) {
            labels.push(kv(EXTERNAL_EGRESS_LABEL, "true"));
        }
        labels.sort();
        labels.dedup();
        pods.insert(id, labels);
    }
    NetLabels { networks, pods }
}

fn pods(labels: Vec<Kv>) -> PeerView {
    PeerView {
        pod_selector: Some(labels),
        namespace_selector: None,
        cidr: None,
    }
}

fn cidr(c: &str) -> PeerView {
    PeerView {
        pod_selector: None,
        namespace_selector: None,
        cidr: Some(c.into()),
    }
}

fn proto(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}

/// Policy ports for a port set: none at all for `All Connections`.
pub fn policy_ports(set: &ConnSet) -> Vec<PolicyPortView> {
    if set.is_all() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for p in Protocol::ALL {
        for &(lo, hi) in set.ranges(p) {
            out.push(PolicyPortView {
                protocol: proto(p),
                port: Some(lo),
                end_port: (hi > lo).then_some(hi),
            });
        }
    }
    out
}

pub fn policies(
    cx: &EmitContext,
    reach: &Reach,
    ns: NamespaceId,
    members: &[WorkloadId],
    nsn: &NsNames,
    labels: &NetLabels,
) -> Vec<PolicyView> {
    let t = cx.topology;
    let project_origin = t
        .projects
        .iter()
        .find(|p| p.namespace == ns)
        .map(|p| p.origin)
        .unwrap_or(t.namespace(ns).origin);
    let mut namer = Namer::new();
    let mut out = Vec::new();
    let mut push = |out: &mut Vec<PolicyView>, mut p: PolicyView| {
        p.name = namer.unique(&p.name, "-", 63);
        out.push(p);
    };
    let src = cx.at(project_origin);
    push(
        &mut out,
        PolicyView {
            name: "default-deny".into(),
            source: src.clone(),
            pod_selector: Vec::new(),
            policy_types: vec!["Ingress", "Egress"],
            ingress: Vec::new(),
            egress: Vec::new(),
        },
    );
    push(
        &mut out,
        PolicyView {
            name: "allow-dns".into(),
            source: src.clone(),
            pod_selector: Vec::new(),
            policy_types: vec!["Egress"],
            ingress: Vec::new(),
            egress: vec![RuleView {
                peers: vec![PeerView {
                    pod_selector: Some(vec![kv("k8s-app", "kube-dns")]),
                    namespace_selector: Some(vec![kv(
                        "kubernetes.io/metadata.name",
                        "kube-system",
                    )]),
                    cidr: None,
                }],
                ports: vec![
                    PolicyPortView {
                        protocol: "UDP",
                        port: Some(53),
                        end_port: None,
                    },
                    PolicyPortView {
                        protocol: "TCP",
                        port: Some(53),
                        end_port: None,
                    },
                ],
            }],
        },
    );

    match policy_of(cx, ns) {
        ComposePolicy::IsolateNetworks => {
            for (n, key) in &labels.networks {
                let net = t.network(*n);
                let name = format!("net-{}", names::dns_label(&net.name));
                let sel = vec![kv(key.clone(), "true")];
                push(&mut out, among_themselves(name, cx.at(net.origin), sel));
            }
        }
        ComposePolicy::Open => {
            if labels
                .pods
                .values()
                .any(|l| l.iter().any(|k| k.key == OPEN_LABEL))
            {
                let sel = vec![kv(OPEN_LABEL, "true")];
                push(&mut out, among_themselves("open".into(), src.clone(), sel));
            }
        }
        ComposePolicy::DefaultDeny => {
            let sel = |id: WorkloadId| vec![kv(super::WORKLOAD_LABEL, nsn.workloads[&id].clone())];
            for &dst in members {
                let rules: Vec<RuleView> = members
                    .iter()
                    .filter_map(|&s| {
                        reach_of(cx, reach, Peer::Workload(s), Peer::Workload(dst))
                            .map(|ps| (s, ps))
                    })
                    .map(|(s, ps)| RuleView {
                        peers: vec![pods(sel(s))],
                        ports: policy_ports(ps),
                    })
                    .collect();
                if !rules.is_empty() {
                    push(
                        &mut out,
                        PolicyView {
                            name: format!("ingress-{}", nsn.workloads[&dst]),
                            source: cx.at(t.workload(dst).origin),
                            pod_selector: sel(dst),
                            policy_types: vec!["Ingress"],
                            ingress: rules,
                            egress: Vec::new(),
                        },
                    );
                }
            }
            for &s in members {
                let rules: Vec<RuleView> = members
                    .iter()
                    .filter_map(|&d| {
                        reach_of(cx, reach, Peer::Workload(s), Peer::Workload(d)).map(|ps| (d, ps))
                    })
                    .map(|(d, ps)| RuleView {
                        peers: vec![pods(sel(d))],
                        ports: policy_ports(ps),
                    })
                    .collect();
                if !rules.is_empty() {
                    push(
                        &mut out,
                        PolicyView {
                            name: format!("egress-{}", nsn.workloads[&s]),
                            source: cx.at(t.workload(s).origin),
                            pod_selector: sel(s),
                            policy_types: vec!["Egress"],
                            ingress: Vec::new(),
                            egress: rules,
                        },
                    );
                }
            }
        }
    }

    if labels
        .pods
        .values()
        .any(|l| l.iter().any(|k| k.key == EXTERNAL_EGRESS_LABEL))
    {
        push(
            &mut out,
            PolicyView {
                name: "allow-external-egress".into(),
                source: src.clone(),
                pod_selector: vec![kv(EXTERNAL_EGRESS_LABEL, "true")],
                policy_types: vec!["Egress"],
                ingress: Vec::new(),
                egress: vec![RuleView {
                    peers: vec![cidr("0.0.0.0/0")],
                    ports: Vec::new(),
                }],
            },
        );
    }

    for &id in members {
        if let Some(ps) = reach_of(cx, reach, Peer::External, Peer::Workload(id)) {
            let name = &nsn.workloads[&id];
            push(
                &mut out,
                PolicyView {
                    name: format!("publish-{name}"),
                    source: cx.at(t.workload(id).origin),
                    pod_selector: vec![kv(super::WORKLOAD_LABEL, name.clone())],
                    policy_types: vec!["Ingress"],
                    ingress: vec![RuleView {
                        peers: vec![cidr("0.0.0.0/0")],
                        ports: policy_ports(ps),
                    }],
                    egress: Vec::new(),
                },
            );
        }
    }
    out
}

/// Pods matching `sel` may talk to each other, in both directions, on
/// every port (a Compose network, or an open project).
fn among_themselves(name: String, source: String, sel: Vec<Kv>) -> PolicyView {
    PolicyView {
        name,
        source,
        pod_selector: sel.clone(),
        policy_types: vec!["Ingress", "Egress"],
        ingress: vec![RuleView {
            peers: vec![pods(sel.clone())],
            ports: Vec::new(),
        }],
        egress: vec![RuleView {
            peers: vec![pods(sel)],
            ports: Vec::new(),
        }],
    }
}
