//! Helm charts: a directory holding `Chart.yaml`. Its `templates/` are Go
//! templates, not YAML, so they are never parsed as such. With a renderer
//! (the CLI passes one that runs `helm template NAME DIR`, values from the
//! chart's `values.yaml`), the rendered stream is split at helm's
//! `# Source: CHART/templates/FILE` comments and each part is read as the
//! template file it came from, so findings name that file (positions are
//! those of the rendered text). Without a renderer, or when rendering fails,
//! one warning per chart says how to check it. A chart never makes the run
//! exit 2: input errors in rendered text are reported as warnings.

use super::{ParsedFile, Reader};
use crate::diagnostic::{self as diag, Diagnostic};
use crate::source::{FileId, SourceFile, Span};
use std::path::{Path, PathBuf};

/// Renders the chart in a directory under a release name: the rendered
/// manifests, or why it failed.
pub type ChartRenderer = fn(chart: &Path, release: &str) -> Result<String, String>;

/// The chart directory a path belongs to, when it lies in a chart's
/// `templates/` (or is the chart directory itself).
pub fn chart_of(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    if abs.is_dir() && super::walk::is_chart_dir(&abs) {
        return Some(path.to_path_buf());
    }
    let mut rel = path.to_path_buf();
    let mut seen_templates = false;
    while rel.pop() {
        let dir = if rel.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            rel.clone()
        };
        if seen_templates && super::walk::is_chart_dir(&dir) {
            return Some(dir);
        }
        seen_templates |= dir.file_name().is_some_and(|n| n == "templates");
    }
    None
}

/// The release name for `helm template`: the chart directory's name in
/// the DNS-label alphabet helm accepts.
pub fn release_name(dir: &Path) -> String {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let raw = abs
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("release")
        .to_ascii_lowercase();
    let name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = name.trim_matches('-');
    if name.is_empty() {
        "release".into()
    } else {
        name.chars().take(53).collect()
    }
}

fn display(dir: &Path) -> String {
    dir.display().to_string()
}

/// Split `helm template` output into (template path relative to the
/// chart, text) parts, grouping the documents of one template.
pub fn split_rendered(text: &str) -> Vec<(Option<String>, String)> {
    let mut docs: Vec<String> = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            docs.push(String::new());
        }
        docs.last_mut().expect("one document").push_str(line);
    }
    let mut parts: Vec<(Option<String>, String)> = Vec::new();
    for doc in docs {
        if doc
            .lines()
            .all(|l| l.trim().is_empty() || l.trim() == "---")
        {
            continue;
        }
        let source = doc.lines().find_map(|l| {
            l.strip_prefix("# Source: ")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        });
        match parts.iter_mut().find(|(s, _)| *s == source) {
            Some((_, t)) => t.push_str(&doc),
            None => parts.push((source, doc)),
        }
    }
    parts
}

/// Read one chart: rendered parts as parsed files (their ids are added to
/// `chart_files`), or one warning.
pub fn load_chart(
    reader: &mut Reader,
    dir: &Path,
    render: Option<ChartRenderer>,
    chart_files: &mut Vec<FileId>,
) -> Vec<ParsedFile> {
    let chart_yaml = dir.join("Chart.yaml");
    let name = display(&chart_yaml);
    let Some(chart_id) = reader.read_text(&name, &chart_yaml) else {
        return Vec::new();
    };
    let release = release_name(dir);
    let how = format!("helm template {release} {} | topoc check -", display(dir));
    let warn = |reader: &mut Reader, msg: String| {
        reader.loaded.diagnostics.push(
            Diagnostic::new(&diag::CHART_NOT_RENDERED, Span::file_start(chart_id), msg)
                .with_help(format!("check the rendered chart: `{how}`")),
        );
    };
    let Some(render) = render else {
        warn(
            reader,
            format!(
                "Helm chart `{}` is not checked: its templates need `helm template`, and `helm` is not on PATH",
                display(dir)
            ),
        );
        return Vec::new();
    };
    let text = match render(dir, &release) {
        Ok(t) => t,
        Err(e) => {
            warn(
                reader,
                format!(
                    "Helm chart `{}` is not checked: `helm template` failed: {}",
                    display(dir),
                    e.trim()
                ),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (source, part) in split_rendered(&text) {
        // `# Source: CHART/templates/x.yaml`: the first component is the
        // chart's name, the rest is relative to the chart directory.
        let (name, path) = match source.as_deref().and_then(|s| s.split_once('/')) {
            Some((_, rel)) => (format!("{}/{rel}", display(dir)), dir.join(rel)),
            None => (
                format!("{} (helm template)", display(dir)),
                dir.join("Chart.yaml"),
            ),
        };
        let id = reader.loaded.sources.add(SourceFile::new(name, path, part));
        chart_files.push(id);
        out.push(reader.parse(id, false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_output_splits_per_source_template() {
        let text = "---\n# Source: web/templates/svc.yaml\napiVersion: v1\nkind: Service\n---\n# Source: web/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\n---\n# Source: web/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n";
        let parts = split_rendered(text);
        let names: Vec<_> = parts.iter().map(|(s, _)| s.clone().unwrap()).collect();
        assert_eq!(
            names,
            ["web/templates/svc.yaml", "web/templates/deploy.yaml"]
        );
        assert_eq!(parts[0].1.matches("kind: Service").count(), 2);
    }

    #[test]
    fn release_names_are_dns_labels() {
        assert_eq!(release_name(Path::new("charts/My_App")), "my-app");
    }

    #[test]
    fn files_in_templates_belong_to_their_chart() {
        let t = tempfile::tempdir().unwrap();
        let c = t.path().join("c");
        std::fs::create_dir_all(c.join("templates/sub")).unwrap();
        std::fs::write(c.join("Chart.yaml"), "name: c\n").unwrap();
        assert_eq!(chart_of(&c.join("templates/sub/x.yaml")), Some(c.clone()));
        assert_eq!(chart_of(&c), Some(c.clone()));
        assert_eq!(chart_of(&c.join("values.yaml")), None);
    }
}
