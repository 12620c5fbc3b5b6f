//! Running one world and judging it: the observed matrix against the
//! expectation, and the mutation check (a flipped verdict must be noticed).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::expect::Expectation;
use crate::plan::Built;
use crate::proc_util::run;
use crate::ruleset;
use crate::world::WorldResult;

/// A world that has not finished by then is killed (its PID namespace with it).
const WORLD_LIMIT: Duration = Duration::from_secs(90);
/// Mutation runs try at most this many elements before declaring the
/// mutation undetected (an element may cover only flows no probe exercises).
const MUTATION_TRIES: usize = 4;

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
    if std::env::var("TOPOC_DATAPLANE_VERBOSE").as_deref() == Ok("1") {
        for (label, (want, got)) in &cells {
            println!(
                "      cell {label}: expected {}, got {}",
                word(*want),
                word(*got)
            );
        }
    }
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
pub fn verify(
    work: &Path,
    built: &Built,
    expected: &Expectation,
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
    let mut out = compare(built, expected, &r.observed);
    if ruleset.is_some() && !r.optimize_hints.is_empty() {
        out.push(format!(
            "`nft -c -o -f` suggests merges (design §8 wants none):\n{}",
            r.optimize_hints
        ));
    }
    Ok(out)
}

/// Flip one accept (a group rule, or an element of the `flows`,
/// `from_outside` or `to_outside` map) to drop: the same run must now report
/// mismatches. Tries up to MUTATION_TRIES of them, since one may cover only
/// flows no probe exercises.
pub fn mutation(
    work: &Path,
    built: &Built,
    expected: &Expectation,
    text: &str,
) -> Result<(), String> {
    let n = ruleset::flippable(text);
    if n == 0 {
        return Err(
            "mutation: the ruleset has no group rule or verdict-map element that accepts".into(),
        );
    }
    // Only elements some probe's packet can hit: flipping one no probe
    // exercises (SCTP, an external range without the outside address)
    // proves nothing.
    let candidates: Vec<usize> = (0..n)
        .filter(|&i| {
            ruleset::site(text, i).is_some_and(|k| built.keys.iter().any(|pk| k.covers(pk)))
        })
        .take(MUTATION_TRIES)
        .collect();
    for &nth in &candidates {
        let Some(mutated) = ruleset::flip(text, nth) else {
            break;
        };
        match verify(work, built, expected, Some(&mutated)) {
            Ok(m) if !m.is_empty() => {
                println!(
                    "    mutation: accept element #{nth} flipped to drop is detected ({} mismatches):",
                    m.len()
                );
                for line in m.iter().take(3) {
                    println!("      {line}");
                }
                return Ok(());
            }
            Ok(_) => {
                println!("    mutation: element #{nth} flipped, no probe noticed; trying the next")
            }
            Err(e) => return Err(format!("mutation #{nth}: {e}")),
        }
    }
    Err(format!(
        "mutation: flipping elements {candidates:?} of {n} went unnoticed: the run cannot fail"
    ))
}
