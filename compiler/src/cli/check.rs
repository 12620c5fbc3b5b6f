//! `topoc check`: the linter. Diagnostics go to stdout; the exit code says
//! whether anything reached `--fail-on`.

use super::{DiagFormat, FailOn, InputArgs, exit, rule_doc, usage_error, use_color};
use clap::Args;
use std::io::IsTerminal;
use std::process::ExitCode;
use topoc::config::ConfigSource;
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
    /// Configuration file (default: `topoc.yaml` in the first input's
    /// directory or the nearest parent that has one).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<String>,
    /// Ignore any `topoc.yaml`.
    #[arg(long)]
    pub no_config: bool,
    /// Also list the files the directory walk skipped (`skipped-file`
    /// infos; they never change the exit code).
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let (inputs, opts) = match args.input.inputs() {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    let config = match (&args.config, args.no_config) {
        (Some(f), _) => ConfigSource::File(f.into()),
        (None, true) => ConfigSource::Disabled,
        (None, false) => ConfigSource::Discover,
    };
    let mut analysis = driver::analyze_with(&inputs, &opts, &config);
    super::name_from_repository(&mut analysis.loaded.sources);
    let sources = &analysis.loaded.sources;
    let shown: std::borrow::Cow<[diagnostic::Diagnostic]> = if args.verbose {
        let mut all = analysis.diagnostics.clone();
        all.extend(analysis.loaded.skipped.iter().cloned());
        diagnostic::sort(&mut all);
        all.into()
    } else {
        (&analysis.diagnostics[..]).into()
    };
    let summary = Summary::of(&shown, sources, analysis.suppressed);
    let cwd = std::env::current_dir().ok();
    let render = diagnostic::RenderOptions {
        color: use_color(std::io::stdout().is_terminal()),
        rule_doc: &rule_doc,
        rule_description: &super::rule_description,
        working_directory: cwd.as_deref(),
    };
    // Written as it is rendered (a closed stdout ends the process quietly,
    // by SIGPIPE; any other write error is reported).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = diagnostic::write_with(
        args.format.into(),
        &shown,
        sources,
        &summary,
        &render,
        &mut out,
    )
    .and_then(|()| std::io::Write::flush(&mut out));
    if let Err(e) = written {
        eprintln!("topoc: error: cannot write the report: {e}");
        return ExitCode::from(exit::INVALID);
    }
    topoc::timing::mark("render");
    let threshold: Severity = args.fail_on.into();
    let code = if analysis.has_input_errors() {
        ExitCode::from(exit::INVALID)
    } else if analysis.diagnostics.iter().any(|d| d.severity >= threshold) {
        ExitCode::from(exit::FINDINGS)
    } else {
        ExitCode::from(exit::OK)
    };
    // The process ends here: freeing the IR of a large input item by item
    // would only delay the exit (the operating system reclaims it at once).
    std::mem::forget(analysis);
    code
}
