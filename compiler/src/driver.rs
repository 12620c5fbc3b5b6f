//! The pipeline end to end: load → resolve → analyze. Commands call this and
//! then render or emit; nothing here prints or exits.

use crate::analyze::{self, Context};
use crate::diagnostic::{self, Diagnostic};
use crate::input::{self, Input, LoadOptions, Loaded};
use crate::resolve::{self, Resolved};

pub struct Analysis {
    pub loaded: Loaded,
    pub resolved: Resolved,
    /// Input diagnostics and rule findings, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any input error makes the run exit 2.
    pub fn has_input_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_input_error)
    }
}

/// Load and resolve only (for `ir`, `connectivity`, `compile` before checks).
pub fn load(inputs: &[Input], opts: &LoadOptions) -> (Loaded, Resolved) {
    let loaded = input::load(inputs, opts);
    let resolved = resolve::resolve(&loaded.topology);
    (loaded, resolved)
}

/// Load, resolve and run every rule.
pub fn analyze(inputs: &[Input], opts: &LoadOptions) -> Analysis {
    let (mut loaded, resolved) = load(inputs, opts);
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let findings = analyze::run(&Context {
        topology: &loaded.topology,
        resolved: &resolved,
        sources: &loaded.sources,
    });
    diagnostics.extend(findings);
    diagnostic::sort(&mut diagnostics);
    diagnostics.dedup();
    Analysis {
        loaded,
        resolved,
        diagnostics,
    }
}
