//! Who may reach whom, as the emitters need it: workload pairs (and the
//! outside world) with protocol/port sets. For Compose projects it is derived
//! here from the network semantics of design §6; for Kubernetes input the
//! connectivity engine supplies it (`EmitOptions::kube_reach`).

use crate::ir::{
    ComposePolicy, IntentSource, IntentTarget, NetworkId, NetworkMode, PortRange, Protocol,
    Topology, WorkloadId,
};
use crate::resolve::Resolved;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One end of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Workload(WorkloadId),
    /// Any address that is not a workload's.
    External,
}

/// Ports per protocol, as sorted, merged, inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PortSet {
    /// Indexed like `Protocol::ALL` (tcp, udp, sctp).
    ranges: [Vec<PortRange>; 3],
}

fn idx(p: Protocol) -> usize {
    match p {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Sctp => 2,
    }
}

impl PortSet {
    pub const FULL: PortRange = PortRange {
        start: 1,
        end: 65535,
    };

    /// `All Connections`: TCP, UDP and SCTP on 1-65535.
    pub fn all() -> Self {
        let mut s = PortSet::default();
        for p in Protocol::ALL {
            s.insert(p, Self::FULL);
        }
        s
    }

    pub fn single(proto: Protocol, port: u16) -> Self {
        let mut s = PortSet::default();
        s.insert(proto, PortRange::single(port));
        s
    }

    pub fn insert(&mut self, proto: Protocol, r: PortRange) {
        let v = &mut self.ranges[idx(proto)];
        v.push(r);
        v.sort();
        let mut merged: Vec<PortRange> = Vec::with_capacity(v.len());
        for r in v.drain(..) {
            match merged.last_mut() {
                Some(last) if r.start as u32 <= last.end as u32 + 1 => {
                    last.end = last.end.max(r.end)
                }
                _ => merged.push(r),
            }
        }
        *v = merged;
    }

    pub fn union(&mut self, other: &PortSet) {
        for p in Protocol::ALL {
            for r in other.get(p).to_vec() {
                self.insert(p, r);
            }
        }
    }

    /// Ports in both sets.
    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::default();
        for p in Protocol::ALL {
            for a in self.get(p) {
                for b in other.get(p) {
                    let (lo, hi) = (a.start.max(b.start), a.end.min(b.end));
                    if lo <= hi {
                        out.insert(p, PortRange { start: lo, end: hi });
                    }
                }
            }
        }
        out
    }

    pub fn get(&self, proto: Protocol) -> &[PortRange] {
        &self.ranges[idx(proto)]
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    pub fn is_all(&self) -> bool {
        self.ranges.iter().all(|v| v.as_slice() == [Self::FULL])
    }

    /// Whether every port of `other` is in `self`.
    pub fn contains(&self, other: &PortSet) -> bool {
        Protocol::ALL.iter().all(|&p| {
            other.get(p).iter().all(|r| {
                self.get(p)
                    .iter()
                    .any(|m| m.start <= r.start && r.end <= m.end)
            })
        })
    }

    /// The connectivity text form (`All Connections`, `TCP 80,8000-8010,UDP 53`),
    /// protocols sorted SCTP < TCP < UDP.
    pub fn conn(&self) -> String {
        if self.is_all() {
            return "All Connections".into();
        }
        let mut parts = Vec::new();
        for p in [Protocol::Sctp, Protocol::Tcp, Protocol::Udp] {
            let rs = self.get(p);
            if rs.is_empty() {
                continue;
            }
            let list: Vec<String> = rs
                .iter()
                .map(|r| {
                    if r.start == r.end {
                        r.start.to_string()
                    } else {
                        format!("{}-{}", r.start, r.end)
                    }
                })
                .collect();
            parts.push(format!(
                "{} {}",
                p.as_str().to_ascii_uppercase(),
                list.join(",")
            ));
        }
        parts.join(",")
    }
}

/// Allowed flows: (source, destination) → ports at the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    pub flows: BTreeMap<(Peer, Peer), PortSet>,
}

impl Reach {
    pub fn allow(&mut self, from: Peer, to: Peer, ports: &PortSet) {
        if from == to || ports.is_empty() {
            return;
        }
        self.flows.entry((from, to)).or_default().union(ports);
    }

    pub fn get(&self, from: Peer, to: Peer) -> Option<&PortSet> {
        self.flows.get(&(from, to))
    }
}

/// Whether a workload sits on at least one non-internal network.
pub fn has_external_network(t: &Topology, r: &Resolved, w: WorkloadId) -> bool {
    r.effective_networks[w.index()]
        .iter()
        .any(|&n| !t.network(n).internal)
}

/// Whether a workload takes part in the compose network model (host and
/// container modes are outside it).
fn networked(t: &Topology, w: WorkloadId) -> bool {
    matches!(
        t.workload(w).network_mode,
        NetworkMode::Bridge | NetworkMode::DefaultBridge | NetworkMode::Service(_)
    )
}

/// A publication reachable from outside: bound to a non-loopback address.
pub fn publication_is_external(host_ip: IpAddr) -> bool {
    !host_ip.is_loopback()
}

