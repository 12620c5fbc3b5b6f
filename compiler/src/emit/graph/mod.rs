//! Renderers of a connectivity result: `txt` (np-guard connlist compatible),
//! `json`, `csv`, `md`, and the graph views `dot` and `mermaid` (namespaces
//! as clusters, external ranges drawn differently, edges labelled with the
//! connections).

mod diagram;
mod table;

use crate::analyze::connectivity::FlowRows;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Txt,
    Json,
    Csv,
    Md,
    Dot,
    Mermaid,
}

/// Write the result in `format`, row by row (buffered here: results can
/// have millions of lines, and none is held in memory).
pub fn write(
    c: &dyn FlowRows,
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    match format {
        Format::Txt => table::txt(c, &mut w),
        Format::Json => table::json(c, &mut w),
        Format::Csv => table::csv(c, &mut w),
        Format::Md => table::md(c, &mut w),
        Format::Dot => diagram::dot(c, &mut w),
        Format::Mermaid => diagram::mermaid(c, &mut w),
    }?;
    std::io::Write::flush(&mut w)
}

/// The result in `format`, as a string.
pub fn render(c: &dyn FlowRows, format: Format) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write(c, format, &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}
