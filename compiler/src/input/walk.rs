//! The directory walk, with the conventions of ripgrep and ruff (the `ignore`
//! crate is ripgrep's walker): `.gitignore` (also outside a git checkout),
//! `.ignore`, `.git/info/exclude` and the global git excludes are honoured;
//! hidden directories are walked, version-control directories never;
//! `--exclude` globs (gitignore syntax, relative to the working directory)
//! and `topoc.yaml`'s `exclude:`/`include:` (relative to the config file)
//! narrow it further; `--no-ignore` turns the ignore files off, not the
//! explicit excludes.
//!
//! Only regular files are read: FIFOs, sockets and devices are never opened,
//! and symbolic links to directories are not followed (a link loop cannot
//! make the walk endless). A link to a regular file is read like the file.
//! A directory that cannot be listed is reported at that directory, and the
//! walk goes on with its siblings. A directory holding `Chart.yaml` is a Helm
//! chart: it is returned as such and nothing below it is read as YAML.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Directories of version-control systems: never walked, whatever the
/// ignore files say.
const VCS_DIRS: [&str; 4] = [".git", ".hg", ".svn", ".jj"];

/// topoc's own configuration file (`config::FILE_NAME`).
pub const CONFIG_FILE: &str = "topoc.yaml";

/// Globs in gitignore syntax, anchored at `root`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Globs {
    pub root: PathBuf,
    pub patterns: Vec<String>,
}

/// What narrows the walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// `--no-ignore`: do not read `.gitignore`, `.ignore` or git excludes.
    pub no_ignore: bool,
    /// `--exclude` globs and the config's `exclude:`.
    pub exclude: Vec<Globs>,
    /// The config's `include:`: when not empty, only files matching one of
    /// them are read (directories are still walked to find them).
    pub include: Vec<Globs>,
}

/// What a walk found, in sorted path order.
#[derive(Debug, Default)]
pub struct Found {
    /// Candidate input files (`*.yml`, `*.yaml`, `*.json`).
    pub files: Vec<PathBuf>,
    /// Directories holding `Chart.yaml`.
    pub charts: Vec<PathBuf>,
    /// Paths that could not be read, with the reason.
    pub problems: Vec<(PathBuf, String)>,
}

/// Whether a file name has an extension topoc reads in a directory.
pub fn is_yaml_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yml" | "yaml" | "json")
    )
}

/// Whether `dir` is a Helm chart.
pub fn is_chart_dir(dir: &Path) -> bool {
    dir.join("Chart.yaml").is_file()
}

/// Compiled globs: a path is matched against each set with its own root.
struct Matcher {
    sets: Vec<(PathBuf, Gitignore)>,
}

impl Matcher {
    fn new(globs: &[Globs], problems: &mut Vec<(PathBuf, String)>) -> Matcher {
        let mut sets = Vec::new();
        for g in globs {
            if g.patterns.is_empty() {
                continue;
            }
            let root = std::path::absolute(&g.root).unwrap_or_else(|_| g.root.clone());
            let mut b = GitignoreBuilder::new(&root);
            for p in &g.patterns {
                if let Err(e) = b.add_line(None, p) {
                    problems.push((PathBuf::from(p), format!("invalid glob `{p}`: {e}")));
                }
            }
            match b.build() {
                Ok(gi) => sets.push((root, gi)),
                Err(e) => problems.push((root, format!("invalid globs: {e}"))),
            }
        }
        Matcher { sets }
    }

    fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Whether `path` (or, with `parents`, a directory above it) matches.
    fn matches(&self, path: &Path, is_dir: bool, parents: bool) -> bool {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.sets.iter().any(|(root, gi)| {
            if parents && abs.starts_with(root) && abs != *root {
                gi.matched_path_or_any_parents(&abs, is_dir).is_ignore()
            } else {
                gi.matched(&abs, is_dir).is_ignore()
            }
        })
    }
}

