//! Wall time per pipeline phase, for benchmarks (`TOPOC_TIMINGS=1` makes
//! the CLI switch it on and print it to stderr). Off, a phase mark is one
//! relaxed atomic load; the core records and never prints.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static MARKS: Mutex<Vec<(&'static str, Instant)>> = Mutex::new(Vec::new());

/// Start recording; the start is the first mark.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
    mark("start");
}

/// The phase that ends now. Nested or threaded phases are not told apart:
/// marks are placed where one thread runs the pipeline.
pub fn mark(phase: &'static str) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(mut marks) = MARKS.lock() {
        marks.push((phase, Instant::now()));
    }
}

/// Each phase with the time spent in it (the gaps before its marks,
/// summed: reading many files marks `read` once per file), in the order
/// the phases first ended.
pub fn phases() -> Vec<(&'static str, Duration)> {
    let marks = MARKS.lock().map(|m| m.clone()).unwrap_or_default();
    let mut out: Vec<(&'static str, Duration)> = Vec::new();
    for w in marks.windows(2) {
        let (name, gap) = (w[1].0, w[1].1 - w[0].1);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += gap,
            None => out.push((name, gap)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn phases_are_the_gaps_between_marks() {
        super::enable();
        super::mark("one");
        super::mark("two");
        super::mark("one");
        let p = super::phases();
        let names: Vec<_> = p.iter().map(|(n, _)| *n).collect();
        assert!(names.ends_with(&["one", "two"]), "{names:?}");
        assert_eq!(names.iter().filter(|n| **n == "one").count(), 1);
    }
}
