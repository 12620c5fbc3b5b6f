//! The pipeline end to end: load → resolve → analyze. Commands call this and
//! then render or emit; nothing here prints or exits.

use crate::analyze::{self, Context};
use crate::config::{self, ConfigSource};
use crate::diagnostic::{self, Diagnostic};
use crate::input::{self, Input, LoadOptions, Loaded};
use crate::resolve::{self, Resolved};

pub struct Analysis {
    pub loaded: Loaded,
    pub resolved: Resolved,
    /// Input diagnostics and rule findings, sorted, after configuration.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings silenced by `topoc.yaml` or inline ignores (for the summary).
    pub suppressed: usize,
    /// The configuration in force, for findings made after the checks
    /// (`compile`'s `TOPO6xx`).
    pub config: config::Config,
}

impl Analysis {
    /// Whether any input error makes the run exit 2.
    pub fn has_input_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_input_error)
    }
}

/// Load and resolve only (for `ir`, `connectivity`, `compile` before checks),
/// with the discovery settings of the `topoc.yaml` found upward from the
/// inputs; problems in that file join the load's diagnostics.
pub fn load(inputs: &[Input], opts: &LoadOptions) -> (Loaded, Resolved) {
    load_with(inputs, opts, &ConfigSource::Discover)
}

/// `load` with the configuration `config` names (`diff --git` gives both
/// sides the same discovery).
pub fn load_with(
    inputs: &[Input],
    opts: &LoadOptions,
    config: &ConfigSource,
) -> (Loaded, Resolved) {
    let (mut loaded, _, cfg_diags) = load_configured(inputs, opts, config);
    loaded.diagnostics.extend(cfg_diags);
    input::kustomize::annotate(
        &mut loaded.diagnostics,
        &loaded.sources,
        &loaded.kustomize_written,
    );
    // A file read twice (an include, an extends) reports its problems
    // twice: one diagnostic per cause, as `analyze_with` gives.
    diagnostic::sort(&mut loaded.diagnostics);
    loaded.diagnostics.dedup();
    let resolved = resolve::resolve(&loaded.topology);
    (loaded, resolved)
}

/// Read the configuration first (its `exclude`, `include` and `projects`
/// decide what is loaded), then the inputs.
fn load_configured(
    inputs: &[Input],
    opts: &LoadOptions,
    source: &ConfigSource,
) -> (Loaded, config::Config, Vec<Diagnostic>) {
    let mut loaded = Loaded::default();
    loaded.sources.set_overlay(opts.overlay.clone());
    let (cfg, cfg_diags) = config::load(source, inputs, &opts.compose_files, &mut loaded.sources);
    let mut opts = opts.clone();
    cfg.discovery.apply_to(&mut opts);
    let loaded = input::load_into(loaded, inputs, &opts);
    (loaded, cfg, cfg_diags)
}

/// Load, resolve and run every rule, with the `topoc.yaml` found upward
/// from the inputs.
pub fn analyze(inputs: &[Input], opts: &LoadOptions) -> Analysis {
    analyze_with(inputs, opts, &ConfigSource::Discover)
}

/// Load, resolve, run every rule, then apply the configuration: severities,
/// `ignore` entries and inline ignores (rules never see configuration).
pub fn analyze_with(inputs: &[Input], opts: &LoadOptions, config: &ConfigSource) -> Analysis {
    let (mut loaded, cfg, cfg_diags) = load_configured(inputs, opts, config);
    let mut resolved = resolve::resolve(&loaded.topology);
    crate::timing::mark("resolve");
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let ctx = Context::new(&loaded.topology, &resolved, &loaded.sources);
    analyze::run_into(&ctx, &mut diagnostics);
    crate::timing::mark("rules");
    // Rendering the findings of a large input comes next: let it reuse the
    // memory of the selection memo.
    resolved.kube.release_peer_cache();
    let applied = config::apply(&cfg, &loaded.topology, diagnostics);
    // Stale `ignore` entries, themselves subject to `rules:` levels.
    let stale = config::unmatched_ignores(&cfg, &applied);
    let stale = config::apply(&cfg, &loaded.topology, stale).diagnostics;
    let mut diagnostics = applied.diagnostics;
    diagnostics.extend(stale);
    diagnostics.extend(cfg_diags);
    input::kustomize::annotate(&mut diagnostics, &loaded.sources, &loaded.kustomize_written);
    diagnostic::sort(&mut diagnostics);
    diagnostics.dedup();
    // A file shared by two projects (a canonical file and a layer on it)
    // yields the same finding in each: report it once.
    diagnostics.dedup_by(|a, b| a.span == b.span && a.code == b.code && a.message == b.message);
    crate::timing::mark("configuration and sort");
    Analysis {
        loaded,
        resolved,
        diagnostics,
        suppressed: applied.suppressed,
        config: cfg,
    }
}

/// Findings of rules about objects the API server would refuse: an ipBlock
/// `except` that is not a strict subset of its `cidr` (TOPO410). `check`
/// reports them as rule findings; for products (`connectivity`, `explain`)
/// they make the input invalid, since no cluster could hold such a policy.
pub fn rejected_by_api(loaded: &Loaded, resolved: &Resolved) -> Vec<Diagnostic> {
    let ctx = Context::new(&loaded.topology, resolved, &loaded.sources);
    analyze::rules::RULES
        .iter()
        .filter(|r| r.code.code == diagnostic::IPBLOCK_EXCEPT_INVALID.code)
        .flat_map(|r| (r.check)(&ctx))
        .collect()
}
