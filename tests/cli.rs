//! The binary end to end: exit codes, formats, planted faults and every
//! malformed input of design §10 (exit 2 with `file:line`, never a panic).

mod common;

use common::{check_json, rule_lines, stderr, stdout, topoc};
use std::io::Write;

#[test]
fn the_ecommerce_sample_is_clean() {
    let (code, report) = check_json(&["samples/ecommerce"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn broken_compose_reports_each_planted_fault_at_its_line() {
    let (code, report) = check_json(&["samples/broken-compose"]);
    assert_eq!(code, 1);
    // Each planted fault sits on the line after the comment naming it.
    let text = std::fs::read_to_string("samples/broken-compose/compose.yaml").unwrap();
    let mut planted = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.trim().strip_prefix("# ")
            && let Some((rule, _)) = rest.split_once(':')
            && topoc::diagnostic::lookup(rule).is_some()
        {
            planted.push((rule.to_string(), i as u64 + 2));
        }
    }
    assert!(
        planted.len() >= 6,
        "at least six planted faults, found {planted:?}"
    );
    let found = rule_lines(&report);
    for p in &planted {
        assert!(
            found.contains(p),
            "planted {p:?} not reported; found {found:?}"
        );
    }
    for f in &found {
        assert!(planted.contains(f), "unexpected finding {f:?}");
    }
}

#[test]
fn json_diagnostics_have_positions_and_related_spans() {
    let (_, report) = check_json(&["tests/fixtures/rules/host-port-conflict/fail.yaml"]);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "TOPO201");
    assert_eq!(
        d["file"],
        "tests/fixtures/rules/host-port-conflict/fail.yaml"
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(9), Some(9))
    );
    assert_eq!(d["end_line"].as_u64(), Some(9));
    assert_eq!(d["related"][0]["line"].as_u64(), Some(5));
    assert!(d["help"].is_string());
}

#[test]
fn fail_on_controls_the_exit_code() {
    let f = "tests/fixtures/rules/internal-service-published/fail.yaml";
    assert_eq!(topoc(&["check", f]).status.code(), Some(0));
    assert_eq!(
        topoc(&["check", "--fail-on", "warning", f]).status.code(),
        Some(1)
    );
}

#[test]
fn concise_and_human_formats_name_file_line_col() {
    let f = "tests/fixtures/rules/undefined-network/fail.yaml";
    let o = topoc(&["check", "--format", "concise", f]);
    assert!(
        stdout(&o).starts_with(&format!("{f}:6:9: error[TOPO301/undefined-network]")),
        "{}",
        stdout(&o)
    );
    let o = topoc(&["check", "--format", "human", f]);
    assert!(stdout(&o).contains(&format!("{f}:6:9")), "{}", stdout(&o));
    assert!(stdout(&o).contains("TOPO301/undefined-network"));
}

