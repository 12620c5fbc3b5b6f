//! Emitters end to end: connectivity preserved (Compose → k8s and → nft,
//! evaluated from the emitted artefacts), validity under the real tools
//! (kubernetes-validate, compose-spec.json, `nft -c`), determinism, snapshots,
//! and the committed `samples/generated/` kept fresh.

mod emit_util;

use emit_util::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use topoc::emit::{Target, k8s, nft};

/// Every sample project and emitter fixture, as paths relative to the root
/// (so comments in the output, and thus snapshots, are stable).
fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["samples", "tests/fixtures/emit"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "generated"))
            .map(|p| Path::new(dir).join(p.file_name().unwrap_or_default()))
            .collect();
        entries.sort();
        out.extend(entries);
    }
    // Samples that demonstrate errors (`broken-compose`) are not compiled.
    out.retain(|p| {
        let an = analyze(&[&root().join(p)]);
        !an.diagnostics
            .iter()
            .any(|d| d.severity == topoc::diagnostic::Severity::Error)
    });
    assert!(out.len() >= 6, "fixtures missing: {out:?}");
    out
}

fn in_root() {
    std::env::set_current_dir(root()).expect("cd to the project root");
}

#[test]
fn ecommerce_k8s_keeps_the_compose_connectivity() {
    in_root();
    let an = analyze(&[Path::new("samples/ecommerce")]);
    let (view, _, renames) = with_cx(&an, k8s::build);
    assert!(renames.is_empty(), "{renames:?}");
    let lines = k8s_lines(&view);
    let expected = [
        "outside => shop/web : TCP 80",
        "shop/api => outside : All Connections",
        "shop/api => shop/database : All Connections",
        "shop/api => shop/web : All Connections",
        "shop/database => outside : All Connections",
        "shop/database => shop/api : All Connections",
        "shop/web => outside : All Connections",
        "shop/web => shop/api : All Connections",
    ];
    assert_eq!(lines, expected);
    assert_eq!(expected_lines(&an, &renames), expected);
    // The published Service maps 8080 to the container's 80.
    let ns = &view.namespaces[0];
    let published: Vec<_> = ns
        .services
        .iter()
        .filter(|s| s.service_type != "ClusterIP")
        .collect();
    assert_eq!(published.len(), 1);
    assert_eq!(
        (
            published[0].ports[0].port,
            published[0].ports[0].target_port
        ),
        (8080, 80)
    );
    let db = ns
        .workloads
        .iter()
        .find(|w| w.name == "database")
        .expect("database");
    assert_eq!(db.kind, "StatefulSet");
}

#[test]
fn k8s_connectivity_equals_compose_for_every_fixture() {
    in_root();
    for f in fixtures() {
        let an = analyze(&[&f]);
        let (view, _, renames) = with_cx(&an, k8s::build);
        assert_eq!(
            k8s_lines(&view),
            expected_lines(&an, &renames),
            "{}",
            f.display()
        );
    }
}

#[test]
fn nft_connectivity_equals_compose_for_every_fixture() {
    in_root();
    for f in fixtures() {
        let an = analyze(&[&f]);
        let (view, _) = with_cx(&an, nft::build);
        assert_eq!(
            nft_lines(&an, &view),
            expected_lines(&an, &Default::default()),
            "{}",
            f.display()
        );
    }
}

/// Two network keys with one engine `name:` are one Docker network: the
/// connectivity engine lets their members talk, so the ruleset does too
/// (reachability is the engine's, not re-derived per network key).
#[test]
fn nft_follows_the_engine_for_networks_sharing_an_engine_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "name: alias\nservices:\n  a: {image: x, networks: [m]}\n  b: {image: x, networks: [m2]}\nnetworks:\n  m: {name: same}\n  m2: {name: same}\n",
    )
    .expect("write");
    let an = analyze(&[dir.path()]);
    let (view, _) = with_cx(&an, nft::build);
    let lines = nft_lines(&an, &view);
    assert!(
        lines.contains(&"alias/a => alias/b : All Connections".to_string()),
        "{lines:?}"
    );
    assert_eq!(lines, expected_lines(&an, &Default::default()));
}

