//! ## network-mode-conflict (TOPO305, error / warning)
//!
//! `network_mode` combined with `networks` is refused by Compose ("mutually
//! exclusive"): error. `network_mode: host | none | service:X | container:X`
//! combined with `ports`: Docker ignores the mappings: warning.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, NETWORK_MODE_CONFLICT, Severity};
use crate::ir::NetworkMode;

pub static RULE: Rule = Rule {
    code: &NETWORK_MODE_CONFLICT,
    doc: "`network_mode` and `networks` are mutually exclusive: Compose refuses a service that \
declares both (error). With `network_mode: host`, `none`, `service:X` or `container:X`, the \
`ports` mappings are ignored by Docker — the service either uses the host's ports directly or \
shares another container's stack (warning). Drop one of the two keys.",
    fail_example: fixture!("network-mode-conflict", "fail"),
    pass_example: fixture!("network-mode-conflict", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for id in t.workload_ids() {
        let w = t.workload(id);
        let Some(mode_origin) = w.network_mode_origin else {
            continue;
        };
        let mode = w.network_mode.display();
        if let Some(nets) = w.networks_key {
            out.push(
                Diagnostic::new(
                    &NETWORK_MODE_CONFLICT,
                    mode_origin.span,
                    format!("service `{}` declares both `network_mode: {}` and `networks`, which are mutually exclusive", w.name, mode_display(&w.network_mode)),
                )
                .with_related(nets.span, "`networks` declared here")
                .with_help("keep `networks` to join user-defined networks, or `network_mode` to use a special stack — not both")
                .with_resource(t.workload_id(id)),
            );
        }
        let ignores_ports = matches!(
            w.network_mode,
            NetworkMode::Host
                | NetworkMode::None
                | NetworkMode::Service(_)
                | NetworkMode::Container(_)
        );
        if ignores_ports && let Some(ports) = w.ports_key {
            let mut d = Diagnostic::new(
                &NETWORK_MODE_CONFLICT,
                ports.span,
                format!("`ports` of service `{}` are ignored with `network_mode: {}`", w.name, mode_display(&w.network_mode)),
            )
            .with_related(mode_origin.span, format!("network mode `{mode}` set here"))
            .with_help(match w.network_mode {
                NetworkMode::Host => "with host networking the service binds host ports directly; remove `ports`",
                NetworkMode::None => "a service without networking cannot publish ports; remove `ports` or the network mode",
                _ => "publish the ports on the service whose network stack is shared",
            })
            .with_resource(t.workload_id(id));
            d.severity = Severity::Warning;
            out.push(d);
        }
    }
    out
}

fn mode_display(m: &NetworkMode) -> String {
    match m {
        NetworkMode::DefaultBridge => "bridge".into(),
        other => other.display(),
    }
}
