//! ## unreachable-dependency (TOPO401, error / warning)
//!
//! A service expects to talk to another — through `links`,
//! `x-topoc.talks-to`, or a host named in an environment value — but the two
//! share no network, the target does not listen on the named port, or the
//! project's `x-topoc.policy: default-deny` has no `talks-to` for the flow.
//! `depends_on` alone only orders start-up (Compose spec: "startup and
//! shutdown dependencies"); it implies no connection, so a dependency that
//! shares no network with its dependant is a warning, and default-deny does
//! not judge it.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, Severity, UNREACHABLE_DEPENDENCY};
use crate::ir::{
    ComposePolicy, Intent, IntentSource, IntentTarget, NetworkMode, Topology, WorkloadId,
};

pub static RULE: Rule = Rule {
    code: &UNREACHABLE_DEPENDENCY,
    doc: "A service expects to reach another — through `links`, \
`x-topoc.talks-to`, or a host named in an environment value such as \
`postgresql://user:pass@database:5432/app` or `REDIS_HOST=cache` — but the two services share \
no network, the target does not listen on the named port (where its ports are declared), or \
the project's `x-topoc.policy: default-deny` has no `talks-to` entry for the flow. The \
connection fails at runtime with a DNS error or a timeout. Put both services on a common \
network, fix the port, or declare the flow in `x-topoc.talks-to`. A `depends_on` entry alone \
only orders start-up and implies no connection (Compose spec), so a dependency that shares \
no network with the service is a warning, and `default-deny` does not judge it; when an \
environment value or `talks-to` names the same service, that reference is judged instead.",
    fail_example: fixture!("unreachable-dependency", "fail"),
    pass_example: fixture!("unreachable-dependency", "pass"),
    check,
};

/// Related spans: where each service's networks come from.
fn with_networks(mut d: Diagnostic, t: &Topology, w: WorkloadId) -> Diagnostic {
    let wl = t.workload(w);
    if let Some(o) = wl.network_mode_origin {
        return d.with_related(
            o.span,
            format!(
                "`{}` uses `network_mode: {}`",
                wl.name,
                wl.network_mode.display()
            ),
        );
    }
    for a in &wl.attachments {
        let net = t.network(a.network);
        let label = if net.implicit {
            format!("`{}` is on the implicit `{}` network", wl.name, net.name)
        } else {
            format!("`{}` joins `{}` here", wl.name, net.name)
        };
        d = d.with_related(a.origin.span, label);
    }
    d
}

fn allowed_by_talks_to(t: &Topology, i: &Intent) -> bool {
    t.intents.iter().any(|o| {
        o.source == IntentSource::TalksTo
            && o.from == i.from
            && o.to == i.to
            && (o.port.is_none() || i.port.is_none() || o.port == i.port)
    })
}

/// Whether another reference than `depends_on` names the same target.
fn connects_elsewhere(t: &Topology, i: &Intent) -> bool {
    t.intents.iter().any(|o| {
        o.from == i.from
            && o.to == i.to
            && !matches!(o.source, IntentSource::DependsOn)
            && o.source != IntentSource::Route
    })
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for i in &t.intents {
        let IntentTarget::Workload(to) = i.to else {
            continue;
        };
        let (src, dst) = (t.workload(i.from), t.workload(to));
        let Some(project) = src.project else { continue };
        // Host networking reaches targets through published ports; not judged here.
        if matches!(src.network_mode, NetworkMode::Host)
            || matches!(dst.network_mode, NetworkMode::Host)
        {
            continue;
        }
        let what = match i.source {
            IntentSource::Environment => format!(
                "`{}` names `{}` in its environment",
                src.name, i.target_name
            ),
            IntentSource::DependsOn => format!("`{}` depends on `{}`", src.name, i.target_name),
            IntentSource::Links => format!("`{}` links to `{}`", src.name, i.target_name),
            _ => format!("`{}` talks to `{}`", src.name, i.target_name),
        };
        let start_order_only = i.source == IntentSource::DependsOn;
        // A connection named elsewhere (env, links, talks-to) is judged there.
        if start_order_only && connects_elsewhere(t, i) {
            continue;
        }
        let shared = ctx.resolved.shared_networks(i.from, to);
        let mut diag = None;
        if matches!(src.network_mode, NetworkMode::None)
            || matches!(dst.network_mode, NetworkMode::None)
        {
            diag = Some(Diagnostic::new(
                &UNREACHABLE_DEPENDENCY,
                i.origin.span,
                format!("{what}, but one of them has `network_mode: none`"),
            ));
        } else if shared.is_empty() {
            diag = Some(
                Diagnostic::new(
                    &UNREACHABLE_DEPENDENCY,
                    i.origin.span,
                    format!(
                        "{what}, but `{}` cannot reach `{}`: they share no network",
                        src.name, dst.name
                    ),
                )
                .with_help(format!(
                    "attach `{}` and `{}` to a common network",
                    src.name, dst.name
                )),
            );
        } else if let Some(port) = i.port
            && !dst.ports.is_empty()
            && !dst
                .ports
                .iter()
                .any(|p| p.port == port && p.protocol == i.protocol)
        {
            let declared: Vec<String> = dst
                .ports
                .iter()
                .map(|p| format!("{}/{}", p.port, p.protocol.as_str()))
                .collect();
            diag = Some(
                Diagnostic::new(
                    &UNREACHABLE_DEPENDENCY,
                    i.origin.span,
                    format!(
                        "{what} on port {port}/{}, but `{}` does not listen there (declared: {})",
                        i.protocol.as_str(),
                        dst.name,
                        declared.join(", ")
                    ),
                )
                .with_help("fix the port, or declare it under the target's `expose`/`ports`"),
            );
        } else if t.projects[project.index()].policy == ComposePolicy::DefaultDeny
            && !start_order_only
            && i.source != IntentSource::TalksTo
            && !allowed_by_talks_to(t, i)
        {
            diag = Some(
                Diagnostic::new(
                    &UNREACHABLE_DEPENDENCY,
                    i.origin.span,
                    format!("{what}, but the project's `x-topoc.policy: default-deny` allows no such flow"),
                )
                .with_help(format!(
                    "add `{}{}` to `x-topoc.talks-to` of `{}`",
                    dst.name,
                    i.port.map(|p| format!(":{p}")).unwrap_or_default(),
                    src.name
                )),
            );
        }
        if let Some(mut d) = diag {
            if start_order_only {
                d.severity = Severity::Warning;
                d.message.push_str(
                    " (`depends_on` only orders start-up; this matters if it connects to it)",
                );
            }
            let d = with_networks(with_networks(d, t, i.from), t, to)
                .with_resource(t.workload_id(i.from));
            out.push(d);
        }
    }
    out
}
