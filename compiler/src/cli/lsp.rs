//! `topoc lsp`: the language server on stdin/stdout (`topoc::lsp`). The
//! process environment and the Helm renderer reach it as data, as for every
//! other command.

use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct LspArgs {
    /// Quiet time after an edit before findings are recomputed.
    #[arg(long, value_name = "MS", default_value_t = 25)]
    pub debounce_ms: u64,
    /// Log how long each analysis and publication takes (stderr).
    #[arg(long)]
    pub timing: bool,
}

pub fn run(args: LspArgs) -> ExitCode {
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let opts = topoc::lsp::Options {
        load: topoc::input::LoadOptions {
            env,
            render_chart: super::helm::renderer(),
            ..Default::default()
        },
        debounce: std::time::Duration::from_millis(args.debounce_ms),
        timing: args.timing,
    };
    match topoc::lsp::serve_stdio(opts) {
        Ok(()) => ExitCode::from(super::exit::OK),
        Err(e) => {
            eprintln!("error: topoc lsp: {e}");
            ExitCode::from(super::exit::INVALID)
        }
    }
}
