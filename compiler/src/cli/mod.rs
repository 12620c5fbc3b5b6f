//! The command line: the only place that reads process arguments, the
//! environment and stdin, writes stdout/stderr, and picks exit codes.

mod check;
mod compile;
mod connectivity;
mod diff;
mod explain;
mod helm;
mod ir;
mod lsp;
mod rules;
mod schema;
mod write;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::process::ExitCode;
use topoc::diagnostic::{self, Diagnostic, Severity, Summary};
use topoc::input::{Input, LoadOptions};
use topoc::source::SourceMap;

#[derive(Parser)]
#[command(
    name = "topoc",
    version,
    about = "Declarative topology compiler: check, analyse and compile container networks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// A subcommand's `--help` epilogue: examples, then its exit codes.
macro_rules! epilogue {
    ($examples:literal, $codes:literal) => {
        concat!(
            "Examples:\n",
            $examples,
            "\nExit codes:\n",
            $codes,
            "  2  unreadable or invalid input, or bad usage (with a file:line:col message)\n\n",
            "A closed stdout (`| head`) ends the command quietly (SIGPIPE)."
        )
    };
}

#[derive(Subcommand)]
pub enum Command {
    /// Check inputs for conflicts and policy gaps.
    #[command(after_help = epilogue!(
        "  topoc check samples/ecommerce
  topoc check . --format concise --fail-on warning
  topoc check -f compose.yaml -f compose.prod.yaml -p shop
  topoc check deploy/ --format sarif > topoc.sarif
  cat compose.yaml | topoc check --stdin-filename compose.yaml -
",
        "  0  no finding at or above --fail-on (default: error)
  1  findings at or above --fail-on
"
    ))]
    Check(check::CheckArgs),
    /// Who can reach whom, on which protocols and ports.
    #[command(after_help = epilogue!(
        "  topoc connectivity samples/ecommerce
  topoc connectivity k8s/ --focus prod/api --format md
  topoc connectivity k8s/ --format dot -o flows.dot
  topoc connectivity k8s/ --exposure          # also: exposed to whom outside the inputs
",
        "  0  the flows were written
"
    ))]
    Connectivity(connectivity::ConnectivityArgs),
    /// How connectivity changed between two inputs, or since a git revision.
    #[command(after_help = epilogue!(
        "  topoc diff old/ new/
  topoc diff --old base.yaml --old ns.yaml --new head.yaml --new ns.yaml --format md
  topoc diff --git HEAD --fail-on added
  topoc diff --git origin/main k8s/ compose.yaml --format csv
",
        "  0  the diff was written (and nothing of the --fail-on kind changed)
  1  --fail-on added|removed|any found such a change
"
    ))]
    Diff(diff::DiffArgs),
    /// Why a flow is allowed or denied.
    #[command(after_help = epilogue!(
        "  topoc explain samples/ecommerce --from web --to database
  topoc explain k8s/ --from prod/web --to prod/db --port 5432/tcp
  topoc explain k8s/ --from external --to web-service
",
        "  0  the explanation was written (whether the flow is allowed or not)
"
    ))]
    Explain(explain::ExplainArgs),
    /// Dump the network IR.
    #[command(after_help = epilogue!(
        "  topoc ir samples/ecommerce
  topoc ir k8s/ | jq '.workloads[].id'
",
        "  0  the IR was written
"
    ))]
    Ir(ir::IrArgs),
    /// Emit Kubernetes manifests, a Compose file or an nft ruleset.
    #[command(after_help = epilogue!(
        "  topoc compile samples/ecommerce --to k8s -o deploy/
  topoc compile samples/ecommerce --to k8s -o deploy/ --check
  topoc compile compose.yaml --to nft -o ruleset.nft
  topoc compile k8s/ --to compose > compose.yaml
",
        "  0  written (or, with --check, up to date)
  1  error-level findings or conversion errors (nothing written), or --check found it stale
"
    ))]
    Compile(compile::CompileArgs),
    /// List every rule, or explain one.
    #[command(after_help = epilogue!(
        "  topoc rules
  topoc rules host-port-conflict
  topoc rules TOPO201
  topoc rules --markdown > docs/rules.md
",
        "  0  printed
"
    ))]
    Rules(rules::RulesArgs),
    /// Print or write the JSON Schemas (Compose with x-topoc, topoc.yaml, JSON outputs).
    #[command(after_help = epilogue!(
        "  topoc schema compose > compose.schema.json
  topoc schema --out schemas/
  topoc schema --out schemas/ --check
",
        "  0  printed or written (or, with --check, up to date)
  1  with --check: a schema file is missing or stale
