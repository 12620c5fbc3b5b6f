//! OVN-Kubernetes user-defined networks (`k8s.ovn.org/v1`), as
//! netpol-analyzer models them: a `UserDefinedNetwork` (namespaced) or a
//! `ClusterUserDefinedNetwork` (for the namespaces its `namespaceSelector`
//! selects) whose role is `Primary` becomes the pod network of its
//! namespaces; pods of different pod networks cannot connect
//! (`analyze::connectivity` applies it).
//!
//! A namespace takes a primary user-defined network only when it carries
//! the label `k8s.ovn.org/primary-user-defined-network` (OVN-Kubernetes
//! requires it at creation). A namespace that is not declared in the inputs
//! is given the benefit of the doubt, its labels being unknown: it takes the
//! network of a UDN inside it, and of a CUDN that selects it by name.
//!
//! What does not change a pod network is a `unsupported-network` warning,
//! never an input error (unless a field has the wrong YAML shape): a
//! `Secondary` role (an extra interface, not the pod's network), a topology
//! other than `Layer2`/`Layer3` (`Localnet` is secondary-only), a spec the
//! CRD's validation refuses, a namespace without the label, a second
//! primary network for a namespace (the first in input order keeps it).
//! Networks are assigned after every object is lowered, so a CUDN's
//! selector sees every namespace, declared or only referenced.

use super::Cx;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::{
    LabelSelector, NamespaceId, NetworkTopology, Origin, PodNetwork, PodNetworkId, PodNetworkScope,
    SelectorOp,
};
use crate::source::Span;
use crate::syntax::Node;

/// The namespace label that asks for a primary user-defined network.
pub const PRIMARY_NETWORK_LABEL: &str = "k8s.ovn.org/primary-user-defined-network";

/// The label every namespace carries implicitly (as `resolve` adds it).
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// A primary network waiting for every namespace to be known.
pub(super) struct Pending {
    scope: PodNetworkScope,
    object_name: String,
    topology: NetworkTopology,
    /// UDN: its namespace.
    namespace: Option<NamespaceId>,
    /// CUDN: `spec.namespaceSelector`, over the namespaces of `cluster`
    /// (`Namespace::cluster`: a kustomize overlay selects only its own).
    selector: LabelSelector,
    cluster: Option<String>,
    origin: Origin,
}

/// Whether a CUDN's selector picks namespaces by name
/// (`kubernetes.io/metadata.name` in `matchLabels` or an `In`): only then
/// may it take a namespace the inputs do not declare, whose other labels
/// are unknown (an empty or `NotIn` selector would otherwise claim every
/// namespace a pod merely names, `default` included).
fn names_namespaces(sel: &LabelSelector) -> bool {
    sel.match_labels.contains_key(NAMESPACE_NAME_LABEL)
        || sel
            .match_expressions
            .iter()
            .any(|r| r.key == NAMESPACE_NAME_LABEL && r.op == SelectorOp::In)
}

impl Pending {
    /// Its namespace as another topology numbers it (`merge.rs`).
    pub(super) fn map_namespace(&mut self, map: impl Fn(NamespaceId) -> NamespaceId) {
        self.namespace = self.namespace.map(map);
    }
}

