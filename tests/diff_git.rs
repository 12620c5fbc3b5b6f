//! `topoc diff --git REV`: a repository built at test time from
//! `tests/fixtures/diff-git/v1` (first commit) and `v2` (second commit; a
//! nested `.git` cannot be committed, and `k8s/gitignore` becomes
//! `k8s/.gitignore` so this repository does not apply it). From v1 to v2 a
//! NetworkPolicy is loosened (web may reach db), a workload is added
//! (`k8s/worker.yaml`), a Compose service joins a network (proxy joins
//! `back`), a file without workloads is deleted (`k8s/legacy.yaml`), and
//! an ignored file (`k8s/local.yaml`) stays out of both sides.

mod skip;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = "shop-repo";

fn fixture(v: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diff-git")
        .join(v)
}

/// git isolated from the user's configuration.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=topoc",
            "-c",
            "user.email=topoc@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let name = e.file_name();
        let name = if name == "gitignore" {
            ".gitignore".into()
        } else {
            name
        };
        let target = to.join(name);
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Replace the work tree (all but `.git`) with a fixture version.
fn check_out(repo: &Path, v: &str) {
    for e in std::fs::read_dir(repo).unwrap().flatten() {
        if e.file_name() == ".git" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            std::fs::remove_dir_all(e.path()).unwrap();
        } else {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    copy_tree(&fixture(v), repo);
}

/// The two-commit repository, or `None` (with a skip) without git.
fn repository() -> Option<(tempfile::TempDir, PathBuf)> {
    if Command::new("git").arg("--version").output().is_err() {
        assert!(
            std::env::var("TOPOC_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "TOPOC_REQUIRE_TOOLS=1 but git is not on PATH"
        );
        skip::skip("git is not on PATH");
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join(REPO);
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    for v in ["v1", "v2"] {
        check_out(&repo, v);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", v]);
    }
    Some((tmp, repo))
}

fn topoc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("topoc runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const WEB_DB: &str = "diff-type: added, source: shop/web[Deployment], destination: shop/db[Deployment], \
     ref1: No Connections, ref2: TCP 5432";
const WORKER: &str = "diff-type: added, source: shop/worker[Deployment], \
     destination: 0.0.0.0-255.255.255.255[External], ref1: No Connections, ref2: All Connections, \
     workloads-diff-info: workload shop/worker[Deployment] added";

fn compose_lines() -> [String; 2] {
    let c = |a: &str, b: &str| {
        format!(
            "diff-type: added, source: {REPO}/{a}[ComposeService], destination: {REPO}/{b}[ComposeService], \
             ref1: No Connections, ref2: All Connections"
        )
    };
    [c("cache", "proxy"), c("proxy", "cache")]
}

#[test]
fn the_second_commit_prints_exactly_its_changes() {
    let Some((_tmp, repo)) = repository() else {
        return;
    };
    let out = topoc(&repo, &["diff", "--git", "HEAD~1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let [cache_proxy, proxy_cache] = compose_lines();
    assert_eq!(
        stdout(&out),
        // Sorted by name: `shop-repo/` before `shop/`.
        format!("Connectivity diff:\n{cache_proxy}\n{proxy_cache}\n{WEB_DB}\n{WORKER}\n")
    );
    // An opened flow fails `--fail-on added`; nothing was closed.
    let added = topoc(&repo, &["diff", "--git", "HEAD~1", "--fail-on", "added"]);
    assert_eq!(added.status.code(), Some(1), "{}", stderr(&added));
    assert_eq!(stdout(&added), stdout(&out));
    let removed = topoc(&repo, &["diff", "--git", "HEAD~1", "--fail-on", "removed"]);
    assert_eq!(removed.status.code(), Some(0));
    let any = topoc(&repo, &["diff", "--git", "HEAD~1", "--fail-on", "any"]);
    assert_eq!(any.status.code(), Some(1));
    // Backwards every flow is closed.
    check_out(&repo, "v1");
    let back = topoc(&repo, &["diff", "--git", "HEAD", "--fail-on", "added"]);
    assert_eq!(back.status.code(), Some(0), "{}", stderr(&back));
    assert_eq!(stdout(&back).matches("diff-type: removed").count(), 4);
    assert!(stdout(&back).contains("workload shop/worker[Deployment] removed"));
    let back = topoc(&repo, &["diff", "--git", "HEAD", "--fail-on", "removed"]);
    assert_eq!(back.status.code(), Some(1));
}

#[test]
fn a_clean_tree_has_no_changes() {
    let Some((_tmp, repo)) = repository() else {
        return;
    };
    let out = topoc(&repo, &["diff", "--git", "HEAD", "--fail-on", "any"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    // The ignored file exists in the work tree but is read on neither side.
    assert!(repo.join("k8s/local.yaml").is_file());
    let json = topoc(&repo, &["diff", "--git", "HEAD", "--format", "json"]);
    assert_eq!(stdout(&json), "[]\n");
}

#[test]
fn paths_narrow_both_sides_from_any_directory() {
    let Some((_tmp, repo)) = repository() else {
        return;
    };
    // From the top level, one file.
    let out = topoc(&repo, &["diff", "--git", "HEAD~1", "compose.yaml"]);
    let [cache_proxy, proxy_cache] = compose_lines();
    assert_eq!(
        stdout(&out),
        format!("Connectivity diff:\n{cache_proxy}\n{proxy_cache}\n")
    );
    // From a subdirectory, `.` is that directory (as for git), and an
    // absolute path works the same.
    let k8s = repo.join("k8s");
    let want = format!("Connectivity diff:\n{WEB_DB}\n{WORKER}\n");
    assert_eq!(stdout(&topoc(&k8s, &["diff", "--git", "HEAD~1"])), want);
    let abs = k8s.display().to_string();
    assert_eq!(
        stdout(&topoc(&repo, &["diff", "--git", "HEAD~1", &abs])),
        want
    );
    // A file that exists on one side only: everything in it is added
    // (alone, without the policies, the worker is open both ways).
    let out = topoc(&k8s, &["diff", "--git", "HEAD~1", "worker.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let inbound = "diff-type: added, source: 0.0.0.0-255.255.255.255[External], \
         destination: shop/worker[Deployment], ref1: No Connections, ref2: All Connections, \
         workloads-diff-info: workload shop/worker[Deployment] added";
    assert_eq!(
        stdout(&out),
        format!("Connectivity diff:\n{inbound}\n{WORKER}\n")
    );
    // An untracked file of the work tree counts as the work tree does.
    std::fs::copy(repo.join("k8s/worker.yaml"), repo.join("k8s/worker2.yaml")).unwrap();
    let text = std::fs::read_to_string(repo.join("k8s/worker2.yaml")).unwrap();
    std::fs::write(
        repo.join("k8s/worker2.yaml"),
        text.replace("worker", "batch"),
    )
    .unwrap();
    let out = topoc(&k8s, &["diff", "--git", "HEAD"]);
    assert!(
        stdout(&out).contains("workload shop/batch[Deployment] added"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_input_and_usage_exit_2() {
    let Some((tmp, repo)) = repository() else {
        return;
    };
    let bad = topoc(&repo, &["diff", "--git", "no-such-rev"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("`no-such-rev` is not a commit"),
        "{}",
        stderr(&bad)
    );
    let outside = topoc(&repo, &["diff", "--git", "HEAD", ".."]);
    assert_eq!(outside.status.code(), Some(2));
    assert!(
        stderr(&outside).contains("outside the repository"),
        "{}",
        stderr(&outside)
    );
    let missing = topoc(&repo, &["diff", "--git", "HEAD", "nowhere/"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("exists neither"),
        "{}",
        stderr(&missing)
    );
    // Before the first commit, HEAD is an empty tree: every flow is added.
    let fresh = tmp.path().join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    git(&fresh, &["init", "-q"]);
    std::fs::copy(fixture("v1/compose.yaml"), fresh.join("compose.yaml")).unwrap();
    let first = topoc(&fresh, &["diff", "--git", "HEAD", "--fail-on", "added"]);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert!(
        stdout(&first).contains(
            "source: fresh/proxy[ComposeService], destination: fresh/app[ComposeService]"
        )
    );
    assert!(!stdout(&first).contains("removed"));
    let no_repo = topoc(tmp.path(), &["diff", "--git", "HEAD"]);
    assert_eq!(no_repo.status.code(), Some(2));
    assert!(
        stderr(&no_repo).contains("git working tree"),
        "{}",
        stderr(&no_repo)
    );
    // Invalid YAML at the revision is named `REV:path`; in the work tree,
    // by its path.
    std::fs::write(
        repo.join("k8s/broken.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: [x\n",
    )
    .unwrap();
    let out = topoc(
        &repo,
        &["diff", "--git", "HEAD", "--diagnostics", "concise"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("k8s/broken.yaml:"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("HEAD:"), "{}", stderr(&out));
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "broken"]);
    std::fs::remove_file(repo.join("k8s/broken.yaml")).unwrap();
    let out = topoc(
        &repo,
        &["diff", "--git", "HEAD", "--diagnostics", "concise"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("HEAD:k8s/broken.yaml:"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "", "nothing is printed for an invalid side");
}

#[test]
fn two_paths_or_two_sets() {
    let Some((_tmp, repo)) = repository() else {
        return;
    };
    let (v1, v2) = (fixture("v1"), fixture("v2"));
    let one = topoc(&repo, &["diff", &v1.display().to_string()]);
    assert_eq!(one.status.code(), Some(2));
    assert!(
        stderr(&one).contains("diff takes OLD and NEW"),
        "{}",
        stderr(&one)
    );
    // The same comparison, given as two paths and as `--old`/`--new` sets.
    let k8s = |v: &Path| v.join("k8s/policies.yaml").display().to_string();
    let shop = |v: &Path| v.join("k8s/shop.yaml").display().to_string();
    let pair = topoc(
        &repo,
        &[
            "diff",
            "--old",
            &k8s(&v1),
            "--old",
            &shop(&v1),
            "--new",
            &k8s(&v2),
            "--dir2",
            &shop(&v2),
        ],
    );
    assert_eq!(pair.status.code(), Some(0), "{}", stderr(&pair));
    assert_eq!(stdout(&pair), format!("Connectivity diff:\n{WEB_DB}\n"));
    let f = topoc(&repo, &["diff", "-f", "compose.yaml", "a", "b"]);
    assert_eq!(f.status.code(), Some(2));
}

#[test]
fn compose_files_and_git_excludes_apply_to_both_sides() {
    let Some((_tmp, repo)) = repository() else {
        return;
    };
    // `-f` names the same file on both sides.
    let out = topoc(&repo, &["diff", "--git", "HEAD~1", "-f", "compose.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let [cache_proxy, proxy_cache] = compose_lines();
    assert_eq!(
        stdout(&out),
        format!("Connectivity diff:\n{cache_proxy}\n{proxy_cache}\n")
    );
    // `.git/info/exclude` leaves the policies out of both sides: the pairs
    // they governed are open on both, so nothing is `changed` and the
    // loosened policy is no change at all; only the new worker shows.
    std::fs::write(repo.join(".git/info/exclude"), "policies.yaml\n").unwrap();
    let out = topoc(&repo, &["diff", "--git", "HEAD~1", "k8s"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains("changed") && !text.contains("removed"),
        "{text}"
    );
    assert!(
        !text.contains("source: shop/web[Deployment], destination: shop/db"),
        "{text}"
    );
    assert!(
        text.contains("workload shop/worker[Deployment] added"),
        "{text}"
    );
    // `--exclude` is relative to the working directory on both sides.
    let out = topoc(
        &repo,
        &[
            "diff",
            "--git",
            "HEAD~1",
            "--exclude",
            "k8s/",
            "--fail-on",
            "any",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!("Connectivity diff:\n{cache_proxy}\n{proxy_cache}\n")
    );
}
