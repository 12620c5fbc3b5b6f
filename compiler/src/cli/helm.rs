//! Rendering Helm charts with the `helm` found on PATH (`helm template NAME
//! DIR`, values from the chart's `values.yaml`), for the core's chart
//! loader, which never runs processes itself.

use std::path::{Path, PathBuf};
use std::process::Command;
use topoc::input::chart::ChartRenderer;

/// `helm` on PATH, if any.
fn helm_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("helm"))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// The renderer to hand to the loader: None when helm is not installed.
pub fn renderer() -> Option<ChartRenderer> {
    helm_path().map(|_| render as ChartRenderer)
}

fn render(chart: &Path, release: &str) -> Result<String, String> {
    let helm = helm_path().ok_or("`helm` is not on PATH")?;
    let out = Command::new(helm)
        .arg("template")
        .arg(release)
        .arg(chart)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run helm: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("{} ({})", first.trim(), out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| "helm printed text that is not UTF-8".into())
}
