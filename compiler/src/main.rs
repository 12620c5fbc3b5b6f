//! The `topoc` binary: everything lives in the library; `cli` maps it to a process.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
