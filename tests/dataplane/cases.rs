//! The suite half: which projects to verify, and how to get their IR,
//! expected matrix and ruleset from `topoc`. Running worlds and judging them
//! is verify.rs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::expect::Expectation;
use crate::generate::{self, Flavor};
use crate::model::{self, Topology};
use crate::plan;
use crate::proc_util::run;
use crate::ruleset;
use crate::verify;

const TOPOC: &str = env!("CARGO_BIN_EXE_topoc");
const TOPOC_LIMIT: Duration = Duration::from_secs(60);

/// Where a case's expected matrix and ruleset come from.
enum Truth {
    /// Hand-written (self-test).
    Fixed { ruleset: String, expected: String },
    /// `topoc connectivity` and `topoc compile --to nft`.
    Topoc,
}

pub struct Case {
    pub name: String,
    dir: PathBuf,
    truth: Truth,
    /// Always run the mutation check on this case's ruleset.
    pub mutate: bool,
    /// A sample of the repository: error-level findings make it skipped
    /// (samples such as broken-compose carry planted faults on purpose).
    pub sample: bool,
}

/// One finished case, as printed.
#[derive(Default)]
pub struct Outcome {
    pub failures: Vec<String>,
    /// Set when topoc cannot emit nft yet and only the plumbing was checked.
    pub pending: Option<String>,
    /// Set when the case could not be verified for an accepted reason.
    pub skipped: Option<String>,
    /// The mutation check ran on a ruleset emitted by topoc.
    pub mutated_emitted: bool,
}

pub struct Prepared {
    pub topo: Topology,
    pub expected: Expectation,
    pub ruleset: Option<String>,
    pub pending: Option<String>,
}

/// Why a case could not be prepared.
enum Prep {
    /// Error-level findings: `topoc check`/`compile` exit 1.
    Findings(String),
    Failed(String),
}

impl From<String> for Prep {
    fn from(s: String) -> Prep {
        Prep::Failed(s)
    }
}

fn write_project(root: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("compose.yaml"), text)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn is_compose_dir(dir: &Path) -> bool {
    [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
    ]
    .iter()
    .any(|f| dir.join(f).is_file())
}

/// The cases of this run: `TOPOC_DATAPLANE_PROJECT` alone when set, else the
/// self-test, every Compose sample and three generated projects.
pub fn cases(scratch: &Path) -> Result<Vec<Case>, String> {
    if let Some(dir) = std::env::var_os("TOPOC_DATAPLANE_PROJECT") {
        let dir = PathBuf::from(dir);
        if !dir.is_dir() {
            return Err(format!(
                "TOPOC_DATAPLANE_PROJECT={} is not a directory",
                dir.display()
            ));
        }
        return Ok(vec![Case {
            name: format!("project:{}", dir.display()),
            dir,
            truth: Truth::Topoc,
            mutate: std::env::var("TOPOC_DATAPLANE_MUTATE").as_deref() == Ok("1"),
            sample: false,
        }]);
    }
    let mut out = vec![Case {
        name: "selftest".into(),
        dir: write_project(scratch, "selftest", ruleset::SELFTEST_COMPOSE)?,
        truth: Truth::Fixed {
            ruleset: ruleset::SELFTEST_RULESET.into(),
            expected: ruleset::SELFTEST_EXPECTED.into(),
        },
        mutate: true,
        sample: false,
    }];
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&samples)
        .map_err(|e| format!("{}: {e}", samples.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_compose_dir(p))
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(Case {
            name: format!("sample:{name}"),
            dir,
            truth: Truth::Topoc,
            mutate: false,
            sample: true,
        });
    }
    let mut seeds = vec![
        (11u64, Flavor::Isolate),
        (23, Flavor::Internal),
        (37, Flavor::DefaultDeny),
    ];
    // Soak: TOPOC_DATAPLANE_EXTRA_SEEDS=N adds N more seeds per flavor
    // (bounded: at most 50).
    let extra: u64 = std::env::var("TOPOC_DATAPLANE_EXTRA_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(50);
    for seed in 1000..1000 + extra {
        for flavor in [Flavor::Isolate, Flavor::Internal, Flavor::DefaultDeny] {
            seeds.push((seed, flavor));
        }
    }
    for (seed, flavor) in seeds {
        let name = format!("gen{seed}{}", format!("{flavor:?}").to_lowercase());
        let dir = write_project(scratch, &name, &generate::compose(&name, seed, flavor))?;
        out.push(Case {
            name: format!("generated:{name}:{flavor:?}"),
            dir,
            truth: Truth::Topoc,
            mutate: false,
            sample: false,
        });
    }
    Ok(out)
}

/// What one `topoc` invocation gave.
enum Topoc {
    Out(String),
    /// No such subcommand or target yet (kube/emit not landed).
    Missing(String),
    /// Exit 1: error-level findings (the last lines of the report).
    Findings(String),
}

