//! Dependency cycles between the active services of a project, which
//! compose-go refuses ("dependency cycle detected: a -> b -> a",
//! `graph/cycle.go`). Dependencies are what its normalisation turns into
//! `depends_on`: `depends_on` itself, `links`, `volumes_from` and the
//! `service:` form of `network_mode`, `ipc` and `pid`.

use super::Lowering;
use crate::diagnostic as diag;
use crate::ir::WorkloadId;
use crate::syntax::{Node, Value};
use std::collections::HashMap;

/// The services `service` depends on, each with the node that names it.
fn dependencies(service: &Node) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    if let Some(deps) = service.get("depends_on") {
        match &deps.value {
            Value::Map(entries) => {
                out.extend(
                    entries
                        .iter()
                        .filter_map(|e| Some((e.key.as_str()?.to_string(), &e.key))),
                );
            }
            Value::Seq(items) => out.extend(
                items
                    .iter()
                    .filter_map(|i| Some((i.as_str()?.to_string(), i))),
            ),
            _ => {}
        }
    }
    for key in ["links", "volumes_from"] {
        for item in service.get(key).and_then(Node::as_seq).unwrap_or_default() {
            let Some(text) = item.as_str() else { continue };
            if text.starts_with("container:") {
                continue;
            }
            let name = text.split(':').next().unwrap_or_default();
            out.push((name.to_string(), item));
        }
    }
    for key in ["network_mode", "ipc", "pid"] {
        if let Some(node) = service.get(key)
            && let Some(name) = node.as_str().and_then(|t| t.strip_prefix("service:"))
        {
            out.push((name.to_string(), node));
        }
    }
    out
}

/// Report every dependency cycle among `services` once, at the reference
/// that closes it.
pub fn report(l: &mut Lowering, services: &[(WorkloadId, &Node)]) {
    let index: HashMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (l.topo.workload(*id).name.as_str(), i))
        .collect();
    let edges: Vec<Vec<(usize, &Node)>> = services
        .iter()
        .map(|(_, node)| {
            dependencies(node)
                .into_iter()
                .filter_map(|(name, at)| Some((*index.get(name.as_str())?, at)))
                .collect()
        })
        .collect();
    let names: Vec<String> = services
        .iter()
        .map(|(id, _)| l.topo.workload(*id).name.clone())
        .collect();
    // 0 unvisited, 1 on the path, 2 done.
    let mut state = vec![0u8; services.len()];
    let mut found = Vec::new();
    for start in 0..services.len() {
        if state[start] != 0 {
            continue;
        }
        // Iterative DFS: (service, next edge to follow).
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some((at, next)) = path.last().copied() {
            if let Some(&(to, node)) = edges[at].get(next) {
                path.last_mut().expect("non-empty").1 += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        path.push((to, 0));
                    }
                    1 => {
                        let from = path.iter().position(|(s, _)| *s == to).unwrap_or(0);
                        let mut chain: Vec<&str> = path[from..]
                            .iter()
                            .map(|(s, _)| names[*s].as_str())
                            .collect();
                        chain.push(&names[to]);
                        found.push((node.span, chain.join(" -> ")));
                    }
                    _ => {}
                }
            } else {
                state[at] = 2;
                path.pop();
            }
        }
    }
    for (span, chain) in found {
        l.diags.push(
            crate::diagnostic::Diagnostic::new(
                &diag::INVALID_VALUE,
                span,
                format!("dependency cycle detected: {chain}"),
            )
            .with_help("docker compose refuses the project; a service cannot depend on itself through depends_on, links, volumes_from or `network_mode: service:`"),
        );
    }
}
