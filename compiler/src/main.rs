//! The `topoc` binary: everything lives in the library; `cli` maps it to a process.

mod cli;

/// mimalloc instead of the system allocator: a large input is millions of
/// small allocations, most made on the parser threads, where glibc's
/// per-thread arenas grow a few pages at a time (a third of the parse went
/// to malloc and page faults). The library itself does not choose an
/// allocator. See BENCHMARKS.md for the effect.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit`, `mi_option_purge_delay` and
/// `mi_option_allow_thp` in the `mi_option_t` of mimalloc v3, the version
/// libmimalloc-sys builds by default (the Rust bindings do not name them).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

fn main() -> std::process::ExitCode {
    // A run is short and its memory is returned at exit: commit arenas
    // up front and never hand freed pages back to the kernel mid-run, which
    // otherwise costs page faults when they are used again (a third less
    // system time on 100k objects).
    // No transparent huge pages: mimalloc asks for them (MADV_HUGEPAGE),
    // and every 2 MiB page faulted in is zeroed whole and, on a fragmented
    // or virtualised host, compacted or backed first. On this project's
    // 2-core VM that cost 1.3-5.6 s of system time per 100k-object check
    // against 0.4-0.7 s with 4 KiB pages (BENCHMARKS.md, "check at scale").
    // SAFETY: option setters with valid option ids and a prctl that only
    // changes this process's paging policy, before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 1);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        libmimalloc_sys::mi_option_set(MI_OPTION_ALLOW_THP, 0);
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
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
