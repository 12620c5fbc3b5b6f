//! `topoc check`: the linter. Diagnostics go to stdout; the exit code says
//! whether anything reached `--fail-on`.

use super::{DiagFormat, FailOn, InputArgs, exit, usage_error, use_color};
use clap::Args;
use std::io::IsTerminal;
use std::process::ExitCode;
use topoc::diagnostic::{self, Severity, Summary};
use topoc::driver;

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: DiagFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let (inputs, opts) = match args.input.inputs() {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    let analysis = driver::analyze(&inputs, &opts);
    let sources = &analysis.loaded.sources;
    let summary = Summary::of(&analysis.diagnostics, sources, 0);
    let text = diagnostic::render(
        args.format.into(),
        &analysis.diagnostics,
        sources,
        &summary,
        use_color(std::io::stdout().is_terminal()),
    );
    print!("{text}");
    let threshold: Severity = args.fail_on.into();
    if analysis.has_input_errors() {
        ExitCode::from(exit::INVALID)
    } else if analysis.diagnostics.iter().any(|d| d.severity >= threshold) {
        ExitCode::from(exit::FINDINGS)
    } else {
        ExitCode::from(exit::OK)
    }
}
