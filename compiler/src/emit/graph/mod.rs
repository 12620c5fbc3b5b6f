//! Renderers of a connectivity result: `txt` (np-guard connlist compatible),
//! `json`, `csv`, `md`, and the graph views `dot` and `mermaid` (namespaces
//! as clusters, external ranges drawn differently, edges labelled with the
//! connections).

mod diagram;
mod table;

use crate::analyze::connectivity::Connectivity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Txt,
    Json,
    Csv,
    Md,
    Dot,
    Mermaid,
}

pub fn render(c: &Connectivity, format: Format) -> String {
    match format {
        Format::Txt => table::txt(c),
        Format::Json => table::json(c),
        Format::Csv => table::csv(c),
        Format::Md => table::md(c),
        Format::Dot => diagram::dot(c),
        Format::Mermaid => diagram::mermaid(c),
    }
}
