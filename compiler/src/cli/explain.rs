//! `topoc explain`: the verdict for one flow, then every policy and rule
//! (file:line) that selected, isolated or allowed it, per direction.

use super::{DiagFormat, InputArgs, exit, report_to_stderr, usage_error};
use clap::Args;
use std::process::ExitCode;
use topoc::analyze::connectivity::explain;
use topoc::driver;

#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Source: `name`, `ns/name`, an IPv4 address or CIDR, or `external`.
    #[arg(long, value_name = "SRC")]
    pub from: String,
    /// Destination: `name`, `ns/name`, an IPv4 address or CIDR, or `external`.
    #[arg(long, value_name = "DST")]
    pub to: String,
    /// A port to decide on, `5432/tcp` (protocol defaults to TCP).
    #[arg(long, value_name = "PORT[/PROTO]")]
    pub port: Option<String>,
    /// Write the explanation to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// Format of diagnostics on stderr.
    #[arg(long, value_enum, default_value = "human")]
    pub diagnostics: DiagFormat,
}

pub fn run(args: ExplainArgs) -> ExitCode {
    let (inputs, opts) = match args.input.inputs() {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    let port = match args.port.as_deref().map(explain::parse_port).transpose() {
        Ok(p) => p,
        Err(e) => return usage_error(&format!("--port: {e}")),
    };
    let (mut loaded, resolved) = driver::load(&inputs, &opts);
    super::name_from_repository(&mut loaded.sources);
    let rejected = driver::rejected_by_api(&loaded, &resolved);
    let mut diags = loaded.diagnostics.clone();
    diags.extend(rejected.iter().cloned());
    topoc::diagnostic::sort(&mut diags);
    report_to_stderr(&diags, &loaded.sources, args.diagnostics);
    if !rejected.is_empty() || loaded.diagnostics.iter().any(|d| d.is_input_error()) {
        return ExitCode::from(exit::INVALID);
    }
    let t = &loaded.topology;
    let from = match explain::find_subject(t, &args.from) {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--from: {e}")),
    };
    let to = match explain::find_subject(t, &args.to) {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--to: {e}")),
    };
    let text = explain::explain(t, &resolved, &loaded.sources, from, to, port);
    super::write_product(args.output.as_deref(), &text)
}