"
    ))]
    Schema(schema::SchemaArgs),
    /// Language server on stdio: findings, hover, navigation and fixes in editors.
    #[command(after_help = epilogue!(
        "  topoc lsp            (started by the editor; see docs/editors.md)
",
        "  0  the client asked the server to exit
"
    ))]
    Lsp(lsp::LspArgs),
}

/// Inputs shared by every command that reads a topology.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Files or directories (recursive: *.yml, *.yaml, *.json), or `-` for stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Compose file(s), merged in order into one project (like `docker compose -f`).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<String>,
    /// Compose project name; as in docker compose it wins over
    /// `COMPOSE_PROJECT_NAME`, which wins over the last `name:`, then the directory.
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Activate a Compose profile (repeatable; `COMPOSE_PROFILES` is also read).
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Read interpolation variables from this file instead of the project's
    /// `.env` (repeatable; later files win, as in docker compose).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<String>,
    /// The path stdin (`-`) stands for: findings name it, and its `.env`,
    /// references and `topoc.yaml` are found from there (for editors).
    #[arg(long = "stdin-filename", value_name = "PATH")]
    pub stdin_filename: Option<String>,
    /// Leave out files and directories matching GLOB (gitignore syntax,
    /// relative to the working directory; repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Walk directories without reading `.gitignore`, `.ignore` or git's
    /// exclude files (`--exclude` and the config's `exclude:` still apply).
    #[arg(long = "no-ignore")]
    pub no_ignore: bool,
}

impl InputArgs {
    /// Turn the arguments into inputs, reading stdin for `-`.
    pub fn inputs(&self) -> Result<(Vec<Input>, LoadOptions), String> {
        let mut inputs = Vec::new();
        for p in &self.paths {
            if p == "-" {
                // Never to exhaustion: `yes | topoc check -` stops at the limit.
                let read = topoc::source::read_within(
                    std::io::stdin().lock(),
                    topoc::source::MAX_FILE_BYTES,
                );
                let name = self.stdin_filename.clone().unwrap_or_else(|| "-".into());
                inputs.push(Input::Named { name, read });
            } else {
                inputs.push(Input::Path(p.clone()));
            }
        }
        if inputs.is_empty() && self.files.is_empty() {
            return Err("no input: give at least one PATH or -f FILE".into());
        }
        let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
        let mut profiles = self.profiles.clone();
        if profiles.is_empty()
            && let Some(p) = env.get("COMPOSE_PROFILES")
        {
            profiles.extend(
                p.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            );
        }
        Ok((
            inputs,
            LoadOptions {
                compose_files: self.files.clone(),
                project_name: self.project_name.clone(),
                profiles,
                env_files: self.env_files.clone(),
                env,
                walk: topoc::input::walk::WalkOptions {
                    no_ignore: self.no_ignore,
                    exclude: vec![topoc::input::walk::Globs {
                        root: std::path::PathBuf::from("."),
                        patterns: self.exclude.clone(),
                    }],
                    include: Vec::new(),
                },
                render_chart: helm::renderer(),
                projects: Vec::new(),
                overlay: None,
                parse_cache: None,
            },
        ))
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagFormat {
    Human,
    Concise,
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

impl From<DiagFormat> for diagnostic::Format {
    fn from(f: DiagFormat) -> Self {
        match f {
            DiagFormat::Human => diagnostic::Format::Human,
            DiagFormat::Concise => diagnostic::Format::Concise,
            DiagFormat::Json => diagnostic::Format::Json,
            DiagFormat::Sarif => diagnostic::Format::Sarif,
            DiagFormat::Github => diagnostic::Format::Github,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// Exit codes shared by every command.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const INVALID: u8 = 2;
}

/// Whether colour may be used on a stream.
pub fn use_color(is_tty: bool) -> bool {
    is_tty && std::env::var_os("NO_COLOR").is_none()
}

/// Print diagnostics of a product command to stderr (human, or as chosen).
pub fn report_to_stderr(diags: &[Diagnostic], sources: &SourceMap, format: DiagFormat) {
    if diags.is_empty() {
        return;
    }
    let summary = Summary::of(diags, sources, 0);
    let cwd = std::env::current_dir().ok();
    let opts = diagnostic::RenderOptions {
        color: use_color(std::io::stderr().is_terminal()),
        rule_doc: &rule_doc,
        rule_description: &rule_description,
        working_directory: cwd.as_deref(),
    };
    let text = diagnostic::render_with(format.into(), diags, sources, &summary, &opts);
    eprint!("{text}");
}

/// Write a command's product to stdout, or atomically to `-o FILE`
/// (temporary file + rename, so a failed run never leaves a partial file).
pub fn write_product(output: Option<&str>, text: &str) -> ExitCode {
    use std::io::Write;
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return ExitCode::from(exit::INVALID);
            }
            ExitCode::from(exit::OK)
        }
        Some(path) => match write::write_output(std::path::Path::new(path), text.as_bytes()) {
            Ok(()) => ExitCode::from(exit::OK),
            Err(e) => usage_error(&format!("cannot write {path}: {e}")),
        },
    }
}

/// Like `write_product`, for products streamed by a writer function.
pub fn write_product_with(
    output: Option<&str>,
    f: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> ExitCode {
    use std::io::Write;
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            if f(&mut out).and_then(|_| out.flush()).is_err() {
                return ExitCode::from(exit::INVALID);
            }
            ExitCode::from(exit::OK)
        }
        // As `compile -o`: a regular file replaced atomically, a device or
        // FIFO written through (`-o /dev/null` stays a device).
        Some(path) => match write::write_output_with(std::path::Path::new(path), f) {
            Ok(()) => ExitCode::from(exit::OK),
            Err(e) => usage_error(&format!("cannot write {path}: {e}")),
        },
    }
}

/// Write a file atomically: a temporary file beside it, then a rename, so a
/// reader never sees half a file.
pub fn write_atomic(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// A code's documentation page from the rule registry (for SARIF's rule help).
pub fn rule_doc(code: &diagnostic::Code) -> Option<String> {
    topoc::analyze::rules::find(code.code).map(topoc::analyze::rules::render_doc)
}

/// A rule's description (plain text), for SARIF's `fullDescription`.
pub fn rule_description(code: &diagnostic::Code) -> Option<String> {
    topoc::analyze::rules::find(code.code).map(|r| r.doc.to_string())
}

/// Name files relative to the repository root, so SARIF, GitHub annotations
/// and emitted comments do not depend on how paths were typed or where topoc
/// ran: the git top level of the working directory, else that of the first
/// input (run from outside the checkout), else the working directory.
pub fn name_from_repository(sources: &mut SourceMap) {
    let Ok(cwd) = std::env::current_dir() else {
        return;
    };
    let of_input = || {
        let (_, f) = sources.files().find(|(_, f)| f.name != "-")?;
        topoc::source::repository_root(f.path.parent()?)
    };
    let root = topoc::source::repository_root(&cwd)
        .or_else(of_input)
        .unwrap_or(cwd);
    sources.set_repository_root(&root);
}

/// " (did you mean `a`, `b`?)" for the candidates closest to `name`, or
/// nothing when none is close.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| {
            let edits = strsim::normalized_damerau_levenshtein(name, c);
            (edits.max(strsim::jaro_winkler(name, c) - 0.2), c)
        })
        .filter(|(score, _)| *score >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    let names: Vec<String> = scored
        .iter()
        .take(3)
        .map(|(_, c)| format!("`{}`", diagnostic::escape_controls(c)))
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", names.join(", "))
    }
}

