//! ## undefined-network (TOPO301, error)
//!
//! A service joins a network (under `networks:` or as `network_mode: NAME`)
//! that the top-level `networks:` does not declare. `docker compose up`
//! refuses the file ("refers to undefined network").

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, UNDEFINED_NETWORK};
use crate::ir::RefKind;

pub static RULE: Rule = Rule {
    code: &UNDEFINED_NETWORK,
    doc: "A service joins a network (under `networks:` or as `network_mode: NAME`) that the \
top-level `networks:` section does not declare. `docker compose up` refuses the file with \
\"service refers to undefined network\". Declare the network at the top level, or fix the name.",
    fail_example: fixture!("undefined-network", "fail"),
    pass_example: fixture!("undefined-network", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    t.dangling
        .iter()
        .filter(|d| d.kind == RefKind::Network)
        .map(|d| {
            let declared: Vec<String> = d
                .from
                .and_then(|w| t.workload(w).project)
                .map(|p| {
                    t.networks
                        .iter()
                        .filter(|n| n.project == Some(p) && !n.implicit)
                        .map(|n| format!("`{}`", n.name))
                        .collect()
                })
                .unwrap_or_default();
            let who = d
                .from
                .map(|w| t.workload(w).name.clone())
                .unwrap_or_default();
            let mut diag = Diagnostic::new(
                &UNDEFINED_NETWORK,
                d.origin.span,
                format!(
                    "service `{who}` joins network `{}`, which is not declared",
                    d.name
                ),
            )
            .with_help(if declared.is_empty() {
                format!(
                    "declare it under the top-level `networks:` key: `networks: {{ {}: {{}} }}`",
                    d.name
                )
            } else {
                format!(
                    "declared networks: {}; or add `{}` under the top-level `networks:` key",
                    declared.join(", "),
                    d.name
                )
            });
            if let Some(w) = d.from {
                diag = diag.with_resource(t.workload_id(w));
            }
            diag
        })
        .collect()
}
