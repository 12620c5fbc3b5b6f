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

/// Write the result in `format` (streamed for `txt`).
pub fn write(
    c: &Connectivity,
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let text = match format {
        Format::Txt => return table::txt(c, out),
        Format::Json => table::json(c),
        Format::Csv => table::csv(c),
        Format::Md => table::md(c),
        Format::Dot => diagram::dot(c),
        Format::Mermaid => diagram::mermaid(c),
    };
    out.write_all(text.as_bytes())
}

/// The result in `format`, as a string.
pub fn render(c: &Connectivity, format: Format) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write(c, format, &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}