/// Every name a workload answers to on the command line: `name`, `ns/name`.
pub fn workload_names(t: &topoc::ir::Topology) -> Vec<String> {
    t.workload_ids()
        .flat_map(|w| {
            let wl = t.workload(w);
            [
                wl.name.clone(),
                format!("{}/{}", t.namespace(wl.namespace).shown(), wl.name),
            ]
        })
        .collect()
}

/// Usage problems that clap cannot see (exit 2).
pub fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(exit::INVALID)
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let timings = std::env::var_os("TOPOC_TIMINGS").is_some_and(|v| v != "0");
    if timings {
        topoc::timing::enable();
    }
    let code = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Connectivity(a) => connectivity::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Ir(a) => ir::run(a),
        Command::Compile(a) => compile::run(a),
        Command::Rules(a) => rules::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Lsp(a) => lsp::run(a),
    };
    if timings {
        topoc::timing::mark("end");
        for (phase, took) in topoc::timing::phases() {
            eprintln!(
                "topoc: timing: {:>9.1} ms  {phase}",
                took.as_secs_f64() * 1e3
            );
        }
    }
    code
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions_are_the_close_names() {
        let names = ["web", "shop/web", "api", "database", "web-service"];
        assert_eq!(super::did_you_mean("wbe", names), " (did you mean `web`?)");
        assert_eq!(
            super::did_you_mean("shop/wbe", names),
            " (did you mean `shop/web`?)"
        );
        assert_eq!(
            super::did_you_mean("databse", names),
            " (did you mean `database`?)"
        );
        assert_eq!(super::did_you_mean("zzzzzz", names), "");
    }
}
