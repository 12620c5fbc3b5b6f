//! The `topoc` binary: everything lives in the library; `cli` maps it to a process.

mod cli;

/// mimalloc instead of the system allocator: a large input is millions of
/// small allocations, most made on the parser threads, where glibc's
/// per-thread arenas grow a few pages at a time (a third of the parse went
/// to malloc and page faults). The library itself does not choose an
/// allocator. See BENCHMARKS.md for the effect.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` and `mi_option_purge_delay` in mimalloc v2's
/// `mi_option_t` (the Rust bindings do not name them).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // A run is short and its memory is returned at exit: commit arenas
    // up front and never hand freed pages back to the kernel mid-run, which
    // otherwise costs page faults when they are used again (a third less
    // system time on 100k objects).
    // SAFETY: option setters with valid option ids, before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 1);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
    restore_sigpipe();
    cli::run()
}

/// Rust ignores SIGPIPE, which turns a closed stdout (`topoc check | head`)
/// into a write error that `print!` reports as a panic. Every command ends
/// instead as Unix filters do: killed by SIGPIPE, quietly, with the status
/// a shell shows as 141.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: setting a signal's disposition to its default, before any
    // other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
