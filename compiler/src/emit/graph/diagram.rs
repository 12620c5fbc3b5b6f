//! Graph views: Graphviz `dot` and Mermaid `flowchart`. Namespaces (and
//! Compose projects) are clusters; external ranges are drawn as dashed
//! boxes (dot) or parallelograms (mermaid), outside every cluster.

use crate::analyze::connectivity::{Endpoint, FlowRows};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Endpoints that appear in an edge, grouped by namespace (None: external).
fn groups(c: &dyn FlowRows) -> BTreeMap<Option<&str>, Vec<usize>> {
    let endpoints = c.endpoints();
    let mut used = vec![false; endpoints.len()];
    for e in c.rows() {
        used[e.src as usize] = true;
        used[e.dst as usize] = true;
    }
    let mut g: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (i, ep) in endpoints.iter().enumerate() {
        if used[i] {
            g.entry(ep.namespace.as_deref()).or_default().push(i);
        }
    }
    for v in g.values_mut() {
        v.sort_by(|a, b| endpoints[*a].name.cmp(&endpoints[*b].name));
    }
    g
}

/// The label of a node inside its cluster: without the `ns/` prefix.
fn short(ep: &Endpoint) -> &str {
    match &ep.namespace {
        Some(ns) => ep
            .name
            .strip_prefix(ns.as_str())
            .and_then(|s| s.strip_prefix('/'))
            .unwrap_or(&ep.name),
        None => &ep.name,
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
            Some(ns) => {
                writeln!(out, "  subgraph cluster_{k} {{\n    label={};", dot_str(ns))?;
                for &i in nodes {
                    writeln!(out, "    n{i} [label={}];", dot_str(short(&endpoints[i])))?;
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
            Some(ns) => {
                writeln!(out, "  subgraph ns{k}[{}]", mm_str(ns))?;
                for &i in nodes {
                    writeln!(out, "    n{i}[{}]", mm_str(short(&endpoints[i])))?;
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
