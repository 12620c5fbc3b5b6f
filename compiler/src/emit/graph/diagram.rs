//! Graph views: Graphviz `dot` and Mermaid `flowchart`. Namespaces (and
//! Compose projects) are clusters; external ranges are drawn as dashed
//! boxes (dot) or parallelograms (mermaid), outside every cluster.

use crate::analyze::connectivity::networks::{POD_NETWORK, plain_name};
use crate::analyze::connectivity::{Endpoint, FlowRows};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Endpoints that appear in an edge, grouped by namespace and pod network
/// (None: external).
fn groups(c: &dyn FlowRows) -> BTreeMap<Option<(&str, u32)>, Vec<usize>> {
    let endpoints = c.endpoints();
    let mut used = vec![false; endpoints.len()];
    for e in c.rows() {
        used[e.src as usize] = true;
        used[e.dst as usize] = true;
    }
    let mut g: BTreeMap<Option<(&str, u32)>, Vec<usize>> = BTreeMap::new();
    for (i, ep) in endpoints.iter().enumerate() {
        if used[i] {
            g.entry(ep.namespace.as_deref().map(|ns| (ns, ep.network)))
                .or_default()
                .push(i);
        }
    }
    for v in g.values_mut() {
        v.sort_by(|a, b| endpoints[*a].name.cmp(&endpoints[*b].name));
    }
    g
}

/// A cluster's label: the namespace, and its user-defined pod network
/// (`green (green[UDN])`) when it is on one.
fn cluster_label(c: &dyn FlowRows, ns: &str, network: u32) -> String {
    match c.networks().get(network as usize) {
        Some(n) if network != POD_NETWORK => format!("{ns} ({})", n.label),
        _ => ns.to_string(),
    }
}

/// The label of a node inside its cluster: without the `ns/` (or
/// `ns[udn]/`) prefix.
fn short(ep: &Endpoint) -> String {
    match &ep.namespace {
        Some(ns) => {
            let plain = plain_name(&ep.name, Some(ns));
            match plain
                .strip_prefix(ns.as_str())
                .and_then(|s| s.strip_prefix('/'))
            {
                Some(rest) => rest.to_string(),
                None => ep.name.clone(),
            }
        }
        None => ep.name.clone(),
    }
}

fn dot_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn dot(c: &dyn FlowRows, out: &mut dyn Write) -> io::Result<()> {
    let endpoints = c.endpoints();
    out.write_all(b"digraph connectivity {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n")?;
    for (k, (ns, nodes)) in groups(c).iter().enumerate() {
        match ns {
            Some((ns, net)) => {
                let label = cluster_label(c, ns, *net);
                writeln!(
                    out,
                    "  subgraph cluster_{k} {{\n    label={};",
                    dot_str(&label)
                )?;
                for &i in nodes {
                    writeln!(out, "    n{i} [label={}];", dot_str(&short(&endpoints[i])))?;
                }
                out.write_all(b"  }\n")?;
            }
            None => {
                for &i in nodes {
                    writeln!(
                        out,
                        "  n{i} [label={}, shape=box, style=dashed, color=red];",
                        dot_str(&endpoints[i].name)
                    )?;
                }
            }
        }
    }
    for e in c.rows() {
        writeln!(
            out,
            "  n{} -> n{} [label={}];",
            e.src,
            e.dst,
            dot_str(c.conn_text_of(e.conn))
        )?;
    }
    out.write_all(b"}\n")
}

/// Mermaid labels are quoted; `"` has no escape there, so it becomes `#quot;`.
fn mm_str(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "#quot;"))
}

pub fn mermaid(c: &dyn FlowRows, out: &mut dyn Write) -> io::Result<()> {
    let endpoints = c.endpoints();
    out.write_all(b"flowchart LR\n")?;
    for (k, (ns, nodes)) in groups(c).iter().enumerate() {
        match ns {
            Some((ns, net)) => {
                let label = cluster_label(c, ns, *net);
                writeln!(out, "  subgraph ns{k}[{}]", mm_str(&label))?;
                for &i in nodes {
                    writeln!(out, "    n{i}[{}]", mm_str(&short(&endpoints[i])))?;
                }
                out.write_all(b"  end\n")?;
            }
            None => {
                for &i in nodes {
                    writeln!(out, "  n{i}[/{}/]", mm_str(&endpoints[i].name))?;
                }
            }
        }
    }
    for e in c.rows() {
        writeln!(
            out,
            "  n{} -->|{}| n{}",
            e.src,
            mm_str(c.conn_text_of(e.conn)),
            e.dst
        )?;
    }
    Ok(())
}
