//! ## undefined-service (TOPO302, error)
//!
//! A `depends_on`, `links`, `network_mode: service:X`, `x-topoc.talks-to` or
//! `extends` entry names a service that does not exist (or is disabled by
//! its profiles). Compose refuses the file.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, UNDEFINED_SERVICE};
use crate::ir::RefKind;

pub static RULE: Rule = Rule {
    code: &UNDEFINED_SERVICE,
    doc: "A `depends_on`, `links`, `network_mode: service:X`, `x-topoc.talks-to` or `extends` \
entry names a service that does not exist, or one that its `profiles` disable. Compose \
refuses such a file (\"depends on undefined service\"). Fix the name, define the service, or \
activate its profile.",
    fail_example: fixture!("undefined-service", "fail"),
    pass_example: fixture!("undefined-service", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    t.dangling
        .iter()
        .filter(|d| d.kind == RefKind::Service)
        .map(|d| {
            let msg = match d.from {
                Some(w) => format!(
                    "`{}` of service `{}` names service `{}`, which is not defined",
                    d.context,
                    t.workload(w).name,
                    d.name
                ),
                None => format!(
                    "`{}` names service `{}`, which is not defined",
                    d.context, d.name
                ),
            };
            let mut diag = Diagnostic::new(&UNDEFINED_SERVICE, d.origin.span, msg);
            diag = match &d.note {
                Some(note) => diag.with_help(note.clone()),
                None => diag.with_help("fix the name or define the service under `services:`"),
            };
            if let Some(w) = d.from {
                diag = diag.with_resource(t.workload_id(w));
            }
            diag
        })
        .collect()
}