impl Cx<'_> {
    fn unsupported_network(&mut self, span: Span, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(&diag::UNSUPPORTED_NETWORK, span, msg));
    }

    /// A `UserDefinedNetwork` (`cluster` false) or
    /// `ClusterUserDefinedNetwork`: validated, and kept when it is a
    /// primary network.
    pub(super) fn user_defined_network(&mut self, obj: &Node, cluster: bool) {
        let kind = if cluster {
            "ClusterUserDefinedNetwork"
        } else {
            "UserDefinedNetwork"
        };
        let Some((m, origin)) = self.named_meta(obj, kind) else {
            return;
        };
        let Some(spec) = self.map_field(obj, "spec") else {
            self.unsupported_network(
                origin.span,
                format!("{kind} `{}` has no `spec`: it is ignored", m.name),
            );
            return;
        };
        let (network, selector) = if cluster {
            let Some(sel) = spec.get("namespaceSelector").filter(|s| !s.is_null()) else {
                self.unsupported_network(
                    spec.span,
                    format!(
                        "ClusterUserDefinedNetwork `{}` needs `spec.namespaceSelector`: it is ignored",
                        m.name
                    ),
                );
                return;
            };
            let selector = self.selector(Some(sel));
            let Some(network) = self.map_field(spec, "network") else {
                self.unsupported_network(
                    spec.span,
                    format!(
                        "ClusterUserDefinedNetwork `{}` needs `spec.network`: it is ignored",
                        m.name
                    ),
                );
                return;
            };
            (network, selector)
        } else {
            (spec, LabelSelector::default())
        };
        let Some(topology) = self.network_topology(network, kind, &m.name) else {
            return;
        };
        let namespace = (!cluster).then(|| self.namespace_of(&m, origin));
        self.pending_networks.push(Pending {
            scope: if cluster {
                PodNetworkScope::Cluster
            } else {
                PodNetworkScope::Namespace
            },
            object_name: m.name,
            topology,
            namespace,
            selector,
            cluster: self.cluster().map(String::from),
            origin,
        });
    }

    /// The topology of a network spec (UDN `spec`, CUDN `spec.network`) when
    /// it is a valid primary network; else a warning and None.
    fn network_topology(&mut self, net: &Node, kind: &str, name: &str) -> Option<NetworkTopology> {
        let Some((topo, topo_span)) = self.str_field(net, "topology") else {
            self.unsupported_network(
                net.span,
                format!("{kind} `{name}` needs `topology` (Layer2 or Layer3): it is ignored"),
            );
            return None;
        };
        let (topology, key) = match topo.as_str() {
            "Layer2" => (NetworkTopology::Layer2, "layer2"),
            "Layer3" => (NetworkTopology::Layer3, "layer3"),
            "Localnet" if kind == "ClusterUserDefinedNetwork" => {
                self.unsupported_network(
                    topo_span,
                    format!(
                        "{kind} `{name}` is a Localnet network, which is secondary only: \
                         it adds an interface and does not change the pod network"
                    ),
                );
                return None;
            }
            other => {
                self.unsupported_network(
                    topo_span,
                    format!(
                        "{kind} `{name}`: topology `{other}` is not supported (Layer2 or Layer3): it is ignored"
                    ),
                );
                return None;
            }
        };
        let Some(section) = self.map_field(net, key) else {
            self.unsupported_network(
                topo_span,
                format!("{kind} `{name}`: topology {topo} needs `{key}`: it is ignored"),
            );
            return None;
        };
        match self.str_field(section, "role") {
            Some((r, _)) if r == "Primary" => {}
            Some((r, span)) if r == "Secondary" => {
                self.unsupported_network(
                    span,
                    format!(
                        "{kind} `{name}` is a secondary network: it adds an interface and does not \
                         change the pod network, so it is not analysed"
                    ),
                );
                return None;
            }
            Some((r, span)) => {
                self.unsupported_network(
                    span,
                    format!("{kind} `{name}`: role `{r}` is neither Primary nor Secondary: it is ignored"),
                );
                return None;
            }
            None => {
                self.unsupported_network(
                    section.span,
                    format!("{kind} `{name}`: `{key}.role` (Primary or Secondary) is required: it is ignored"),
                );
                return None;
            }
        }
        let ipam_disabled = section
            .get("ipam")
            .and_then(|i| i.get("mode"))
            .and_then(Node::as_str)
            == Some("Disabled");
        if ipam_disabled {
            self.unsupported_network(
                section.span,
                format!(
                    "{kind} `{name}`: `ipam.mode: Disabled` is only supported for a secondary network: it is ignored"
                ),
            );
            return None;
        }
        let subnets = self.seq_field(section, "subnets");
        if subnets.is_empty() {
            self.unsupported_network(
                section.span,
                format!("{kind} `{name}`: a primary {topo} network needs `subnets`: it is ignored"),
            );
            return None;
        }
        for s in subnets {
            // Layer2: CIDR strings; Layer3: `{cidr, hostSubnet}`.
            let cidr = s.as_str().or_else(|| s.get("cidr").and_then(Node::as_str));
            if cidr.is_none_or(|c| c.parse::<ipnet::IpNet>().is_err()) {
                self.unsupported_network(
                    s.span,
                    format!("{kind} `{name}`: a subnet must be a CIDR: the network is ignored"),
                );
                return None;
            }
        }
        Some(topology)
    }

    /// Give each namespace its primary network, in input order, once every
    /// namespace is known.
    pub(super) fn assign_pod_networks(&mut self) {
        let pending = std::mem::take(&mut self.pending_networks);
        for p in pending {
            let namespaces: Vec<NamespaceId> = match p.namespace {
                Some(ns) => vec![ns],
                None => (0..self.t.namespaces.len() as u32)
                    .map(NamespaceId)
                    .filter(|&ns| {
                        let n = self.t.namespace(ns);
                        if n.cluster != p.cluster || !n.declared && !names_namespaces(&p.selector) {
                            return false;
                        }
                        let mut labels = n.labels.clone();
                        labels.insert(NAMESPACE_NAME_LABEL.into(), n.name.clone());
                        p.selector.matches(&labels)
                    })
                    .collect(),
            };
            let id = PodNetworkId(self.t.pod_networks.len() as u32);
            let kind = match p.scope {
                PodNetworkScope::Namespace => "UserDefinedNetwork",
                PodNetworkScope::Cluster => "ClusterUserDefinedNetwork",
            };
            let mut members = Vec::new();
            for ns in namespaces {
                let n = self.t.namespace(ns);
                let (name, origin) = (n.name.clone(), n.origin);
                if n.declared && !n.labels.contains_key(PRIMARY_NETWORK_LABEL) {
                    self.diags.push(
                        Diagnostic::new(
                            &diag::UNSUPPORTED_NETWORK,
                            p.origin.span,
                            format!(
                                "{kind} `{}` is not the primary network of namespace `{name}`: \
                                 the namespace lacks the label `{PRIMARY_NETWORK_LABEL}`, so its \
                                 pods stay on the pod network",
                                p.object_name
                            ),
                        )
                        .with_related(origin.span, "the namespace"),
                    );
                    continue;
                }
                if let Some(other) = n.pod_network {
                    let o = &self.t.pod_networks[other.index()];
                    let msg = format!(
                        "{kind} `{}` is a second primary network for namespace `{name}`, which \
                         already has {} `{}`: it is ignored there",
                        p.object_name,
                        o.scope.as_str(),
                        o.object_name
                    );
                    let first = o.origin.span;
                    self.diags.push(
                        Diagnostic::new(&diag::UNSUPPORTED_NETWORK, p.origin.span, msg)
                            .with_related(first, "the first primary network"),
                    );
                    continue;
                }
                self.t.namespaces[ns.index()].pod_network = Some(id);
                members.push(ns);
            }
            if p.scope == PodNetworkScope::Namespace && members.is_empty() {
                continue;
            }
            let name = match p.scope {
                PodNetworkScope::Namespace => self.t.namespace(members[0]).name.clone(),
                PodNetworkScope::Cluster => p.object_name.clone(),
            };
            self.t.pod_networks.push(PodNetwork {
                scope: p.scope,
                name,
                object_name: p.object_name,
                topology: p.topology,
                namespaces: members,
                origin: p.origin,
            });
        }
        for n in &self.t.namespaces {
            if n.declared && n.pod_network.is_none() && n.labels.contains_key(PRIMARY_NETWORK_LABEL)
            {
                self.diags.push(Diagnostic::new(
                    &diag::UNSUPPORTED_NETWORK,
                    n.origin.span,
                    format!(
                        "namespace `{}` carries `{PRIMARY_NETWORK_LABEL}` but no primary \
                         UserDefinedNetwork or ClusterUserDefinedNetwork of the inputs serves it: \
                         its pods are analysed on the pod network",
                        n.name
                    ),
                ));
            }
        }
    }
}
