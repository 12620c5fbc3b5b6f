//! `topoc compile`: checks first, then one emitter; the product goes to stdout
//! or `-o`, diagnostics to stderr. Nothing is written when a check or the
//! emitter reports an error, and files are replaced atomically.

use super::{DiagFormat, InputArgs, exit, report_to_stderr, usage_error};
use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use topoc::config::{self, ConfigSource};
use topoc::diagnostic::Severity;
use topoc::driver;
use topoc::emit::{self, EmitContext, EmitOptions, Target};
use topoc::ir::ServiceType;

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ToArg {
    K8s,
    Compose,
    Nft,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ServiceTypeArg {
    #[value(name = "nodeport")]
    NodePort,
    #[value(name = "loadbalancer")]
    LoadBalancer,
}

#[derive(Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// What to emit.
    #[arg(long, value_enum)]
    pub to: ToArg,
    /// Write here instead of stdout: a file, or a directory (existing, or
    /// ending in `/`) that receives manifests.yaml, compose.yaml or ruleset.nft.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<String>,
    /// Write nothing; exit 1 with a diff when the file at `-o` is not up to date.
    #[arg(long)]
    pub check: bool,
    /// Directory whose `<target>/<name>.j2` files replace the embedded templates.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Service type for published ports (when `x-topoc.service-type` is unset).
    #[arg(long, value_enum)]
    pub service_type: Option<ServiceTypeArg>,
    /// Format of diagnostics on stderr.
    #[arg(long, value_enum, default_value = "human")]
    pub diagnostics: DiagFormat,
    /// Configuration file (default: `topoc.yaml` found upward from the inputs).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<String>,
    /// Ignore any `topoc.yaml`.
    #[arg(long)]
    pub no_config: bool,
}

pub fn run(args: CompileArgs) -> ExitCode {
    let target = match args.to {
        ToArg::K8s => Target::K8s,
        ToArg::Compose => Target::Compose,
        ToArg::Nft => Target::Nft,
    };
    if args.check && args.output.is_none() {
        return usage_error("--check needs -o PATH: the file to compare with");
    }
    let (inputs, opts) = match args.input.inputs() {
        Ok(x) => x,
        Err(e) => return usage_error(&e),
    };
    let template_overrides = match read_templates(args.templates.as_deref()) {
        Ok(t) => t,
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
    if analysis.has_input_errors() {
        report_to_stderr(&analysis.diagnostics, sources, args.diagnostics);
        return ExitCode::from(exit::INVALID);
    }
    if analysis
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        report_to_stderr(&analysis.diagnostics, sources, args.diagnostics);
        eprintln!("error: not compiling: fix the errors above first");
        return ExitCode::from(exit::FINDINGS);
    }

    // Reachability is decided once, by the connectivity engine; the
    // emitters take its result.
    let topology = &analysis.loaded.topology;
    let c = topoc::analyze::connectivity::compute(topology, &analysis.resolved);
    let (reach, widened) = topoc::emit::Reach::from_connectivity(&c);
    let options = EmitOptions {
        service_type: args.service_type.map(|s| match s {
            ServiceTypeArg::NodePort => ServiceType::NodePort,
            ServiceTypeArg::LoadBalancer => ServiceType::LoadBalancer,
        }),
        template_overrides,
        reach: Some(reach),
        widened,
    };
    let cx = EmitContext {
        topology: &analysis.loaded.topology,
        resolved: &analysis.resolved,
        sources,
        options: &options,
    };
    let mut emitted = match emit::emit(target, &cx) {
        Ok(e) => e,
        Err(e) => {
            report_to_stderr(&analysis.diagnostics, sources, args.diagnostics);
            return usage_error(&e.to_string());
        }
    };
    // Severities and `off` from topoc.yaml apply to conversion findings too;
    // problems in the config itself were already reported with the checks.
    emitted.diagnostics = config::apply(&analysis.config, cx.topology, emitted.diagnostics)
        .diagnostics
        .into_iter()
        .filter(|d| d.code.starts_with("TOPO6"))
        .collect();
    // The checks' findings and the conversion's, once, with one summary.
    let mut all = analysis.diagnostics.clone();
    all.extend(emitted.diagnostics.iter().cloned());
    topoc::diagnostic::sort(&mut all);
    report_to_stderr(&all, sources, args.diagnostics);
    if emitted
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        eprintln!(
            "error: not writing {}: the conversion reported errors",
            target.as_str()
        );
        return ExitCode::from(exit::FINDINGS);
    }

    let Some(out) = args.output else {
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(emitted.text.as_bytes())
            .and_then(|_| stdout.flush())
            .is_err()
        {
            return ExitCode::from(exit::INVALID);
        }
        return ExitCode::from(exit::OK);
    };
    let path = output_path(&out, target);
    if args.check {
        return check(&path, &emitted.text);
    }
    match super::write::write_output(&path, emitted.text.as_bytes()) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => usage_error(&format!("cannot write {}: {e}", path.display())),
    }
}

/// `-o DIR/` or an existing directory receives the target's file name.
fn output_path(out: &str, target: Target) -> PathBuf {
    let p = Path::new(out);
    if out.ends_with('/') || out.ends_with(std::path::MAIN_SEPARATOR) || p.is_dir() {
        p.join(target.file_name())
    } else {
        p.to_path_buf()
    }
}

fn read_templates(dir: Option<&Path>) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let Some(dir) = dir else { return Ok(out) };
    if !dir.is_dir() {
        return Err(format!("--templates {}: not a directory", dir.display()));
    }
    for (name, _) in emit::render::EMBEDDED {
        let p = dir.join(name);
        // Something else where a template should be is a mistake to
        // report, not a reason to fall back to the embedded template.
        if p.exists() && !p.is_file() {
            return Err(format!("template {}: not a regular file", p.display()));
        }
        if p.is_file() {
            let text = topoc::source::read_file(&p)
                .map_err(|e| format!("cannot read template {}: {e}", p.display()))?;
            out.insert(name.to_string(), text);
        }
    }
    Ok(out)
}

fn check(path: &Path, want: &str) -> ExitCode {
    // Only a regular file is compared: reading a FIFO or device could block
    // or never end.
    let have = match std::fs::metadata(path) {
        Ok(m) if m.is_file() => std::fs::read_to_string(path).unwrap_or_default(),
        _ => String::new(),
    };
    if have == want {
        return ExitCode::from(exit::OK);
    }
    let shown = path.display().to_string();
    let diff = similar::TextDiff::from_lines(have.as_str(), want)
        .unified_diff()
        .context_radius(3)
        .header(&shown, &format!("{shown} (compiled)"))
        .to_string();
    print!("{diff}");
    eprintln!("error: {shown} is out of date: run the same command without --check");
    ExitCode::from(exit::FINDINGS)
}
