//! Several top-level kustomize overlays of one base in one run (issue 16,
//! item 2): each overlay is a deployment of its own — its objects never
//! replace another overlay's, its selectors and Service names resolve among
//! its own namespaces, and no flow joins workloads of two overlays. Output
//! names a namespace that several overlays share `name@TAG` (TAG: the
//! shortest end of the overlay's path no other shares); one overlay on its
//! own prints exactly what it prints inside the run, untagged.

mod support;

use serde_json::Value;
use std::process::Output;
use support::topoc;

const CASE: &str = "tests/fixtures/kustomize/multi-overlay";
/// The overlays of the case, and the namespace each one's objects have as
/// connectivity prints them in a run of the whole case.
const WORLDS: [(&str, &str); 3] = [
    ("eu", "default@eu"),
    ("staging", "staging"),
    ("us", "default@us"),
];

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn check_json(path: &str) -> Vec<Value> {
    let o = topoc(&["check", "--format", "json", path]);
    // 1: the intent the `us` overlay's AdminNetworkPolicy blocks.
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stdout(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["diagnostics"].as_array().unwrap().clone()
}

/// The namespaces of the workload ends of a connlist line (`ns/name[Kind]`).
fn workload_namespaces(line: &str) -> Vec<&str> {
    let (pair, _) = line.split_once(" : ").unwrap_or((line, ""));
    pair.split(" => ")
        .filter(|end| !end.ends_with("[External]") && end.contains('/'))
        .map(|end| end.rsplit_once('/').unwrap().0)
        .collect()
}

#[test]
fn overlays_of_one_base_are_checked_apart_and_each_finding_names_its_overlay() {
    let diags = check_json(CASE);
    for rule in ["duplicate-object", "node-port-conflict"] {
        let hits: Vec<&Value> = diags.iter().filter(|d| d["rule"] == rule).collect();
        assert!(hits.is_empty(), "{rule} across overlays: {hits:?}");
    }
    // The base's client is unprotected once in every overlay.
    let mut overlays: Vec<String> = diags
        .iter()
        .filter(|d| d["rule"] == "workload-not-isolated")
        .filter(|d| d["message"].as_str().unwrap().contains("`client`"))
        .map(|d| {
            let m = d["message"].as_str().unwrap();
            let at = m.rfind("(built by overlay `").expect(m);
            m[at..].to_string()
        })
        .collect();
    overlays.sort();
    let want: Vec<String> = WORLDS
        .iter()
        .map(|(o, _)| format!("(built by overlay `{CASE}/overlays/{o}`)"))
        .collect();
    assert_eq!(overlays, want);
    // Only `us` denies ingress to web (an AdminNetworkPolicy of that
    // overlay alone), so only there does the client's `http://web:80`
    // (resolved to that overlay's Service) find itself blocked.
    let blocked: Vec<&str> = diags
        .iter()
        .filter(|d| d["rule"] == "intent-blocked")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert!(
        blocked[0].ends_with(&format!("(built by overlay `{CASE}/overlays/us`)")),
        "{blocked:?}"
    );
    // Each overlay's findings are those it has when checked on its own.
    for (overlay, _) in WORLDS {
        let dir = format!("{CASE}/overlays/{overlay}");
        let alone: Vec<Value> = check_json(&dir);
        let suffix = format!("(built by overlay `{dir}`)");
        let within: Vec<&Value> = diags
            .iter()
            .filter(|d| d["message"].as_str().unwrap().ends_with(&suffix))
            .collect();
        assert_eq!(
            within.len(),
            alone.len(),
            "{overlay}: {within:?} vs {alone:?}"
        );
        for (a, b) in within.iter().zip(&alone) {
            assert_eq!((&a["rule"], &a["message"]), (&b["rule"], &b["message"]));
        }
    }
}

#[test]
fn no_flow_joins_two_overlays_and_each_overlay_prints_as_it_does_alone() {
    let o = topoc(&["connectivity", CASE]);
    assert_eq!(o.status.code(), Some(0));
    let all = stdout(&o);
    for line in all.lines() {
        let ns = workload_namespaces(line);
        assert!(
            ns.windows(2).all(|w| w[0] == w[1]),
            "flow across overlays: {line}"
        );
    }
    // The base's policy admits clients of every namespace: still only its
    // own; the AdminNetworkPolicy of `us` denies its own web pods only.
    for (overlay, ns) in WORLDS {
        let allowed = format!("{ns}/client[Deployment] => {ns}/web[Deployment] : TCP 8080");
        assert_eq!(
            all.lines().any(|l| l == allowed),
            overlay != "us",
            "{allowed}:\n{all}"
        );
        assert!(
            !all.lines()
                .any(|l| l.ends_with(&format!("=> {ns}/web[Deployment] : All Connections"))),
            "{ns}/web is isolated for ingress:\n{all}"
        );
    }
    for (overlay, ns) in WORLDS {
        let alone = topoc(&["connectivity", &format!("{CASE}/overlays/{overlay}")]);
        let plain = ns.split('@').next().unwrap();
        let mine: Vec<String> = all
            .lines()
            .filter(|l| workload_namespaces(l).first() == Some(&ns))
            .map(|l| l.replace(&format!("{ns}/"), &format!("{plain}/")))
            .collect();
        assert!(!mine.is_empty());
        assert_eq!(mine.join("\n") + "\n", stdout(&alone), "{overlay}");
    }
}

#[test]
fn explain_says_two_overlays_never_connect_and_decides_within_one() {
    let o = topoc(&[
        "explain",
        CASE,
        "--from",
        "default@eu/client",
        "--to",
        "default@us/web",
    ]);
    let text = stdout(&o);
    assert!(
        text.starts_with("DENIED: default@eu/client[Deployment] => default@us/web[Deployment]"),
        "{text}"
    );
    assert!(
        text.contains(&format!("built by overlay `{CASE}/overlays/eu`"))
            && text.contains(&format!("built by overlay `{CASE}/overlays/us`")),
        "{text}"
    );
    let o = topoc(&[
        "explain",
        CASE,
        "--from",
        "staging/client",
        "--to",
        "staging/web",
        "--port",
        "8080",
    ]);
    let text = stdout(&o);
    assert!(
        text.starts_with(
            "ALLOWED: staging/client[Deployment] => staging/web[Deployment] on 8080/tcp"
        ),
        "{text}"
    );
    assert!(text.contains("policy staging/web-ingress"), "{text}");
}

#[test]
fn ir_keeps_every_overlays_objects_with_the_overlay_named() {
    let o = topoc(&["ir", CASE]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut webs: Vec<(String, String)> = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["name"] == "web")
        .map(|w| {
            (
                w["id"].as_str().unwrap().to_string(),
                w["origin"]["overlay"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    webs.sort();
    let want: Vec<(String, String)> = WORLDS
        .iter()
        .map(|(o, ns)| (format!("{ns}/web"), format!("{CASE}/overlays/{o}")))
        .collect();
    let mut want = want;
    want.sort();
    assert_eq!(webs, want);
}
