//! `topoc lsp` with a real client (issue 17): Neovim's built-in LSP client,
//! headless, runs `tests/lsp/neovim.lua` against the fixture workspace of
//! tests/lsp.rs and reports the diagnostics and the hover it received.
//! Skipped (with a SKIPPED line) when `nvim` is missing; under
//! `TOPOC_REQUIRE_TOOLS=1` (CI, after `.ci/install-neovim`) that fails.

mod support;

use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

fn nvim_present() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn neovim_receives_the_findings_and_a_hover() {
    if !nvim_present() {
        assert_ne!(
            std::env::var("TOPOC_REQUIRE_TOOLS").as_deref(),
            Ok("1"),
            "nvim is missing and TOPOC_REQUIRE_TOOLS=1 (run .ci/install-neovim)"
        );
        support::skip("nvim is not installed (.ci/install-neovim installs it)");
        return;
    }
    let root = support::root();
    let workspace = root
        .join("tests/fixtures/lsp/workspace")
        .canonicalize()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received.json");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            root.join("tests/lsp/neovim.lua").display()
        ))
        .env("TOPOC_BIN", env!("CARGO_BIN_EXE_topoc"))
        .env("TOPOC_WORKSPACE", &workspace)
        .env("TOPOC_OUT", &out)
        // No user or system configuration, no swap or shada files.
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = support::wait_or_kill(&mut child, Duration::from_secs(120), "nvim");
    assert!(status.success(), "nvim exited with {status}");
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(got["arrived"], true, "{got:#}");
    let diags = got["diagnostics"].as_array().unwrap();
    let over = workspace.join("shop/compose.override.yaml");
    let kube = workspace.join("k8s/app.yaml");
    let of = |path: &std::path::Path| -> Vec<(String, u64, u64)> {
        let mut v: Vec<_> = diags
            .iter()
            .filter(|d| d["file"] == path.display().to_string())
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                    d["col"].as_u64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        of(&over),
        [("TOPO201".into(), 4, 8), ("TOPO301".into(), 6, 8)],
        "{got:#}"
    );
    // The file Neovim never opened gets its findings too.
    let kube_codes: Vec<String> = of(&kube).into_iter().map(|(c, _, _)| c).collect();
    assert_eq!(kube_codes, ["TOPO405", "TOPO406", "TOPO408"], "{got:#}");
    let conflict = diags.iter().find(|d| d["code"] == "TOPO201").unwrap();
    assert_eq!(conflict["severity"], 1, "vim.diagnostic.severity.ERROR");
    assert!(
        conflict["message"]
            .as_str()
            .unwrap()
            .starts_with("host port 8080/tcp on all interfaces (`admin`) conflicts"),
        "{conflict}"
    );
    let hover = got["hover"].as_str().unwrap_or_default();
    assert!(
        hover.starts_with("**service `api` (project `shop`)**"),
        "{hover}"
    );
    let reached = hover.split("Reached by").nth(1).unwrap_or_default();
    assert!(reached.contains("`shop/web[ComposeService]`"), "{hover}");
}
