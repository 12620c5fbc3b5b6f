//! `topoc explain`: the verdict for one flow, then every policy and rule
//! (file:line) that selected, isolated or allowed it, per direction.

use super::{DiagFormat, InputArgs, exit, report_to_stderr, usage_error};
use clap::Args;
use std::process::ExitCode;
use topoc::analyze::connectivity::explain;
use topoc::driver;
use topoc::ir::Topology;
use topoc::resolve::Resolved;

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
    let from = match subjects(t, &resolved, &args.from) {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--from: {e}")),
    };
    let to = match subjects(t, &resolved, &args.to) {
        Ok(s) => s,
        Err(e) => return usage_error(&format!("--to: {e}")),
    };
    let mut text = String::new();
    for &f in &from {
        for &d in &to {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&explain::explain(t, &resolved, &loaded.sources, f, d, port));
        }
    }
    super::write_product(args.output.as_deref(), &text)
}

/// A workload, an address, or a Kubernetes Service (`name`, `ns/name`):
/// a Service stands for every workload it selects, each explained in turn.
fn subjects(t: &Topology, r: &Resolved, name: &str) -> Result<Vec<explain::Subject>, String> {
    let err = match explain::find_subject(t, name) {
        Ok(s) => return Ok(vec![s]),
        Err(e) => e,
    };
    let services: Vec<usize> = t
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.name == name || format!("{}/{}", t.namespace(s.namespace).shown(), s.name) == name
        })
        .map(|(i, _)| i)
        .collect();
    match services.as_slice() {
        [i] => {
            let backends = r
                .kube
                .service_workloads
                .get(*i)
                .cloned()
                .unwrap_or_default();
            if backends.is_empty() {
                Err(format!("Service `{name}` selects no workload"))
            } else {
                Ok(backends
                    .into_iter()
                    .map(explain::Subject::Workload)
                    .collect())
            }
        }
        [] if err.starts_with("no workload") => {
            let mut names = super::workload_names(t);
            for s in &t.services {
                names.push(s.name.clone());
                names.push(format!("{}/{}", t.namespace(s.namespace).shown(), s.name));
            }
            let hint = super::did_you_mean(name, names.iter().map(String::as_str));
            Err(format!("no workload or Service named `{name}`{hint}"))
        }
        [] => Err(err),
        _ => Err(format!(
            "`{name}` is ambiguous: Services in several namespaces; write `namespace/{name}`"
        )),
    }
}
