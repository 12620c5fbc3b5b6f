//! Discovery and the project model on a repository as topoc meets it in the
//! wild (issue 10): `tests/fixtures/repo` (its README lists each case), the
//! walk's conventions (ignore files, excludes, hidden directories, FIFOs,
//! link loops, unreadable directories), Helm charts with and without `helm`
//! (a stand-in `helm` script: no helm package is installable here), and
//! repeatable `--env-file`.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use support::root;

const REPO: &str = "tests/fixtures/repo";

/// Run topoc from the project root with PATH limited to `path` (so no
/// `helm` is found unless a test puts one there).
fn topoc_in(dir: &Path, path: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .unwrap()
}

fn no_helm() -> String {
    let empty = root().join("target/discovery-empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    empty.display().to_string()
}

fn topoc(args: &[&str]) -> Output {
    topoc_in(&root(), &no_helm(), args)
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// `(rule, file)` of every diagnostic.
fn findings(v: &Value) -> BTreeSet<(String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(r, f)| (r.to_string(), format!("{REPO}/{f}")))
        .collect()
}

#[test]
fn fixture_repository_is_read_as_docker_compose_and_kubectl_would() {
    let o = topoc(&["check", "--format", "json", REPO]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let v = json(&o);
    // No host-port conflict between the alternatives of the root stack or
    // between the two `app` projects; nothing from build/ (gitignored) or
    // legacy/ (excluded by topoc.yaml); the hidden .devcontainer is checked;
    // no YAML error from the chart, the CI files or the broken JSON.
    assert_eq!(
        findings(&v),
        set(&[
            ("chart-not-rendered", "chart/Chart.yaml"),
            ("internal-service-published", ".devcontainer/compose.yaml"),
            // deploy/ is a kustomization: built, its object checked as it
            // builds it (namePrefix `prod-`), once, at the base object.
            ("workload-not-isolated", "deploy/deployment.yaml"),
            ("compose-file-ignored", "docker-compose.yml"),
        ])
    );
    let chart = &v["diagnostics"][0];
    assert!(
        chart["help"]
            .as_str()
            .unwrap()
            .contains("helm template chart tests/fixtures/repo/chart | topoc check -"),
        "{chart}"
    );
    // topoc.yaml is configuration, not an input.
    let summary = &v["summary"];
    assert_eq!(summary["errors"], 0, "{summary}");

    // Verbose output lists each skipped file once, with the exit code unchanged.
    let o = topoc(&["check", "--format", "json", "-v", "--fail-on", "info", REPO]);
    let skipped: BTreeSet<String> = json(&o)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "skipped-file")
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = [
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        "data/ratings.json",
    ]
    .iter()
    .map(|f| format!("{REPO}/{f}"))
    .collect();
    assert_eq!(skipped, expected);
    // `--fail-on info` fails on the workload-not-isolated info, not on skips.
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn every_project_is_its_own_world_with_unique_ids() {
    let o = topoc(&["ir", REPO]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ir = json(&o);
    let ids: Vec<&str> = ir["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    let expected = [
        // topoc.yaml's declared project: base.yaml + prod.yaml, one project.
        "stacks/api",
        "devcontainer/dev",
        "devcontainer/db",
        // Two directories named `app`: told apart by their file.
        "app@one/app/compose.yaml/web",
        "app@two/app/compose.yaml/web",
        // The canonical project keeps the directory's name.
        "repo/web",
        "repo/db",
        // compose.full.yaml completes the canonical project (-f layer).
        "repo@compose.full.yaml/web",
        "repo@compose.full.yaml/db",
        "repo@compose.full.yaml/worker",
        // docker-stack.yml stands alone.
        "repo@docker-stack.yml/web",
        // Kubernetes objects of the walk form one cluster; deploy/'s
        // kustomization names its Deployment `prod-api`.
        "default/prod-api",
    ];
    assert_eq!(ids, expected);
    // The override patched the canonical `web` (and only it).
    let published: BTreeSet<(String, u64)> = ir["publications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["workload"].as_str().unwrap().to_string(),
                p["host_port_start"].as_u64().unwrap(),
            )
        })
        .filter(|(w, _)| w.starts_with("repo"))
        .collect();
    let expected: BTreeSet<(String, u64)> = [
        ("repo/web", 8080),
        ("repo/web", 8443),
        ("repo@compose.full.yaml/web", 8080),
        ("repo@docker-stack.yml/web", 8080),
    ]
    .iter()
    .map(|(w, p)| (w.to_string(), *p))
    .collect();
    assert_eq!(published, expected);

    // No flow crosses projects, not even between variants of one directory.
    let o = topoc(&["connectivity", "--format", "json", REPO]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let conn: Value = serde_json::from_str(&text).unwrap();
    let ns = |s: &str| s.rsplit_once('/').map(|(n, _)| n.to_string());
    let mut pairs = 0;
    for c in conn.as_array().unwrap() {
        let (src, dst) = (c["src"].as_str().unwrap(), c["dst"].as_str().unwrap());
        if !src.contains("[External]") && !dst.contains("[External]") {
            pairs += 1;
            assert_eq!(ns(src), ns(dst), "{src} => {dst}");
        }
    }
    assert!(pairs >= 10, "{text}");
}

#[test]
fn ignore_files_excludes_and_no_ignore() {
    // Without the ignore files, build/compose.yaml (broken) is read: exit 2.
    let o = topoc(&["check", "--format", "concise", "--no-ignore", REPO]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("repo/build/compose.yaml:") && out.contains("TOPO001"),
        "{out}"
    );
    // --exclude (relative to the working directory) leaves it out again, and
    // the two `app` projects with it; alone, each `app` keeps its plain name.
    let o = topoc(&[
        "check",
        "--format",
        "concise",
        "--no-ignore",
        "--exclude",
        "build/",
        "--exclude",
        "tests/fixtures/repo/apps/two",
        REPO,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = topoc(&["ir", "--exclude", "tests/fixtures/repo/apps/two", REPO]);
    let ir = json(&o);
    let ids: Vec<&str> = ir["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"app/web"), "{ids:?}");
}

#[test]
fn nothing_checked_is_not_silent() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().display().to_string();
    let o = topoc(&["check", "--format", "concise", &dir]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("warning[TOPO023/no-input]") && out.contains(&dir),
        "{out}"
    );
    let missing = t.path().join("typo").display().to_string();
    let o = topoc(&["check", "--format", "concise", &missing]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("no such file or directory"), "{out}");
    // A CI file named explicitly is still not Compose.
    let o = topoc(&[
        "check",
        "--format",
        "concise",
        &format!("{REPO}/.gitlab-ci.yml"),
    ]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("unrecognized-document"), "{out}");
}

/// A stand-in for helm: prints what `helm template NAME DIR` would, or fails.
fn fake_helm(dir: &Path, script: &str) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helm = bin.join("helm");
    std::fs::write(&helm, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!("{}:/usr/bin:/bin", bin.display())
}

#[cfg(unix)]
#[test]
fn charts_render_through_helm_and_findings_name_the_template() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("r");
    std::fs::create_dir_all(repo.join("chart/templates")).unwrap();
    std::fs::write(
        repo.join("chart/Chart.yaml"),
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(repo.join("chart/templates/service.yaml"), "{{ broken\n").unwrap();
    let rendered = "---\n# Source: web/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: chart-web\nspec:\n  selector:\n    app: nothing\n  ports:\n    - port: 80\n---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chart-web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx\n";
    std::fs::write(t.path().join("rendered.yaml"), rendered).unwrap();
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = template ] && [ \"$2\" = chart ] || exit 9\ncat {}\n",
        t.path().join("rendered.yaml").display()
    );
    let path = fake_helm(t.path(), &script);
    let o = topoc_in(&repo, &path, &["check", "--format", "concise", "."]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("chart/templates/service.yaml:")
            && out.contains("TOPO306/service-selects-nothing"),
        "{out}"
    );
    assert!(!out.contains("chart-not-rendered"), "{out}");

    // helm output that does not parse: warnings, never exit 2.
    std::fs::write(
        t.path().join("rendered.yaml"),
        "# Source: web/templates/x.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: [\n",
    )
    .unwrap();
    let o = topoc_in(&repo, &path, &["check", "--format", "concise", "."]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("chart/templates/x.yaml:") && out.contains("warning[TOPO001"),
        "{out}"
    );

    // A failing helm: one warning with its message.
    let path = fake_helm(
        t.path(),
        "#!/bin/sh\necho 'Error: values missing' >&2\nexit 1\n",
    );
    let o = topoc_in(&repo, &path, &["check", "--format", "concise", "."]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("chart-not-rendered") && out.contains("Error: values missing"),
        "{out}"
    );
    // A template named on the command line belongs to its chart.
    let o = topoc_in(
        &repo,
        &no_helm(),
        &[
            "check",
            "--format",
            "concise",
            "chart/templates/service.yaml",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("chart-not-rendered"), "{out}");
    // The chart is the input: no second warning that nothing was found.
    assert!(!out.contains("no-input"), "{out}");
}

#[cfg(unix)]
#[test]
fn the_walk_never_opens_fifos_or_loops_through_links() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::create_dir_all(d.join("x")).unwrap();
    std::fs::copy(
        root().join("samples/ecommerce/compose.yaml"),
        d.join("x/compose.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", d.join("x/a")).unwrap();
    std::os::unix::fs::symlink("..", d.join("x/b")).unwrap();
    let made = Command::new("mkfifo")
        .arg(d.join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    let start = std::time::Instant::now();
    let o = topoc_in(d, &no_helm(), &["check", "--format", "concise", "."]);
    assert!(start.elapsed().as_secs() < 20);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("in 1 file"), "{out}");
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_is_reported_there_and_the_walk_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("p");
    for sub in ["aa", "zz"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
        std::fs::copy(
            root().join("samples/ecommerce/compose.yaml"),
            d.join(sub).join("compose.yaml"),
        )
        .unwrap();
    }
    std::fs::set_permissions(d.join("aa"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable =
        |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    readable(t.path());
    readable(&d);
    let bin = env!("CARGO_BIN_EXE_topoc");
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut cmd = if is_root {
        // root reads everything: drop to `nobody` to see the refusal.
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", bin]);
        c
    } else {
        Command::new(bin)
    };
    let o = cmd
        .args(["check", "--format", "concise", "p"])
        .current_dir(t.path())
        .output();
    readable(&d.join("aa"));
    let Ok(o) = o else {
        println!("skipped: setpriv is not available");
        return;
    };
    if is_root && String::from_utf8_lossy(&o.stderr).contains("setpriv") {
        println!("skipped: setpriv cannot drop privileges here");
        return;
    }
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("p/aa:1:1: error[TOPO006/unreadable-file] p/aa: cannot read directory"),
        "{out}"
    );
    assert!(
        out.contains("in 1 file"),
        "the walk went on to p/zz:\n{out}"
    );
}

#[test]
fn env_files_repeat_and_later_files_win() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    ports: [\"${PORT}:80\"]\n",
    )
    .unwrap();
    std::fs::write(d.join("a.env"), "PORT=8081\n").unwrap();
    std::fs::write(d.join("b.env"), "PORT=8082\n").unwrap();
    let o = topoc_in(
        d,
        &no_helm(),
        &["ir", "--env-file", "a.env", "--env-file", "b.env", "."],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ir = json(&o);
    assert_eq!(ir["publications"][0]["host_port_start"], 8082, "{ir}");
}

#[test]
fn walk_found_files_that_look_like_topology_still_fail_when_malformed() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(d.join("notes.yaml"), "title: [unclosed\n").unwrap();
    let o = topoc_in(d, &no_helm(), &["check", "--format", "concise", "."]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    std::fs::write(
        d.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n",
    )
    .unwrap();
    let o = topoc_in(d, &no_helm(), &["check", "--format", "concise", "."]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("pod.yaml:") && !out.contains("notes.yaml"),
        "{out}"
    );
}
