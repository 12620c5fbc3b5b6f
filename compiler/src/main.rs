//! The `topoc` binary: everything lives in the library; `cli` maps it to a process.

mod cli;

use std::alloc::{GlobalAlloc, Layout};

/// mimalloc instead of the system allocator: a large input is millions of
/// small allocations, most made on the parser threads, where glibc's
/// per-thread arenas grow a few pages at a time (a third of the parse went
/// to malloc and page faults). The library itself does not choose an
/// allocator. See BENCHMARKS.md for the effect.
#[global_allocator]
static GLOBAL: Allocator = Allocator;

/// mimalloc, asked for plain `mi_malloc` when a word's alignment is
/// enough (mimalloc's blocks are all word multiples): the `mimalloc` crate
/// asks `mi_malloc_aligned` for every layout, and mimalloc v3 serves that
/// from the block size asked for only while a page of that size has a free
/// block; past it, it over-allocates by `align - 1` bytes, one size class
/// up, for good. A syntax tree's one-entry mapping (112 bytes) then took
/// 128 and a two-entry one 256: a parse of 100k objects faulted in 7% more
/// memory than its trees.
struct Allocator;

/// Alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

// SAFETY: mimalloc's functions as its own `GlobalAlloc` calls them; the
// plain ones only for layouts whose alignment every block satisfies.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            unsafe { libmimalloc_sys::mi_malloc(layout.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            unsafe { libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_alignment_asked_for() {
        for align in [1, 2, 8, 16, 64, 4096] {
            for size in [1, 7, 24, 56, 112, 1000, 1 << 20] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero sizes; each block is freed with its layout.
                unsafe {
                    let p = Allocator.alloc(layout);
                    assert!(
                        !p.is_null() && (p as usize).is_multiple_of(align),
                        "{size}/{align}"
                    );
                    let q = Allocator.realloc(p, layout, size * 3);
                    assert!(
                        !q.is_null() && (q as usize).is_multiple_of(align),
                        "{size}/{align}"
                    );
                    Allocator.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    let z = Allocator.alloc_zeroed(layout);
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    Allocator.dealloc(z, layout);
                }
            }
        }
    }

    #[test]
    fn word_aligned_blocks_keep_their_size_class() {
        // More blocks than one mimalloc page holds: the aligned path moved
        // every one after the first page up a size class.
        let layout = Layout::from_size_align(112, 8).unwrap();
        // SAFETY: as above.
        let blocks: Vec<*mut u8> = (0..20_000)
            .map(|_| unsafe { Allocator.alloc(layout) })
            .collect();
        for &p in &blocks {
            assert!(unsafe { libmimalloc_sys::mi_usable_size(p.cast()) } < 128);
        }
        for p in blocks {
            unsafe { Allocator.dealloc(p, layout) };
        }
    }
}
