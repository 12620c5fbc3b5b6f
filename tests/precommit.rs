//! The pre-commit hook from a fresh repository: `pre-commit try-repo` builds
//! topoc from this repository (`cargo install`, as users get it), runs
//! `topoc-check` in a temporary git repository holding a broken compose
//! file, and the hook fails; once the file is fixed it passes.
//!
//! Needs `pre-commit` (`.ci/install-test-tools` puts it in `.venv-ci`).
//! Without it the test says it was skipped; `TOPOC_REQUIRE_PRECOMMIT=1`
//! (set by `.ci/run`) turns the skip into a failure. try-repo uses this
//! repository's HEAD plus its uncommitted changes to tracked files.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::root;

fn pre_commit() -> Option<PathBuf> {
    let venv = root().join(".venv-ci/bin/pre-commit");
    let candidates = [venv, PathBuf::from("pre-commit")];
    let found = candidates.into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        let msg = "pre-commit is not installed (run .ci/install-test-tools)";
        if std::env::var("TOPOC_REQUIRE_PRECOMMIT").as_deref() == Ok("1") {
            panic!("{msg} and TOPOC_REQUIRE_PRECOMMIT=1");
        }
        support::skip(msg);
    }
    found
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn try_repo(pc: &Path, dir: &Path, home: &Path) -> Output {
    try_hook(pc, dir, home, "topoc-check")
}

fn try_hook(pc: &Path, dir: &Path, home: &Path, hook: &str) -> Output {
    Command::new(pc)
        .args([
            "try-repo",
            root().to_str().unwrap(),
            hook,
            "--all-files",
            "--color",
            "never",
        ])
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", home)
        // Keep the hook's `cargo install` build between runs, and cheap:
        // a separate target directory (cargo test holds the lock on ours),
        // unoptimised since only behaviour is under test.
        .env("CARGO_TARGET_DIR", root().join("target/precommit"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn hook_fails_on_a_broken_compose_file_and_passes_once_fixed() {
    let Some(pc) = pre_commit() else { return };
    let fixtures = root().join("tests/fixtures/rules/host-port-conflict");
    let tmp = tempfile::tempdir().unwrap();
    let (repo, home) = (tmp.path().join("repo"), tmp.path().join("home"));
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::copy(fixtures.join("fail.yaml"), repo.join("compose.yaml")).unwrap();
    git(&repo, &["add", "compose.yaml"]);

    let failed = try_repo(&pc, &repo, &home);
    let out = text(&failed);
    assert!(
        !failed.status.success(),
        "hook passed on a broken file:\n{out}"
    );
    assert!(
        out.contains("topoc check") && out.contains("Failed"),
        "{out}"
    );
    assert!(
        out.contains("compose.yaml:9:9: error[TOPO201/host-port-conflict]"),
        "the hook's output names the finding:\n{out}"
    );

    std::fs::copy(fixtures.join("pass.yaml"), repo.join("compose.yaml")).unwrap();
    git(&repo, &["add", "compose.yaml"]);
    let passed = try_repo(&pc, &repo, &home);
    let out = text(&passed);
    assert!(
        passed.status.success(),
        "hook failed on the fixed file:\n{out}"
    );
    assert!(out.contains("Passed"), "{out}");
}

/// Copy a directory tree (regular files and directories only).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The hook with its default args (`check --format concise .`) on a
/// repository with every discovery case of issue 10 (tests/fixtures/repo):
/// a chart, CI files, broken non-topology JSON, a gitignored broken build
/// folder, an excluded legacy folder, variants and same-port projects. It
/// passes, and its output shows the warnings that say what was not checked.
#[test]
fn hook_passes_on_a_real_world_repository() {
    let Some(pc) = pre_commit() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (repo, home) = (tmp.path().join("repo"), tmp.path().join("home"));
    copy_tree(&root().join("tests/fixtures/repo"), &repo);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    let out = try_repo(&pc, &repo, &home);
    let text = text(&out);
    assert!(
        out.status.success(),
        "hook failed on the repository:\n{text}"
    );
    assert!(text.contains("Passed"), "{text}");
}

/// `topoc-diff` (`topoc diff --git HEAD --fail-on added`) on the two
/// versions of tests/fixtures/diff-git: staging v2 over a committed v1
/// opens flows, so the hook fails and prints them; once v2 is committed
/// nothing changed and it passes.
#[test]
fn diff_hook_fails_when_the_commit_opens_a_flow() {
    let Some(pc) = pre_commit() else { return };
    let fixtures = root().join("tests/fixtures/diff-git");
    let tmp = tempfile::tempdir().unwrap();
    let (repo, home) = (tmp.path().join("repo"), tmp.path().join("home"));
    copy_tree(&fixtures.join("v1"), &repo);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    let commit = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"];
    git(
        &repo,
        &[&commit[..], &["commit", "-q", "-m", "v1"]].concat(),
    );
    copy_tree(&fixtures.join("v2"), &repo);
    git(&repo, &["add", "-A"]);

    let failed = try_hook(&pc, &repo, &home, "topoc-diff");
    let out = text(&failed);
    assert!(
        !failed.status.success(),
        "hook passed on an opened flow:\n{out}"
    );
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains(
            "diff-type: added, source: shop/web[Deployment], destination: shop/db[Deployment], \
             ref1: No Connections, ref2: TCP 5432"
        ),
        "the hook's output names the flow:\n{out}"
    );

    git(
        &repo,
        &[&commit[..], &["commit", "-q", "-m", "v2"]].concat(),
    );
    let passed = try_hook(&pc, &repo, &home, "topoc-diff");
    let out = text(&passed);
    assert!(
        passed.status.success(),
        "hook failed with nothing changed:\n{out}"
    );
    assert!(out.contains("Passed"), "{out}");
}

#[test]
fn hooks_manifest_declares_every_hook() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let (docs, diags) = topoc::syntax::parse(topoc::source::FileId(0), &text);
    assert!(diags.is_empty());
    let hooks = topoc::schema::yaml::to_json(&docs[0].root);
    let ids: Vec<&str> = hooks
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["topoc-check", "topoc-compile-check", "topoc-diff"]);
    for h in hooks.as_array().unwrap() {
        assert_eq!(h["language"], "rust");
        assert_eq!(h["pass_filenames"], false);
        assert_eq!(h["require_serial"], true);
        assert_eq!(h["files"], "\\.(ya?ml|json)$");
    }
    assert_eq!(hooks[0]["entry"], "topoc check");
    // No file names are passed, so the hook names the input: the repo root.
    assert_eq!(
        hooks[0]["args"],
        serde_json::json!(["--format", "concise", "."])
    );
    assert_eq!(hooks[1]["entry"], "topoc compile --check");
    // `--fail-on` sits in args so a repository can change it.
    assert_eq!(hooks[2]["entry"], "topoc diff --git HEAD");
    assert_eq!(hooks[2]["args"], serde_json::json!(["--fail-on", "added"]));
}
