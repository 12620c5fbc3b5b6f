//! Renderers of a connectivity result: `txt` (np-guard connlist compatible),
//! `json`, `csv`, `md`, and the graph views `dot` and `mermaid` (namespaces
//! as clusters, external ranges drawn differently, edges labelled with the
//! connections). With workloads on user-defined pod networks, txt is split
//! per network as netpol-analyzer does (`sections`), the tables gain a
//! `network` column and the graph views name the network in each cluster.

mod diagram;
mod exposure;
mod sections;
mod table;

use crate::analyze::connectivity::exposure::Exposure;
use crate::analyze::connectivity::{Connectivity, FlowRows};

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

/// The formats that can carry an exposure section (`--exposure`).
pub const EXPOSURE_FORMATS: [Format; 3] = [Format::Txt, Format::Json, Format::Md];

/// Write the result and its exposure in `format` (one of
/// `EXPOSURE_FORMATS`; any other is refused).
pub fn write_exposure(
    c: &Connectivity,
    x: &Exposure,
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let text = match format {
        Format::Txt => return exposure::txt(c, x, out),
        Format::Json => exposure::json(c, x),
        Format::Md => exposure::md(c, x),
        Format::Csv | Format::Dot | Format::Mermaid => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "the exposure section is written in txt, json and md only",
            ));
        }
    };
    out.write_all(text.as_bytes())
}

/// The result in `format`, as a string.
pub fn render(c: &dyn FlowRows, format: Format) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write(c, format, &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}