/// Walk `dir` recursively.
pub fn walk(dir: &Path, opts: &WalkOptions) -> Found {
    let mut found = Found::default();
    let exclude = Arc::new(Matcher::new(&opts.exclude, &mut found.problems));
    let include = Matcher::new(&opts.include, &mut found.problems);
    if is_chart_dir(dir) {
        found.charts.push(dir.to_path_buf());
        return found;
    }
    let charts = Arc::new(Mutex::new(Vec::new()));
    let mut builder = ignore::WalkBuilder::new(dir);
    let on = !opts.no_ignore;
    builder
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .parents(on)
        .ignore(on)
        .git_ignore(on)
        .git_global(on)
        .git_exclude(on)
        .sort_by_file_name(|a, b| a.cmp(b));
    {
        let exclude = Arc::clone(&exclude);
        let charts = Arc::clone(&charts);
        builder.filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            let name = e.file_name().to_str().unwrap_or("");
            if is_dir && VCS_DIRS.contains(&name) {
                return false;
            }
            if exclude.matches(e.path(), is_dir, false) {
                return false;
            }
            if is_dir && is_chart_dir(e.path()) {
                if let Ok(mut c) = charts.lock() {
                    c.push(e.path().to_path_buf());
                }
                return false;
            }
            true
        });
    }
    for entry in builder.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let (path, msg) = describe_error(&err);
                found
                    .problems
                    .push((path.unwrap_or_else(|| dir.to_path_buf()), msg));
                continue;
            }
        };
        let path = entry.path();
        let Some(ft) = entry.file_type() else {
            continue;
        };
        let regular = if ft.is_file() {
            true
        } else if ft.is_symlink() {
            // A link to a regular file reads as the file; links to
            // directories are not followed.
            std::fs::metadata(path).is_ok_and(|m| m.is_file())
        } else {
            false
        };
        // `topoc.yaml` configures the run; it is never an input.
        if !regular || !is_yaml_name(path) || entry.file_name() == CONFIG_FILE {
            continue;
        }
        if !include.is_empty() && !include.matches(path, false, true) {
            continue;
        }
        found.files.push(path.to_path_buf());
    }
    found.charts = std::mem::take(&mut *charts.lock().unwrap_or_else(|p| p.into_inner()));
    found.charts.sort();
    found
}

/// The path an `ignore` error is about, and a message without that path.
fn describe_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let (_, msg) = describe_error(err);
            (Some(path.clone()), msg)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_error(err)
        }
        ignore::Error::Loop { child, .. } => {
            (Some(child.clone()), "symbolic link loop".to_string())
        }
        // The io error of a walk names the path itself; keep the reason.
        ignore::Error::Io(e) => match e.raw_os_error() {
            Some(code) => (None, std::io::Error::from_raw_os_error(code).to_string()),
            None => (None, e.kind().to_string()),
        },
        other => (None, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn names(found: &Found, root: &Path) -> Vec<String> {
        found
            .files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn honours_gitignore_and_walks_hidden_dirs_but_not_git() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, ".gitignore", "build/\n");
        write(d, "build/compose.yaml", "services: {}\n");
        write(d, ".devcontainer/compose.yaml", "services: {}\n");
        write(d, ".git/x.yaml", "a: 1\n");
        write(d, "a.yaml", "a: 1\n");
        write(d, "notes.txt", "x\n");
        let found = walk(d, &WalkOptions::default());
        assert_eq!(names(&found, d), [".devcontainer/compose.yaml", "a.yaml"]);
        let all = walk(
            d,
            &WalkOptions {
                no_ignore: true,
                ..WalkOptions::default()
            },
        );
        assert_eq!(
            names(&all, d),
            [".devcontainer/compose.yaml", "a.yaml", "build/compose.yaml"]
        );
    }

    #[test]
    fn excludes_and_includes_are_anchored_at_their_root() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "deploy/a.yaml", "a: 1\n");
        write(d, "deploy/old/b.yaml", "a: 1\n");
        write(d, "other/c.yaml", "a: 1\n");
        let globs = |p: &[&str]| Globs {
            root: d.to_path_buf(),
            patterns: p.iter().map(|s| s.to_string()).collect(),
        };
        let found = walk(
            d,
            &WalkOptions {
                exclude: vec![globs(&["old"])],
                include: vec![globs(&["deploy/"])],
                ..WalkOptions::default()
            },
        );
        assert_eq!(names(&found, d), ["deploy/a.yaml"]);
    }

    #[test]
    fn charts_are_returned_not_walked() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "chart/Chart.yaml", "name: c\n");
        write(d, "chart/templates/d.yaml", "{{ x }}\n");
        write(d, "k.yaml", "a: 1\n");
        let found = walk(d, &WalkOptions::default());
        assert_eq!(names(&found, d), ["k.yaml"]);
        assert_eq!(found.charts, [d.join("chart")]);
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_not_opened_and_link_loops_end() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "x/compose.yaml", "services: {}\n");
        std::os::unix::fs::symlink("..", d.join("x/a")).unwrap();
        std::os::unix::fs::symlink("..", d.join("x/b")).unwrap();
        std::os::unix::fs::symlink("compose.yaml", d.join("x/link.yaml")).unwrap();
        let fifo = d.join("pipe.yaml");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        let found = walk(d, &WalkOptions::default());
        assert_eq!(names(&found, d), ["x/compose.yaml", "x/link.yaml"]);
        assert!(ok, "mkfifo is available");
    }
}
