//! Running external programs with a hard time bound. Every command goes
//! through coreutils `timeout -k 1`, so a hung `ip`, `nft` or `topoc` can
//! never hang the suite; failures come back as `Err(text)`, never a panic.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// A `timeout` command line for `prog args`, not yet spawned.
pub fn bounded(prog: &str, args: &[&str], limit: Duration) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.env("PATH", search_path())
        .arg("-k")
        .arg("1")
        .arg(format!("{:.2}", limit.as_secs_f64()))
        .arg(prog)
        .args(args);
    cmd
}

/// Runs `prog args` with `stdin` fed in and at most `limit` of wall time.
pub fn run(prog: &str, args: &[&str], stdin: Option<&str>, limit: Duration) -> Result<Ran, String> {
    let mut cmd = bounded(prog, args, limit);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {prog}: {e}"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A child that exits early closes the pipe; that error is not ours.
        let _ = pipe.write_all(text.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("waiting for {prog}: {e}"))?;
    Ok(Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Like `run` but a non-zero exit is an error carrying the command and stderr.
pub fn run_ok(
    prog: &str,
    args: &[&str],
    stdin: Option<&str>,
    limit: Duration,
) -> Result<String, String> {
    let r = run(prog, args, stdin, limit)?;
    if r.ok() {
        Ok(r.stdout)
    } else {
        Err(format!(
            "`{prog} {}` exited {:?}: {}",
            args.join(" "),
            r.code,
            r.stderr.trim()
        ))
    }
}

/// PATH plus the sbin directories: `ip`, `nft` and `modprobe` live there,
/// and a non-login environment (CI, cargo) may not list them.
pub fn search_path() -> OsString {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for extra in [
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ] {
        if !dirs.iter().any(|d| d.as_os_str() == extra) {
            dirs.push(PathBuf::from(extra));
        }
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// The first executable `name` on the search path.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&search_path())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
