//! `topoc explain`: placeholder replaced below.
use clap::Args;
use std::process::ExitCode;
#[derive(Args)]
pub struct ExplainArgs {}
pub fn run(_a: ExplainArgs) -> ExitCode { ExitCode::from(0) }
