//! ## published-on-internal-network (TOPO203, warning)
//!
//! A service that sits only on `internal: true` networks publishes ports:
//! internal networks have no route to the outside, so the mapping reaches
//! nothing.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, PUBLISHED_ON_INTERNAL_NETWORK};

pub static RULE: Rule = Rule {
    code: &PUBLISHED_ON_INTERNAL_NETWORK,
    doc: "A service publishes ports but sits only on `internal: true` networks. Docker gives \
internal networks no external connectivity, so the published port reaches nothing (and may \
mislead readers into thinking the service is public). Attach the service to a non-internal \
network as well, or drop the `ports` mapping.",
    fail_example: fixture!("published-on-internal-network", "fail"),
    pass_example: fixture!("published-on-internal-network", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    t.publications
        .iter()
        .filter_map(|p| {
            let w = t.workload(p.workload);
            w.project?;
            let nets = &ctx.resolved.effective_networks[p.workload.index()];
            if nets.is_empty() || !nets.iter().all(|n| t.network(*n).internal) {
                return None;
            }
            let names: Vec<String> = nets
                .iter()
                .map(|n| format!("`{}`", t.network(*n).name))
                .collect();
            let mut d = Diagnostic::new(
                &PUBLISHED_ON_INTERNAL_NETWORK,
                p.origin.span,
                format!(
                    "`{}` publishes port {}/{} but is only on internal networks ({})",
                    w.name,
                    p.port,
                    p.protocol.as_str(),
                    names.join(", ")
                ),
            )
            .with_help("attach the service to a non-internal network too, or drop the mapping")
            .with_resource(t.workload_id(p.workload));
            if let Some(n) = nets.first() {
                d = d.with_related(t.network(*n).origin.span, "declared `internal: true` here");
            }
            Some(d)
        })
        .collect()
}
