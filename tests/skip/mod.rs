//! Skips that show in `cargo test`'s normal output. libtest captures what a
//! passing test prints with `print!`/`eprint!` and shows it only under
//! `--nocapture`, so a skip said that way looks like a pass. This writes to
//! the stderr handle itself, which the harness does not capture: one
//! `SKIPPED <test>: <why>` line per skip, among the `test ... ok` lines.
//! Every suite that can skip (a missing corpus, tool or runtime) says so
//! through [`skip`].
#![allow(dead_code)]

use std::io::Write;

/// Report that the running test skips (part of) its work, and why.
pub fn skip(why: impl std::fmt::Display) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("test");
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}
