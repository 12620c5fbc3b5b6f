//! ## default-bridge-no-dns (TOPO304, error)
//!
//! A service is reached by name (an environment value, `x-topoc.talks-to`)
//! but sits on Docker's default bridge (`network_mode: bridge`), where the
//! embedded DNS does not resolve container names.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{DEFAULT_BRIDGE_NO_DNS, Diagnostic};
use crate::ir::{IntentSource, IntentTarget, NetworkMode};

pub static RULE: Rule = Rule {
    code: &DEFAULT_BRIDGE_NO_DNS,
    doc: "A service is reached by name — a host in an environment value, an \
`x-topoc.talks-to` entry or a `depends_on` entry — but sits on Docker's default bridge (`network_mode: bridge`). The \
default bridge has no embedded DNS: the name does not resolve and the client fails with \
\"unknown host\". Put the services on a user-defined network (Compose's default behaviour when \
`network_mode` is left out).",
    fail_example: fixture!("default-bridge-no-dns", "fail"),
    pass_example: fixture!("default-bridge-no-dns", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    t.intents
        .iter()
        // Legacy `links` do resolve on the default bridge (through /etc/hosts).
        .filter(|i| i.source != IntentSource::Links)
        .filter_map(|i| {
            let IntentTarget::Workload(to) = i.to else { return None };
            let dst = t.workload(to);
            if dst.network_mode != NetworkMode::DefaultBridge {
                return None;
            }
            let src = t.workload(i.from);
            let mut d = Diagnostic::new(
                &DEFAULT_BRIDGE_NO_DNS,
                i.origin.span,
                format!("`{}` reaches `{}` by name, but `{}` is on Docker's default bridge, where names do not resolve", src.name, i.target_name, dst.name),
            )
            .with_help("remove `network_mode: bridge` so both services use a user-defined network with DNS")
            .with_resource(t.workload_id(i.from));
            if let Some(o) = dst.network_mode_origin {
                d = d.with_related(o.span, format!("`{}` uses the default bridge here", dst.name));
            }
            Some(d)
        })
        .collect()
}