#[test]
fn compose_to_compose_keeps_connectivity() {
    in_root();
    let dir = tempfile::tempdir().expect("tempdir");
    for f in fixtures() {
        let an = analyze(&[&f]);
        if an.loaded.topology.projects.is_empty() {
            continue; // Kubernetes input: see kube_to_compose_round_trip_with_the_engine
        }
        let out = emit(&an, Target::Compose);
        let sub = dir.path().join(f.file_name().unwrap_or_default());
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join("compose.yaml"), &out.text).expect("write");
        let back = analyze(&[&sub]);
        let errors: Vec<_> = back
            .diagnostics
            .iter()
            .filter(|d| d.severity == topoc::diagnostic::Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {errors:?}\n{}",
            f.display(),
            out.text
        );
        assert_eq!(
            expected_lines(&back, &out.renames),
            expected_lines(&an, &out.renames),
            "{}",
            f.display()
        );
    }
}

#[test]
fn emitted_k8s_loads_back_without_errors() {
    in_root();
    let dir = tempfile::tempdir().expect("tempdir");
    for f in fixtures() {
        let an = analyze(&[&f]);
        let out = emit(&an, Target::K8s);
        let p = dir.path().join(format!(
            "{}.yaml",
            f.file_name().unwrap_or_default().to_string_lossy()
        ));
        std::fs::write(&p, &out.text).expect("write");
        let back = analyze(&[&p]);
        let errors: Vec<_> = back
            .diagnostics
            .iter()
            .filter(|d| d.severity == topoc::diagnostic::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}

#[test]
fn output_is_deterministic() {
    in_root();
    for f in fixtures() {
        for target in [Target::K8s, Target::Compose, Target::Nft] {
            let a = emit(&analyze(&[&f]), target).text;
            let b = emit(&analyze(&[&f]), target).text;
            assert_eq!(a, b, "{} {target:?}", f.display());
            assert!(!a.is_empty());
        }
    }
}

#[test]
fn snapshots_of_every_fixture() {
    in_root();
    for f in fixtures() {
        let an = analyze(&[&f]);
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for (target, ext) in [
            (Target::K8s, "k8s"),
            (Target::Compose, "compose"),
            (Target::Nft, "nft"),
        ] {
            let out = emit(&an, target);
            let mut diags = String::new();
            for d in &out.diagnostics {
                diags.push_str(&format!(
                    "# {}[{}] {}\n",
                    d.code,
                    d.rule,
                    d.message.replace('\n', " ")
                ));
            }
            insta::assert_snapshot!(format!("{name}.{ext}"), format!("{diags}{}", out.text));
        }
    }
}

/// All emitted files of the fixtures and of every real-world compose project
/// in the corpus, validated by the real tools.
#[test]
fn emitted_files_pass_the_real_validators() {
    in_root();
    let mut inputs = fixtures();
    if let Some(c) = corpus() {
        let mut real: Vec<PathBuf> = std::fs::read_dir(c.join("compose-real"))
            .expect("compose-real")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        real.sort();
        assert!(real.len() >= 30, "compose-real has {} projects", real.len());
        inputs.extend(real);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut k8s_files = Vec::new();
    let mut compose_files = Vec::new();
    let mut failures = Vec::new();
    let have_nft = nft();
    for (i, f) in inputs.iter().enumerate() {
        let an = analyze(&[f]);
        let stem = format!(
            "{i:02}-{}",
            f.file_name().unwrap_or_default().to_string_lossy()
        );
        let k = dir.path().join(format!("{stem}.yaml"));
        std::fs::write(&k, emit(&an, Target::K8s).text).expect("write");
        k8s_files.push(k);
        let c = dir.path().join(format!("{stem}.compose.yaml"));
        std::fs::write(&c, emit(&an, Target::Compose).text).expect("write");
        compose_files.push(c);
        let n = dir.path().join(format!("{stem}.nft"));
        std::fs::write(&n, emit(&an, Target::Nft).text).expect("write");
        if have_nft {
            let check = nft_command()
                .args(["-c", "-f"])
                .arg(&n)
                .output()
                .expect("nft");
            if !check.status.success() {
                failures.push(format!(
                    "nft -c {}: {}",
                    f.display(),
                    String::from_utf8_lossy(&check.stderr)
                ));
            }
            let opt = nft_command()
                .args(["-c", "-o", "-f"])
                .arg(&n)
                .output()
                .expect("nft");
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&opt.stdout),
                String::from_utf8_lossy(&opt.stderr)
            );
            if !opt.status.success() || !said.trim().is_empty() {
                failures.push(format!("nft -c -o {}: {said}", f.display()));
            }
        }
    }
    if let Some(py) = venv_python() {
        let kv = root().join(".venv-ci/bin/kubernetes-validate");
        let out = Command::new(&kv)
            .arg("--strict")
            .arg("--quiet")
            .args(&k8s_files)
            .output()
            .expect("kubernetes-validate");
        if !out.status.success() {
            failures.push(format!(
                "kubernetes-validate: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        if let Some(c) = corpus() {
            let schema = c.join("schemas/compose-spec.json");
            let script = "import json, sys, yaml, jsonschema\n\
                schema = json.load(open(sys.argv[1]))\n\
                bad = 0\n\
                for f in sys.argv[2:]:\n\
                \x20   for e in jsonschema.Draft7Validator(schema).iter_errors(yaml.safe_load(open(f))):\n\
                \x20       bad += 1; print(f, e.message[:300])\n\
                sys.exit(1 if bad else 0)\n";
            let out = Command::new(&py)
                .arg("-c")
                .arg(script)
                .arg(&schema)
                .args(&compose_files)
                .output()
                .expect("python");
            if !out.status.success() {
                failures.push(format!(
                    "compose-spec: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn topoc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_topoc"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run topoc")
}

#[test]
fn generated_samples_are_fresh() {
    for to in ["k8s", "nft"] {
        let out = topoc(&[
            "compile",
            "samples/ecommerce",
            "--to",
            to,
            "-o",
            "samples/generated/ecommerce/",
            "--check",
        ]);
        assert!(
            out.status.success(),
            "samples/generated/ecommerce is stale for --to {to}; run `cargo run -- compile samples/ecommerce --to {to} -o samples/generated/ecommerce/`\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// A default-deny network where only part of the members allow each other
/// everything: the network's rule holds exactly those (a, b), the rest
/// stays per-pair elements, and the ruleset still enforces the engine's
/// connectivity (checked for every fixture above).
#[test]
fn nft_group_rule_holds_only_the_members_it_is_exact_for() {
    in_root();
    let an = analyze(&[Path::new("tests/fixtures/emit/partial")]);
    let (view, _) = with_cx(&an, nft::build);
    let rules: Vec<&str> = view.groups.iter().map(|g| g.set.as_str()).collect();
    assert_eq!(rules, ["net_front"]);
    let front = view
        .sets
        .iter()
        .find(|s| s.name == "net_front")
        .expect("set");
    let members: Vec<&str> = front.elements.iter().map(|e| e.comment.as_str()).collect();
    assert_eq!(members.len(), 2, "{members:?}");
    assert_eq!(members, ["partial/a", "partial/b"]);
    assert!(
        view.flows
            .iter()
            .all(|e| e.comment.starts_with("a->c TCP 5432"))
    );
    assert_eq!(view.flows.len(), 2, "a->c on front and on back");
}

/// design §8: the ruleset is linear in workloads + networks, never in pairs:
/// one network of 40 and of 80 services (a clique of 1,560 and 6,320
/// pairs) take about twice the bytes, and no pair element.
#[test]
fn nft_ruleset_of_a_clique_is_linear() {
    let size = |n: usize| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut y = String::from("name: clique\nservices:\n");
        for i in 0..n {
            y.push_str(&format!(
                "  s{i}: {{image: x, ports: [\"{}:80\"]}}\n",
                20000 + i
            ));
        }
        std::fs::write(dir.path().join("compose.yaml"), y).expect("write");
        let an = analyze(&[dir.path()]);
        let (view, _) = with_cx(&an, nft::build);
        assert!(view.flows.is_empty(), "{} pair elements", view.flows.len());
        assert_eq!(view.groups.len(), 1);
        assert_eq!(view.from_outside.len(), n);
        emit(&an, Target::Nft).text.len()
    };
    let (small, large) = (size(40), size(80));
    assert!(
        (large as f64) < 2.2 * small as f64,
        "{small} bytes for 40 services, {large} for 80"
    );
}
