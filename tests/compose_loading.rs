//! Compose loading as docker compose does it: `.env` interpolation, override
//! files, `-f` merges with `!reset`/`!override`, `extends`, `include`,
//! profiles, project naming. Each case writes a small project and reads the
//! IR dump back.

mod common;

use serde_json::Value;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn ir(args: &[&str]) -> Value {
    let mut all = vec!["ir"];
    all.extend_from_slice(args);
    let o = common::topoc(&all);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn workload<'a>(ir: &'a Value, id: &str) -> &'a Value {
    ir["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {ir:#}"))
}

fn publications(ir: &Value, id: &str) -> Vec<(u64, u64)> {
    ir["publications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["workload"] == id)
        .map(|p| {
            (
                p["host_port_start"].as_u64().unwrap_or(0),
                p["port"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn dotenv_interpolates_and_the_environment_wins() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("proj");
    write(&dir, ".env", "WEB_PORT=8081\nTAG=1.27\n");
    write(
        &dir,
        "compose.yaml",
        "services:\n  web:\n    image: nginx:${TAG}\n    ports: [\"${WEB_PORT}:80\", \"${OTHER:-9000}:90\"]\n",
    );
    let p = dir.to_string_lossy();
    let v = ir(&[&p]);
    assert_eq!(publications(&v, "proj/web"), [(8081, 80), (9000, 90)]);
    // --env-file replaces .env.
    write(d.path(), "alt.env", "WEB_PORT=7000\n");
    let alt = d.path().join("alt.env");
    let v = ir(&[&p, "--env-file", &alt.to_string_lossy()]);
    assert_eq!(publications(&v, "proj/web")[0], (7000, 80));
}

#[test]
fn override_file_merges_after_the_main_file() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "compose.yaml",
        "name: m\nservices:\n  web:\n    image: nginx\n    ports: ['80:80']\n    environment: {A: '1'}\n",
    );
    write(
        d.path(),
        "compose.override.yaml",
        "services:\n  web:\n    ports: ['81:81']\n    networks: [extra]\nnetworks:\n  extra: {}\n",
    );
    let v = ir(&[&d.path().to_string_lossy()]);
    assert_eq!(publications(&v, "m/web"), [(80, 80), (81, 81)]);
    let nets: Vec<_> = workload(&v, "m/web")["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["network"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(nets, ["m/extra"]);
}

#[test]
fn explicit_files_merge_in_order_with_reset_and_override() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "a.yaml",
        "name: x\nservices:\n  web:\n    image: nginx\n    ports: ['80:80']\n    expose: ['1000']\n",
    );
    write(
        d.path(),
        "b.yaml",
        "services:\n  web:\n    ports: !reset []\n    expose: !override ['2000']\n",
    );
    let a = d.path().join("a.yaml");
    let b = d.path().join("b.yaml");
    let v = ir(&["-f", &a.to_string_lossy(), "-f", &b.to_string_lossy()]);
    assert!(publications(&v, "x/web").is_empty());
    let ports: Vec<_> = workload(&v, "x/web")["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert_eq!(ports, [2000]);
}

#[test]
fn extends_same_file_and_other_file() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "common.yaml",
        "services:\n  base:\n    image: node:20\n    expose: ['3000']\n    environment: {LEVEL: info}\n",
    );
    write(
        d.path(),
        "compose.yaml",
        "name: e\nservices:\n  tmpl:\n    image: busybox\n    ports: ['9000:9000']\n  api:\n    extends:\n      service: base\n      file: common.yaml\n    environment: {LEVEL: debug}\n  job:\n    extends: tmpl\n",
    );
    let v = ir(&[&d.path().to_string_lossy()]);
    let api = workload(&v, "e/api");
    assert_eq!(api["ports"][0]["port"], 3000);
    assert_eq!(publications(&v, "e/job"), [(9000, 9000)]);
    // The extended-from file is not a project of its own.
    assert!(
        v["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["name"] != "base")
    );
}

#[test]
fn extends_cycles_and_missing_targets_are_reported() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  a:\n    extends: b\n  b:\n    extends: a\n  c:\n    extends: nope\n",
    );
    let (code, report) = common::check_json(&[&d.path().to_string_lossy()]);
    assert_eq!(code, 2);
    let rules = common::rule_lines(&report);
    assert!(
        rules.iter().any(|(r, _)| r == "invalid-extends"),
        "{rules:?}"
    );
    // compose-go refuses the project: `cannot extend service "c" ...: service
    // "nope" not found` — an input error, in `ir` as in `check`.
    assert!(rules.contains(&("invalid-extends".into(), 7)), "{rules:?}");
}

