//! ## dns-name-collision (TOPO303, error)
//!
//! Two services answer to one name on one network: an alias equal to
//! another service's name, an alias two services share, or a
//! `container_name` that shadows a service. Docker's resolver then returns
//! either container, and clients reach the wrong one at random.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{DNS_NAME_COLLISION, Diagnostic};
use crate::ir::FastMap;
use crate::ir::{Origin, WorkloadId};

pub static RULE: Rule = Rule {
    code: &DNS_NAME_COLLISION,
    doc: "Two services resolve to one name on one network: an alias equal to another service's \
name, an alias shared by two services, or a `container_name` that shadows another service or \
alias. Docker's embedded DNS then answers with either container, so clients reach the wrong one \
at random. Rename the alias or the container.",
    fail_example: fixture!("dns-name-collision", "fail"),
    pass_example: fixture!("dns-name-collision", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    // Every (network, name) claim: (origin, workload, what claims it).
    let mut claims: Vec<(usize, String, Origin, WorkloadId, &'static str)> = Vec::new();
    for id in t.workload_ids() {
        let w = t.workload(id);
        if w.project.is_none() {
            continue;
        }
        for a in &w.attachments {
            let net = a.network.index();
            if t.networks[net].default_bridge {
                continue;
            }
            claims.push((net, w.name.clone(), w.origin, id, "service name"));
            for (alias, o) in &a.aliases {
                claims.push((net, alias.clone(), *o, id, "alias"));
            }
            if let Some((c, o)) = &w.container_name {
                claims.push((net, c.clone(), *o, id, "container name"));
            }
        }
    }
    let order = t.declaration_order();
    claims.sort_by_key(|c| order.key(c.2));
    let mut first: FastMap<(usize, &str), (Origin, WorkloadId)> = FastMap::default();
    let mut out = Vec::new();
    for (net, name, origin, id, what) in &claims {
        match first.get(&(*net, name.as_str())) {
            Some((fo, fid)) if fid != id => {
                let other = &t.workload(*fid).name;
                out.push(
                    Diagnostic::new(
                        &DNS_NAME_COLLISION,
                        origin.span,
                        format!(
                            "{what} `{name}` of `{}` collides with `{other}` on network `{}`",
                            t.workload(*id).name,
                            t.networks[*net].name
                        ),
                    )
                    .with_related(fo.span, format!("`{name}` already resolves to `{other}`"))
                    .with_help(
                        "rename the alias or container so every name resolves to one service",
                    )
                    .with_resource(t.workload_id(*id)),
                );
            }
            Some(_) => {}
            None => {
                first.insert((*net, name.as_str()), (*origin, *id));
            }
        }
    }
    out.sort_by_key(|d| d.span);
    out.dedup_by(|a, b| a.span == b.span);
    out
}
