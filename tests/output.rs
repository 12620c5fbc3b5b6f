//! What people and pipes see: every command ends quietly on a closed stdout,
//! the human format renders the hostile reproducers without a panic, and the
//! human format of the samples (snapshots, reviewed).

mod common;

use common::{corpus, stderr, stdout, topoc};
use std::io::Read;
use std::process::{Command, Stdio};

/// One invocation of every command that writes to stdout.
const COMMANDS: &[&[&str]] = &[
    &["check", "samples/broken-compose"],
    &["check", "--format", "sarif", "samples/broken-compose"],
    &["check", "--format", "concise", "samples/broken-compose"],
    &["check", "--format", "json", "samples/broken-compose"],
    &["check", "--format", "github", "samples/broken-compose"],
    &["connectivity", "samples/ecommerce"],
    &[
        "explain",
        "samples/ecommerce",
        "--from",
        "web",
        "--to",
        "api",
    ],
    &["ir", "samples/ecommerce"],
    &["compile", "samples/ecommerce", "--to", "k8s"],
    &["rules"],
    &["rules", "--markdown"],
    &["rules", "host-port-conflict"],
    &["schema", "compose"],
    &["--help"],
    &["check", "--help"],
];

/// A closed stdout ends a command like a Unix filter: killed by SIGPIPE or
/// exited normally, never a panic (101), and nothing on stderr.
#[test]
fn closed_stdout_ends_every_command_quietly() {
    for args in COMMANDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_topoc"))
            .args(*args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run topoc");
        // Close the reading end before the command writes anything.
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert!(
                status.signal() == Some(libc::SIGPIPE) || matches!(status.code(), Some(0..=2)),
                "topoc {args:?}: {status:?}"
            );
        }
        assert_ne!(status.code(), Some(101), "topoc {args:?} panicked: {err}");
        let diagnostics_only = err
            .lines()
            .all(|l| !l.contains("panicked") && !l.contains("Broken pipe"));
        assert!(diagnostics_only, "topoc {args:?} stderr: {err}");
    }
}