/// The flow a compose policy allows between two workloads that share
/// `shared` networks, and why (for comments): `None` when nothing.
fn pair_ports(
    t: &Topology,
    policy: ComposePolicy,
    from: WorkloadId,
    to: WorkloadId,
    shared: &[NetworkId],
) -> Option<PortSet> {
    match policy {
        ComposePolicy::Open => Some(PortSet::all()),
        ComposePolicy::IsolateNetworks => (!shared.is_empty()).then(PortSet::all),
        // `default-deny` keeps only the talks-to flows the networks allow.
        ComposePolicy::DefaultDeny => {
            if shared.is_empty() {
                return None;
            }
            let mut s = PortSet::default();
            for i in t.intents.iter().filter(|i| {
                i.source == IntentSource::TalksTo
                    && i.from == from
                    && i.to == IntentTarget::Workload(to)
            }) {
                match i.port {
                    Some(p) => s.insert(i.protocol, PortRange::single(p)),
                    None => s.union(&PortSet::all()),
                }
            }
            (!s.is_empty()).then_some(s)
        }
    }
}

/// Reachability of every Compose service, by the semantics of design §6.
pub fn compose(t: &Topology, r: &Resolved) -> Reach {
    let mut reach = Reach::default();
    for (pi, project) in t.projects.iter().enumerate() {
        let members: Vec<WorkloadId> = t
            .workload_ids()
            .filter(|&w| t.workload(w).project.map(|p| p.index()) == Some(pi) && networked(t, w))
            .collect();
        for &a in &members {
            for &b in &members {
                if a == b {
                    continue;
                }
                let shared = r.shared_networks(a, b);
                if project.policy == ComposePolicy::Open
                    && (r.effective_networks[a.index()].is_empty()
                        || r.effective_networks[b.index()].is_empty())
                {
                    continue;
                }
                if let Some(ports) = pair_ports(t, project.policy, a, b, &shared) {
                    reach.allow(Peer::Workload(a), Peer::Workload(b), &ports);
                }
            }
            if project.policy != ComposePolicy::DefaultDeny && has_external_network(t, r, a) {
                reach.allow(Peer::Workload(a), Peer::External, &PortSet::all());
            }
        }
    }
    for p in &t.publications {
        let w = p.workload;
        if t.workload(w).project.is_some()
            && networked(t, w)
            && publication_is_external(p.host_ip)
            && has_external_network(t, r, w)
        {
            reach.allow(
                Peer::External,
                Peer::Workload(w),
                &PortSet::single(p.protocol, p.port),
            );
        }
    }
    reach
}

/// Reachability of Kubernetes workloads from the connectivity engine. The
/// emitters know one outside peer only: flows to or from a narrower external
/// range are widened to every outside address and listed in the second value
/// (`src => dst: range`) so the emitter can report them.
pub fn from_connectivity(
    t: &Topology,
    c: &crate::analyze::connectivity::Connectivity,
) -> (Reach, Vec<(Peer, Peer, String)>) {
    use crate::analyze::connectivity::EndpointKind;
    let mut reach = Reach::default();
    let mut widened = Vec::new();
    for e in &c.edges {
        let (s, d) = (c.src(e), c.dst(e));
        let mut narrow = None;
        let mut peer = |k: EndpointKind| match k {
            EndpointKind::Workload(w) => Some(Peer::Workload(w)),
            EndpointKind::External(r) => {
                if (r.first, r.last) != (0, u32::MAX) {
                    narrow = Some(format!("{r}"));
                }
                Some(Peer::External)
            }
        };
        let (Some(a), Some(b)) = (peer(s.kind), peer(d.kind)) else {
            continue;
        };
        if a == Peer::External && b == Peer::External {
            continue;
        }
        if [a, b]
            .iter()
            .any(|p| matches!(p, Peer::Workload(w) if t.workload(*w).project.is_some()))
        {
            continue; // compose projects come from `compose` directly
        }
        let conn = c.conn(e);
        let mut ps = PortSet::default();
        for p in Protocol::ALL {
            for &(lo, hi) in conn.ranges(p) {
                ps.insert(p, PortRange { start: lo, end: hi });
            }
        }
        if let Some(r) = narrow {
            widened.push((a, b, r));
        }
        reach.allow(a, b, &ps);
    }
    widened.sort();
    widened.dedup();
    (reach, widened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_sets_merge_and_print() {
        let mut s = PortSet::default();
        s.insert(
            Protocol::Tcp,
            PortRange {
                start: 8000,
                end: 8010,
            },
        );
        s.insert(Protocol::Tcp, PortRange::single(8011));
        s.insert(Protocol::Tcp, PortRange::single(80));
        s.insert(Protocol::Udp, PortRange::single(53));
        assert_eq!(s.conn(), "TCP 80,8000-8011,UDP 53");
        assert_eq!(PortSet::all().conn(), "All Connections");
        assert!(PortSet::all().contains(&s));
        assert!(!s.contains(&PortSet::all()));
    }
}