#[test]
fn ir_dump_has_the_documented_shape() {
    let o = topoc(&["ir", "samples/ecommerce", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let ir: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(ir["version"], 1);
    let nets = ir["networks"].as_array().unwrap();
    let backend = nets.iter().find(|n| n["id"] == "shop/backend").unwrap();
    assert_eq!(backend["subnet"], "10.89.1.0/24");
    assert_eq!(backend["gateway"], "10.89.1.1");
    let api = ir["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == "shop/api")
        .unwrap();
    assert_eq!(api["kind"], "ComposeService");
    assert_eq!(api["attachments"][1]["network"], "shop/backend");
    assert_eq!(api["attachments"][1]["address"], "10.89.1.2");
    let web_pub = &ir["publications"][0];
    assert_eq!(
        (
            web_pub["workload"].as_str(),
            web_pub["host_port_start"].as_u64(),
            web_pub["port"].as_u64()
        ),
        (Some("shop/web"), Some(8080), Some(80))
    );
    let intent = ir["intents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source"] == "environment")
        .unwrap();
    assert_eq!(
        (
            intent["from"].as_str(),
            intent["to"].as_str(),
            intent["port"].as_u64()
        ),
        (Some("shop/api"), Some("shop/database"), Some(5432))
    );
}

/// Write `content` to a temp file, run `check` on it, expect exit 2 with the
/// file named at `line`.
fn expect_invalid(name: &str, content: &[u8], line: u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(content)
        .unwrap();
    let p = path.to_string_lossy().into_owned();
    let o = topoc(&["check", "--format", "concise", &p]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{name}: expected exit 2\n{out}{}",
        stderr(&o)
    );
    assert!(
        out.contains(&format!("{p}:{line}:")),
        "{name}: expected {p}:{line}: in\n{out}"
    );
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn malformed_inputs_exit_2_with_a_position() {
    expect_invalid("syntax.yaml", b"services:\n  web:\n    image: [nginx\n", 4);
    expect_invalid(
        "dup.yaml",
        b"services:\n  web:\n    image: a\n    image: b\n",
        4,
    );
    expect_invalid("type.yaml", b"services: 42\n", 1);
    expect_invalid(
        "port1.yaml",
        b"services:\n  web:\n    ports:\n      - \"99999:80\"\n",
        4,
    );
    expect_invalid(
        "port2.yaml",
        b"services:\n  web:\n    ports:\n      - \"a:b:c:d\"\n",
        4,
    );
    expect_invalid(
        "port3.yaml",
        b"services:\n  web:\n    ports:\n      - \"80:8080:9090\"\n",
        4,
    );
    expect_invalid(
        "cidr.yaml",
        b"services:\n  web:\n    image: a\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnet: 10.0.0.0/33\n",
        8,
    );
    expect_invalid(
        "interp.yaml",
        b"services:\n  web:\n    image: \"${X_TOPOC_UNSET:?must be set}\"\n",
        3,
    );
    expect_invalid("utf8.yaml", b"services:\n  web:\n    image: \xff\xfe\n", 3);
    let deep = format!("services: {}{}\n", "[".repeat(200), "]".repeat(200));
    expect_invalid("deep.yaml", deep.as_bytes(), 1);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9u8 {
        let (p, c) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        bomb.push_str(&format!(
            "{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        ));
    }
    bomb.push_str("services:\n  web:\n    labels: *i\n");
    expect_invalid("bomb.yaml", bomb.as_bytes(), 6);
}

#[test]
fn unreadable_and_oversized_files_exit_2() {
    let o = topoc(&["check", "--format", "concise", "does/not/exist.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("does/not/exist.yaml:1:1:"),
        "{}",
        stdout(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    // Sparse: 257 MiB on paper, nothing on disk; refused before reading
    // (the limit is 128 MiB, where the memory bound holds).
    std::fs::File::create(&big)
        .unwrap()
        .set_len(257 * 1024 * 1024)
        .unwrap();
    let p = big.to_string_lossy().into_owned();
    let o = topoc(&["check", "--format", "concise", &p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("128 MiB"), "{}", stdout(&o));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(topoc(&["check"]).status.code(), Some(2));
    assert_eq!(
        topoc(&["check", "--format", "xml", "samples"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(topoc(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn stdin_is_read_for_dash() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(["check", "--format", "concise", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"services:\n  a:\n    ports: ['80:80']\n  b:\n    ports: ['80:80']\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("-:5:13: error[TOPO201/host-port-conflict]")
    );
}

#[test]
fn rules_catalogue_lists_and_explains() {
    let o = topoc(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("TOPO201  host-port-conflict"));
    let o = topoc(&["rules", "host-port-conflict"]);
    assert!(stdout(&o).contains("## Fails") && stdout(&o).contains("8080:80"));
    assert_eq!(topoc(&["rules", "no-such-rule"]).status.code(), Some(2));
}

#[test]
fn compiled_manifests_check_clean() {
    // Peers that point outside the inputs (kube-dns in kube-system) are not findings.
    let dir = tempfile::tempdir().unwrap();
    let out = format!("{}/", dir.path().display());
    let o = topoc(&["compile", "samples/ecommerce", "--to", "k8s", "-o", &out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (code, report) = check_json(&[&format!("{out}manifests.yaml")]);
    assert_eq!(code, 0);
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        0,
        "{report:#}"
    );
}

#[test]
fn connectivity_output_file_equals_stdout_and_devices_stay_devices() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    for format in ["txt", "json", "csv", "md", "dot", "mermaid"] {
        let piped = topoc(&["connectivity", "samples/k8s-policies", "--format", format]);
        assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
        let file = dir.path().join(format!("flows.{format}"));
        let file = file.to_str().unwrap();
        let o = topoc(&[
            "connectivity",
            "samples/k8s-policies",
            "--format",
            format,
            "-o",
            file,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
        assert_eq!(std::fs::read(file).unwrap(), piped.stdout, "{format}");
    }
    // `-o /dev/null` writes through the device, as a shell redirection does
    // (a temp file renamed over it would replace /dev/null for everyone).
    let o = topoc(&["connectivity", "samples/k8s-policies", "-o", "/dev/null"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "connectivity -o replaced /dev/null");
}