fn topoc(args: &[&str]) -> Result<Topoc, String> {
    let r = run(TOPOC, args, None, TOPOC_LIMIT)?;
    let first = || r.stderr.lines().next().unwrap_or("").to_string();
    if r.ok() {
        Ok(Topoc::Out(r.stdout))
    } else if r.stderr.contains("unrecognized subcommand")
        || r.stderr.contains("invalid value 'nft'")
    {
        Ok(Topoc::Missing(first()))
    } else if r.code == Some(1) {
        // The summary line ("8 errors, …") ends the report, which `check`
        // writes to stdout and `compile` to stderr.
        let report = if r.stdout.trim().is_empty() {
            &r.stderr
        } else {
            &r.stdout
        };
        let tail: Vec<&str> = report.lines().rev().take(1).collect();
        Ok(Topoc::Findings(
            tail.into_iter().rev().collect::<Vec<_>>().join(" / "),
        ))
    } else {
        Err(format!(
            "`topoc {}` exited {:?}:\n{}",
            args.join(" "),
            r.code,
            r.stderr.trim()
        ))
    }
}

fn prepare(case: &Case) -> Result<Prepared, Prep> {
    let dir = case.dir.to_string_lossy().into_owned();
    let topo = match topoc(&["ir", &dir, "--format", "json"])? {
        Topoc::Out(ir) => model::from_ir_json(&ir)?,
        Topoc::Missing(e) | Topoc::Findings(e) => {
            return Err(Prep::Failed(format!("topoc ir: {e}")));
        }
    };
    // `compile` runs the checks first and refuses on errors (design §8);
    // asking `check` too gives the same gate before the emitter exists, so a
    // project with planted faults (overlapping subnets, addresses outside
    // them) never reaches a world.
    if let Topoc::Findings(e) = topoc(&["check", &dir, "--format", "concise"])? {
        return Err(Prep::Findings(e));
    }
    let (expected, nft) = match &case.truth {
        Truth::Fixed { ruleset, expected } => {
            return Ok(Prepared {
                expected: Expectation::from_connectivity_json(expected)?,
                ruleset: Some(ruleset.clone()),
                topo,
                pending: None,
            });
        }
        Truth::Topoc => (
            topoc(&["connectivity", &dir, "--format", "json"])?,
            topoc(&["compile", &dir, "--to", "nft"])?,
        ),
    };
    match (expected, nft) {
        (Topoc::Out(conn), Topoc::Out(nft)) => Ok(Prepared {
            expected: Expectation::from_connectivity_json(&conn)?,
            ruleset: Some(nft),
            topo,
            pending: None,
        }),
        (Topoc::Findings(e), _) | (_, Topoc::Findings(e)) => Err(Prep::Findings(e)),
        (conn, nft) => {
            let why: Vec<String> = [conn, nft]
                .into_iter()
                .filter_map(|t| {
                    if let Topoc::Missing(m) = t {
                        Some(m)
                    } else {
                        None
                    }
                })
                .collect();
            Ok(Prepared {
                expected: Expectation::open_world(&topo),
                ruleset: None,
                topo,
                pending: Some(why.join("; ")),
            })
        }
    }
}

/// Runs one case; `mutate` adds the mutation check on its ruleset.
pub fn run_case(case: &Case, scratch: &Path, mutate: bool) -> Outcome {
    let mut o = Outcome::default();
    let t = Instant::now();
    let p = match prepare(case) {
        Ok(p) => p,
        Err(Prep::Findings(e)) if case.sample => {
            o.skipped = Some(format!("`topoc check` reports error-level findings: {e}"));
            return o;
        }
        Err(Prep::Findings(e)) => {
            o.failures
                .push(format!("error-level findings, not compilable: {e}"));
            return o;
        }
        Err(Prep::Failed(e)) => {
            o.failures.push(e);
            return o;
        }
    };
    let built = match plan::build(&p.topo, None) {
        Ok(b) => b,
        Err(e) => {
            o.failures.push(format!("plan: {e}"));
            return o;
        }
    };
    println!(
        "    {} networks, {} workloads, {} publications; topoc {:.2}s",
        p.topo.networks.len(),
        p.topo.workloads.len(),
        p.topo.publications.len(),
        t.elapsed().as_secs_f64()
    );
    for n in &built.notes {
        println!("    note: {n}");
    }
    if let Some(why) = &p.pending {
        println!("    PENDING: {why}; checking the plumbing against an open world (no ruleset)");
        o.pending = Some(why.clone());
    }
    let work = scratch.join(format!("world-{}", case.name.replace(['/', ':'], "_")));
    if let Err(e) = std::fs::create_dir_all(&work) {
        o.failures.push(format!("{}: {e}", work.display()));
        return o;
    }
    match verify::verify(&work, &built, &p.expected, p.ruleset.as_deref()) {
        Ok(m) => o.failures.extend(m),
        Err(e) => o.failures.push(e),
    }
    if let Some(text) = p
        .ruleset
        .as_deref()
        .filter(|_| mutate && o.failures.is_empty())
    {
        if let Err(e) = verify::mutation(&work, &built, &p.expected, text) {
            o.failures.push(e);
        }
        o.mutated_emitted = matches!(case.truth, Truth::Topoc);
    }
    o
}
