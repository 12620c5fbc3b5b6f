//! `partialFingerprints`: what identifies a finding across commits — its
//! code, resource, file and the text of the offending node with whitespace
//! collapsed, not its line — plus an occurrence number for the same node
//! reported twice (as GitHub does for its line hashes).
//!
//! A log of 100k objects has about 100k findings, so the hashes are fed
//! straight from the source text (no collapsed copy of each node, no
//! string per finding) and computed on every core.

use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;
use serde::{Serialize, Serializer};
use std::collections::HashMap;
use std::io::Write;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// Findings hashed per task: enough to make a task worth handing out.
const TASK: usize = 4096;

/// FNV-1a, 64 bits, over `bytes`: stable across runs and platforms (unlike
/// `DefaultHasher`).
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// One part of a fingerprint: its bytes, then a 0 so that parts cannot run
/// into each other (`"ab", "c"` is not `"a", "bc"`).
fn part(h: u64, s: &str) -> u64 {
    fnv(fnv(h, s.as_bytes()), &[0])
}

/// `part` of the words of `text` (`split_whitespace`) joined by single
/// spaces, without joining them.
fn collapsed_part(mut h: u64, text: &str) -> u64 {
    let bytes = text.as_bytes();
    let (mut i, mut word, mut space) = (0, None, false);
    while i < bytes.len() {
        // ASCII is decided by byte; anything else as `char::is_whitespace`
        // (U+00A0, U+2028, U+3000, ... are whitespace too).
        let (white, len) = match bytes[i] {
            b if b.is_ascii() => (matches!(b, b'\t'..=b'\r' | b' '), 1),
            _ => text[i..]
                .chars()
                .next()
                .map_or((false, 1), |c| (c.is_whitespace(), c.len_utf8())),
        };
        match (white, word) {
            (true, Some(start)) => {
                h = fnv(h, &bytes[start..i]);
                (word, space) = (None, true);
            }
            (false, None) => {
                if space {
                    h = fnv(h, b" ");
                }
                word = Some(i);
            }
            _ => {}
        }
        i += len;
    }
    if let Some(start) = word {
        h = fnv(h, &bytes[start..]);
    }
    fnv(h, &[0])
}

/// The hash of one finding's fingerprint.
fn hash(d: &Diagnostic, sources: &SourceMap) -> u64 {
    let file = sources.get(d.span.file);
    let start = file.byte_offset(d.span.start);
    let end = file.byte_offset(d.span.end).max(start);
    let h = part(FNV_OFFSET, d.code);
    let h = part(h, d.resource.as_deref().unwrap_or(""));
    let h = part(h, file.repo_name());
    collapsed_part(h, file.text.get(start..end).unwrap_or(""))
}

/// A finding's fingerprint, written `{hash:016x}:{occurrence}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fingerprint {
    hash: u64,
    occurrence: usize,
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // 16 hex digits, a colon and at most 20 decimal ones.
        let mut buf = [0u8; 40];
        let mut w = &mut buf[..];
        // Writing to a slice long enough cannot fail.
        let _ = write!(w, "{:016x}:{}", self.hash, self.occurrence);
        let len = 40 - w.len();
        s.serialize_str(std::str::from_utf8(&buf[..len]).unwrap_or_default())
    }
}

/// The fingerprint of every finding, in order: hashes on every core, then
/// the occurrences numbered in finding order.
pub(super) fn all(diags: &[Diagnostic], sources: &SourceMap) -> Vec<Fingerprint> {
    let hashes: Vec<Vec<u64>> = crate::parallel::ordered(
        diags.len().div_ceil(TASK),
        || (),
        |_, task| {
            let chunk = &diags[task * TASK..((task + 1) * TASK).min(diags.len())];
            chunk.iter().map(|d| hash(d, sources)).collect()
        },
    );
    let mut seen: HashMap<u64, usize, crate::ir::HashState> =
        HashMap::with_capacity_and_hasher(diags.len(), Default::default());
    hashes
        .into_iter()
        .flatten()
        .map(|hash| {
            let n = seen.entry(hash).or_insert(0);
            *n += 1;
            Fingerprint {
                hash,
                occurrence: *n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition: FNV-1a over the parts, each followed by a 0.
    fn fnv1a(parts: &[&str]) -> u64 {
        parts.iter().fold(FNV_OFFSET, |h, p| part(h, p))
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[""]), 0xaf63_bd4c_8601_b7df);
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
    }

    #[test]
    fn fingerprints_are_hex_and_occurrence() {
        let f = Fingerprint {
            hash: 0xab,
            occurrence: usize::MAX,
        };
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            format!("\"{:016x}:{}\"", 0xab, usize::MAX)
        );
    }

    proptest! {
        /// Streaming the words hashes what joining them did.
        #[test]
        fn collapsed_words_hash_as_joined(
            text in proptest::collection::vec(
                prop::sample::select(vec![
                    " ", "  ", "\t", "\n", "\r\n", "\u{b}", "\u{c}", "\u{85}", "\u{a0}",
                    "\u{1680}", "\u{2003}", "\u{2028}", "\u{202f}", "\u{3000}", "\u{200b}",
                    "\u{feff}", "a", "bc", "é", "日本", "\u{1f600}", "-", "\0",
                ]),
                0..40,
            ).prop_map(|parts| parts.concat()),
            prefix in "[a-z]{0,3}",
        ) {
            let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let h = part(FNV_OFFSET, &prefix);
            prop_assert_eq!(collapsed_part(h, &text), part(h, &joined));
        }
    }
}
