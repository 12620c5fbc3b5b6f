//! Every reproducer of issue 18 (`../shared/corpus/field-cases/hostile/<n>/`),
//! run against the binary under a time limit and an address-space limit, as
//! the fuzzing campaign ran them: no panic, no hang, no unbounded memory, a
//! spanned message and exit 2 for bad input, and emitted files that mean what
//! the input meant.

mod common;

use common::corpus;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of the binary gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn code(&self) -> i32 {
        self.code
            .unwrap_or_else(|| panic!("killed by a signal\nstderr: {}", self.stderr))
    }
    fn no_panic(&self) -> &Self {
        assert_ne!(self.code, Some(101), "panicked: {}", self.stderr);
        assert!(!self.stderr.contains("panicked at"), "{}", self.stderr);
        assert!(
            !self.stderr.contains("memory allocation of"),
            "{}",
            self.stderr
        );
        self
    }
}

/// Address-space limit of every run (the campaign used 4 GB).
const LIMIT_KB: u64 = 4_000_000;
const TIMEOUT: Duration = Duration::from_secs(60);

/// Run `topoc args` in `dir` under `ulimit -v` and a timeout.
fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {LIMIT_KB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(dir)
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn topoc");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let out_pipe = child.stdout.take().expect("stdout");
    let err_pipe = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || read_all(out_pipe));
    let err = std::thread::spawn(move || read_all(err_pipe));
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "topoc {args:?} in {} did not finish in {TIMEOUT:?}",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

fn read_all(mut r: impl std::io::Read) -> String {
    let mut v = Vec::new();
    let _ = r.read_to_end(&mut v);
    String::from_utf8_lossy(&v).into_owned()
}

fn case(n: u32) -> Option<PathBuf> {
    corpus(&format!("field-cases/hostile/{n}"))
}

/// A writable copy of a reproducer folder (the corpus is read-only).
fn scratch(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(from, dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("read reproducer").flatten() {
        let p = e.path();
        let target = to.join(e.file_name());
        let kind = std::fs::symlink_metadata(&p).expect("stat").file_type();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&p, &target);
        } else if kind.is_file() {
            std::fs::write(&target, std::fs::read(&p).expect("read")).expect("write");
        }
    }
}

fn check_concise(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", "--format", "concise"];
    all.extend_from_slice(args);
    run_in(dir, &all, None)
}

/// Emitted text of `compile --to target`, after asserting it compiled.
fn compile(dir: &Path, input: &str, target: &str) -> String {
    let r = run_in(
        dir,
        &["compile", input, "--to", target, "--diagnostics", "concise"],
        None,
    );
    r.no_panic();
    assert_eq!(r.code(), 0, "{}", r.stderr);
    r.stdout
}

/// `topoc check` of an emitted file reports no input error (issue 18 item 4).
fn recheck(text: &str, name: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), text).expect("write emitted");
    let r = check_concise(dir.path(), &[name]);
    r.no_panic();
    assert_ne!(
        r.code(),
        2,
        "emitted file is invalid input:\n{}\n{text}",
        r.stdout
    );
    r
}

// --- 4, 9, 10, 11: emitters never change meaning -------------------------

