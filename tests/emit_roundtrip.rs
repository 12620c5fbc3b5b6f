//! Round trips over generated Compose topologies (proptest), the `compile`
//! command line (exit codes, -o, --check, --templates, atomic refusal), and
//! — once the connectivity engine is merged — `topoc connectivity` of input
//! and output compared with the name mapping made explicit.

mod emit_util;

use emit_util::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use topoc::emit::{Target, k8s, nft};

#[derive(Debug, Clone)]
struct Svc {
    networks: u8,
    expose: u8,
    publish: Option<(bool, u8)>,
    none_mode: bool,
    talks: Vec<(usize, Option<u16>)>,
}

const NAMES: [&str; 6] = ["web", "api", "db", "Cache_1", "x.y", "9worker"];
const NETS: [&str; 4] = ["front", "back", "ops", "data-net"];
const POLICIES: [&str; 3] = ["isolate-networks", "default-deny", "open"];

fn svc() -> impl Strategy<Value = Svc> {
    (
        any::<u8>(),
        any::<u8>(),
        proptest::option::of((any::<bool>(), 0u8..3)),
        proptest::bool::weighted(0.1),
        proptest::collection::vec(
            (
                0usize..6,
                proptest::option::of(prop_oneof![Just(80u16), Just(5432u16), Just(53u16)]),
            ),
            0..3,
        ),
    )
        .prop_map(|(networks, expose, publish, none_mode, talks)| Svc {
            networks,
            expose,
            publish,
            none_mode,
            talks,
        })
}

fn q(s: &str) -> String {
    serde_json::to_string(s).expect("json string")
}

