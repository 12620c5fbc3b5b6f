//! Output split per pod network, as netpol-analyzer prints a result in
//! which some workload is on an OVN-Kubernetes primary user-defined network
//! (`analyze::connectivity::networks`): one section per network (the pod
//! network first, then each UDN and CUDN by name), then the
//! workload-to-networks mapping of the workloads on user-defined networks.
//! A line belongs to the network of its workload end; a line between two
//! workloads has both on one network (the engine pairs nothing else).

use crate::analyze::connectivity::networks::{NetworkView, POD_NETWORK, plain_name};
use crate::analyze::connectivity::{Edge, Endpoint, EndpointKind, FlowRows};
use std::io::{self, Write};

/// What netpol-analyzer writes in a pod network section without workloads.
pub const ALL_ON_UDN: &str =
    "all input workloads are configured with (C)UDN as their primary network interface";

/// The network of a line: that of its workload end (external addresses and
/// the ingress controller reach every network).
pub fn network_of(eps: &[Endpoint], e: &Edge) -> u32 {
    let src = &eps[e.src as usize];
    if matches!(src.kind, EndpointKind::Workload(_)) {
        src.network
    } else {
        eps[e.dst as usize].network
    }
}

/// The section order: the pod network, then user-defined networks by kind
/// (UDN before CUDN) and name.
fn order(networks: &[NetworkView]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..networks.len()).collect();
    o.sort_by(|&a, &b| {
        let (x, y) = (&networks[a], &networks[b]);
        (x.scope, &x.name, a).cmp(&(y.scope, &y.name, b))
    });
    o
}

/// The sectioned connlist text; `networks` is non-empty.
pub fn txt(c: &dyn FlowRows, w: &mut dyn Write) -> io::Result<()> {
    let eps = c.endpoints();
    let networks = c.networks();
    // Rows arrive in print order; each section keeps that order.
    let mut lines: Vec<Vec<Edge>> = vec![Vec::new(); networks.len()];
    for e in c.rows() {
        lines[network_of(eps, &e) as usize].push(e);
    }
    let mut populated = vec![false; networks.len()];
    for ep in eps {
        if matches!(ep.kind, EndpointKind::Workload(_)) {
            populated[ep.network as usize] = true;
        }
    }
    for n in order(networks) {
        if n != POD_NETWORK as usize && !populated[n] {
            continue;
        }
        writeln!(
            w,
            "Permitted connectivity analyzed in {}:",
            networks[n].heading
        )?;
        if n == POD_NETWORK as usize && !populated[n] {
            writeln!(w, "{ALL_ON_UDN}")?;
        }
        for e in &lines[n] {
            writeln!(
                w,
                "{} => {} : {}",
                eps[e.src as usize].name,
                eps[e.dst as usize].name,
                c.conn_text_of(e.conn)
            )?;
        }
        writeln!(w)?;
    }
    writeln!(w, "Workload-to-Networks Mapping:")?;
    let mut mapped: Vec<(std::borrow::Cow<'_, str>, u32)> = eps
        .iter()
        .filter(|ep| matches!(ep.kind, EndpointKind::Workload(_)) && ep.network != POD_NETWORK)
        .map(|ep| (plain_name(&ep.name, ep.namespace.as_deref()), ep.network))
        .collect();
    mapped.sort();
    for (name, n) in mapped {
        writeln!(
            w,
            "{name}: \n\tPrimary Network: {}",
            networks[n as usize].label
        )?;
    }
    Ok(())
}