#[test]
fn h04_dollars_in_compose_output_are_escaped() {
    let Some(dir) = case(4) else { return };
    let text = compile(&dir, "k8s-dollar.yaml", "compose");
    assert!(
        text.contains(r#"image: "registry/$${HOME}:$$USER""#),
        "{text}"
    );
    assert!(
        text.contains(r#""SECRET": "pa$$$$word $${PATH}""#),
        "{text}"
    );
    recheck(&text, "compose.yaml");
    // Read back, the values are exactly the Kubernetes ones.
    let back = tempfile::tempdir().expect("tempdir");
    std::fs::write(back.path().join("compose.yaml"), &text).expect("write");
    let k8s = compile(back.path(), "compose.yaml", "k8s");
    assert!(k8s.contains(r#"image: "registry/${HOME}:$USER""#), "{k8s}");
    assert!(k8s.contains(r#"value: "pa$$word ${PATH}""#), "{k8s}");
    // `image: ${` is not interpolated by Kubernetes, and must not become an
    // invalid template in the Compose file.
    let text = compile(&dir, "fuzzed-image-dollar-brace.yaml", "compose");
    assert!(text.contains(r#"image: "$${""#), "{text}");
    recheck(&text, "compose.yaml");
}

#[test]
fn h09_repeated_env_entry_keeps_the_last_and_says_so() {
    let Some(dir) = case(9) else { return };
    let r = check_concise(&dir, &["compose.yaml"]);
    assert!(
        r.stdout
            .contains("compose.yaml:7:9: warning[TOPO015/duplicate-env-var] `DB_NAME`"),
        "{}",
        r.stdout
    );
    let text = compile(&dir, "compose.yaml", "compose");
    assert_eq!(text.matches("\"DB_NAME\"").count(), 1, "{text}");
    recheck(&text, "compose.yaml");
    let k8s = compile(&dir, "compose.yaml", "k8s");
    assert_eq!(k8s.matches("name: \"DB_NAME\"").count(), 1, "{k8s}");
}

#[test]
fn h10_port_zero_is_never_emitted() {
    let Some(dir) = case(10) else { return };
    let r = check_concise(&dir, &["compose.yaml"]);
    r.no_panic();
    if r.code() == 2 {
        // Refused at input (the loading issue): nothing is compiled.
        return;
    }
    for target in ["k8s", "compose", "nft"] {
        let text = compile(&dir, "compose.yaml", target);
        for bad in [
            "port: 0\n",
            "Port: 0\n",
            "target: 0\n",
            "published: \"0\"",
            " . 0 ",
        ] {
            assert!(!text.contains(bad), "{target} emitted {bad:?}:\n{text}");
        }
        if target != "nft" {
            recheck(
                &text,
                if target == "k8s" {
                    "k8s.yaml"
                } else {
                    "compose.yaml"
                },
            );
        }
    }
}

#[test]
fn h11_shortened_kubernetes_names_stay_valid() {
    let Some(dir) = case(11) else { return };
    let text = compile(&dir, "compose.yaml", "k8s");
    let label = |s: &str| {
        s.len() <= 63
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    let mut seen = 0;
    for line in text.lines() {
        let t = line.trim().trim_start_matches("- ");
        if let Some(name) = t.strip_prefix("name: ") {
            let name = name.trim_matches('"');
            assert!(label(name), "invalid name {name:?}");
            seen += 1;
        }
        if let Some(rest) = t.strip_prefix("\"topoc.dev/") {
            let key = rest.split('"').next().unwrap_or_default();
            assert!(label(key), "invalid label key name {key:?}");
            seen += 1;
        }
    }
    assert!(seen > 4, "{text}");
    recheck(&text, "k8s.yaml");
}

#[test]
fn h11_env_names_kubernetes_refuses_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    environment:\n      \"E\\\"; flush ruleset; #\": x\n      GOOD: y\n",
    )
    .expect("write");
    let r = run_in(
        dir.path(),
        &[
            "compile",
            "compose.yaml",
            "--to",
            "k8s",
            "--diagnostics",
            "concise",
        ],
        None,
    );
    assert_eq!(r.code(), 0, "{}", r.stderr);
    assert!(r.stderr.contains("TOPO610/not-converted"), "{}", r.stderr);
    assert!(
        r.stdout.contains("\"GOOD\"") && !r.stdout.contains("flush"),
        "{}",
        r.stdout
    );
}

// --- 15: service names ----------------------------------------------------

#[test]
fn h15_service_names_outside_the_compose_alphabet_are_input_errors() {
    let Some(dir) = case(15) else { return };
    let r = check_concise(&dir, &["compose.yaml"]);
    assert_eq!(r.code(), 2, "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.iter().filter(|l| l.contains("TOPO003")).count(),
        3,
        "{}",
        r.stdout
    );
    // No message line of its own starts with a forged location.
    assert!(
        lines.iter().all(|l| !l.starts_with("forged.yaml")),
        "{}",
        r.stdout
    );
    assert!(lines.iter().all(|l| !l.starts_with("::")), "{}", r.stdout);
    // Human output (the output engineer's escaping) cannot be forged either.
    let human = run_in(&dir, &["check", "compose.yaml"], None);
    human.no_panic();
    for l in human.stdout.lines().chain(human.stderr.lines()) {
        assert!(!l.starts_with("forged.yaml") && !l.starts_with("::"), "{l}");
    }
}

// --- 8: writes ------------------------------------------------------------

#[test]
fn h08_non_regular_targets_are_written_through_not_replaced() {
    let Some(dir) = case(8) else { return };
    let work = scratch(&dir);
    let w = work.path();
    std::os::unix::fs::symlink("/dev/null", w.join("fakenull")).expect("symlink");
    std::os::unix::fs::symlink("/proc/self/fd/1", w.join("mystdout")).expect("symlink");
    let r = run_in(
        w,
        &["compile", "compose.yaml", "--to", "nft", "-o", "fakenull"],
        None,
    );
    assert_eq!(r.code(), 0, "{}", r.stderr);
    assert!(
        std::fs::symlink_metadata(w.join("fakenull"))
            .expect("stat")
            .file_type()
            .is_symlink()
    );
    let r = run_in(
        w,
        &["compile", "compose.yaml", "--to", "nft", "-o", "mystdout"],
        None,
    );
    assert_eq!(r.code(), 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("table inet"),
        "output went to stdout: {}",
        r.stdout
    );
    assert!(
        std::fs::symlink_metadata(w.join("mystdout"))
            .expect("stat")
            .file_type()
            .is_symlink()
    );
}

#[test]
fn h08_mode_is_kept_and_no_temp_file_is_left() {
    use std::os::unix::fs::PermissionsExt;
    let Some(dir) = case(8) else { return };
    let work = scratch(&dir);
    let w = work.path();
    std::fs::write(w.join("secret.nft"), "old").expect("write");
    std::fs::set_permissions(w.join("secret.nft"), std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    // What a killed run leaves behind (its process is gone).
    std::fs::write(w.join(".secret.nft.topoc-99999999-x1.tmp"), "partial").expect("write");
    let r = run_in(
        w,
        &["compile", "compose.yaml", "--to", "nft", "-o", "secret.nft"],
        None,
    );
    assert_eq!(r.code(), 0, "{}", r.stderr);
    let meta = std::fs::metadata(w.join("secret.nft")).expect("stat");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(w.join("secret.nft"))
            .expect("read")
            .contains("table inet")
    );
    let left: Vec<_> = std::fs::read_dir(w)
        .expect("ls")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

// --- 1, 3: one diagnostic per cause; budgets per run ----------------------

#[test]
fn h01_one_unset_variable_warning_per_cause_in_every_command() {
    let Some(dir) = case(1) else { return };
    for file in ["compose.yaml", "compose-fuzzed-41k.yaml"] {
        let check = check_concise(&dir, &[file]);
        check.no_panic();
        let summary = |s: &str| s.lines().last().unwrap_or_default().to_string();
        let want = summary(&check.stdout);
        for cmd in [
            vec!["ir", file, "--diagnostics", "concise"],
            vec!["connectivity", file, "--diagnostics", "concise"],
        ] {
            let r = run_in(&dir, &cmd, None);
            r.no_panic();
            assert_eq!(summary(&r.stderr), want, "{cmd:?}: {}", r.stderr);
        }
        // The default human renderer, as the campaign ran it.
        for cmd in [vec!["ir", file], vec!["connectivity", file]] {
            let r = run_in(&dir, &cmd, None);
            r.no_panic();
            assert!(
                r.stderr.len() < 200_000,
                "{cmd:?}: {} bytes",
                r.stderr.len()
            );
        }
    }
}

#[test]
fn h03_alias_budget_holds_for_the_whole_run() {
    let Some(dir) = case(3) else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let made = Command::new("python3")
        .arg(dir.join("mkbomb.py"))
        .args(["5", "7", "80", "b80"])
        .current_dir(work.path())
        .status();
    if !made.is_ok_and(|s| s.success()) {
        assert_ne!(
            std::env::var("TOPOC_REQUIRE_TOOLS").as_deref(),
            Ok("1"),
            "python3 missing"
        );
        common::skip("python3 not available");
        return;
    }
    let r = check_concise(work.path(), &["b80"]);
    r.no_panic();
    assert_eq!(r.code(), 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("TOPO007/input-limit-exceeded"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("in total"), "{}", r.stdout);
}

// --- 5: byte limits on every kind of input --------------------------------

#[test]
fn h05_non_regular_and_oversize_inputs_stop_at_the_limit() {
    let Some(_) = case(5) else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    // A 200 MB file (sparse: the size check comes before any read).
    let big = std::fs::File::create(w.join("big.yaml")).expect("create");
    big.set_len(200_485_384).expect("set_len");
    let r = check_concise(w, &["big.yaml"]);
    r.no_panic();
    assert_eq!(r.code(), 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("big.yaml:1:1: error[TOPO006/unreadable-file]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("over the limit of 134217728 bytes"),
        "{}",
        r.stdout
    );
    // A device whose size says 0, and stdin: read up to the limit only.
    let r = check_concise(w, &["/dev/zero"]);
    r.no_panic();
    assert_eq!(r.code(), 2, "{}", r.stdout);
    assert!(r.stdout.contains("reading stopped there"), "{}", r.stdout);
    let zeros = vec![0u8; 200 * 1024 * 1024];
    let r = run_in(w, &["check", "--format", "concise", "-"], Some(&zeros));
    r.no_panic();
    assert_eq!(r.code(), 2, "{}", r.stdout);
    assert!(r.stdout.contains("-:1:1: error[TOPO006"), "{}", r.stdout);
}

// --- 19: --templates ---------------------------------------------------------

#[test]
fn h19_overriding_templates_run_on_fuel_and_must_be_files() {
    let Some(dir) = case(19) else { return };
    let out = tempfile::tempdir().expect("tempdir");
    let o = format!("{}/", out.path().display());
    let r = run_in(
        &dir,
        &[
            "compile",
            "compose.yaml",
            "--to",
            "nft",
            "--templates",
            "tpl",
            "-o",
            &o,
        ],
        None,
    );
    r.no_panic();
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("ran out of fuel"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_dir(out.path()).expect("ls").count(),
        0,
        "nothing written"
    );
    let tpl = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tpl.path().join("nft/ruleset.nft.j2")).expect("mkdir");
    let t = tpl.path().to_string_lossy().into_owned();
    let r = run_in(
        &dir,
        &["compile", "compose.yaml", "--to", "nft", "--templates", &t],
        None,
    );
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
}

// --- 16 (c), 17: locations of .env and JSON errors --------------------------

#[test]
fn h16_env_file_errors_point_at_their_line() {
    let Some(dir) = case(16) else { return };
    let r = check_concise(&dir, &["compose.yaml"]);
    r.no_panic();
    assert_eq!(r.code(), 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains(".env:4:1: error[TOPO005/invalid-interpolation] cannot parse env file"),
        "{}",
        r.stdout
    );
}

#[test]
fn h17_json_with_a_comment_is_an_error_at_the_comment() {
    let Some(dir) = case(17) else { return };
    let r = check_concise(&dir, &["compose.json"]);
    r.no_panic();
    assert_eq!(r.code(), 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("compose.json:2:3: error[TOPO001/invalid-yaml] invalid JSON"),
        "{}",
        r.stdout
    );
}

// --- parts of other engineers, checked here so the issue closes as a whole --

#[test]
fn h02_include_fan_out_finishes_and_reports_the_cycle() {
    let Some(dir) = case(2) else { return };
    let r = check_concise(&dir, &["compose.yaml"]);
    r.no_panic();
    assert_eq!(r.code(), 2, "{}", r.stdout);
    assert!(r.stdout.contains("TOPO012/invalid-include"), "{}", r.stdout);
}

#[test]
fn h14_self_references_are_cycles() {
    let Some(dir) = case(14) else { return };
    for (sub, code) in [("self-include", "TOPO012"), ("self-extends", "TOPO011")] {
        let r = check_concise(&dir.join(sub), &["compose.yaml"]);
        r.no_panic();
        assert_eq!(r.code(), 2, "{sub}: {}", r.stdout);
        assert!(r.stdout.contains(code), "{sub}: {}", r.stdout);
    }
}

#[test]
fn h06_h07_the_walk_skips_fifos_and_symlink_loops() {
    let Some(six) = case(6) else { return };
    let work = scratch(&six);
    let d = work.path().join("d");
    let made = Command::new("mkfifo").arg(d.join("pipe.yaml")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let r = check_concise(work.path(), &["d"]);
    r.no_panic();
    assert_eq!(r.code(), 0, "{}", r.stdout);
    let Some(seven) = case(7) else { return };
    let work = scratch(&seven);
    let x = work.path().join("d/x");
    std::os::unix::fs::symlink("..", x.join("a")).expect("symlink");
    std::os::unix::fs::symlink("..", x.join("b")).expect("symlink");
    let r = check_concise(work.path(), &["d"]);
    r.no_panic();
    assert_eq!(r.code(), 0, "{}", r.stdout);
}

#[test]
fn h12_a_closed_pipe_ends_quietly() {
    let Some(dir) = case(12) else { return };
    for format in ["sarif", "human", "json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_topoc"))
            .args([
                "check",
                "--format",
                format,
                "compose.yaml",
                "../1/compose-fuzzed-41k.yaml",
            ])
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut out = child.stdout.take().expect("stdout");
        let mut first = [0u8; 64];
        let _ = std::io::Read::read(&mut out, &mut first);
        drop(out);
        let status = child.wait().expect("wait");
        let err = read_all(child.stderr.take().expect("stderr"));
        assert_ne!(status.code(), Some(101), "{format}: {err}");
        assert!(!err.contains("panicked"), "{format}: {err}");
    }
}

#[test]
fn h13_stdin_errors_have_a_location() {
    let Some(dir) = case(13) else { return };
    let bytes = std::fs::read(dir.join("invalid-utf8.yaml")).expect("read");
    let r = run_in(&dir, &["check", "--format", "concise", "-"], Some(&bytes));
    assert_eq!(r.code(), 2, "{}", r.stdout);
    assert!(
        r.stdout.starts_with("-:3:18: error[TOPO006"),
        "{}",
        r.stdout
    );
}

#[test]
fn h16_human_and_concise_agree_on_locations() {
    let Some(dir) = case(16) else { return };
    for (file, at) in [("cr.yaml", "cr.yaml:5:9"), ("mb2.yaml", "mb2.yaml:4:26")] {
        let concise = check_concise(&dir, &[file]);
        assert!(concise.stdout.contains(at), "{}", concise.stdout);
        let human = run_in(&dir, &["check", file], None);
        human.no_panic();
        assert!(human.stdout.contains(at), "{file}: {}", human.stdout);
    }
}

#[test]
fn h16_an_unreadable_subdirectory_is_reported_and_the_walk_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let Some(dir) = case(16) else { return };
    let work = scratch(&dir.join("permdir"));
    // Sorted before `a/`, so a walk that stops would check nothing.
    let zz = work.path().join("0-unreadable");
    std::fs::create_dir(&zz).expect("mkdir");
    std::fs::write(zz.join("compose.yaml"), "services: {x: {image: y}}\n").expect("write");
    std::fs::set_permissions(&zz, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    for p in [work.path().to_path_buf(), work.path().join("a")] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let dir_arg = work.path().to_string_lossy().into_owned();
    let as_nobody = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_topoc"))
        .args(["check", "--format", "concise", &dir_arg])
        .output();
    let out = match as_nobody {
        Ok(o) if !String::from_utf8_lossy(&o.stderr).contains("setpriv:") => o,
        _ => {
            eprintln!("skipped: cannot run as another user (setpriv)");
            return;
        }
    };
    let _ = std::fs::set_permissions(&zz, std::fs::Permissions::from_mode(0o755));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0-unreadable"), "{text}");
    assert!(text.contains("TOPO006"), "{text}");
    // a/compose.yaml (a published postgres) was still checked.
    assert!(text.contains("a/compose.yaml"), "{text}");
}

#[test]
fn h18_long_lines_render_in_every_command() {
    let Some(dir) = case(18) else { return };
    for cmd in [
        vec!["check", "compose.yaml"],
        vec!["ir", "compose.yaml"],
        vec!["connectivity", "compose.yaml"],
        vec!["compile", "compose.yaml", "--to", "nft"],
    ] {
        let r = run_in(&dir, &cmd, None);
        r.no_panic();
        assert_eq!(r.code(), 2, "{cmd:?}: {}{}", r.stdout, r.stderr);
    }
}

/// Every command's default (human) output on every reproducer file: exit
/// 0, 1 or 2, never a panic (issue 18 item 1).
#[test]
fn every_command_renders_every_reproducer() {
    let Some(all) = corpus("field-cases/hostile") else {
        return;
    };
    let mut files = Vec::new();
    for n in 1..=19 {
        let d = all.join(n.to_string());
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("yaml" | "yml" | "json")
                    )
            })
            .collect();
        names.sort();
        files.extend(names);
    }
    assert!(files.len() >= 15, "{files:?}");
    for f in &files {
        let dir = f.parent().expect("parent");
        let name = f.file_name().and_then(|n| n.to_str()).expect("name");
        for cmd in [
            vec!["check", name],
            vec!["ir", name],
            vec!["connectivity", name],
            vec!["compile", name, "--to", "k8s"],
            vec!["compile", name, "--to", "compose"],
            vec!["compile", name, "--to", "nft"],
        ] {
            let r = run_in(dir, &cmd, None);
            r.no_panic();
            assert!(
                matches!(r.code(), 0..=2),
                "{cmd:?} in {}: {}",
                dir.display(),
                r.stderr
            );
        }
    }
}
