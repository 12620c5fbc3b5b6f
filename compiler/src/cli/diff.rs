//! `topoc diff`: the connectivity change between two inputs (`OLD NEW`, or
//! `--old`/`--new` sets of paths), or between a git revision and the
//! working tree (`--git REV [PATH...]`). Diagnostics of both sides go to
//! stderr; exit 2 on invalid input or bad usage, 1 when `--fail-on` finds
//! its kind of change, else 0.

mod git;

use super::{DiagFormat, InputArgs, exit, report_to_stderr, usage_error};
use clap::{Args, ValueEnum};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;
use topoc::analyze::connectivity::{self, Connectivity};
use topoc::analyze::diff::{self, FailOn, Format, Side};
use topoc::config::{self, ConfigSource};
use topoc::diagnostic;
use topoc::driver;
use topoc::input::{Input, LoadOptions};

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum DiffFormat {
    Txt,
    Json,
    Csv,
    Md,
}

impl From<DiffFormat> for Format {
    fn from(f: DiffFormat) -> Self {
        match f {
            DiffFormat::Txt => Format::Txt,
            DiffFormat::Json => Format::Json,
            DiffFormat::Csv => Format::Csv,
            DiffFormat::Md => Format::Md,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum DiffFailOn {
    /// A connection is allowed that was not (an added pair, or a changed
    /// pair that gained protocols or ports).
    Added,
    /// A connection that was allowed no longer is.
    Removed,
    /// Any change.
    Any,
}

impl From<DiffFailOn> for FailOn {
    fn from(f: DiffFailOn) -> Self {
        match f {
            DiffFailOn::Added => FailOn::Added,
            DiffFailOn::Removed => FailOn::Removed,
            DiffFailOn::Any => FailOn::Any,
        }
    }
}

#[derive(Args)]
#[command(mut_arg("paths", |a| a.help(
    "OLD NEW: two files or directories (or `-` for one of them); with --git, \
     the paths to compare, on both sides (default: .)"
)))]
pub struct DiffArgs {
    /// The paths, and the loading options that apply to both sides.
    #[command(flatten)]
    pub input: InputArgs,
    /// The old side (ref1) as a set of paths (repeatable; with `--new`).
    #[arg(long = "old", visible_alias = "dir1", value_name = "PATH")]
    pub old: Vec<String>,
    /// The new side (ref2) as a set of paths (repeatable; with `--old`).
    #[arg(long = "new", visible_alias = "dir2", value_name = "PATH")]
    pub new: Vec<String>,
    /// Compare the working tree (new) with this revision (old), read from
    /// git's objects without a checkout.
    #[arg(long = "git", value_name = "REV", conflicts_with_all = ["old", "new"])]
    pub git: Option<String>,
    #[arg(long, value_enum, default_value = "txt")]
    pub format: DiffFormat,
    /// Exit 1 when the diff holds this kind of change.
    #[arg(long = "fail-on", value_enum, value_name = "KIND")]
    pub fail_on: Option<DiffFailOn>,
    /// Write the result to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// Format of diagnostics on stderr.
    #[arg(long, value_enum, default_value = "human")]
    pub diagnostics: DiagFormat,
}

/// One side, ready to load.
struct Plan {
    input: InputArgs,
    config: ConfigSource,
    /// `Some((dir, rev))`: files under `dir` are a revision's, named `REV:path`.
    revision: Option<(std::path::PathBuf, String)>,
}

/// A loaded side: its flows and its workloads' names.
struct Loaded {
    connectivity: Connectivity,
    workloads: BTreeSet<String>,
}

pub fn run(args: DiffArgs) -> ExitCode {
    match &args.git {
        Some(rev) => match git_plans(&args.input, rev) {
            // The snapshot lives until both sides are loaded.
            Ok((snapshot, old, new)) => {
                let code = compare(&args, old, new);
                drop(snapshot);
                code
            }
            Err(e) => usage_error(&e),
        },
        None => match path_plans(&args) {
            Ok((old, new)) => compare(&args, old, new),
            Err(e) => usage_error(&e),
        },
    }
}