#[test]
fn include_brings_in_another_project_s_services() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "db/compose.yaml",
        "services:\n  database:\n    image: postgres:16\n    expose: ['5432']\n",
    );
    write(
        d.path(),
        "app/compose.yaml",
        "name: inc\ninclude:\n  - ../db/compose.yaml\nservices:\n  api:\n    image: node\n    environment:\n      DATABASE_URL: postgres://database:5432/x\n",
    );
    let app = d.path().join("app");
    let v = ir(&[&app.to_string_lossy()]);
    workload(&v, "inc/database");
    let intent = &v["intents"][0];
    assert_eq!(
        (intent["from"].as_str(), intent["to"].as_str()),
        (Some("inc/api"), Some("inc/database"))
    );
}

#[test]
fn profiles_select_services() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "compose.yaml",
        "name: p\nservices:\n  web:\n    image: nginx\n  debug:\n    image: busybox\n    profiles: [dev]\n",
    );
    let p = d.path().to_string_lossy().into_owned();
    let v = ir(&[&p]);
    assert_eq!(v["workloads"].as_array().unwrap().len(), 1);
    let v = ir(&[&p, "--profile", "dev"]);
    assert_eq!(v["workloads"].as_array().unwrap().len(), 2);
}

#[test]
fn project_name_precedence_and_normalisation() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("My.Shop_1");
    write(
        &dir,
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n",
    );
    let p = dir.to_string_lossy().into_owned();
    assert_eq!(ir(&[&p])["projects"][0]["name"], "myshop_1");
    // compose-go `ValidateProjectName`: `-p` must already be a valid name.
    let o = common::topoc(&["ir", &p, "-p", "Other"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("invalid project name `Other`"));
    // `name:` is normalised; `-p` wins over it (cli/options.go `projectName`).
    write(
        &dir,
        "compose.yaml",
        "name: Named\nservices:\n  web:\n    image: nginx\n",
    );
    assert_eq!(ir(&[&p])["projects"][0]["name"], "named");
    assert_eq!(ir(&[&p, "-p", "other"])["projects"][0]["name"], "other");
}

#[test]
fn addresses_are_allocated_like_docker_in_declaration_order() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "compose.yaml",
        "name: a\nservices:\n  one:\n    image: x\n    networks:\n      n1:\n      n2:\n        ipv4_address: 10.89.0.2\n  two:\n    image: x\n    networks: [n2]\nnetworks:\n  n1: {}\n  n2:\n    ipam:\n      config: [{subnet: 10.89.0.0/24}]\n",
    );
    let v = ir(&[&d.path().to_string_lossy()]);
    let net = |id: &str| {
        v["networks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap()
            .clone()
    };
    // n2 declares 10.89.0.0/24, so n1 gets the next free /24.
    assert_eq!(net("a/n1")["subnet"], "10.89.1.0/24");
    assert_eq!(net("a/n2")["gateway"], "10.89.0.1");
    let two = workload(&v, "a/two");
    // .2 is taken statically by `one`, so `two` gets .3.
    assert_eq!(two["attachments"][0]["address"], "10.89.0.3");
}

