//! Kubernetes → Compose: what clients name. A pod reaches a Service by its
//! DNS name and Service port (`emailservice:5000`), which kube-proxy maps to
//! the pods' targetPort (8080). Compose has neither Service names nor port
//! mapping: a client reaches another container by service name on the port
//! the container listens on. So environment values that name a Service are
//! (or `*_HOST` + `*_PORT` pairs)
//! rewritten to the Compose service and the target port — the connection
//! keeps working, reported as `TOPO611` — and where no single rewrite
//! exists (a Service over several workloads with other names, a value whose
//! text does not contain the address) `TOPO604` says the flow will fail.

use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::{EnvVar, IntentSource, IntentTarget, PortRef, Topology, WorkloadId};
use crate::resolve::Resolved;
use std::collections::BTreeMap;

/// The environment of `id` for the Compose file, with Service addresses
/// rewritten to Compose service names and container ports.
pub fn environment(
    t: &Topology,
    resolved: &Resolved,
    id: WorkloadId,
    names: &BTreeMap<WorkloadId, String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, String)> {
    let w = t.workload(id);
    let mut env: Vec<(String, String)> = w
        .env
        .iter()
        .map(|e| (e.name.clone(), e.value.clone()))
        .collect();
    for intent in t.intents.iter().filter(|i| i.from == id) {
        let (IntentSource::Environment, IntentTarget::Service(s)) = (intent.source, &intent.to)
        else {
            continue;
        };
        let Some(var) = w.env.iter().position(|e| e.origin == intent.origin) else {
            continue;
        };
        let svc = &t.services[s.index()];
        let targets = &resolved.kube.service_workloads[s.index()];
        let Some(&first) = targets.first() else {
            continue;
        };
        let host = names[&first].clone();
        let one_name = targets.iter().all(|w| names[w] == host);
        // The Service port the client names → the port the pods listen on.
        let target_port = intent.port.and_then(|p| {
            let sp = svc
                .ports
                .iter()
                .find(|sp| sp.port == p && sp.protocol == intent.protocol)?;
            match &sp.target {
                PortRef::Number(n) => Some(*n),
                PortRef::Name(n) => t.workload(first).ports.iter().find_map(|cp| {
                    (cp.name.as_deref() == Some(n) && cp.protocol == sp.protocol).then_some(cp.port)
                }),
            }
        });
        let port_changes = matches!((intent.port, target_port), (Some(p), Some(n)) if p != n);
        let host_changes = intent.target_name != host;
        if !port_changes && !host_changes {
            continue;
        }
        let e = &w.env[var];
        let wanted = match (intent.port, target_port) {
            (Some(_), Some(n)) => format!("{host}:{n}"),
            _ => host.clone(),
        };
        // `*_HOST` + `*_PORT`: the host alone here, the port in its pair.
        let port_var = e
            .name
            .strip_suffix("HOST")
            .map(|prefix| format!("{prefix}PORT"))
            .and_then(|n| {
                env.iter()
                    .position(|(k, v)| *k == n && v.trim().parse().ok() == intent.port)
            });
        let rewritten = match (one_name, port_var) {
            (false, _) => None,
            (true, Some(pv)) if env[var].1.trim() == intent.target_name => {
                if let (true, Some(n)) = (port_changes, target_port) {
                    env[pv].1 = n.to_string();
                }
                Some(host.clone())
            }
            (true, _) => rewrite(
                &env[var].1,
                &intent.target_name,
                intent.port,
                target_port,
                &host,
            ),
        };
        match rewritten {
            Some(value) => {
                diags.push(
                    Diagnostic::new(
                        &diag::SERVICE_ADDRESS_REWRITTEN,
                        e.origin.span,
                        format!(
                            "`{}` of `{}` names Service `{}`{}; Compose has no Services{}, so it reads `{wanted}` in the emitted file",
                            e.name,
                            names[&id],
                            svc.name,
                            intent.port.map(|p| format!(" on port {p}")).unwrap_or_default(),
                            if port_changes { " nor port mapping" } else { "" },
                        ),
                    ),
                );
                env[var].1 = value;
            }
            None => diags.push(not_rewritten(e, &names[&id], &svc.name, &wanted, one_name)),
        }
    }
    env
}

fn not_rewritten(e: &EnvVar, client: &str, service: &str, wanted: &str, one: bool) -> Diagnostic {
    let why = if one {
        "its value does not spell the address as host[:port]"
    } else {
        "the Service selects several Compose services"
    };
    Diagnostic::new(
        &diag::FLOW_NOT_EXPRESSIBLE,
        e.origin.span,
        format!(
            "`{}` of `{client}` names Service `{service}`, which Compose cannot express ({why}): the connection fails unless it reaches `{wanted}`",
            e.name
        ),
    )
}

/// Replace `host[:port]` in `value` by `new_host[:new_port]`: every
/// occurrence of `host` as a whole DNS name, with the port after it (or,
/// for a URL whose port came from its scheme, a port inserted).
fn rewrite(
    value: &str,
    host: &str,
    port: Option<u16>,
    new_port: Option<u16>,
    new_host: &str,
) -> Option<String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_';
    let mut out = String::new();
    let mut rest = value;
    let mut changed = false;
    while let Some(i) = rest.find(host) {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + host.len()..];
        if before.is_some_and(is_name) || after.chars().next().is_some_and(is_name) {
            out.push_str(&rest[..i + host.len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..i]);
        out.push_str(new_host);
        let mut tail = after;
        if let (Some(p), Some(n)) = (port, new_port) {
            let written = format!(":{p}");
            match after.strip_prefix(&written) {
                Some(t) if !t.starts_with(|c: char| c.is_ascii_digit()) => {
                    out.push_str(&format!(":{n}"));
                    tail = t;
                }
                // No port written: a URL on its scheme's default port.
                _ if value.contains("://") && !after.starts_with(':') && p != n => {
                    out.push_str(&format!(":{n}"))
                }
                _ => return None,
            }
        }
        changed = true;
        rest = tail;
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn addresses_are_rewritten_as_whole_names() {
        let r = |v: &str, h: &str, p, n, nh: &str| rewrite(v, h, p, n, nh);
        assert_eq!(
            r(
                "emailservice:5000",
                "emailservice",
                Some(5000),
                Some(8080),
                "emailservice"
            )
            .as_deref(),
            Some("emailservice:8080")
        );
        assert_eq!(
            r("http://web", "web", Some(80), Some(8080), "web-deployment").as_deref(),
            Some("http://web-deployment:8080")
        );
        assert_eq!(
            r(
                "postgres://u:p@db.shop.svc:5432/app",
                "db.shop.svc",
                Some(5432),
                Some(5432),
                "db"
            )
            .as_deref(),
            Some("postgres://u:p@db:5432/app")
        );
        // `web` inside `webapp` is another name.
        assert_eq!(r("webapp:80", "web", Some(80), Some(8080), "web"), None);
        // A bare host whose port is given elsewhere (`*_PORT`): not guessed.
        assert_eq!(r("web", "web", Some(80), Some(8080), "web"), None);
        // A port that is not the one the intent names: not rewritten.
        assert_eq!(r("web:81", "web", Some(80), Some(8080), "web"), None);
    }
}
