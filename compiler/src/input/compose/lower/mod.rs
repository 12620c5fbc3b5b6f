//! Merged Compose tree → IR: the project, its networks and services,
//! publications and intents. Wrong types are spanned errors; the rest of the
//! project is still lowered.

mod alloc;
mod cycles;
mod intents;
mod network;
mod publish;
mod service;

pub use alloc::allocate_addresses;

use crate::diagnostic::{self as diag, Diagnostic};
use crate::input::Loaded;
use crate::ir::{ComposePolicy, NamespaceId, NetworkId, Origin, Project, ProjectId, Topology};
use crate::source::FileId;
use crate::syntax::{Entry, Node};
use std::collections::BTreeMap;

pub(super) const TOP_LEVEL_KEYS: [&str; 9] = [
    "version", "name", "services", "networks", "volumes", "configs", "secrets", "include", "models",
];

/// Shared state while lowering one project.
pub(crate) struct Lowering<'a> {
    pub topo: &'a mut Topology,
    pub diags: &'a mut Vec<Diagnostic>,
    pub project: ProjectId,
    pub project_name: String,
    pub namespace: NamespaceId,
    /// Top-level network key → id.
    pub networks: BTreeMap<String, NetworkId>,
    /// Top-level volume names (for named volumes).
    pub volumes: Vec<String>,
}

impl Lowering<'_> {
    pub fn error(&mut self, code: &'static diag::Code, node: &Node, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, node.span, msg));
    }

    /// A mapping, or an `invalid-value` error naming `what`.
    pub fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        if node.is_null() {
            return Some(&[]);
        }
        let m = node.as_map();
        if m.is_none() {
            self.error(
                &diag::INVALID_VALUE,
                node,
                format!("{what} must be a mapping, found {}", node.describe()),
            );
        }
        m
    }

    pub fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        if node.is_null() {
            return Some(&[]);
        }
        let s = node.as_seq();
        if s.is_none() {
            self.error(
                &diag::INVALID_VALUE,
                node,
                format!("{what} must be a list, found {}", node.describe()),
            );
        }
        s
    }

    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match (&node.value, node.as_str()) {
            (crate::syntax::Value::Scalar(_), Some(s)) => Some(s.to_string()),
            _ => {
                self.error(
                    &diag::INVALID_VALUE,
                    node,
                    format!("{what} must be a string, found {}", node.describe()),
                );
                None
            }
        }
    }

    /// A boolean as compose-go casts it: a YAML boolean, or (after
    /// interpolation, quoted or not) one of `y yes true on` / `n no false off`
    /// in any case (`interpolate.go` `toBoolean`).
    pub fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        let b = node.as_bool().or_else(|| match &node.value {
            crate::syntax::Value::Scalar(s) => match s.text.to_ascii_lowercase().as_str() {
                "y" | "yes" | "true" | "on" => Some(true),
                "n" | "no" | "false" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        });
        if b.is_none() {
            self.error(
                &diag::INVALID_VALUE,
                node,
                format!("{what} must be true or false, found {}", node.describe()),
            );
        }
        b
    }

    pub fn unknown_key(&mut self, key: &Node, known: &[&str], what: &str) {
        let Some(k) = key.as_str() else { return };
        if k.starts_with("x-") || known.contains(&k) {
            return;
        }
        let mut d = Diagnostic::new(
            &diag::UNKNOWN_KEY,
            key.span,
            format!("unknown key `{k}` in {what}"),
        );
        if let Some(close) = closest(k, known) {
            d = d.with_help(format!("did you mean `{close}`?"));
        }
        self.diags.push(d);
    }
}

