//! Pod networks in a connectivity result (OVN-Kubernetes primary
//! user-defined networks, `ir::PodNetwork`): pods of different pod networks
//! cannot connect, so the engine only pairs classes of one network
//! (`Engine::may_allow`, `walk`), while external addresses and the
//! `{ingress-controller}` reach every network as policies allow. This module
//! names the networks and the endpoints on them as netpol-analyzer does
//! (`green[udn]/app[Pod]`, `primary UDN green`, `green[UDN]`), for the
//! printers of `emit::graph`, which split their output per network when
//! some workload is on a user-defined network.

use crate::ir::{PodNetworkScope, Topology, WorkloadId};

/// The index of the cluster's default pod network in `Endpoint::network`
/// and in `views`.
pub const POD_NETWORK: u32 = 0;

/// One pod network as the printers show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkView {
    /// None: the default pod network.
    pub scope: Option<PodNetworkScope>,
    /// The network's name (a UDN's namespace, a CUDN's name).
    pub name: String,
    /// What follows `Permitted connectivity analyzed in `: `Pod network`,
    /// `primary UDN green`, `primary CUDN blue`.
    pub heading: String,
    /// The value of the network column and mapping: `Pod network`,
    /// `green[UDN]`, `blue[CUDN]`.
    pub label: String,
}

/// The network of workload `w`: `POD_NETWORK`, or 1 + its pod network's id.
pub fn network_index(t: &Topology, w: WorkloadId) -> u32 {
    let ns = t.workload(w).namespace;
    t.namespace(ns).pod_network.map_or(POD_NETWORK, |p| p.0 + 1)
}

/// Every pod network, indexed as `network_index` numbers them; empty when
/// no Kubernetes workload is on a user-defined network (the output is then
/// not split, byte for byte as without pod networks).
pub fn views(t: &Topology) -> Vec<NetworkView> {
    let on_udn = t
        .workload_ids()
        .any(|w| t.workload(w).project.is_none() && network_index(t, w) != POD_NETWORK);
    if !on_udn {
        return Vec::new();
    }
    let mut out = vec![NetworkView {
        scope: None,
        name: String::new(),
        heading: "Pod network".into(),
        label: "Pod network".into(),
    }];
    out.extend(t.pod_networks.iter().map(|p| NetworkView {
        scope: Some(p.scope),
        name: p.name.clone(),
        heading: format!("primary {} {}", p.scope.as_str(), p.name),
        label: p.label(),
    }));
    out
}

/// The printed name of a workload: `ns/name[Kind]` (the namespace as
/// `Namespace::shown` names it), with the network marker after the
/// namespace on a user-defined network (`ns[udn]/name[Kind]`).
pub fn workload_name(t: &Topology, w: WorkloadId) -> String {
    let wl = t.workload(w);
    let ns = t.namespace(wl.namespace).shown();
    match t.pod_network_of(w) {
        Some(p) if wl.project.is_none() => {
            format!(
                "{ns}[{}]/{}[{}]",
                p.scope.marker(),
                wl.name,
                wl.kind.as_str()
            )
        }
        _ => format!("{ns}/{}[{}]", wl.name, wl.kind.as_str()),
    }
}

/// The name of a workload without its network marker (`ns/name[Kind]`,
/// as the workload-to-networks mapping writes it).
pub fn plain_name<'a>(name: &'a str, namespace: Option<&str>) -> std::borrow::Cow<'a, str> {
    let Some(ns) = namespace else {
        return name.into();
    };
    let rest = name.strip_prefix(ns).unwrap_or(name);
    match rest.strip_prefix('[').and_then(|r| r.split_once("]/")) {
        Some((_, tail)) => format!("{ns}/{tail}").into(),
        None => name.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::plain_name;

    #[test]
    fn plain_name_drops_the_network_marker_only() {
        assert_eq!(
            plain_name("green[udn]/app[Pod]", Some("green")),
            "green/app[Pod]"
        );
        assert_eq!(
            plain_name("red[cudn]/db[Deployment]", Some("red")),
            "red/db[Deployment]"
        );
        assert_eq!(plain_name("a/b[Pod]", Some("a")), "a/b[Pod]");
        assert_eq!(plain_name("1.2.3.4[External]", None), "1.2.3.4[External]");
    }
}
