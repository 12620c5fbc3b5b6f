//! The suite half: which projects to verify, how to get their IR, expected
//! matrix and ruleset from `topoc`, how to run a world, and the verdict.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::expect::Expectation;
use crate::generate::{self, Flavor};
use crate::model::{self, Topology};
use crate::plan::{self, Built};
use crate::proc_util::run;
use crate::ruleset;
use crate::world::WorldResult;

const TOPOC: &str = env!("CARGO_BIN_EXE_topoc");
const TOPOC_LIMIT: Duration = Duration::from_secs(60);
/// A world that has not finished by then is killed (its PID namespace with it).
const WORLD_LIMIT: Duration = Duration::from_secs(90);
/// Mutation runs try at most this many elements before declaring the
/// mutation undetected.
const MUTATION_TRIES: usize = 3;

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
    /// Also run the mutation check on this case's ruleset.
    mutate: bool,
}

/// One finished case, as printed.
#[derive(Default)]
pub struct Outcome {
    pub failures: Vec<String>,
    /// True when topoc cannot emit nft yet and only the plumbing was checked.
    pub pending: Option<String>,
}

pub struct Prepared {
    topo: Topology,
    expected: Expectation,
    ruleset: Option<String>,
    pending: Option<String>,
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
        let mutate = std::env::var("TOPOC_DATAPLANE_MUTATE").as_deref() == Ok("1");
        return Ok(vec![Case {
            name: format!("project:{}", dir.display()),
            dir,
            truth: Truth::Topoc,
            mutate,
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
    }];
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&samples)
        .map_err(|e| format!("{}: {e}", samples.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_compose_dir(p))
        .collect();
    dirs.sort();
    for (i, dir) in dirs.into_iter().enumerate() {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // One real ruleset is mutated: the first sample's.
        out.push(Case {
            name: format!("sample:{name}"),
            dir,
            truth: Truth::Topoc,
            mutate: i == 0,
        });
    }
    for (seed, flavor) in [
        (11u64, Flavor::Isolate),
        (23, Flavor::Internal),
        (37, Flavor::DefaultDeny),
    ] {
        let name = format!("gen{seed}");
        let dir = write_project(scratch, &name, &generate::compose(&name, seed, flavor))?;
        out.push(Case {
            name: format!("generated:{name}:{flavor:?}"),
            dir,
            truth: Truth::Topoc,
            mutate: false,
        });
    }
    Ok(out)
}

/// True when topoc says it has no such subcommand or target yet (the kube
/// and emit branches have not landed): the case then checks plumbing only.
fn not_implemented(stderr: &str) -> bool {
    stderr.contains("unrecognized subcommand") || stderr.contains("invalid value 'nft'")
}

fn topoc(args: &[&str]) -> Result<Result<String, String>, String> {
    let r = run(TOPOC, args, None, TOPOC_LIMIT)?;
    if r.ok() {
        Ok(Ok(r.stdout))
    } else if not_implemented(&r.stderr) {
        Ok(Err(r.stderr.lines().next().unwrap_or("").to_string()))
    } else {
        Err(format!(
            "`topoc {}` exited {:?}:\n{}",
            args.join(" "),
            r.code,
            r.stderr.trim()
        ))
    }
}

fn prepare(case: &Case) -> Result<Prepared, String> {
    let dir = case.dir.to_string_lossy().into_owned();
    let ir = topoc(&["ir", &dir, "--format", "json"])?.map_err(|e| format!("topoc ir: {e}"))?;
    let topo = model::from_ir_json(&ir)?;
    match &case.truth {
        Truth::Fixed { ruleset, expected } => Ok(Prepared {
            expected: Expectation::from_connectivity_json(expected)?,
            ruleset: Some(ruleset.clone()),
            topo,
            pending: None,
        }),
        Truth::Topoc => {
            let conn = topoc(&["connectivity", &dir, "--format", "json"])?;
            let nft = topoc(&["compile", &dir, "--to", "nft"])?;
            match (conn, nft) {
                (Ok(conn), Ok(nft)) => Ok(Prepared {
                    expected: Expectation::from_connectivity_json(&conn)?,
                    ruleset: Some(nft),
                    topo,
                    pending: None,
                }),
                (conn, nft) => {
                    let why = [conn.err(), nft.err()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join("; ");
                    Ok(Prepared {
                        expected: Expectation::open_world(&topo),
                        ruleset: None,
                        topo,
                        pending: Some(why),
                    })
                }
            }
        }
    }
}

/// Re-executes this binary as PID 1 of a fresh net+mount+pid namespace.
fn run_world(work: &Path, built: &Built, ruleset: Option<&str>) -> Result<WorldResult, String> {
    let mut plan = built.plan.clone();
    if let Some(text) = ruleset {
        let path = work.join("ruleset.nft");
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        plan.ruleset = Some(path.to_string_lossy().into_owned());
    }
    let plan_path = work.join("plan.json");
    let result_path = work.join("result.json");
    let _ = std::fs::remove_file(&result_path);
    let text = serde_json::to_string(&plan).map_err(|e| e.to_string())?;
    std::fs::write(&plan_path, text).map_err(|e| format!("{}: {e}", plan_path.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let exe = exe.to_string_lossy();
    let (p, r) = (plan_path.to_string_lossy(), result_path.to_string_lossy());
    let args = [
        "--net",
        "--mount",
        "--pid",
        "--fork",
        "--mount-proc",
        "--propagation",
        "private",
        "--kill-child=SIGKILL",
        &exe,
        "--world",
        &p,
        &r,
    ];
    let ran = run("unshare", &args, None, WORLD_LIMIT)?;
    let text = std::fs::read_to_string(&result_path).map_err(|_| {
        format!(
            "world wrote no result (exit {:?}): {}",
            ran.code,
            ran.stderr.trim()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("world result: {e}"))
}

/// Mismatch lines (`src -> dst port/proto: expected X, got Y`), one per
/// matrix cell; a cell is reachable when any probe of it answered.
fn compare(built: &Built, expected: &Expectation, observed: &[bool]) -> Vec<String> {
    let mut cells: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for (key, &ok) in built.keys.iter().zip(observed) {
        let cell = cells
            .entry(key.label())
            .or_insert((key.expected(expected), false));
        cell.1 |= ok;
    }
    let word = |b: bool| if b { "allow" } else { "deny" };
    cells
        .into_iter()
        .filter(|(_, (want, got))| want != got)
        .map(|(label, (want, got))| format!("{label}: expected {}, got {}", word(want), word(got)))
        .collect()
}

fn timings(r: &WorldResult) -> String {
    r.timings
        .iter()
        .map(|(k, v)| format!("{k} {v:.2}s"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One world: returns the mismatches, or Err for a broken world.
fn verify(
    work: &Path,
    built: &Built,
    p: &Prepared,
    ruleset: Option<&str>,
) -> Result<Vec<String>, String> {
    let r = run_world(work, built, ruleset)?;
    if !r.errors.is_empty() {
        return Err(r.errors.join("\n"));
    }
    if r.observed.len() != built.keys.len() {
        return Err(format!(
            "world returned {} results for {} probes",
            r.observed.len(),
            built.keys.len()
        ));
    }
    let allowed = r.observed.iter().filter(|&&b| b).count();
    println!(
        "    world: {} probes ({allowed} answered, {} retried); {}",
        r.observed.len(),
        r.retried,
        timings(&r)
    );
    let mut out = compare(built, &p.expected, &r.observed);
    if ruleset.is_some() && !r.optimize_hints.is_empty() {
        out.push(format!(
            "`nft -c -o -f` suggests merges (design §8 wants none):\n{}",
            r.optimize_hints
        ));
    }
    Ok(out)
}

pub fn run_case(case: &Case, scratch: &Path) -> Outcome {
    let mut o = Outcome::default();
    let t = Instant::now();
    let p = match prepare(case) {
        Ok(p) => p,
        Err(e) => {
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
    match verify(&work, &built, &p, p.ruleset.as_deref()) {
        Ok(m) => o.failures.extend(m),
        Err(e) => o.failures.push(e),
    }
    if let Some(text) = p
        .ruleset
        .as_deref()
        .filter(|_| case.mutate && o.failures.is_empty())
    {
        mutation(&work, &built, &p, text, &mut o);
    }
    o
}

/// Flip one accept element of the flows map to drop: the same run must now
/// report mismatches. Tries up to MUTATION_TRIES elements, since an element
/// may cover only flows no probe exercises.
fn mutation(work: &Path, built: &Built, p: &Prepared, text: &str, o: &mut Outcome) {
    let n = ruleset::flippable(text);
    if n == 0 {
        o.failures
            .push("mutation: the ruleset has no `accept` element in `map flows`".into());
        return;
    }
    for nth in 0..n.min(MUTATION_TRIES) {
        let Some(mutated) = ruleset::flip(text, nth) else {
            break;
        };
        match verify(work, built, p, Some(&mutated)) {
            Ok(m) if !m.is_empty() => {
                println!(
                    "    mutation: flipping accept element #{nth} to drop is detected ({} mismatches):",
                    m.len()
                );
                for line in m.iter().take(3) {
                    println!("      {line}");
                }
                return;
            }
            Ok(_) => {
                println!("    mutation: element #{nth} flipped, no probe noticed; trying the next")
            }
            Err(e) => {
                o.failures.push(format!("mutation #{nth}: {e}"));
                return;
            }
        }
    }
    o.failures.push(format!(
        "mutation: flipping any of the first {} elements went unnoticed",
        n.min(MUTATION_TRIES)
    ));
}
