//! Per-stage benchmarks over generated inputs (BENCHMARKS.md).
//!
//! `cargo bench --bench pipeline` runs 1k and 10k Kubernetes objects and a
//! 2k-service Compose project; `TOPOC_BENCH_100K=1` adds 100k objects (each
//! stage then takes seconds per sample). Inputs come from the same seeded
//! generator as `topoc-gen`, so numbers are comparable across runs.
//!
//! Stages: `parse` (YAML → spanned trees), `load` (read + parse + lower into
//! the IR), `resolve`, `rules` (every registered rule), `connectivity`
//! (the flow table), `connectivity_txt` (flow table + its text output) and
//! `compile_k8s` / `compile_nft` (`topoc compile` of a Compose project; the
//! generated Kubernetes inputs carry findings, which `compile` refuses).

// The generator's own tests compile to nothing here (no test harness).
#[allow(dead_code, unused_imports)]
#[path = "../compiler/src/bin/topoc_gen/synth/mod.rs"]
mod synth;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use topoc::analyze::{self, Context, connectivity};
use topoc::emit::{self, EmitContext, EmitOptions, Target, graph};
use topoc::input::{self, Input, LoadOptions, Loaded};
use topoc::resolve::{self, Resolved};
use topoc::source::FileId;
use topoc::syntax;

fn main() {
    // Whole-pipeline stages take milliseconds to seconds: a few samples of
    // one iteration each give stable medians without minutes of waiting.
    divan::Divan::from_args()
        .sample_count(10)
        .sample_size(1)
        .main();
}

fn kube_sizes() -> Vec<usize> {
    let mut v = vec![1_000, 10_000];
    if std::env::var_os("TOPOC_BENCH_100K").is_some() {
        v.push(100_000);
    }
    v
}

/// Generated text per input, made once per process.
fn text(key: &'static str, n: usize) -> &'static str {
    static CACHE: OnceLock<Mutex<HashMap<(&'static str, usize), &'static str>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache.entry((key, n)).or_insert_with(|| {
        let text = match key {
            "kube" => synth::kube::join(&synth::kube::generate(n, 1)),
            // 200 AdminNetworkPolicies and the BANP among the N objects.
            "kube-admin" => synth::kube::join(&synth::kube::generate_with_admin(n, 200, 1)),
            _ => synth::compose::generate(n, 1).text,
        };
        Box::leak(text.into_boxed_str())
    })
}

fn load(key: &'static str, n: usize) -> Loaded {
    input::load(
        &[Input::Stdin(text(key, n).to_string())],
        &LoadOptions::default(),
    )
}

fn loaded_and_resolved(key: &'static str, n: usize) -> (Loaded, Resolved) {
    let loaded = load(key, n);
    let resolved = resolve::resolve(&loaded.topology);
    (loaded, resolved)
}

mod kube {
    use super::*;

    #[divan::bench(args = kube_sizes())]
    fn parse(b: divan::Bencher, n: usize) {
        let t = text("kube", n);
        b.bench(|| syntax::parse(FileId(0), t));
    }

    /// Read + parse + lower into the IR.
    #[divan::bench(args = kube_sizes())]
    fn load(b: divan::Bencher, n: usize) {
        text("kube", n);
        b.bench(|| super::load("kube", n));
    }

    #[divan::bench(args = kube_sizes())]
    fn resolve(b: divan::Bencher, n: usize) {
        let loaded = super::load("kube", n);
        b.bench(|| resolve::resolve(&loaded.topology));
    }

    /// Every rule of the registry.
    #[divan::bench(args = kube_sizes())]
    fn rules(b: divan::Bencher, n: usize) {
        let (loaded, resolved) = loaded_and_resolved("kube", n);
        b.bench(|| analyze::run(&Context::new(&loaded.topology, &resolved, &loaded.sources)));
    }

    #[divan::bench(args = kube_sizes())]
    fn connectivity(b: divan::Bencher, n: usize) {
        let (loaded, resolved) = loaded_and_resolved("kube", n);
        b.bench(|| connectivity::compute(&loaded.topology, &resolved));
    }

    /// The flow table with 200 AdminNetworkPolicies and a BANP among the
    /// objects (issue 15: 10k objects under 1 s).
    #[divan::bench(args = [10_000])]
    fn connectivity_admin(b: divan::Bencher, n: usize) {
        let (loaded, resolved) = loaded_and_resolved("kube-admin", n);
        b.bench(|| connectivity::compute(&loaded.topology, &resolved));
    }

    /// The flow table and its `txt` rendering (what `topoc connectivity` does).
    #[divan::bench(args = kube_sizes())]
    fn connectivity_txt(b: divan::Bencher, n: usize) {
        let (loaded, resolved) = loaded_and_resolved("kube", n);
        b.bench(|| {
            let c = connectivity::compute(&loaded.topology, &resolved);
            graph::render(&c, graph::Format::Txt).len()
        });
    }
}

mod compose {
    use super::*;

    const SIZES: [usize; 1] = [2_000];

    #[divan::bench(args = SIZES)]
    fn parse(b: divan::Bencher, n: usize) {
        let t = text("compose", n);
        b.bench(|| syntax::parse(FileId(0), t));
    }

    /// Read + parse + interpolate + merge + lower + allocate.
    #[divan::bench(args = SIZES)]
    fn load(b: divan::Bencher, n: usize) {
        text("compose", n);
        b.bench(|| super::load("compose", n));
    }

    #[divan::bench(args = SIZES)]
    fn resolve(b: divan::Bencher, n: usize) {
        let loaded = super::load("compose", n);
        b.bench(|| resolve::resolve(&loaded.topology));
    }

    #[divan::bench(args = SIZES)]
    fn rules(b: divan::Bencher, n: usize) {
        let (loaded, resolved) = loaded_and_resolved("compose", n);
        b.bench(|| analyze::run(&Context::new(&loaded.topology, &resolved, &loaded.sources)));
    }

    #[divan::bench(args = SIZES)]
    fn connectivity(b: divan::Bencher, n: usize) {
        let (loaded, resolved) = loaded_and_resolved("compose", n);
        b.bench(|| connectivity::compute(&loaded.topology, &resolved));
    }

    fn compile(b: divan::Bencher, n: usize, target: Target) {
        let (loaded, resolved) = loaded_and_resolved("compose", n);
        let options = EmitOptions::default();
        let cx = EmitContext {
            topology: &loaded.topology,
            resolved: &resolved,
            sources: &loaded.sources,
            options: &options,
        };
        b.bench(|| emit::emit(target, &cx).map(|e| e.text.len()));
    }

    #[divan::bench(args = SIZES)]
    fn compile_k8s(b: divan::Bencher, n: usize) {
        compile(b, n, Target::K8s);
    }

    /// The ruleset is linear in the project (one rule per network), so the
    /// same sizes as k8s; its bytes are asserted by `benches/emit_size.sh`.
    #[divan::bench(args = SIZES)]
    fn compile_nft(b: divan::Bencher, n: usize) {
        compile(b, n, Target::Nft);
    }
}
