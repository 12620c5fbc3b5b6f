//! `topoc ir`: dump the IR as JSON (stdout or `-o`), diagnostics to stderr.

use super::{DiagFormat, InputArgs, exit, report_to_stderr, usage_error};
use clap::{Args, ValueEnum};
use std::process::ExitCode;
use topoc::{driver, ir};

#[derive(ValueEnum, Clone, Copy)]
pub enum IrFormat {
    Json,
}

#[derive(Args)]
pub struct IrArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value = "json")]
    pub format: IrFormat,
    /// Format of diagnostics on stderr.
    #[arg(long, value_enum, default_value = "human")]
    pub diagnostics: DiagFormat,
}

pub fn run(args: IrArgs) -> ExitCode {
    let (inputs, opts) = match args.input.inputs() {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    let (mut loaded, _) = driver::load(&inputs, &opts);
    super::name_from_repository(&mut loaded.sources);
    report_to_stderr(&loaded.diagnostics, &loaded.sources, args.diagnostics);
    if loaded.diagnostics.iter().any(|d| d.is_input_error()) {
        return ExitCode::from(exit::INVALID);
    }
    let dump = ir::dump(&loaded.topology, &loaded.sources);
    match args.format {
        IrFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&dump).expect("IR serializes")
            );
        }
    }
    ExitCode::from(exit::OK)
}
