//! Every registered rule fires on its `fail` fixture and stays silent on its
//! `pass` fixture; the rendered findings are snapshotted (reviewed, see
//! tests/snapshots/).

use std::path::Path;
use topoc::analyze::rules::RULES;
use topoc::diagnostic::{self, Format, Summary};
use topoc::driver;
use topoc::input::{Input, LoadOptions};

fn run(path: &str) -> (Vec<diagnostic::Diagnostic>, String) {
    let analysis = driver::analyze(&[Input::Path(path.to_string())], &LoadOptions::default());
    let sources = &analysis.loaded.sources;
    let summary = Summary::of(&analysis.diagnostics, sources, 0);
    let text = diagnostic::render(
        Format::Concise,
        &analysis.diagnostics,
        sources,
        &summary,
        false,
    );
    (analysis.diagnostics, text)
}

#[test]
fn every_rule_fires_on_its_fail_fixture_and_not_on_its_pass_fixture() {
    assert!(!RULES.is_empty());
    for rule in RULES {
        let name = rule.code.name;
        let dir = format!("tests/fixtures/rules/{name}");
        assert!(
            Path::new(&dir).is_dir(),
            "rule {name} has no fixture directory {dir}"
        );

        let (fail, text) = run(&format!("{dir}/fail.yaml"));
        assert!(
            fail.iter().any(|d| d.rule == name),
            "rule {name} did not fire on its fail fixture:\n{text}"
        );
        assert!(
            !fail.iter().any(|d| d.is_input_error()),
            "fail fixture of {name} has input errors:\n{text}"
        );
        insta::assert_snapshot!(format!("rule-{name}"), text);

        let (pass, text) = run(&format!("{dir}/pass.yaml"));
        assert!(
            !pass.iter().any(|d| d.rule == name),
            "rule {name} fired on its pass fixture:\n{text}"
        );

        // Further cases of one rule: `fail-CASE.yaml` must fire (snapshotted),
        // `pass-CASE.yaml` must not.
        for (case, fires) in extra_fixtures(&dir) {
            let path = format!("{dir}/{case}.yaml");
            let (found, text) = run(&path);
            assert!(
                !found.iter().any(|d| d.is_input_error()),
                "{path} has input errors:\n{text}"
            );
            let fired = found.iter().any(|d| d.rule == name);
            assert_eq!(fired, fires, "rule {name} on {path}:\n{text}");
            if fires {
                insta::assert_snapshot!(format!("rule-{name}-{case}"), text);
            }
        }
    }
}

/// `fail-*.yaml` (true) and `pass-*.yaml` (false) beside the main fixtures,
/// sorted by name.
fn extra_fixtures(dir: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".yaml")?.to_string();
            let fires = if stem.starts_with("fail-") {
                true
            } else if stem.starts_with("pass-") {
                false
            } else {
                return None;
            };
            Some((stem, fires))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_rule_has_a_documented_page() {
    for rule in RULES {
        let page = topoc::analyze::rules::render_doc(rule);
        assert!(
            page.contains(rule.code.code) && page.contains("## Fails"),
            "{page}"
        );
        assert!(
            rule.doc.len() > 80,
            "rule {} needs a real doc",
            rule.code.name
        );
        assert_ne!(rule.fail_example, rule.pass_example);
    }
}

#[test]
fn host_ports_on_kubernetes_conflict_only_on_one_node() {
    let dir = "tests/fixtures/rules/host-port-conflict";
    let (found, text) = run(&format!("{dir}/fail-pods-apart.yaml"));
    let found: Vec<_> = found
        .iter()
        .filter(|d| d.rule == "host-port-conflict")
        .collect();
    // Two unpinned pods: an info; pods pinned to different nodes: nothing.
    assert_eq!(found.len(), 1, "{text}");
    assert_eq!(found[0].severity, diagnostic::Severity::Info, "{text}");
    let (found, text) = run(&format!("{dir}/fail-daemonsets.yaml"));
    let errors = found
        .iter()
        .filter(|d| d.rule == "host-port-conflict" && d.severity == diagnostic::Severity::Error)
        .count();
    // The two DaemonSets, and the two pods pinned to node-1.
    assert_eq!(errors, 2, "{text}");
}