/// `OLD NEW`, or `--old ... --new ...`.
fn path_plans(args: &DiffArgs) -> Result<(Plan, Plan), String> {
    let positional = &args.input.paths;
    let (old, new) = if args.old.is_empty() && args.new.is_empty() {
        match positional.as_slice() {
            [old, new] => (vec![old.clone()], vec![new.clone()]),
            _ => {
                return Err(format!(
                    "diff takes OLD and NEW (got {} path{}), `--old`/`--new`, or `--git REV`",
                    positional.len(),
                    if positional.len() == 1 { "" } else { "s" }
                ));
            }
        }
    } else {
        if args.old.is_empty() || args.new.is_empty() || !positional.is_empty() {
            return Err("give both `--old` and `--new`, and no other PATH".into());
        }
        (args.old.clone(), args.new.clone())
    };
    if !args.input.files.is_empty() {
        return Err("`-f` applies to `--git` only: name each side's files as its paths".into());
    }
    if old.iter().any(|p| p == "-") && new.iter().any(|p| p == "-") {
        return Err("stdin (`-`) can stand for one side only".into());
    }
    let side = |paths: Vec<String>| Plan {
        input: InputArgs {
            paths,
            ..args.input.clone()
        },
        config: ConfigSource::Discover,
        revision: None,
    };
    Ok((side(old), side(new)))
}

/// `--git REV [PATH...]`: the old side read from the revision's tree, the
/// new one from the working tree, with the same paths, `-f` and
/// `--env-file` files (a path existing on one side only contributes
/// nothing to the other: files added or deleted).
fn git_plans(input: &InputArgs, rev: &str) -> Result<(git::Snapshot, Plan, Plan), String> {
    if input.paths.iter().any(|p| p == "-") {
        return Err("--git compares files: stdin (`-`) is not one".into());
    }
    let repo = git::Repo::discover()?;
    let snapshot = repo.snapshot(rev)?;
    let base = snapshot.root().to_path_buf();
    let paths = if input.paths.is_empty() && input.files.is_empty() {
        vec![".".to_string()]
    } else {
        input.paths.clone()
    };
    // Each path on each side where it exists.
    let split = |paths: &[String]| -> Result<(Vec<String>, Vec<String>), String> {
        let (mut old, mut new) = (Vec::new(), Vec::new());
        for p in paths {
            let at_rev = base.join(repo.relative(p)?);
            let in_tree = Path::new(p).symlink_metadata().is_ok();
            let in_rev = at_rev.symlink_metadata().is_ok();
            if !in_tree && !in_rev {
                return Err(format!(
                    "`{p}` exists neither in the working tree nor in {rev}"
                ));
            }
            if in_rev {
                old.push(at_rev.display().to_string());
            }
            if in_tree {
                new.push(p.clone());
            }
        }
        Ok((old, new))
    };
    let (old_paths, new_paths) = split(&paths)?;
    let (old_files, new_files) = split(&input.files)?;
    let (old_env, new_env) = split(&input.env_files)?;
    let prefix = repo.relative(".")?;
    let old_input = InputArgs {
        paths: old_paths,
        files: old_files,
        env_files: old_env,
        ..input.clone()
    };
    let new_input = InputArgs {
        paths: new_paths,
        files: new_files,
        env_files: new_env,
        ..input.clone()
    };
    // `topoc.yaml` is found upward from each side's inputs; above the
    // copy's top level, the old side uses what the working tree finds
    // above the repository's, so both sides see the same outside file.
    let found = |i: &InputArgs| {
        let inputs: Vec<Input> = i.paths.iter().cloned().map(Input::Path).collect();
        config::discover(&inputs, &i.files)
    };
    let outside = found(&new_input)
        .and_then(|p| p.canonicalize().ok())
        .filter(|p| !p.starts_with(&repo.root));
    let old_config = match found(&old_input) {
        Some(p) if p.starts_with(&base) => ConfigSource::File(p),
        _ => outside.map_or(ConfigSource::Disabled, ConfigSource::File),
    };
    let old = Plan {
        input: old_input,
        config: old_config,
        revision: Some((base.join(prefix), rev.to_string())),
    };
    let new = Plan {
        input: new_input,
        config: ConfigSource::Discover,
        revision: None,
    };
    Ok((snapshot, old, new))
}

