//! What a document is. A Kubernetes object has `apiVersion` and `kind`; a
//! Compose file is one by its name (`compose.yaml`, `docker-compose.*.yml`,
//! `*.compose.yaml`, ...) or because its `services` is a mapping of service
//! mappings. CI files that also have a top-level `services` (GitLab CI's is
//! a list of images) or jobs with services (GitHub workflows) are never
//! Compose. A Kustomization is recognised so it is not silently ignored.

use crate::syntax::{Document, Node, Value};
use std::path::Path;

/// What a document is, judged by its content and its file's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Kubernetes,
    Compose,
    /// `kustomization.yaml` / `kind: Kustomization` or `Component`: it names
    /// other files and patches them; topoc does not expand it.
    Kustomization,
    Other,
}

/// The file names `kustomize build` looks for in a directory.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// A file name docker compose users give Compose files: `compose.yaml`,
/// `docker-compose.yml`, `compose.override.yaml`, `compose.prod.yaml`,
/// `docker-compose-dev.yml`, `app.compose.yaml`, `app-compose.yml`.
pub fn is_compose_name(path: &Path) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    let starts = |p: &str| {
        stem == p
            || stem
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with(['.', '-', '_']))
    };
    starts("compose")
        || starts("docker-compose")
        || stem.ends_with(".compose")
        || stem.ends_with("-compose")
        || stem.ends_with("_compose")
}

/// A CI pipeline file: GitLab CI (`.gitlab-ci.yml`, files under `.gitlab/`)
/// or a GitHub workflow or action (under `.github/`).
pub fn is_ci_file(path: &Path) -> bool {
    let name = file_name(path);
    if matches!(name, ".gitlab-ci.yml" | ".gitlab-ci.yaml") {
        return true;
    }
    let mut dirs = path.parent().into_iter().flat_map(|p| p.components());
    dirs.any(|c| matches!(c.as_os_str().to_str(), Some(".github" | ".gitlab")))
}

fn is_kustomization_name(path: &Path) -> bool {
    KUSTOMIZATION_FILES.contains(&file_name(path))
}

/// `services` is a mapping whose every value is a service mapping (or
/// empty), as in a Compose file — not GitLab CI's list of images.
fn has_service_mappings(root: &Node) -> bool {
    let Some(services) = root.get("services") else {
        return false;
    };
    match &services.value {
        Value::Map(entries) => entries
            .iter()
            .all(|e| matches!(e.value.value, Value::Map(_) | Value::Null)),
        _ => false,
    }
}

/// Classify one document of a file named on the command line: there a
/// top-level `services` of any shape makes a Compose file, so that a
/// malformed one is reported rather than set aside.
pub fn classify_named(doc: &Document, path: &Path) -> DocKind {
    match classify(doc, path) {
        DocKind::Other
            if !is_ci_file(path)
                && doc.root.as_map().is_some()
                && doc.root.get("services").is_some() =>
        {
            DocKind::Compose
        }
        kind => kind,
    }
}

/// Documents per task when a stream's documents are classified on every
/// core (a 100k-object stream: reading each root is a cache miss or two).
const DOCUMENTS_PER_TASK: usize = if cfg!(test) { 2 } else { 4096 };

/// [`classify_named`] (for a file named on the command line) or
/// [`classify`] of each of a file's documents, in order.
pub fn classify_all(docs: &[Document], path: &Path, named: bool) -> Vec<DocKind> {
    let one = |doc: &Document| {
        if named {
            classify_named(doc, path)
        } else {
            classify(doc, path)
        }
    };
    let tasks = docs.len().div_ceil(DOCUMENTS_PER_TASK);
    crate::parallel::ordered(
        tasks,
        || (),
        |(), task| {
            let from = task * DOCUMENTS_PER_TASK;
            let to = (from + DOCUMENTS_PER_TASK).min(docs.len());
            docs[from..to].iter().map(one).collect::<Vec<_>>()
        },
    )
    .into_iter()
    .flatten()
    .collect()
}

