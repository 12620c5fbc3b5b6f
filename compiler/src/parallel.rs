//! Independent tasks (resolve's selections, the rules) run on every core and are joined in task
//! order, so the result never depends on the number of threads or on which
//! thread ran what. Each thread keeps a state of its own (a memo) across the
//! tasks it takes.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Fewer tasks than this run on the calling thread: spawning costs more.
const PARALLEL_TASKS: usize = 2;

/// The number of threads `ordered` runs on at most.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `run(state, i)` for every task `i` in `0..tasks`, in task order; each
/// thread makes its state with `init` and takes the next task when done.
pub fn ordered<S, R, I, F>(tasks: usize, init: I, run: F) -> Vec<R>
where
    R: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize) -> R + Sync,
{
    let threads = threads().min(tasks);
    if tasks < PARALLEL_TASKS || threads < 2 {
        let mut state = init();
        return (0..tasks).map(|i| run(&mut state, i)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut state = init();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= tasks {
                            return out;
                        }
                        out.push((i, run(&mut state, i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(out) => out,
                // Re-raise a task's panic here, as a sequential run would.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::ordered;

    /// Results come back in task order whatever thread ran them, and each
    /// thread's state is its own.
    #[test]
    fn results_in_task_order() {
        let got = ordered(
            100,
            || 0usize,
            |seen, i| {
                *seen += 1;
                (i * 7, *seen)
            },
        );
        let ids: Vec<usize> = got.iter().map(|(x, _)| *x).collect();
        assert_eq!(ids, (0..100).map(|i| i * 7).collect::<Vec<_>>());
        // Every task counted once by some thread's state.
        assert!(got.iter().all(|&(_, s)| (1..=100).contains(&s)));
        assert!(ordered(0, || (), |_, i| i).is_empty());
    }
}
