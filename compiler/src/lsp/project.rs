//! Which analysis a file belongs to, and the analyses themselves.
//!
//! An editor file belongs to the directory `topoc check` would be run on:
//! the nearest directory from the file up to its workspace folder that holds
//! a `topoc.yaml`, else the workspace folder (a file outside every folder:
//! the nearest `topoc.yaml` upward, else its own directory). That root is
//! analysed exactly as `topoc check ROOT` does — the same walk, the same
//! per-directory Compose projects and `projects:` of `topoc.yaml` — with
//! the open buffers read instead of the files on disk.

use super::navigate::Links;
use crate::analyze::connectivity::{self, Connectivity};
use crate::config::{self, ConfigSource};
use crate::driver::{self, Analysis};
use crate::input::{Input, LoadOptions};
use crate::source::{FileId, Overlay};
use lsp_types as lsp;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The root a file's analysis runs on.
pub fn root_of(path: &Path, folders: &[PathBuf]) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = path.parent().unwrap_or(&path).to_path_buf();
    let folder = folders
        .iter()
        .filter(|f| path.starts_with(f))
        .max_by_key(|f| f.components().count());
    for d in dir.ancestors() {
        if d.join(config::FILE_NAME).is_file() {
            return d.to_path_buf();
        }
        if Some(d) == folder.map(PathBuf::as_path) {
            return d.to_path_buf();
        }
    }
    folder.cloned().unwrap_or(dir)
}

/// One analysed root and what was last published for it.
pub struct Project {
    pub analysis: Analysis,
    /// Diagnostics last sent, by file; files without findings are absent.
    pub published: BTreeMap<PathBuf, Vec<lsp::Diagnostic>>,
    connectivity: OnceCell<Connectivity>,
    links: OnceCell<Links>,
}

impl Project {
    pub fn analyze(root: &Path, base: &LoadOptions, overlay: Arc<Overlay>) -> Analysis {
        let mut opts = base.clone();
        opts.overlay = Some(overlay);
        let input = Input::Path(root.display().to_string());
        driver::analyze_with(&[input], &opts, &ConfigSource::Discover)
    }

    pub fn new(analysis: Analysis) -> Project {
        Project {
            analysis,
            published: BTreeMap::new(),
            connectivity: OnceCell::new(),
            links: OnceCell::new(),
        }
    }

    /// Replace the analysis (what was published stays, to be diffed).
    pub fn replace(&mut self, analysis: Analysis) {
        self.analysis = analysis;
        self.connectivity = OnceCell::new();
        self.links = OnceCell::new();
    }

    /// Who reaches whom, computed on first use (hover) for this analysis.
    pub fn connectivity(&self) -> &Connectivity {
        self.connectivity.get_or_init(|| {
            connectivity::compute(&self.analysis.loaded.topology, &self.analysis.resolved)
        })
    }

    /// References and their targets, computed on first use.
    pub fn links(&self) -> &Links {
        self.links.get_or_init(|| Links::of(&self.analysis))
    }

    /// The id of the file at `path` in this analysis.
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.analysis.loaded.sources.find_path(path).or_else(|| {
            let want = std::path::absolute(path).ok()?;
            self.analysis
                .loaded
                .sources
                .files()
                .find(|(_, f)| std::path::absolute(&f.path).ok().as_ref() == Some(&want))
                .map(|(id, _)| id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_stop_at_the_nearest_config_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let w = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(w.join("a/b/c")).unwrap();
        std::fs::write(w.join("a/topoc.yaml"), "rules: {}\n").unwrap();
        let folders = vec![w.clone()];
        assert_eq!(
            root_of(&w.join("a/b/c/compose.yaml"), &folders),
            w.join("a")
        );
        assert_eq!(root_of(&w.join("x.yaml"), &folders), w);
        let inner = vec![w.join("a/b")];
        assert_eq!(root_of(&w.join("a/b/c/k.yaml"), &inner), w.join("a/b"));
        assert_eq!(root_of(&w.join("a/b/c/k.yaml"), &[]), w.join("a"));
    }
}