#[test]
fn every_port_form_of_the_spec_lowers() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "compose.yaml",
        "name: pf\nservices:\n  s:\n    image: x\n    ports:\n      - \"80\"\n      - \"8080:81\"\n      - \"127.0.0.1:8081:82/udp\"\n      - \"[::1]:8082:83\"\n      - \"8000-8001:8000-8001\"\n      - \"9000-9010:84\"\n      - target: 85\n        published: \"7000-7001\"\n        host_ip: 0.0.0.0\n        protocol: sctp\n",
    );
    let v = ir(&[&d.path().to_string_lossy()]);
    type Row = (String, Option<u64>, Option<u64>, u64, String);
    let pubs: Vec<Row> = v["publications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["host_ip"].as_str().unwrap().into(),
                p["host_port_start"].as_u64(),
                p["host_port_end"].as_u64(),
                p["port"].as_u64().unwrap(),
                p["protocol"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect = [
        ("0.0.0.0", None, None, 80, "tcp"),
        ("0.0.0.0", Some(8080), Some(8080), 81, "tcp"),
        ("127.0.0.1", Some(8081), Some(8081), 82, "udp"),
        ("::1", Some(8082), Some(8082), 83, "tcp"),
        ("0.0.0.0", Some(8000), Some(8000), 8000, "tcp"),
        ("0.0.0.0", Some(8001), Some(8001), 8001, "tcp"),
        ("0.0.0.0", Some(9000), Some(9010), 84, "tcp"),
        ("0.0.0.0", Some(7000), Some(7001), 85, "sctp"),
    ];
    let expect: Vec<_> = expect
        .iter()
        .map(|(a, b, c, d, e)| (a.to_string(), *b, *c, *d, e.to_string()))
        .collect();
    assert_eq!(pubs, expect);
}

#[test]
fn env_files_feed_intents_and_environment_wins() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "api.env",
        "DB_HOST=database\nDB_PORT=5432\nCACHE_HOST=cache\n",
    );
    write(
        d.path(),
        "compose.yaml",
        "name: ef\nservices:\n  api:\n    image: node\n    env_file: api.env\n    environment:\n      CACHE_HOST: nowhere\n  database:\n    image: postgres\n  cache:\n    image: redis\n",
    );
    let v = ir(&[&d.path().to_string_lossy()]);
    let intents: Vec<(String, Option<u64>)> = v["intents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["to"].as_str().unwrap().to_string(), i["port"].as_u64()))
        .collect();
    assert_eq!(intents, [("ef/database".to_string(), Some(5432))]);
    // A missing required env file is an input error.
    write(
        d.path(),
        "compose.yaml",
        "services:\n  api:\n    image: node\n    env_file: missing.env\n",
    );
    let (code, report) = common::check_json(&[&d.path().to_string_lossy()]);
    assert_eq!(code, 2);
    assert_eq!(
        common::rule_lines(&report),
        [("unreadable-file".to_string(), 4)]
    );
}

#[test]
fn ipv6_subnets_are_checked_for_overlap_too() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  a:\n    image: x\n    networks: [one, two]\nnetworks:\n  one:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: 2001:db8:1::/64\n  two:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: 2001:db8:1::/48\n",
    );
    let (code, report) = common::check_json(&[&d.path().to_string_lossy()]);
    assert_eq!(code, 1);
    assert_eq!(
        common::rule_lines(&report),
        [("subnet-overlap".to_string(), 15)]
    );
}

/// repos/17: a port inherited through `<<: *web` conflicts on the merge key's
/// line, with the anchor's publication as the related span.
#[test]
fn merge_key_findings_sit_on_the_merge_key() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web: &web\n    image: nginx\n    ports:\n      - \"8080:80\"\n  web2:\n    <<: *web\n    environment:\n      A: b\n",
    );
    let (_, report) = common::check_json(&[&d.path().to_string_lossy()]);
    let conflict = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "host-port-conflict")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(
        (conflict["line"].as_u64(), conflict["column"].as_u64()),
        (Some(7), Some(5))
    );
    assert_eq!(conflict["related"][0]["line"], 5);
}