/// The reproducers about output (hostile/12, 13, 15, 16, 18) and the other
/// small ones, through the human renderer of every command. The hang and
/// memory reproducers (1, 2, 3, 5, 6, 7, 8, 19) are bounded elsewhere
/// (tests/robustness.rs).
#[test]
fn every_command_renders_the_hostile_reproducers_in_human_format() {
    let Some(dir) = corpus("field-cases/hostile") else {
        return;
    };
    let mut files = Vec::new();
    for case in [
        "4", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18",
    ] {
        for entry in std::fs::read_dir(dir.join(case)).unwrap() {
            let p = entry.unwrap().path();
            if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 11, "{files:?}");
    for f in &files {
        let f = f.to_str().unwrap();
        for args in [
            &["check", f][..],
            &["check", "--format", "concise", f],
            &["ir", f],
            &["connectivity", f],
            &["explain", f, "--from", "external", "--to", "external"],
            &["compile", "--to", "k8s", f],
            &["compile", "--to", "nft", f],
        ] {
            let o = topoc(args);
            let code = o.status.code();
            assert!(
                matches!(code, Some(0..=2)),
                "topoc {args:?}: {code:?}\n{}",
                stderr(&o)
            );
            let all = format!("{}{}", stdout(&o), stderr(&o));
            assert!(!all.contains("panicked"), "topoc {args:?}: {all}");
        }
    }
}

/// Human and concise agree on every location, including lone-CR line ends
/// and multi-byte lines (hostile/16), columns past 65,535 (hostile/18) and
/// stdin (hostile/13).
#[test]
fn human_locations_match_concise() {
    let Some(dir) = corpus("field-cases/hostile") else {
        return;
    };
    for f in [
        "16/cr.yaml",
        "16/mb2.yaml",
        "18/compose.yaml",
        "18/compose-65000.yaml",
        "13/invalid-utf8.yaml",
        "15/compose.yaml",
    ] {
        let path = dir.join(f);
        let path = path.to_str().unwrap();
        let concise = stdout(&topoc(&[
            "check",
            "--no-config",
            "--format",
            "concise",
            path,
        ]));
        let human = stdout(&topoc(&["check", "--no-config", path]));
        let mut n = 0;
        for line in concise.lines().filter(|l| !l.starts_with(' ')) {
            let Some((loc, _)) = line.split_once(": ") else {
                continue;
            };
            if !loc.contains(':') {
                continue;
            }
            n += 1;
            assert!(
                human.contains(&format!("--> {loc}\n")),
                "{f}: {loc} missing in\n{human}"
            );
        }
        assert!(n > 0, "{f}: no finding\n{concise}");
    }
}

/// Findings cannot forge output lines: a finding is one concise line
/// however its names were spelled (hostile/15).
#[test]
fn names_with_control_characters_are_escaped() {
    let Some(dir) = corpus("field-cases/hostile/15") else {
        return;
    };
    let f = dir.join("compose.yaml");
    let f = f.to_str().unwrap();
    let concise = stdout(&topoc(&["check", "--no-config", "--format", "concise", f]));
    for line in concise.lines() {
        assert!(
            line.starts_with(f) || line.starts_with("  ") || line.contains(" in "),
            "forged line: {line}\n{concise}"
        );
    }
    let human = stdout(&topoc(&["check", "--no-config", f]));
    assert!(
        !human.lines().any(|l| l.starts_with("forged.yaml")),
        "{human}"
    );
}

/// The human format of every sample, reviewed: one snapshot per sample.
#[test]
fn human_format_of_the_samples() {
    for sample in [
        "broken-compose",
        "ecommerce",
        "k8s-policies",
        "k8s-web",
        "istio-canary",
    ] {
        let path = format!("samples/{sample}");
        let o = topoc(&["check", "--no-config", &path]);
        insta::assert_snapshot!(format!("human-{sample}"), stdout(&o));
    }
}

/// Stdin errors carry `-:line:col` (hostile/13); `--stdin-filename` names
/// stdin in findings.
#[test]
fn stdin_findings_have_locations_and_a_name() {
    use std::io::Write;
    let run = |args: &[&str], input: &[u8]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_topoc"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    };
    let o = run(
        &["check", "--format", "concise", "-"],
        b"services:\n  a:\n    image: \"x\xff\"\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).starts_with("-:3:14: error[TOPO006/unreadable-file]"),
        "{}",
        stdout(&o)
    );
    let o = run(&["check", "-"], b"services:\n  a:\n    image: \"x\xff\"\n");
    assert!(stdout(&o).contains("--> -:3:14\n"), "{}", stdout(&o));
    let text = std::fs::read("samples/broken-compose/compose.yaml").unwrap();
    let name = "samples/broken-compose/compose.yaml";
    let o = run(
        &[
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            name,
            "-",
        ],
        &text,
    );
    let by_path = topoc(&["check", "--format", "concise", name]);
    assert_eq!(stdout(&o), stdout(&by_path));
}

/// Names on the command line that match nothing are usage errors with
/// suggestions; `explain` takes Service names too.
#[test]
fn unknown_names_are_exit_2_with_suggestions() {
    for args in [
        &["connectivity", "samples/ecommerce", "--focus", "wbe"][..],
        &[
            "explain",
            "samples/ecommerce",
            "--from",
            "wbe",
            "--to",
            "api",
        ],
        &[
            "explain",
            "samples/ecommerce",
            "--from",
            "web",
            "--to",
            "shop/databse",
        ],
    ] {
        let o = topoc(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("did you mean `"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }
    let o = topoc(&["connectivity", "samples/ecommerce", "--focus", "shop/web"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).lines().all(|l| l.contains("shop/web")),
        "{}",
        stdout(&o)
    );
    // `web-service` selects the Pod `web` and the Deployment `web-deployment`.
    let o = topoc(&[
        "explain",
        "samples/k8s-web",
        "--from",
        "external",
        "--to",
        "web-service",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let verdicts: Vec<_> = stdout(&o)
        .lines()
        .filter(|l| l.starts_with("ALLOWED") || l.starts_with("DENIED"))
        .map(String::from)
        .collect();
    assert_eq!(verdicts.len(), 2, "{}", stdout(&o));
    assert!(
        verdicts[0].contains("default/web[Pod]") && verdicts[1].contains("default/web-deployment"),
        "{verdicts:?}"
    );
}

/// `compile` reports the checks' and the conversion's findings together,
/// once, with one summary line; nft comments always say something.
#[test]
fn compile_reports_once_and_comments_are_never_empty() {
    for sample in [
        "samples/k8s-web",
        "samples/ecommerce",
        "samples/k8s-policies",
        "samples/istio-canary",
    ] {
        let o = topoc(&["compile", sample, "--to", "nft", "--diagnostics", "concise"]);
        assert_eq!(o.status.code(), Some(0), "{sample}: {}", stderr(&o));
        let err = stderr(&o);
        let summaries = err
            .lines()
            .filter(|l| l.contains(" errors, ") || l.contains(" error, "))
            .count();
        assert!(summaries <= 1, "{sample}: {err}");
        let mut lines: Vec<_> = err.lines().filter(|l| l.contains(": ")).collect();
        let n = lines.len();
        lines.sort();
        lines.dedup();
        assert_eq!(lines.len(), n, "a finding printed twice: {err}");
        let text = stdout(&o);
        assert!(
            !text.contains("comment \"\"")
                && !text.contains("\"topoc: \"")
                && !text.contains("()\""),
            "{sample}: {text}"
        );
    }
}

/// Every subcommand's `--help` ends with examples and its exit codes.
#[test]
fn help_ends_with_examples_and_exit_codes() {
    for cmd in [
        "check",
        "connectivity",
        "explain",
        "ir",
        "compile",
        "rules",
        "schema",
    ] {
        let o = topoc(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        let help = stdout(&o);
        let examples = help
            .find("\nExamples:\n  topoc ")
            .unwrap_or_else(|| panic!("{cmd}: {help}"));
        let codes = help
            .find("\nExit codes:\n  0  ")
            .unwrap_or_else(|| panic!("{cmd}: {help}"));
        assert!(
            examples < codes && help[codes..].contains("\n  2  "),
            "{cmd}: {help}"
        );
        for line in help[examples..codes]
            .lines()
            .filter(|l| l.starts_with("  topoc "))
        {
            assert!(line.starts_with(&format!("  topoc {cmd}")), "{cmd}: {line}");
        }
    }
    // README and --help say the same of -p.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let help = stdout(&topoc(&["check", "--help"]));
    assert!(readme.contains(
        "| `-p NAME` | project name; as in docker compose it wins over `COMPOSE_PROJECT_NAME`"
    ));
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "Compose project name; as in docker compose it wins over `COMPOSE_PROJECT_NAME`"
        ),
        "{help}"
    );
}

/// The VS Code problem matcher of docs/editors.md matches every finding of
/// `--format concise` (file, line, column, severity, code) and nothing else.
#[test]
fn editors_problem_matcher_matches_concise_findings() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/editors.md")).unwrap();
    let line = doc
        .lines()
        .find(|l| l.trim_start().starts_with("\"regexp\": "))
        .expect("a regexp in docs/editors.md");
    let json = format!("{{{}}}", line.trim().trim_end_matches(','));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let re = regex::Regex::new(v["regexp"].as_str().unwrap()).unwrap();
    let o = topoc(&[
        "check",
        "--no-config",
        "--format",
        "concise",
        "samples/broken-compose",
    ]);
    let json = common::check_json(&["--no-config", "samples/broken-compose"]).1;
    let findings = json["diagnostics"].as_array().unwrap();
    let text = stdout(&o);
    let matched: Vec<_> = text.lines().filter_map(|l| re.captures(l)).collect();
    assert_eq!(matched.len(), findings.len(), "{text}");
    for (c, d) in matched.iter().zip(findings) {
        assert_eq!(&c[1], d["file"].as_str().unwrap());
        assert_eq!(c[2].parse::<u64>().unwrap(), d["line"].as_u64().unwrap());
        assert_eq!(c[3].parse::<u64>().unwrap(), d["column"].as_u64().unwrap());
        assert_eq!(&c[4], d["severity"].as_str().unwrap());
        assert_eq!(
            &c[5],
            format!(
                "{}/{}",
                d["code"].as_str().unwrap(),
                d["rule"].as_str().unwrap()
            )
        );
    }
}
