//! The fuzz target's pipeline (`fuzz/src/pipeline.rs`) under the stable
//! toolchain: every corpus file is replayed, then mutated, within a bounded
//! time (`TOPOC_FUZZ_SECONDS`, default 10, 60 in CI, replay included). libFuzzer with
//! coverage feedback runs the same function for longer; see fuzz/README.md.
//!
//! A failure names the input it saved and the seed to reproduce it:
//! `TOPOC_FUZZ_SEED=<seed> cargo test --test fuzz`.

#[path = "../fuzz/src/pipeline.rs"]
mod pipeline;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Mutants larger than this are cut: time goes to variety, not size.
const MAX_INPUT: usize = 64 * 1024;
/// One execution slower than this is a defect (a hang, in the making).
const SLOW: Duration = Duration::from_secs(20);

const TOKENS: &[&str] = &[
    "${",
    "}",
    "$$",
    "${X:-",
    "${X:?",
    "&a ",
    "*a",
    "<<: *a",
    "---\n",
    "\n  ",
    "\n    - ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "!reset ",
    "!override ",
    "!!str ",
    "#",
    "\r",
    "\t",
    "\u{0}",
    "é",
    "\u{202e}",
    "0",
    "65535",
    "65536",
    "-1",
    "0:0",
    "80:80",
    "\"0:80\"",
    "1-65535",
    "/udp",
    "127.0.0.1:",
    "::",
    "10.0.0.0/33",
    "services:\n",
    "networks:\n",
    "ports:\n",
    "environment:\n",
    "extends: ",
    "include:\n",
    "network_mode: ",
    "service:",
    "host",
    "depends_on:\n",
    "x-topoc:\n",
    "apiVersion: v1\n",
    "kind: ",
    "NetworkPolicy",
    "Service",
    "Deployment",
    "podSelector: {}\n",
    "ipBlock:\n",
    "cidr: ",
    "except:\n",
    "namespaceSelector:",
    "matchLabels:",
    "policyTypes: [Egress]\n",
    "targetPort: ",
    "name: ",
    "image: ",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            collect(&p, out);
        } else if meta.is_file() && meta.len() <= MAX_INPUT as u64 {
            out.push(p);
        }
    }
}

/// The committed corpus, the samples and fixtures, and (when present) the
/// shared field cases.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut paths = Vec::new();
    collect(&root().join("fuzz/corpus/pipeline"), &mut paths);
    let corpus_files = paths.len();
    for dir in ["samples", "tests/fixtures"] {
        collect(&root().join(dir), &mut paths);
    }
    collect(&root().join("../shared/corpus/field-cases"), &mut paths);
    assert!(corpus_files > 0, "fuzz/corpus/pipeline is empty");
    paths
        .into_iter()
        .filter(|p| {
            p.starts_with(root().join("fuzz/corpus"))
                || matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
        })
        .filter_map(|p| Some((p.display().to_string(), std::fs::read(&p).ok()?)))
        .collect()
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, pool: &[(String, Vec<u8>)]) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                input.insert(i, rng.next() as u8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = (1 + rng.below(16)).min(len - i);
                input.drain(i..i + n);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = (1 + rng.below(64)).min(len - i);
                let chunk = input[i..i + n].to_vec();
                let at = rng.below(input.len() + 1);
                input.splice(at..at, chunk);
            }
            4 | 5 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let at = rng.below(len + 1);
                input.splice(at..at, t.iter().copied());
            }
            _ => {
                let other = &pool[rng.below(pool.len())].1;
                if !other.is_empty() {
                    let i = rng.below(other.len());
                    let n = (1 + rng.below(256)).min(other.len() - i);
                    let at = rng.below(len + 1);
                    input.splice(at..at, other[i..i + n].iter().copied());
                }
            }
        }
    }
    input.truncate(MAX_INPUT);
}

/// Run one input; on a panic or a slow run, save it and fail.
fn exec(what: &str, data: &[u8], seed: u64) {
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| pipeline::run(data)));
    let slow = started.elapsed() > SLOW;
    if result.is_ok() && !slow {
        return;
    }
    let saved = std::env::temp_dir().join(format!("topoc-fuzz-failure-{seed}.yaml"));
    let _ = std::fs::write(&saved, data);
    let why = match result {
        Err(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into()),
        Ok(()) => format!("took {:?}", started.elapsed()),
    };
    panic!(
        "{what}: {why}\ninput saved to {} (replay: TOPOC_FUZZ_SEED={seed})",
        saved.display()
    );
}

#[test]
fn pipeline_survives_the_corpus_and_its_mutants() {
    let started = Instant::now();
    let pool = seeds();
    let seconds: u64 = std::env::var("TOPOC_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if std::env::var_os("CI").is_some() {
            60
        } else {
            10
        });
    let base_seed: u64 = std::env::var("TOPOC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let replay = std::env::var("TOPOC_FUZZ_SEED").is_ok();
    // The budget covers the replay too: CI's step stays bounded.
    let deadline = started + Duration::from_secs(seconds);
    if !replay {
        for (name, data) in &pool {
            exec(&format!("corpus file {name}"), data, 0);
        }
    }
    let mut runs = 0u64;
    while (replay && runs == 0) || Instant::now() < deadline {
        // Each execution has its own seed, so one failure replays alone.
        let seed = base_seed.wrapping_add(runs) | 1;
        let mut rng = Rng(seed);
        let mut data = pool[rng.below(pool.len())].1.clone();
        mutate(&mut rng, &mut data, &pool);
        exec("mutant", &data, seed);
        runs += 1;
    }
    eprintln!(
        "fuzz: {} corpus files, {runs} mutants in {seconds} s (seeds from {base_seed})",
        pool.len()
    );
}
