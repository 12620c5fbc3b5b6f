//! The whole pipeline on one input, as every command runs it: load, resolve,
//! rules, every diagnostic printer, the IR dump, connectivity (and its
//! exposure) with every graph printer, explain, and every emitter, whose
//! Compose and Kubernetes output must read back without an input error. Any
//! panic is a defect.
//!
//! Shared, as a source file, by the libFuzzer target
//! (`fuzz/fuzz_targets/pipeline.rs`) and the stable replay-and-mutate harness
//! that CI runs (`tests/fuzz.rs`); see `fuzz/README.md`.

use topoc::analyze::connectivity::{self, Connectivity, explain};
use topoc::config::ConfigSource;
use topoc::diagnostic::{self, Diagnostic, Format, Severity, Summary};
use topoc::driver;
use topoc::emit::{self, EmitContext, EmitOptions, Reach, Target, graph};
use topoc::input::{Input, LoadOptions};

/// Where fuzz inputs claim to live: a directory that does not exist, so
/// `include`, `extends.file` and `.env` never read the real file system.
pub const FAKE_DIR: &str = "/nonexistent-topoc-fuzz";

fn input(name: &str, text: String) -> Input {
    Input::Named {
        name: format!("{FAKE_DIR}/{name}"),
        read: Ok(text),
    }
}

/// Run everything on `data` (bytes as they would come from a file).
pub fn run(data: &[u8]) {
    let read = topoc::source::decode(data.to_vec());
    let name = if data.first() == Some(&b'{') {
        "compose.json"
    } else {
        "compose.yaml"
    };
    let inputs = [Input::Named {
        name: format!("{FAKE_DIR}/{name}"),
        read,
    }];
    let opts = LoadOptions::default();
    let analysis = driver::analyze_with(&inputs, &opts, &ConfigSource::Disabled);
    let sources = &analysis.loaded.sources;
    print_all(&analysis.diagnostics, sources);

    let t = &analysis.loaded.topology;
    let dump = topoc::ir::dump(t, sources);
    let _ = serde_json::to_string(&dump).expect("the IR dump serializes");

    let c = connectivity::compute(t, &analysis.resolved);
    for f in [
        graph::Format::Txt,
        graph::Format::Json,
        graph::Format::Csv,
        graph::Format::Md,
        graph::Format::Dot,
        graph::Format::Mermaid,
    ] {
        let _ = graph::render(&c, f);
    }
    let x = connectivity::exposure::compute(t, &analysis.resolved, &c);
    for f in graph::EXPOSURE_FORMATS {
        graph::write_exposure(&c, &x, f, &mut Vec::new()).expect("exposure renders");
    }
    // `diff`: a topology against itself changes nothing; against nothing,
    // every flow is added (external pieces possibly split further).
    let side = topoc::analyze::diff::Side::new(&c, t);
    assert!(
        topoc::analyze::diff::diff(&side, &side).is_empty(),
        "diff with itself"
    );
    let nothing = Connectivity::default();
    let empty = topoc::analyze::diff::Side {
        connectivity: &nothing,
        workloads: Default::default(),
    };
    let added = topoc::analyze::diff::diff(&empty, &side);
    assert!(added.changes.len() >= c.edges.len(), "every flow is added");
    assert!(
        added
            .changes
            .iter()
            .all(|ch| ch.old.is_empty() && !ch.new.is_empty())
    );
    for f in [
        topoc::analyze::diff::Format::Txt,
        topoc::analyze::diff::Format::Json,
        topoc::analyze::diff::Format::Csv,
        topoc::analyze::diff::Format::Md,
    ] {
        let _ = topoc::analyze::diff::render(&added, f);
    }
    let ids: Vec<_> = t.workload_ids().take(2).collect();
    if let [a, b] = ids[..] {
        let _ = explain::explain(
            t,
            &analysis.resolved,
            sources,
            explain::Subject::Workload(a),
            explain::Subject::Workload(b),
            None,
        );
    }

    let refused = analysis
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error);
    if refused {
        return;
    }
    let (reach, widened) = Reach::from_connectivity(&c);
    let options = EmitOptions {
        reach: Some(reach),
        widened,
        ..EmitOptions::default()
    };
    let cx = EmitContext {
        topology: t,
        resolved: &analysis.resolved,
        sources,
        options: &options,
    };
    for target in [Target::K8s, Target::Compose, Target::Nft] {
        let Ok(emitted) = emit::emit(target, &cx) else {
            continue;
        };
        print_all(&emitted.diagnostics, sources);
        if emitted
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
            || target == Target::Nft
        {
            continue;
        }
        recheck(target, &emitted.text);
    }
}

/// What `compile` wrote must be valid input again (issue 18 item 4).
fn recheck(target: Target, text: &str) {
    let name = match target {
        Target::Compose => "out/compose.yaml",
        _ => "out/manifests.yaml",
    };
    let back = driver::analyze_with(
        &[input(name, text.to_string())],
        &LoadOptions::default(),
        &ConfigSource::Disabled,
    );
    let bad: Vec<String> = back
        .diagnostics
        .iter()
        .filter(|d| d.is_input_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(
        bad.is_empty(),
        "emitted {target:?} output is invalid input: {bad:?}\n{text}"
    );
}

fn print_all(diags: &[Diagnostic], sources: &topoc::source::SourceMap) {
    let summary = Summary::of(diags, sources, 0);
    for f in [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
    ] {
        let _ = diagnostic::render(f, diags, sources, &summary, false);
    }
}
