//! Reports rendered on two threads and written in order. A large input has
//! tens of thousands of findings (240 MB of SARIF for 100k objects), each
//! rendered on its own, so the renderers split them into chunks: a helper
//! thread renders every other chunk while this one renders and writes the
//! rest. The bytes are the same as a sequential render's; at most a few
//! chunks are held in memory at once.

mod pretty;

use pretty::Pretty;
use std::io::{self, Write};

/// Findings per chunk: large enough that handing a chunk over costs
/// nothing, small enough to bound what waits in memory.
const CHUNK: usize = 256;

/// `render(index, chunk, buffer)` for every chunk of `items`, written to
/// `out` in order.
pub(super) fn write_chunks<'a, T: Sync>(
    items: &'a [T],
    render: impl Fn(usize, &'a [T], &mut Vec<u8>) + Sync,
    out: &mut dyn Write,
) -> io::Result<()> {
    let chunks: Vec<&'a [T]> = items.chunks(CHUNK).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if chunks.len() < 2 || threads < 2 {
        let mut buf = Vec::new();
        for (i, c) in chunks.into_iter().enumerate() {
            buf.clear();
            render(i, c, &mut buf);
            out.write_all(&buf)?;
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        // The helper renders the odd chunks, at most two ahead.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        let render = &render;
        let odd: Vec<(usize, &'a [T])> = chunks
            .iter()
            .copied()
            .enumerate()
            .skip(1)
            .step_by(2)
            .collect();
        let helper = std::thread::Builder::new()
            .name("render".into())
            .spawn_scoped(scope, move || {
                // Each buffer is sent away; the next starts at the last
                // one's size instead of growing from empty again.
                let mut size = 0;
                for (i, c) in odd {
                    let mut buf = Vec::with_capacity(size);
                    render(i, c, &mut buf);
                    size = buf.len();
                    if tx.send(buf).is_err() {
                        break;
                    }
                }
            });
        let mut rx = helper.is_ok().then_some(rx);
        let mut buf = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            let from_helper = if i % 2 == 1 {
                rx.as_ref().and_then(|rx| rx.recv().ok())
            } else {
                None
            };
            match from_helper {
                Some(b) => out.write_all(&b)?,
                None => {
                    if i % 2 == 1 {
                        // No helper (it could not start): render here.
                        rx = None;
                    }
                    buf.clear();
                    render(i, c, &mut buf);
                    out.write_all(&buf)?;
                }
            }
        }
        Ok(())
    })
}

const SPACES: &[u8; 128] = &[b' '; 128];

fn indent<W: ?Sized + Write>(w: &mut W, level: usize) -> io::Result<()> {
    let mut n = level * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        w.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// The marker that stands for a pretty-printed array in a document
/// serialized without it; no other value of our reports contains it.
pub(super) const ARRAY_MARKER: &str = "\u{1}topoc:array\u{1}";

/// `document` (pretty-printed, with [`ARRAY_MARKER`] as one string value)
/// with the marker replaced by the array of `items`, each serialized by
/// `one` on one of two threads: the bytes of `serde_json::to_writer_pretty`
/// on the whole.
pub(super) fn write_with_array<'a, T: Sync, S: serde::Serialize>(
    document: &impl serde::Serialize,
    items: &'a [T],
    one: impl Fn(&'a T) -> S + Sync,
    out: &mut dyn Write,
) -> io::Result<()> {
    let skeleton = serde_json::to_string_pretty(document)?;
    let quoted = serde_json::to_string(ARRAY_MARKER)?;
    let Some(at) = skeleton.find(&quoted) else {
        return Err(io::Error::other("report skeleton without its array"));
    };
    let (before, after) = (&skeleton[..at], &skeleton[at + quoted.len()..]);
    // The marker's line says how deep the array is.
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let level = line.bytes().take_while(|&b| b == b' ').count() / 2;
    out.write_all(before.as_bytes())?;
    if items.is_empty() {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[")?;
        write_chunks(
            items,
            |index, chunk, buf| {
                for (i, item) in chunk.iter().enumerate() {
                    let first = index == 0 && i == 0;
                    buf.extend_from_slice(if first { b"\n" } else { b",\n" });
                    let _ = indent(buf, level + 1);
                    // Writing to memory fails only for values serde cannot
                    // represent, which our reports do not hold.
                    let _ = one(item).serialize(&mut Pretty::new(buf, level + 1));
                }
            },
            out,
        )?;
        out.write_all(b"\n")?;
        indent(out, level)?;
        out.write_all(b"]")?;
    }
    out.write_all(after.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spliced_arrays_are_the_bytes_of_the_whole() {
        for n in [0, 1, 2, 255, 256, 257, 1000] {
            let items: Vec<serde_json::Value> = (0..n)
                .map(|i| json!({"i": i, "nested": {"list": [i, {"deep": [1, [], {}]}], "empty": {}}, "s": "x\ny"}))
                .collect();
            let whole =
                json!({"a": 1, "runs": [{"results": items.clone(), "after": [1, 2]}], "z": {}});
            let want = serde_json::to_string_pretty(&whole).unwrap();
            let skeleton =
                json!({"a": 1, "runs": [{"results": ARRAY_MARKER, "after": [1, 2]}], "z": {}});
            let mut got = Vec::new();
            write_with_array(&skeleton, &items, |v| v, &mut got).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), want, "{n} items");
        }
    }

    #[test]
    fn chunks_are_written_in_order() {
        let items: Vec<usize> = (0..10_000).collect();
        let mut got = Vec::new();
        write_chunks(
            &items,
            |_, c, buf| {
                c.iter()
                    .for_each(|i| buf.extend_from_slice(format!("{i},").as_bytes()))
            },
            &mut got,
        )
        .unwrap();
        let want: String = items.iter().map(|i| format!("{i},")).collect();
        assert_eq!(String::from_utf8(got).unwrap(), want);
    }
}
