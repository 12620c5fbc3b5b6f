//! `topoc schema`: print one JSON Schema, or write all of them (`--out schemas/`).

use super::{exit, usage_error};
use clap::Args;
use std::path::Path;
use std::process::ExitCode;
use topoc::schema;

#[derive(Args)]
pub struct SchemaArgs {
    /// Which schema to print: compose, topoc-config, diagnostics or ir.
    #[arg(conflicts_with = "out")]
    pub name: Option<String>,
    /// Write every schema into this directory (`<name>.schema.json`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<String>,
    /// With `--out`: write nothing, exit 1 when a file there is missing or differs.
    #[arg(long, requires = "out")]
    pub check: bool,
}

pub fn run(args: SchemaArgs) -> ExitCode {
    let all = schema::all();
    if let Some(dir) = &args.out {
        return write_all(Path::new(dir), &all, args.check);
    }
    let name = args.name.as_deref().unwrap_or("compose");
    let file = format!("{name}.schema.json");
    match all.iter().find(|(n, _)| *n == file) {
        Some((_, text)) => {
            print!("{text}");
            ExitCode::from(exit::OK)
        }
        None => usage_error(&format!(
            "unknown schema `{name}` (expected one of: {})",
            all.iter()
                .map(|(n, _)| n.trim_end_matches(".schema.json"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn write_all(dir: &Path, all: &[(&str, String)], check: bool) -> ExitCode {
    let mut stale = Vec::new();
    for (name, text) in all {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if check {
            stale.push(path.display().to_string());
            continue;
        }
        if let Err(e) = super::write_atomic(&path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(exit::INVALID);
        }
        eprintln!("wrote {}", path.display());
    }
    if stale.is_empty() {
        ExitCode::from(exit::OK)
    } else {
        eprintln!(
            "stale: {} (regenerate with `topoc schema --out {}`)",
            stale.join(", "),
            dir.display()
        );
        ExitCode::from(exit::FINDINGS)
    }
}