impl Lowering<'_> {
    /// An `x-` key that misspells `x-topoc` (edit distance ≤ 2, keeping at
    /// least four of its five letters, so `x-tool` or `x-top` are not
    /// flagged): Compose accepts any extension, so topoc's settings would be
    /// silently ignored.
    pub fn extension_root(&mut self, key: &Node, what: &str) {
        let Some(k) = key.as_str() else { return };
        if k == "x-topoc" || !k.starts_with("x-") || edit_distance(k, "x-topoc") > 2 {
            return;
        }
        let mut rest: Vec<char> = k[2..].to_ascii_lowercase().chars().collect();
        let kept = "topoc"
            .chars()
            .filter(|c| {
                rest.iter()
                    .position(|r| r == c)
                    .map(|i| rest.remove(i))
                    .is_some()
            })
            .count();
        if kept < 4 {
            return;
        }
        self.diags.push(
            Diagnostic::new(
                &diag::UNKNOWN_KEY,
                key.span,
                format!(
                    "extension `{k}` in {what} looks like a misspelled `x-topoc`: topoc ignores it"
                ),
            )
            .with_help("did you mean `x-topoc`?"),
        );
    }
}

/// The known key nearest to a typo (edit distance ≤ 2).
fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// What docker compose would do with a value topoc refuses on purpose: the
/// loader keeps it as a string, the engine fails on it (issue 11 item 4).
pub const ENGINE_REFUSES: &str = "docker compose loads this file, but the engine refuses it when it creates the network or container";

/// Lower one merged project tree.
pub fn lower_project(
    loaded: &mut Loaded,
    root: &Node,
    name: &str,
    namespace: &str,
    files: Vec<FileId>,
    profiles: &[String],
) {
    let Loaded {
        topology,
        diagnostics,
        ..
    } = loaded;
    let Some(entries) = root.as_map() else {
        diagnostics.push(Diagnostic::new(
            &diag::INVALID_VALUE,
            root.span,
            "a Compose file must be a mapping",
        ));
        return;
    };
    let origin = Origin::from(root.span);
    let xt = root.get("x-topoc");
    let mut policy = ComposePolicy::default();
    let project = ProjectId(topology.projects.len() as u32);
    let mut l = Lowering {
        topo: topology,
        diags: diagnostics,
        project,
        project_name: name.to_string(),
        namespace: NamespaceId(0),
        networks: BTreeMap::new(),
        volumes: Vec::new(),
    };
    for e in entries {
        l.unknown_key(&e.key, &TOP_LEVEL_KEYS, "the Compose file");
        l.extension_root(&e.key, "the Compose file");
    }
    if let Some(xt) = xt
        && let Some(items) = l.map(xt, "`x-topoc`")
    {
        for e in items {
            match e.key.as_str() {
                // Read by the caller, which names the namespace; checked here.
                Some("namespace") => {
                    l.string(&e.value, "`x-topoc.namespace`");
                }
                Some("policy") => match e.value.as_str() {
                    Some("isolate-networks") => policy = ComposePolicy::IsolateNetworks,
                    Some("default-deny") => policy = ComposePolicy::DefaultDeny,
                    Some("open") => policy = ComposePolicy::Open,
                    _ => l.error(
                        &diag::INVALID_VALUE,
                        &e.value,
                        "`x-topoc.policy` must be one of isolate-networks, default-deny, open",
                    ),
                },
                _ => l.unknown_key(&e.key, &["namespace", "policy"], "`x-topoc`"),
            }
        }
    }
    // The caller names the namespace: `x-topoc.namespace` or the project
    // name, made unique among the run's projects.
    l.namespace = l.topo.intern_namespace(namespace, origin);
    l.topo.projects.push(Project {
        name: name.to_string(),
        namespace: l.namespace,
        policy,
        files,
        origin,
    });
    if let Some(vols) = root.get("volumes")
        && let Some(vols) = l.map(vols, "`volumes`")
    {
        l.volumes = vols
            .iter()
            .filter_map(|e| e.key.as_str().map(String::from))
            .collect();
    }
    if let Some(nets) = root.get("networks")
        && let Some(nets) = l.map(nets, "`networks`")
    {
        for e in nets {
            network::lower_network(&mut l, e);
        }
    }
    let Some(services) = root.get("services") else {
        return;
    };
    let Some(services) = l.map(services, "`services`") else {
        return;
    };
    service::lower_services(&mut l, services, profiles);
}
