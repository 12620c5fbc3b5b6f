//! Parallel parsing of large multi-document files.
//!
//! A line that starts with `---` followed by a blank or the end of the line
//! is always a document marker in YAML: no scalar, quoted or block, may
//! contain one (the spec's `c-forbidden`). Anchors are scoped to their
//! document. So a stream split at such lines parses to the same documents
//! as the whole, once positions are shifted by where each chunk starts.
//!
//! Anything unusual falls back to the sequential parse, whose result is the
//! reference: a chunk with an error (the whole-file error message and
//! position are produced by the sequential parse), alias expansion that
//! could exceed the file's budget only in total, or `%` directives (which
//! belong to the document after them, across a split point).

use super::Document;
use super::build::{Base, Budget, MAX_NODES, MAX_RUN_ALIAS_NODES, parse_chunk};
use crate::diagnostic::Diagnostic;
use crate::source::FileId;

/// Files smaller than this are not worth a thread.
const MIN_PARALLEL_BYTES: usize = 512 * 1024;
/// Upper bound on threads, whatever the machine has.
const MAX_THREADS: usize = 8;

/// The parse of `text` on several threads, or None when it should be (or
/// has to be, after a failed chunk) parsed whole.
pub(super) fn parse_parallel(
    file: FileId,
    text: &str,
    budget: &Budget,
) -> Option<(Vec<Document>, Vec<Diagnostic>)> {
    if text.len() < MIN_PARALLEL_BYTES {
        return None;
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    let starts = split_points(text, threads);
    if starts.len() < 2 {
        return None;
    }
    let chunks = chunks(text, &starts);
    // Each chunk looks for directives itself (a `%` line start lies wholly
    // inside one chunk, since each starts at a `---` line): a serial scan of
    // the whole text was a tenth of the parse's wall time.
    let parse = |&(part, base): &(&str, Base)| {
        if has_directives(part) {
            None
        } else {
            parse_chunk(file, part, base)
        }
    };
    // The first chunk is parsed on this thread: its trees are then in this
    // thread's heap, where lowering (on this thread) frees them locally and
    // allocates into their memory, rather than into pages of an exited
    // thread.
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks[1..]
            .iter()
            .map(|chunk| s.spawn(move || parse(chunk)))
            .collect();
        let first =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(&chunks[0]))).ok();
        std::iter::once(first.flatten())
            .chain(handles.into_iter().map(|h| h.join().ok().flatten()))
            .collect()
    });
    let results: Vec<_> = results.into_iter().collect::<Option<_>>()?;
    let mut docs = Vec::with_capacity(results.iter().map(|r| r.0.len()).sum());
    let mut diags = Vec::new();
    let mut alias_nodes = 0;
    for (d, g, n) in results {
        alias_nodes += n;
        docs.extend(d);
        diags.extend(g);
    }
    if alias_nodes > MAX_NODES {
        return None;
    }
    if alias_nodes > 0 && budget.charge(alias_nodes) > MAX_RUN_ALIAS_NODES {
        // The whole parse reports where the run's budget ran out.
        budget.refund(alias_nodes);
        return None;
    }
    for (i, d) in docs.iter_mut().enumerate() {
        d.index = i;
    }
    Some((docs, diags))
}

/// Whether `text` has a line starting with `%` (a directive, or an error).
fn has_directives(text: &str) -> bool {
    text.starts_with('%') || text.contains("\n%")
}

/// Byte offsets where chunks start: 0, then up to `n - 1` document-marker
/// lines near equal fractions of the text.
fn split_points(text: &str, n: usize) -> Vec<usize> {
    let mut starts = vec![0];
    for k in 1..n {
        let target = text.len() * k / n;
        let from = target.max(*starts.last().unwrap_or(&0));
        if let Some(p) = next_marker(text, from)
            && p > *starts.last().unwrap_or(&0)
        {
            starts.push(p);
        }
    }
    starts.dedup();
    starts
}

/// The byte offset of the first `---` document-marker line starting at or
/// after `from` (never 0: the first chunk starts there anyway).
fn next_marker(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(i) = text.get(at..)?.find("\n---") {
        let start = at + i + 1;
        match bytes.get(start + 3) {
            None | Some(b' ' | b'\t' | b'\r' | b'\n') => return Some(start),
            _ => at = start,
        }
    }
    None
}

/// Each chunk's text and its base position in the file.
fn chunks<'t>(text: &'t str, starts: &[usize]) -> Vec<(&'t str, Base)> {
    let mut out = Vec::with_capacity(starts.len());
    let mut base = Base::default();
    let mut prev = 0;
    for (i, &start) in starts.iter().enumerate() {
        let between = &text[prev..start];
        base.line += line_breaks(between) as u32;
        // A chunk keeps the `---` that ends it: how its last document ends
        // (a block scalar's span, some errors) depends on what ends it. The
        // empty document it starts is no document.
        let end = starts.get(i + 1).map_or(text.len(), |&next| next + 3);
        out.push((&text[start..end], base));
        prev = start;
    }
    out
}