fn render(services: &[Svc], internal: u8, policy: usize) -> String {
    let mut y = format!(
        "name: gen\nx-topoc:\n  policy: {}\nservices:\n",
        POLICIES[policy]
    );
    let mut used_nets = 0u8;
    for (i, s) in services.iter().enumerate() {
        y.push_str(&format!("  {}:\n    image: busybox\n", q(NAMES[i])));
        if s.none_mode {
            y.push_str("    network_mode: none\n");
        } else if s.networks & 0xF != 0 {
            y.push_str("    networks:\n");
            for (b, n) in NETS.iter().enumerate() {
                if s.networks & (1 << b) != 0 {
                    used_nets |= 1 << b;
                    y.push_str(&format!("      - {}\n", q(n)));
                }
            }
        }
        let ports: Vec<&str> = ["80", "5432", "53/udp"]
            .iter()
            .enumerate()
            .filter(|(b, _)| s.expose & (1 << b) != 0)
            .map(|(_, p)| *p)
            .collect();
        if !ports.is_empty() {
            y.push_str(&format!(
                "    expose: [{}]\n",
                ports.iter().map(|p| q(p)).collect::<Vec<_>>().join(", ")
            ));
        }
        if let Some((loopback, target)) = s.publish
            && !s.none_mode
        {
            let target = [80, 443, 53][target as usize];
            let proto = if target == 53 { "/udp" } else { "" };
            let ip = if loopback { "127.0.0.1:" } else { "" };
            y.push_str(&format!(
                "    ports: [{}]\n",
                q(&format!("{ip}{}:{target}{proto}", 8000 + i))
            ));
        }
        let talks: Vec<String> = s
            .talks
            .iter()
            .filter(|(t, _)| *t < services.len() && *t != i)
            .map(|(t, p)| match p {
                Some(53) => format!("{}:53/udp", NAMES[*t]),
                Some(p) => format!("{}:{p}", NAMES[*t]),
                None => NAMES[*t].to_string(),
            })
            .collect();
        if !talks.is_empty() {
            y.push_str(&format!(
                "    x-topoc:\n      talks-to: [{}]\n",
                talks.iter().map(|t| q(t)).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if used_nets != 0 {
        y.push_str("networks:\n");
        for (b, n) in NETS.iter().enumerate() {
            if used_nets & (1 << b) != 0 {
                y.push_str(&format!(
                    "  {}:\n    internal: {}\n",
                    q(n),
                    internal & (1 << b) != 0
                ));
            }
        }
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// For Compose projects never seen: the k8s policies and the nft ruleset
    /// enforce exactly the Compose connectivity, and compose → compose keeps it.
    #[test]
    fn generated_compose_round_trips(services in proptest::collection::vec(svc(), 1..6), internal in any::<u8>(), policy in 0usize..3) {
        let text = render(&services, internal, policy);
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("compose.yaml"), &text).expect("write");
        let an = analyze(&[dir.path()]);
        let errors = an.diagnostics.iter().filter(|d| d.severity == topoc::diagnostic::Severity::Error).count();
        prop_assume!(errors == 0);

        let (view, _, renames) = with_cx(&an, k8s::build);
        prop_assert_eq!(k8s_lines(&view), expected_lines(&an, &renames), "k8s\n{}", text);
        let (nview, _) = with_cx(&an, nft::build);
        prop_assert_eq!(nft_lines(&an, &nview), expected_lines(&an, &BTreeMap::new()), "nft\n{}", text);

        let back = emit(&an, Target::Compose);
        let d2 = tempfile::tempdir().expect("tempdir");
        std::fs::write(d2.path().join("compose.yaml"), &back.text).expect("write");
        let an2 = analyze(&[d2.path()]);
        prop_assert_eq!(expected_lines(&an2, &BTreeMap::new()), expected_lines(&an, &back.renames), "compose\n{}\n{}", text, back.text);

        for t in [Target::K8s, Target::Compose, Target::Nft] {
            prop_assert_eq!(emit(&an, t).text, emit(&an, t).text);
        }
    }
}

fn topoc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_topoc"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run topoc")
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn compile_refuses_inputs_with_errors_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("m.yaml");
    let o = topoc(&[
        "compile",
        "samples/broken-compose",
        "--to",
        "k8s",
        "-o",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("TOPO201"), "{}", stderr(&o));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "no temp file left behind"
    );

    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "services: [\n").expect("write");
    let o = topoc(&["compile", bad.to_str().expect("utf8"), "--to", "nft"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn compile_writes_dirs_and_files_and_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = format!("{}/out/", dir.path().display());
    let o = topoc(&["compile", "samples/ecommerce", "--to", "nft", "-o", &d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::read_to_string(dir.path().join("out/ruleset.nft")).expect("ruleset.nft");
    assert!(written.starts_with("#!/usr/sbin/nft -f"));
    let stdout = topoc(&["compile", "samples/ecommerce", "--to", "nft"]);
    assert_eq!(
        String::from_utf8_lossy(&stdout.stdout),
        written,
        "-o and stdout agree"
    );

    let file = dir.path().join("k.yaml");
    let f = file.to_str().expect("utf8");
    assert!(
        topoc(&["compile", "samples/ecommerce", "--to", "k8s", "-o", f])
            .status
            .success()
    );
    assert!(
        topoc(&[
            "compile",
            "samples/ecommerce",
            "--to",
            "k8s",
            "-o",
            f,
            "--check"
        ])
        .status
        .success()
    );
    std::fs::write(&file, "stale\n").expect("write");
    let o = topoc(&[
        "compile",
        "samples/ecommerce",
        "--to",
        "k8s",
        "-o",
        f,
        "--check",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&o.stdout);
    assert!(
        diff.contains("@@") && diff.contains("-stale") && diff.contains("+kind: Deployment"),
        "{diff}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "stale\n",
        "--check writes nothing"
    );
    let o = topoc(&["compile", "samples/ecommerce", "--to", "k8s", "--check"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--check without -o is a usage error"
    );
}

#[test]
fn templates_can_be_overridden_and_service_type_chosen() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("k8s")).expect("mkdir");
    std::fs::write(
        dir.path().join("k8s/manifests.yaml.j2"),
        "namespaces: {{ namespaces|length }}\nfirst: {{ namespaces[0].name }}\n",
    )
    .expect("write");
    let t = dir.path().to_str().expect("utf8");
    let o = topoc(&[
        "compile",
        "samples/ecommerce",
        "--to",
        "k8s",
        "--templates",
        t,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "namespaces: 1\nfirst: \"shop\"\n"
    );

    std::fs::write(
        dir.path().join("k8s/manifests.yaml.j2"),
        "{{ no_such_value }}\n",
    )
    .expect("write");
    let out = dir.path().join("never.yaml");
    let o = topoc(&[
        "compile",
        "samples/ecommerce",
        "--to",
        "k8s",
        "--templates",
        t,
        "-o",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2), "strict undefined: {}", stderr(&o));
    assert!(stderr(&o).contains("template error"), "{}", stderr(&o));
    assert!(!out.exists());

    let o = topoc(&[
        "compile",
        "samples/ecommerce",
        "--to",
        "k8s",
        "--service-type",
        "loadbalancer",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("type: LoadBalancer") && !text.contains("type: NodePort"),
        "{text}"
    );
}

#[test]
fn conversion_findings_follow_topoc_yaml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = std::fs::read_to_string(root().join("tests/fixtures/emit/internal/compose.yaml"))
        .expect("fixture");
    std::fs::write(dir.path().join("compose.yaml"), src).expect("write");
    let d = dir.path().to_str().expect("utf8");
    let o = topoc(&["compile", d, "--to", "nft", "--diagnostics", "concise"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("TOPO607"), "{}", stderr(&o));
    std::fs::write(
        dir.path().join("topoc.yaml"),
        "rules:\n  publication-not-compiled: off\n",
    )
    .expect("write");
    let o = topoc(&["compile", d, "--to", "nft", "--diagnostics", "concise"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("TOPO607"), "{}", stderr(&o));
    std::fs::write(
        dir.path().join("topoc.yaml"),
        "rules:\n  publication-not-compiled: error\n",
    )
    .expect("write");
    let out = dir.path().join("r.nft");
    let o = topoc(&[
        "compile",
        d,
        "--to",
        "nft",
        "-o",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "an error-level conversion finding blocks the write"
    );
    assert!(!out.exists());
}

/// `id[Kind]` → `id`; external ranges stay as printed.
fn strip_kind(s: &str) -> String {
    if s.ends_with("[External]") {
        return s.to_string();
    }
    s.rsplit_once('[')
        .map(|(a, _)| a.to_string())
        .unwrap_or_else(|| s.to_string())
}

fn connectivity(path: &Path) -> Option<Vec<String>> {
    let o = topoc(&["connectivity", path.to_str()?, "--format", "json"]);
    if !o.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
    let mut out: Vec<String> = v
        .as_array()?
        .iter()
        .map(|e| {
            format!(
                "{} => {} : {}",
                strip_kind(e["src"].as_str().unwrap_or("")),
                strip_kind(e["dst"].as_str().unwrap_or("")),
                e["conn"].as_str().unwrap_or("")
            )
        })
        .collect();
    out.sort();
    Some(out)
}

/// The design's round trip with the real connectivity engine:
/// connectivity(x) == connectivity(compile(x)), names mapped explicitly.
#[test]
fn connectivity_engine_round_trip() {
    let help = topoc(&["connectivity", "--help"]);
    if !help.status.success() {
        skip("`topoc connectivity` is not available");
        return;
    }
    std::env::set_current_dir(root()).expect("cd");
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "samples/ecommerce",
        "tests/fixtures/emit/default-deny",
        "tests/fixtures/emit/internal",
        "tests/fixtures/emit/hostile",
        "tests/fixtures/emit/open",
    ] {
        let an = analyze(&[Path::new(f)]);
        let out = emit(&an, Target::K8s);
        let p = dir.path().join(format!("{}.yaml", f.replace('/', "_")));
        std::fs::write(&p, &out.text).expect("write");
        let Some(input) = connectivity(Path::new(f)) else {
            panic!("connectivity failed on {f}")
        };
        let mapped: Vec<String> = {
            let mut v: Vec<String> = input
                .iter()
                .map(|l| {
                    let mut l = l.clone();
                    for (from, to) in &out.renames {
                        l = l.replace(&format!("{from} "), &format!("{to} "));
                    }
                    l
                })
                .collect();
            v.sort();
            v
        };
        let Some(output) = connectivity(&p) else {
            panic!("connectivity failed on compiled {f}")
        };
        assert_eq!(output, mapped, "{f}");
    }
}

/// Kubernetes → Compose from a given connectivity: the ecommerce services
/// stand in for Kubernetes workloads (project cleared), `reach` for what the
/// connectivity engine computed. The Compose file must allow everything the
/// input allows, and every flow it allows beyond that must be named in a
/// `compose-flow-widened` finding; without findings the two are equal.
fn kube_to_compose(reach: topoc::emit::Reach) -> (Vec<String>, Vec<String>, Vec<String>, String) {
    use topoc::emit::{EmitContext, EmitOptions};
    std::env::set_current_dir(root()).expect("cd");
    let mut an = analyze(&[Path::new("samples/ecommerce")]);
    an.loaded.topology.projects.clear();
    for w in &mut an.loaded.topology.workloads {
        w.project = None;
    }
    let t = &an.loaded.topology;
    let name = |p: topoc::emit::Peer| match p {
        topoc::emit::Peer::External => "outside".to_string(),
        topoc::emit::Peer::Workload(w) => t.workload_id(w),
    };
    let mut input: Vec<String> = reach
        .flows
        .iter()
        .map(|((a, b), ps)| format!("{} => {} : {ps}", name(*a), name(*b)))
        .collect();
    input.sort();
    let options = EmitOptions {
        reach: Some(reach),
        ..EmitOptions::default()
    };
    let cx = EmitContext {
        topology: t,
        resolved: &an.resolved,
        sources: &an.loaded.sources,
        options: &options,
    };
    let out = topoc::emit::emit(Target::Compose, &cx).expect("emit");
    let widened: Vec<String> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == "TOPO601")
        .map(|d| d.message.clone())
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), &out.text).expect("write");
    let back = analyze(&[dir.path()]);
    assert!(
        !back
            .diagnostics
            .iter()
            .any(|d| d.severity == topoc::diagnostic::Severity::Error),
        "{:?}\n{}",
        back.diagnostics,
        out.text
    );
    (
        input,
        expected_lines(&back, &BTreeMap::new()),
        widened,
        out.text,
    )
}

#[test]
fn kube_to_compose_is_exact_when_compose_can_express_it() {
    std::env::set_current_dir(root()).expect("cd");
    let an = analyze(&[Path::new("samples/ecommerce")]);
    let (reach, _) = reach(&an);
    let (input, output, widened, text) = kube_to_compose(reach);
    assert!(widened.is_empty(), "{widened:?}");
    assert_eq!(output, input, "{text}");
}

#[test]
fn kube_to_compose_widens_safely_and_names_every_widened_flow() {
    use topoc::analyze::connectivity::ConnSet;
    use topoc::emit::Peer;
    use topoc::ir::{Protocol, WorkloadId};
    let (web, api, db) = (
        Peer::Workload(WorkloadId(0)),
        Peer::Workload(WorkloadId(1)),
        Peer::Workload(WorkloadId(2)),
    );
    let mut reach = topoc::emit::Reach::default();
    reach.allow(web, api, &ConnSet::ports(Protocol::Tcp, 3000, 3000));
    reach.allow(api, db, &ConnSet::ports(Protocol::Tcp, 5432, 5432));
    reach.allow(Peer::External, web, &ConnSet::ports(Protocol::Tcp, 80, 80));
    reach.allow(api, Peer::External, &ConnSet::all());
    let (input, output, widened, text) = kube_to_compose(reach);
    // Safe: every input flow is still allowed (as All Connections or more).
    let pair = |l: &str| l.split(" : ").next().unwrap_or("").to_string();
    for l in &input {
        assert!(
            output.iter().any(|o| pair(o) == pair(l)),
            "{l} lost\n{text}"
        );
    }
    // Never web → database: no network joins a pair that cannot talk.
    assert!(
        !output
            .iter()
            .any(|o| o.starts_with("shop/web => shop/database")
                || o.starts_with("shop/database => shop/web")),
        "{output:?}"
    );
    // Every extra or wider flow is named.
    let extra: Vec<&String> = output.iter().filter(|o| !input.contains(o)).collect();
    assert!(!extra.is_empty());
    for o in &extra {
        let (src, rest) = o.split_once(" => ").expect("line");
        let dst = rest.split(" : ").next().expect("dst");
        let short = |s: &str| s.rsplit('/').next().unwrap_or(s).to_string();
        assert!(
            widened
                .iter()
                .any(|w| w.contains(&format!("{} => {}", short(src), short(dst)))),
            "{o} widened but not reported: {widened:?}"
        );
    }
    assert!(
        widened
            .iter()
            .any(|w| w.contains("web => api: TCP 3000 becomes All Connections")),
        "{widened:?}"
    );
}

/// Kubernetes → Compose with the real engine, over the Kubernetes samples and
/// the netpol-connlist corpus: equal connectivity where no TOPO6xx was
/// reported; otherwise every allowed pair survives (the approximation is
/// safe) and the run reported why it differs.
#[test]
fn kube_to_compose_round_trip_with_the_engine() {
    use topoc::emit::EmitContext;
    std::env::set_current_dir(root()).expect("cd");
    let mut inputs: Vec<std::path::PathBuf> = [
        "samples/k8s-web",
        "samples/k8s-policies",
        "samples/istio-canary",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .collect();
    if let Some(c) = corpus() {
        let mut s: Vec<_> = std::fs::read_dir(c.join("netpol-connlist"))
            .expect("netpol-connlist")
            .filter_map(Result::ok)
            .map(|e| e.path().join("input"))
            .filter(|p| p.is_dir())
            .collect();
        s.sort();
        assert!(s.len() >= 10);
        inputs.extend(s);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut exact, mut approx) = (0, 0);
    for (i, input) in inputs.iter().enumerate() {
        let an = analyze(&[input]);
        let t = &an.loaded.topology;
        let options = options(&an);
        let cx = EmitContext {
            topology: t,
            resolved: &an.resolved,
            sources: &an.loaded.sources,
            options: &options,
        };
        let out = topoc::emit::emit(Target::Compose, &cx).expect("emit");
        let sub = dir.path().join(format!("{i}"));
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join("compose.yaml"), &out.text).expect("write");
        let Some(before) = connectivity(input) else {
            panic!("connectivity of {}", input.display())
        };
        let Some(after) = connectivity(&sub) else {
            panic!("connectivity of compiled {}\n{}", input.display(), out.text)
        };
        let before: Vec<String> = before
            .iter()
            .map(|l| {
                out.renames.iter().fold(l.clone(), |l, (from, to)| {
                    l.replace(&format!("{from} "), &format!("{to} "))
                })
            })
            .collect();
        let lossy = out.diagnostics.iter().any(|d| d.code.starts_with("TOPO6"));
        if lossy {
            approx += 1;
            let pair = |l: &str| l.split(" : ").next().unwrap_or("").to_string();
            // Flows from the ingress controller have no Compose peer: each
            // destination must be reported instead.
            for l in before
                .iter()
                .filter(|l| l.starts_with("{ingress-controller} => "))
            {
                let dst = pair(l)
                    .trim_start_matches("{ingress-controller} => ")
                    .to_string();
                let name = dst
                    .split('/')
                    .nth(1)
                    .unwrap_or("")
                    .split('[')
                    .next()
                    .unwrap_or("");
                assert!(
                    out.diagnostics.iter().any(|d| d.code == "TOPO604"
                        && d.message
                            .starts_with(&format!("{{ingress-controller}} => {name}:"))),
                    "{}: {l} lost without a finding",
                    input.display()
                );
            }
            // External pieces may be re-split; workload pairs must all survive.
            for l in before
                .iter()
                .filter(|l| !l.contains("[External]") && !l.starts_with("{ingress-controller}"))
            {
                assert!(
                    after.iter().any(|a| pair(a) == pair(l)),
                    "{}: {l} lost\n{}",
                    input.display(),
                    out.text
                );
            }
        } else {
            exact += 1;
            let mut b = before.clone();
            b.sort();
            assert_eq!(after, b, "{}\n{}", input.display(), out.text);
        }
    }
    eprintln!("kube → compose: {exact} exact, {approx} approximated with TOPO6xx");
    assert!(exact + approx == inputs.len());
}
