//! `topoc connectivity`: who can reach whom (stdout or `-o`), diagnostics to
//! stderr; exit 2 on invalid input, else 0.

use super::{DiagFormat, InputArgs, exit, report_to_stderr, usage_error};
use clap::{Args, ValueEnum};
use std::process::ExitCode;
use topoc::analyze::connectivity::{self, exposure};
use topoc::diagnostic;
use topoc::driver;
use topoc::emit::graph::{self, Format};

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum GraphFormat {
    Txt,
    Json,
    Csv,
    Md,
    Dot,
    Mermaid,
}

impl From<GraphFormat> for Format {
    fn from(f: GraphFormat) -> Self {
        match f {
            GraphFormat::Txt => Format::Txt,
            GraphFormat::Json => Format::Json,
            GraphFormat::Csv => Format::Csv,
            GraphFormat::Md => Format::Md,
            GraphFormat::Dot => Format::Dot,
            GraphFormat::Mermaid => Format::Mermaid,
        }
    }
}

#[derive(Args)]
pub struct ConnectivityArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value = "txt")]
    pub format: GraphFormat,
    /// Only flows from or to this workload (`name`, `ns/name` or `ns/name[Kind]`).
    #[arg(long, value_name = "NAME")]
    pub focus: Option<String>,
    /// Also report to what each Kubernetes workload is exposed from pods and
    /// addresses not in the inputs (`entire-cluster`, external ranges,
    /// `[namespace with {..}]/[pod with {..}]`), as netpol-analyzer's
    /// `list --exposure`; txt, json and md only.
    #[arg(long)]
    pub exposure: bool,
    /// Write the result to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// Format of diagnostics on stderr.
    #[arg(long, value_enum, default_value = "human")]
    pub diagnostics: DiagFormat,
}

pub fn run(args: ConnectivityArgs) -> ExitCode {
    let format: Format = args.format.into();
    if args.exposure && !graph::EXPOSURE_FORMATS.contains(&format) {
        return usage_error(
            "--exposure is written in txt, json and md only (not csv, dot, mermaid)",
        );
    }
    let (inputs, opts) = match args.input.inputs() {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    let (mut loaded, resolved) = driver::load(&inputs, &opts);
    super::name_from_repository(&mut loaded.sources);
    let rejected = driver::rejected_by_api(&loaded, &resolved);
    let mut diags = loaded.diagnostics.clone();
    diags.extend(rejected.iter().cloned());
    diagnostic::sort(&mut diags);
    report_to_stderr(&diags, &loaded.sources, args.diagnostics);
    if !rejected.is_empty() || loaded.diagnostics.iter().any(|d| d.is_input_error()) {
        return ExitCode::from(exit::INVALID);
    }
    // Grouped flows, expanded into lines as they are written.
    let mut c = connectivity::flows(&loaded.topology, &resolved);
    if let Some(f) = &args.focus {
        let t = &loaded.topology;
        let mut names = super::workload_names(t);
        names.extend(c.endpoints.iter().map(|e| e.name.clone()));
        if !names.iter().any(|n| n == f) {
            let hint = super::did_you_mean(f, names.iter().map(String::as_str));
            return usage_error(&format!("--focus: no workload named `{f}`{hint}"));
        }
        c.focus(t, f);
    }
    if !args.exposure {
        let code =
            super::write_product_with(args.output.as_deref(), |w| graph::write(&c, format, w));
        // The process ends here: skip freeing the IR and the flow table item
        // by item (the operating system reclaims them at once).
        std::mem::forget((loaded, resolved, c));
        return code;
    }
    let c = c.collect();
    let mut x = exposure::compute(&loaded.topology, &resolved, &c);
    if let Some(f) = &args.focus {
        let t = &loaded.topology;
        x.retain(|w| focused(t, w, f));
    }
    let code = super::write_product_with(args.output.as_deref(), |w| {
        graph::write_exposure(&c, &x, format, w)
    });
    std::mem::forget((loaded, resolved, c, x));
    code
}

/// Whether `--focus NAME` names workload `w` (as `Connectivity::focus`
/// matches: `name`, `ns/name` or `ns/name[Kind]`).
fn focused(t: &topoc::ir::Topology, w: topoc::ir::WorkloadId, focus: &str) -> bool {
    let wl = t.workload(w);
    let ns = &t.namespace(wl.namespace).name;
    wl.name == focus
        || format!("{ns}/{}", wl.name) == focus
        || format!("{ns}/{}[{}]", wl.name, wl.kind.as_str()) == focus
}