fn compare(args: &DiffArgs, old: Plan, new: Plan) -> ExitCode {
    // Both sides report their findings before the run ends on either.
    let old = load(old, args.diagnostics);
    let new = load(new, args.diagnostics);
    let (old, new) = match (old, new) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let d = diff::diff(
        &Side {
            connectivity: &old.connectivity,
            workloads: old.workloads,
        },
        &Side {
            connectivity: &new.connectivity,
            workloads: new.workloads,
        },
    );
    let written = super::write_product(
        args.output.as_deref(),
        &diff::render(&d, args.format.into()),
    );
    if written != ExitCode::from(exit::OK) {
        return written;
    }
    match args.fail_on {
        Some(f) if d.fails(f.into()) => ExitCode::from(exit::FINDINGS),
        _ => ExitCode::from(exit::OK),
    }
}

/// Load one side; an input error is exit 2 (after its message).
fn load(plan: Plan, format: DiagFormat) -> Result<Loaded, ExitCode> {
    if plan.input.paths.is_empty() && plan.input.files.is_empty() {
        // Every path was added or deleted: this side is empty.
        return Ok(Loaded {
            connectivity: Connectivity::default(),
            workloads: BTreeSet::new(),
        });
    }
    let (inputs, mut opts): (Vec<Input>, LoadOptions) = match plan.input.inputs() {
        Ok(x) => x,
        Err(e) => return Err(usage_error(&e)),
    };
    if let Some((dir, _)) = &plan.revision {
        // `--exclude` globs are relative to the working directory: here,
        // its copy.
        for g in &mut opts.walk.exclude {
            g.root = dir.clone();
        }
    }
    let (mut loaded, resolved) = driver::load_with(&inputs, &opts, &plan.config);
    match &plan.revision {
        Some((dir, rev)) => name_by_revision(&mut loaded.sources, dir, rev),
        None => super::name_from_repository(&mut loaded.sources),
    }
    let rejected = driver::rejected_by_api(&loaded, &resolved);
    let mut diags = loaded.diagnostics.clone();
    diags.extend(rejected.iter().cloned());
    diagnostic::sort(&mut diags);
    report_to_stderr(&diags, &loaded.sources, format);
    if !rejected.is_empty() || loaded.diagnostics.iter().any(|d| d.is_input_error()) {
        return Err(ExitCode::from(exit::INVALID));
    }
    let connectivity = connectivity::compute(&loaded.topology, &resolved);
    let workloads = diff::workload_names(&loaded.topology);
    Ok(Loaded {
        connectivity,
        workloads,
    })
}

/// Name the files of a revision's copy `REV:path` (the path from the
/// repository's top level, as `git show REV:path` takes it).
fn name_by_revision(sources: &mut topoc::source::SourceMap, cwd_copy: &Path, rev: &str) {
    let Some(top) = cwd_copy
        .ancestors()
        .find(|d| d.join(".git").is_dir())
        .map(Path::to_path_buf)
    else {
        return;
    };
    sources.set_repository_root(&top);
    let renamed: Vec<_> = sources
        .files()
        .filter(|(_, f)| f.path.starts_with(&top))
        .map(|(id, f)| (id, format!("{rev}:{}", f.repo_name())))
        .collect();
    for (id, name) in renamed {
        sources.set_name(id, name);
    }
}
