//! Parsed files kept between runs of one process (`topoc lsp`): a file
//! whose path, id and text are unchanged is not parsed again. Entries are
//! found by id and path and then compared by text (a memcmp, several times
//! faster than hashing every text of a large workspace on each keystroke). Ids matter
//! because every span of a tree names its file; a run that reads the same
//! files in the same order gives them the same ids. Texts with anchors
//! (`&`) are never cached, so the alias budget of every run is charged
//! exactly as without a cache.

use super::Document;
use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

type Key = (FileId, PathBuf);
type Parsed = (Vec<Document>, Vec<Diagnostic>);
/// The text an entry was parsed from, and its trees.
type Entry = (String, Parsed);

#[derive(Default)]
pub struct ParseCache {
    inner: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    /// Entries used or made by the current run.
    current: HashMap<Key, Entry>,
    /// Entries of the previous run, not used yet by this one.
    previous: HashMap<Key, Entry>,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParseCache")
    }
}

fn key(file: FileId, path: &Path, text: &str) -> Option<Key> {
    if text.contains('&') {
        return None;
    }
    Some((file, path.to_path_buf()))
}

impl ParseCache {
    /// The trees of `text`, parsed by `parse` unless cached.
    pub fn get_or_parse(
        &self,
        file: FileId,
        path: &Path,
        text: &str,
        parse: impl FnOnce() -> Parsed,
    ) -> Parsed {
        let Some(k) = key(file, path, text) else {
            return parse();
        };
        let hit = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            match g.current.get(&k) {
                Some((t, p)) if t == text => Some(p.clone()),
                Some(_) => None,
                None => match g.previous.remove(&k) {
                    Some((t, p)) if t == text => {
                        let hit = p.clone();
                        g.current.insert(k.clone(), (t, p));
                        Some(hit)
                    }
                    _ => None,
                },
            }
        };
        if let Some(p) = hit {
            return p;
        }
        let parsed = parse();
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.current.insert(k, (text.to_string(), parsed.clone()));
        parsed
    }

    /// End a run: what it did not use is dropped at the end of the next.
    pub fn finish_run(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.previous = std::mem::take(&mut g.current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_files_are_parsed_once_and_anchors_never_cached() {
        let cache = ParseCache::default();
        let calls = std::cell::Cell::new(0);
        let parse = |text: &str| {
            let (docs, diags) = crate::syntax::parse(FileId(3), text);
            calls.set(calls.get() + 1);
            (docs, diags)
        };
        let p = Path::new("/w/a.yaml");
        for _ in 0..3 {
            let (docs, _) = cache.get_or_parse(FileId(3), p, "a: 1\n", || parse("a: 1\n"));
            assert_eq!(docs.len(), 1);
            cache.finish_run();
        }
        assert_eq!(calls.get(), 1);
        // Another id, path or text is another entry.
        cache.get_or_parse(FileId(4), p, "a: 1\n", || parse("a: 1\n"));
        cache.get_or_parse(FileId(3), p, "a: 2\n", || parse("a: 2\n"));
        assert_eq!(calls.get(), 3);
        let anchored = "a: &x 1\nb: *x\n";
        cache.get_or_parse(FileId(3), p, anchored, || parse(anchored));
        cache.get_or_parse(FileId(3), p, anchored, || parse(anchored));
        assert_eq!(calls.get(), 5);
        // Entries unused for a whole run are dropped.
        cache.finish_run();
        cache.finish_run();
        cache.get_or_parse(FileId(3), p, "a: 1\n", || parse("a: 1\n"));
        assert_eq!(calls.get(), 6);
    }
}
