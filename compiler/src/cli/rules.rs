//! `topoc rules [NAME]`: the rule catalogue.

use super::{exit, usage_error};
use clap::Args;
use std::process::ExitCode;
use topoc::analyze::rules;
use topoc::diagnostic;

#[derive(Args)]
pub struct RulesArgs {
    /// A rule name (`host-port-conflict`) or code (`TOPO201`).
    pub name: Option<String>,
}

pub fn run(args: RulesArgs) -> ExitCode {
    match args.name {
        None => {
            for c in diagnostic::ALL_CODES {
                println!(
                    "{}  {:<32} {:<8} {}",
                    c.code,
                    c.name,
                    c.severity.as_str(),
                    c.summary
                );
            }
            ExitCode::from(exit::OK)
        }
        Some(name) => {
            if let Some(r) = rules::find(&name) {
                print!("{}", rules::render_doc(r));
                ExitCode::from(exit::OK)
            } else if let Some(c) = diagnostic::lookup(&name) {
                println!(
                    "{} {} ({})\n\n{}",
                    c.code,
                    c.name,
                    c.severity.as_str(),
                    c.summary
                );
                ExitCode::from(exit::OK)
            } else {
                usage_error(&format!("unknown rule `{name}` (see `topoc rules`)"))
            }
        }
    }
}
