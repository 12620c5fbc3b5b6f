//! The discovery part of `topoc.yaml`: which files the directory walk reads
//! (`exclude:`, `include:`, gitignore-style globs relative to the config
//! file) and which Compose files form which project (`projects:`, replacing
//! the per-directory guess of `input::compose::project`).

use super::Parser;
use crate::input::LoadOptions;
use crate::input::compose::project::DeclaredProject;
use crate::input::walk::Globs;
use crate::syntax::Node;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The directory of the config file: globs and project files are
    /// relative to it.
    pub dir: PathBuf,
    pub exclude: Vec<String>,
    pub include: Vec<String>,
    pub projects: Vec<DeclaredProject>,
}

impl Discovery {
    /// Add these settings to the options of a load.
    pub fn apply_to(&self, opts: &mut LoadOptions) {
        let globs = |patterns: &[String]| Globs {
            root: self.dir.clone(),
            patterns: patterns.to_vec(),
        };
        if !self.exclude.is_empty() {
            opts.walk.exclude.push(globs(&self.exclude));
        }
        if !self.include.is_empty() {
            opts.walk.include.push(globs(&self.include));
        }
        opts.projects.extend(self.projects.iter().cloned());
    }
}

/// `dir` for display and joining: `.` stays relative, as the user typed.
fn join(dir: &Path, rel: &str) -> PathBuf {
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        PathBuf::from(rel)
    } else {
        dir.join(rel)
    }
}

impl Parser {
    /// A list of non-empty strings.
    pub(super) fn strings(&mut self, node: &Node, what: &str) -> Vec<String> {
        if node.is_null() {
            return Vec::new();
        }
        let Some(items) = node.as_seq() else {
            self.error(
                node,
                format!(
                    "`{what}` must be a list of strings, found {}",
                    node.describe()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match item.as_str() {
                Some(s) if !s.trim().is_empty() => out.push(s.to_string()),
                _ => self.error(
                    item,
                    format!(
                        "`{what}` entries must be non-empty strings, found {}",
                        item.describe()
                    ),
                ),
            }
        }
        out
    }

    pub(super) fn projects(&mut self, node: &Node, dir: &Path) {
        if node.is_null() {
            return;
        }
        let Some(items) = node.as_seq() else {
            return self.error(
                node,
                format!("`projects` must be a list, found {}", node.describe()),
            );
        };
        for item in items {
            let Some(entries) = item.as_map() else {
                self.error(item, "expected `{files, env_files, profiles}`");
                continue;
            };
            let mut p = DeclaredProject {
                files: Vec::new(),
                env_files: Vec::new(),
                profiles: Vec::new(),
                origin: item.span,
            };
            for e in entries {
                match e.key.as_str() {
                    Some("files") => {
                        p.files = self
                            .strings(&e.value, "files")
                            .iter()
                            .map(|f| join(dir, f))
                            .collect();
                    }
                    Some("env_files") => {
                        p.env_files = self
                            .strings(&e.value, "env_files")
                            .iter()
                            .map(|f| join(dir, f))
                            .collect();
                    }
                    Some("profiles") => p.profiles = self.strings(&e.value, "profiles"),
                    _ => self.error(
                        &e.key,
                        "unknown key (expected `files`, `env_files` or `profiles`)",
                    ),
                }
            }
            if p.files.is_empty() {
                self.error(
                    item,
                    "a project needs `files`: its Compose files in merge order",
                );
                continue;
            }
            self.config.discovery.projects.push(p);
        }
    }
}