/// [`crate::source::line_breaks`], summed in byte-wide counters of 255
/// bytes (which vectorise) when the text has no CR, the common case; CRs
/// take the exact rules. The chunk bases are counted on one thread before
/// the others start, and a count per byte took 18 ms of a 80 MB file.
fn line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    if bytes.contains(&b'\r') {
        return crate::source::line_breaks(text);
    }
    bytes
        .chunks(255)
        .map(|c| usize::from(c.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::super::build::parse_chunk;
    use super::*;

    fn stream(docs: usize) -> String {
        (0..docs)
            .map(|i| {
                format!(
                    "---\nkind: Service\nmetadata:\n  name: \"svc-é{i}\"\n  labels: {{a: b}}\ndata: |\n  line --- {i}\n  ---\n"
                )
            })
            .collect()
    }

    #[test]
    fn line_breaks_agree_with_the_source_count() {
        let mut text = String::new();
        for i in 0..40_000 {
            text.push_str(&"x".repeat(i % 37));
            text.push(if i % 251 == 0 { ' ' } else { '\n' });
        }
        for cut in [0, 1, 254, 255, 256, 510, 100_000, text.len()] {
            let t = &text[..cut.min(text.len())];
            assert_eq!(line_breaks(t), crate::source::line_breaks(t), "{cut}");
        }
        let crs = "a\r\nb\rc\n";
        assert_eq!(line_breaks(crs), crate::source::line_breaks(crs));
    }

    #[test]
    fn markers_are_whole_lines() {
        let t = "a: 1\n---x: 2\n--- \nb: 1\n---\n";
        assert_eq!(next_marker(t, 0), Some(13));
        assert_eq!(next_marker(t, 14), Some(23));
        assert_eq!(split_points(t, 3), vec![0, 13, 23]);
    }

    #[test]
    fn chunked_parse_equals_whole_parse() {
        let text = stream(300);
        let starts = split_points(&text, 4);
        assert_eq!(starts.len(), 4);
        let mut docs = Vec::new();
        for (part, base) in chunks(&text, &starts) {
            docs.extend(parse_chunk(FileId(0), part, base).unwrap().0);
        }
        let whole = parse_chunk(FileId(0), &text, Base::default()).unwrap().0;
        assert_eq!(docs.len(), 300);
        for (a, b) in docs.iter().zip(&whole) {
            assert_eq!(a.root, b.root);
        }
    }

    /// Documents whose scalars hold what a split must not cut: block and
    /// quoted scalars with `---` inside, CRLF and lone-CR line ends, tabs,
    /// multi-line plain scalars, non-ASCII text, duplicate keys, anchors.
    const TRICKY_DOCS: &[&str] = &[
        "kind: A\ndata: |\n  --- not a marker\n   ---\n  é 𝄞\n",
        "kind: B\r\nname: \"q --- x\r\n  --- y\"\r\nv: 'it''s'\r\n",
        "kind: C\rname: x\r  folded\r",
        "kind: D\nname:\tx\t\nlist:\n- a\n- b\t\n",
        "kind: E\nk: plain\n  over\n\n  lines # c\nk: again\n",
        "kind: F\nbase: &b {a: 1}\nuse: {<<: *b, c: ü}\n",
        "--- # comment\nkind: G\n...\n",
    ];

    fn tricky_stream(docs: usize) -> String {
        (0..docs)
            .map(|i| format!("---\n{}", TRICKY_DOCS[i % TRICKY_DOCS.len()]))
            .collect()
    }

    #[test]
    fn chunked_parse_of_tricky_streams_equals_the_whole_parse() {
        let text = tricky_stream(20_000);
        assert!(text.len() > MIN_PARALLEL_BYTES);
        let whole = parse_whole_for_test(&text);
        let (docs, diags) = parse_parallel(FileId(0), &text, &Budget::new()).unwrap();
        assert_eq!(docs.len(), whole.0.len());
        for (a, b) in docs.iter().zip(&whole.0) {
            assert_eq!((a.index, &a.root), (b.index, &b.root));
        }
        assert_eq!(diags, whole.1);
        assert!(!diags.is_empty(), "the duplicate keys are reported");
        // Chunks cut at every marker agree too (not only at the halves).
        let starts: Vec<usize> = std::iter::once(0)
            .chain(std::iter::successors(next_marker(&text, 0), |&p| {
                next_marker(&text, p + 1)
            }))
            .take(40)
            .collect();
        let mut pieces = Vec::new();
        for (part, base) in chunks(&text, &starts) {
            pieces.extend(parse_chunk(FileId(0), part, base).unwrap().0);
        }
        for (a, b) in pieces.iter().zip(&whole.0) {
            assert_eq!(a.root, b.root);
        }
    }

    fn parse_whole_for_test(text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
        let (docs, diags, _) = parse_chunk(FileId(0), text, Base::default()).unwrap();
        (docs, diags)
    }

    #[test]
    fn errors_and_directives_fall_back_to_the_whole_parse() {
        let mut text = stream(6000);
        assert!(text.len() > MIN_PARALLEL_BYTES);
        let (docs, diags) = super::super::parse(FileId(0), &text);
        assert_eq!((docs.len(), diags.len()), (6000, 0));
        assert_eq!(docs[5999].index, 5999);
        text.push_str("---\na: [\n");
        let (docs, diags) = super::super::parse(FileId(0), &text);
        assert!(docs.is_empty());
        assert_eq!(diags.len(), 1);
        assert!(parse_parallel(FileId(0), &format!("%YAML 1.2\n{text}"), &Budget::new()).is_none());
    }
}
