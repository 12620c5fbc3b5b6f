//! Checks over the resolved IR. Each rule lives in its own file under
//! `rules/`, registered in `rules::RULES`.

pub mod connectivity;
pub mod rules;

use crate::diagnostic::Diagnostic;
use crate::ir::Topology;
use crate::resolve::Resolved;
use crate::source::SourceMap;

/// What every rule sees.
pub struct Context<'a> {
    pub topology: &'a Topology,
    pub resolved: &'a Resolved,
    pub sources: &'a SourceMap,
}

/// Run every registered rule.
pub fn run(ctx: &Context) -> Vec<Diagnostic> {
    rules::RULES.iter().flat_map(|r| (r.check)(ctx)).collect()
}