/// Classify one document of the file at `path`.
pub fn classify(doc: &Document, path: &Path) -> DocKind {
    let root = &doc.root;
    if is_ci_file(path) {
        return DocKind::Other;
    }
    let kind = root.get("kind").and_then(Node::as_str);
    let api = root.get("apiVersion").and_then(Node::as_str);
    if matches!(kind, Some("Kustomization" | "Component"))
        && api.is_some_and(|a| a.starts_with("kustomize.config.k8s.io/"))
    {
        return DocKind::Kustomization;
    }
    if root.get("apiVersion").is_some() && root.get("kind").is_some() {
        return DocKind::Kubernetes;
    }
    if is_kustomization_name(path) {
        return DocKind::Kustomization;
    }
    if root.as_map().is_some() && (is_compose_name(path) || has_service_mappings(root)) {
        return DocKind::Compose;
    }
    DocKind::Other
}

/// Whether a file that did not parse still looks like topology — a Compose
/// file by name, or text with top-level `apiVersion` and `kind` keys — so
/// its errors are reported instead of the file being skipped.
pub fn looks_like_topology(path: &Path, text: &str) -> bool {
    if is_ci_file(path) {
        return false;
    }
    if is_compose_name(path) || is_kustomization_name(path) {
        return true;
    }
    let has_key = |key: &str| {
        text.lines().any(|l| {
            let l = l.trim_start_matches(['{', ' ', '\t', ',']);
            let l = l.strip_prefix('"').unwrap_or(l);
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start_matches('"').trim_start().starts_with(':'))
        })
    };
    let quoted = |key: &str| text.contains(&format!("\"{key}\""));
    (has_key("apiVersion") && has_key("kind")) || (quoted("apiVersion") && quoted("kind"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn kind_of(path: &str, text: &str) -> DocKind {
        let (docs, _) = crate::syntax::parse(FileId(0), text);
        classify(&docs[0], Path::new(path))
    }

    #[test]
    fn compose_by_name_or_by_service_mappings() {
        assert!(is_compose_name(Path::new("a/docker-compose.images.yml")));
        assert!(is_compose_name(Path::new("compose.agent.yaml")));
        assert!(is_compose_name(Path::new("app.compose.yaml")));
        assert!(is_compose_name(Path::new("docker-compose-dev.yml")));
        assert!(!is_compose_name(Path::new("composer.yaml")));
        assert!(!is_compose_name(Path::new("compose.json")));
        let svc = "services:\n  web:\n    image: nginx\n";
        assert_eq!(kind_of("docker-stack.yml", svc), DocKind::Compose);
        assert_eq!(
            kind_of("compose.yaml", "services: [a]\n"),
            DocKind::Compose,
            "by name it is Compose, so its errors are reported"
        );
        assert_eq!(kind_of("x.yaml", "services: [a, b]\n"), DocKind::Other);
        assert_eq!(kind_of("x.yaml", "services:\n  a: 1\n"), DocKind::Other);
    }

    #[test]
    fn ci_files_are_never_compose() {
        let gitlab = "services:\n  - postgres:16\ntest:\n  script: [make]\n";
        assert_eq!(kind_of(".gitlab-ci.yml", gitlab), DocKind::Other);
        let svc = "services:\n  db:\n    image: postgres\n";
        assert_eq!(kind_of(".gitlab-ci.yml", svc), DocKind::Other);
        assert_eq!(kind_of(".github/workflows/ci.yml", svc), DocKind::Other);
    }

    #[test]
    fn kustomizations_and_kubernetes() {
        let k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n";
        assert_eq!(kind_of("kustomization.yaml", k), DocKind::Kustomization);
        assert_eq!(
            kind_of("kustomization.yaml", "resources: [a.yaml]\n"),
            DocKind::Kustomization
        );
        assert_eq!(
            kind_of("d.yaml", "apiVersion: v1\nkind: Pod\n"),
            DocKind::Kubernetes
        );
    }

    #[test]
    fn broken_files_that_look_like_topology() {
        let p = Path::new("x.yaml");
        assert!(looks_like_topology(
            p,
            "apiVersion: v1\nkind: Pod\n  bad: [\n"
        ));
        assert!(looks_like_topology(
            Path::new("x.json"),
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", ]"
        ));
        assert!(!looks_like_topology(p, "[1, 2"));
        assert!(looks_like_topology(Path::new("compose.yaml"), "[1, 2"));
    }
}