#[test]
fn depends_on_alone_is_a_warning_and_env_urls_stay_errors() {
    let dir = "tests/fixtures/rules/unreachable-dependency";
    let (found, text) = run(&format!("{dir}/fail-depends-on-only.yaml"));
    assert!(
        found
            .iter()
            .filter(|d| d.rule == "unreachable-dependency")
            .all(|d| d.severity == diagnostic::Severity::Warning),
        "{text}"
    );
    let (found, text) = run(&format!("{dir}/fail.yaml"));
    assert!(
        found
            .iter()
            .filter(|d| d.rule == "unreachable-dependency")
            .all(|d| d.severity == diagnostic::Severity::Error),
        "{text}"
    );
}

#[test]
fn a_misspelled_x_topoc_is_a_warning_with_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.yaml");
    std::fs::write(
        &path,
        "services:\n  a:\n    image: x\n    x-toopc: {ignore: [unknown-key]}\nx-topc:\n  policy: open\nx-tool: 1\nx-top: 2\n",
    )
    .unwrap();
    let (found, text) = run(path.to_str().unwrap());
    let typos: Vec<_> = found.iter().filter(|d| d.rule == "unknown-key").collect();
    assert_eq!(typos.len(), 2, "{text}");
    for d in typos {
        assert_eq!(d.severity, diagnostic::Severity::Warning);
        assert_eq!(d.help.as_deref(), Some("did you mean `x-topoc`?"));
    }
    assert_eq!(found[0].span.start.line, 4, "{text}");
}

#[test]
fn conflicts_follow_merge_order_not_file_names() {
    // `compose.override.yaml` sorts before `compose.yaml`, but it is merged
    // after it: its declarations are the later ones, hence primary.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n    networks: {front: {aliases: [site]}}\nnetworks:\n  front: {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("compose.override.yaml"),
        "services:\n  admin:\n    image: nginx\n    ports: [\"8080:81\"]\n    networks: {front: {aliases: [site]}}\n",
    )
    .unwrap();
    let (found, text) = run(dir.path().to_str().unwrap());
    for rule in ["host-port-conflict", "dns-name-collision"] {
        let d = found
            .iter()
            .find(|d| d.rule == rule)
            .unwrap_or_else(|| panic!("{rule} fires:\n{text}"));
        let line = |s: &str| text.lines().any(|l| l.contains(s));
        assert!(
            line(&format!("compose.override.yaml:{}:", d.span.start.line)),
            "{rule} primary is the override:\n{text}"
        );
        assert!(d.message.contains("`admin`"), "{rule}: {}", d.message);
    }
}

#[test]
fn routes_bound_only_to_gateways_are_no_sidecar_intents() {
    // `checkout` talks to `reviews`; the VirtualService splits `reviews`
    // traffic to `ratings` — for sidecars only when it applies to `mesh`.
    let manifest = |gateways: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: checkout, labels: {{app: checkout}}}}\nspec:\n  containers: [{{name: c, image: c, env: [{{name: REVIEWS_URL, value: \"http://reviews:9080\"}}]}}]\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {{name: reviews, labels: {{app: reviews}}}}\nspec:\n  containers: [{{name: r, image: r, ports: [{{containerPort: 9080}}]}}]\n---\n\
apiVersion: v1\nkind: Service\nmetadata: {{name: reviews}}\nspec:\n  selector: {{app: reviews}}\n  ports: [{{port: 9080}}]\n---\n\
apiVersion: v1\nkind: Service\nmetadata: {{name: ratings}}\nspec:\n  selector: {{app: reviews}}\n  ports: [{{port: 9080}}]\n---\n\
apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: reviews}}\nspec:\n  hosts: [reviews]\n{gateways}  http:\n  - route:\n    - destination: {{host: ratings}}\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let routes = |gateways: &str| {
        let path = dir.path().join("m.yaml");
        std::fs::write(&path, manifest(gateways)).unwrap();
        let (loaded, _) = driver::load(
            &[Input::Path(path.display().to_string())],
            &LoadOptions::default(),
        );
        loaded
            .topology
            .intents
            .iter()
            .filter(|i| i.source == topoc::ir::IntentSource::Route)
            .count()
    };
    assert_eq!(routes(""), 1);
    assert_eq!(routes("  gateways: [mesh, edge/gw]\n"), 1);
    assert_eq!(routes("  gateways: [edge/gw]\n"), 0);
}
