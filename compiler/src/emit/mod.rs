//! Emitters: the IR → a serializable view model per target → a minijinja
//! template (`templates/<target>/`, embedded, overridable). Emitters read only
//! the IR (and the resolution/connectivity computed from it), never YAML.
//!
//! Everything the target cannot express is a `TOPO6xx` diagnostic returned
//! beside the text, never silently dropped. Output is a pure function of the
//! IR: no maps with random order, no timestamps, no absolute paths.

pub mod compose;
pub mod graph;
pub mod k8s;
pub mod names;
pub mod nft;
pub mod reach;
pub mod render;

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Origin, ServiceType, Topology};
use crate::resolve::Resolved;
use crate::source::SourceMap;
use std::collections::BTreeMap;

pub use reach::{Peer, Reach};

/// What `compile --to` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    K8s,
    Compose,
    Nft,
}

impl Target {
    /// The file written when `-o` names a directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Target::K8s => "manifests.yaml",
            Target::Compose => "compose.yaml",
            Target::Nft => "ruleset.nft",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Target::K8s => "k8s",
            Target::Compose => "compose",
            Target::Nft => "nft",
        }
    }
}

/// Knobs of the emitters. Template overrides are passed in as text (the CLI
/// reads `--templates DIR`) so the core does no file I/O of its own.
#[derive(Debug, Clone, Default)]
pub struct EmitOptions {
    /// Service type for published ports when `x-topoc.service-type` is unset
    /// (`NodePort` when both are unset).
    pub service_type: Option<ServiceType>,
    /// Template name (e.g. `k8s/manifests.yaml.j2`) → source replacing the embedded one.
    pub template_overrides: BTreeMap<String, String>,
    /// Who may reach whom, from the connectivity engine
    /// (`Reach::from_connectivity` of `analyze::connectivity::compute`), for
    /// Compose and Kubernetes workloads alike: the emitters never decide
    /// reachability themselves. None: targets that need it report
    /// `connectivity-unavailable`.
    pub reach: Option<Reach>,
    /// Flows of `reach` whose outside end is a narrower range than "every
    /// outside address" (`Reach::from_connectivity`), reported as widened by
    /// the targets that take them.
    pub widened: Vec<(Peer, Peer, String)>,
}

/// The product of one emitter.
#[derive(Debug, Clone)]
pub struct Emitted {
    pub text: String,
    /// `TOPO6xx` findings: lossy or impossible conversions.
    pub diagnostics: Vec<Diagnostic>,
    /// Input workload id (`ns/name`) → output workload id, wherever they differ
    /// (a name the target does not accept was sanitised).
    pub renames: BTreeMap<String, String>,
}

/// Why nothing could be emitted at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmitError {
    /// A template does not parse or fails to render (a broken override, or a
    /// value an escaping filter refused).
    Template(String),
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmitError::Template(e) => write!(f, "template error: {e}"),
        }
    }
}

impl std::error::Error for EmitError {}

/// Inputs every emitter reads.
pub struct EmitContext<'a> {
    pub topology: &'a Topology,
    pub resolved: &'a Resolved,
    pub sources: &'a SourceMap,
    pub options: &'a EmitOptions,
}

impl EmitContext<'_> {
    /// `file:line` of an IR element, for comments that trace output to
    /// input: repository-relative, so the bytes do not depend on how the
    /// inputs were typed or where topoc ran.
    pub fn at(&self, origin: Origin) -> String {
        let span = origin.span;
        if (span.file.0 as usize) < self.sources.len() {
            format!(
                "{}:{}",
                self.sources.get(span.file).repo_name(),
                span.start.line
            )
        } else {
            "?".into()
        }
    }

    pub fn diag(&self, code: &'static Code, origin: Origin, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, origin.span, msg)
    }
}

/// Emit `target` from the IR.
pub fn emit(target: Target, cx: &EmitContext) -> Result<Emitted, EmitError> {
    let mut out = match target {
        Target::K8s => k8s::emit(cx),
        Target::Compose => compose::emit(cx),
        Target::Nft => nft::emit(cx),
    }?;
    if target != Target::K8s {
        let t = cx.topology;
        for (a, b, range) in &cx.options.widened {
            let (w, side) = match (a, b) {
                (Peer::Workload(w), _) => (*w, format!("{} => {range}", t.workload_id(*w))),
                (_, Peer::Workload(w)) => (*w, format!("{range} => {}", t.workload_id(*w))),
                _ => continue,
            };
            let code = if target == Target::Compose {
                &crate::diagnostic::COMPOSE_FLOW_WIDENED
            } else {
                &crate::diagnostic::FLOW_NOT_EXPRESSIBLE
            };
            out.diagnostics.push(cx.diag(
                code,
                t.workload(w).origin,
                format!("{side}: the outside range is widened to every outside address"),
            ));
        }
    }
    crate::diagnostic::sort(&mut out.diagnostics);
    out.diagnostics.dedup();
    Ok(out)
}
