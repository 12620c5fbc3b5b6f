//! Label selectors evaluated on interned labels: every label key and every
//! (key, value) pair of the namespaces and classes gets an integer id once,
//! selectors are compiled to those ids, and a selection is either a filter
//! of the shortest posting list (few candidates) or bitset arithmetic over
//! every class (many). String compares per candidate dominated `check` on
//! inputs whose peers select many namespaces with many matchExpressions.
//!
//! A compiled selector is also the canonical form of its meaning: values
//! no label carries are dropped, so selectors that differ only in those
//! share one memo entry.

use super::classset::BitSet;
use crate::ir::FastMap;
use crate::ir::{LabelSelector, Labels, SelectorOp};
use std::sync::{Arc, OnceLock};

/// Label ids: keys, and (key, value) pairs.
#[derive(Debug, Default)]
pub struct Interner {
    keys: FastMap<String, u32>,
    /// Per key id: value → pair id.
    pairs: Vec<FastMap<String, u32>>,
    /// Per pair id: its key id.
    pair_key: Vec<u32>,
}

impl Interner {
    fn intern(&mut self, k: &str, v: &str) -> (u32, u32) {
        let next = self.keys.len() as u32;
        let key = *self.keys.entry(k.to_string()).or_insert(next);
        if key == next {
            self.pairs.push(FastMap::default());
        }
        let next = self.pair_key.len() as u32;
        let pair = *self.pairs[key as usize]
            .entry(v.to_string())
            .or_insert(next);
        if pair == next {
            self.pair_key.push(key);
        }
        (key, pair)
    }

    fn key(&self, k: &str) -> Option<u32> {
        self.keys.get(k).copied()
    }

    fn pair(&self, key: u32, v: &str) -> Option<u32> {
        self.pairs[key as usize].get(v).copied()
    }

    /// `sel` in ids. Requirements are kept in the selector's order (the
    /// memo key depends on it, the meaning does not).
    pub fn compile(&self, sel: &LabelSelector) -> Compiled {
        let (mut reqs, mut never) = self.match_labels(&sel.match_labels);
        for r in &sel.match_expressions {
            let key = self.key(&r.key);
            let known = |key: u32| -> Vec<u32> {
                let mut ps: Vec<u32> = r.values.iter().filter_map(|v| self.pair(key, v)).collect();
                ps.sort_unstable();
                ps.dedup();
                ps
            };
            match (r.op, key) {
                (SelectorOp::In, Some(key)) => {
                    let ps = known(key);
                    if ps.is_empty() {
                        never = true;
                    }
                    reqs.push(Req::In(key, ps));
                }
                (SelectorOp::NotIn, Some(key)) => {
                    let ps = known(key);
                    if !ps.is_empty() {
                        reqs.push(Req::NotIn(key, ps));
                    }
                }
                (SelectorOp::Exists, Some(key)) => reqs.push(Req::Exists(key)),
                (SelectorOp::DoesNotExist, Some(key)) => reqs.push(Req::Absent(key)),
                // No label has the key: `In` and `Exists` match nothing,
                // `NotIn` and `DoesNotExist` everything.
                (SelectorOp::In | SelectorOp::Exists, None) => never = true,
                (SelectorOp::NotIn | SelectorOp::DoesNotExist, None) => {}
            }
        }
        if never {
            reqs = vec![Req::Never];
        }
        Compiled { reqs }
    }

    /// The selector `matchLabels: labels` in ids (a Service's selector),
    /// as `compile` reads it.
    pub fn compile_labels(&self, labels: &Labels) -> Compiled {
        let (reqs, never) = self.match_labels(labels);
        if never {
            return Compiled {
                reqs: vec![Req::Never],
            };
        }
        Compiled { reqs }
    }

    /// The requirements of `matchLabels`, and whether one names a label
    /// no id carries (then nothing matches).
    fn match_labels(&self, labels: &Labels) -> (Vec<Req>, bool) {
        let mut reqs = Vec::with_capacity(labels.len());
        let mut never = false;
        for (k, v) in labels {
            match self.key(k).and_then(|key| self.pair(key, v)) {
                Some(p) => reqs.push(Req::In(self.pair_key[p as usize], vec![p])),
                None => never = true,
            }
        }
        (reqs, never)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Req {
    /// The label of the key is one of these pairs (ascending);
    /// `matchLabels` is a one-pair `In`.
    In(u32, Vec<u32>),
    /// The label of the key is absent or none of these pairs.
    NotIn(u32, Vec<u32>),
    Exists(u32),
    Absent(u32),
    Never,
}

/// A selector in label ids (an empty one matches everything).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Compiled {
    reqs: Vec<Req>,
}

impl Compiled {
    /// The selector that matches every id (an empty one).
    pub fn everything() -> Self {
        Compiled { reqs: Vec::new() }
    }
}

/// Ids (namespace or class indices) with interned labels, and their
/// posting lists.
#[derive(Debug, Default)]
pub struct Universe {
    /// Per id: (key id, pair id), ascending by key.
    labels: Vec<Vec<(u32, u32)>>,
    /// Per pair id: the ids carrying it, ascending.
    by_pair: Vec<Vec<u32>>,
    /// Per key id: the ids carrying the key, ascending.
    by_key: Vec<Vec<u32>>,
    /// Bitsets of the long posting lists, built on first use (a short list
    /// is cheaper to set bit by bit than a bitset is to keep).
    pair_bits: Vec<OnceLock<Arc<[u64]>>>,
    key_bits: Vec<OnceLock<Arc<[u64]>>>,
}

/// The posting lists of one `Universe` that a bitset is kept for are at
/// least `words / LONG_POSTING` long: the kept bitsets then take at most
/// `8 * LONG_POSTING` bytes per label of the input.
const LONG_POSTING: usize = 4;

impl Universe {
    /// The universe of `labels` (one per id), interning into `interner`.
    pub fn new<'a>(interner: &mut Interner, labels: impl Iterator<Item = &'a Labels>) -> Self {
        let mut u = Universe::default();
        for (id, ls) in labels.enumerate() {
            let mut ids: Vec<(u32, u32)> = ls.iter().map(|(k, v)| interner.intern(k, v)).collect();
            ids.sort_unstable();
            ids.dedup_by_key(|(k, _)| *k);
            for &(k, p) in &ids {
                let (k, p) = (k as usize, p as usize);
                if u.by_pair.len() <= p {
                    u.by_pair.resize_with(p + 1, Vec::new);
                }
                if u.by_key.len() <= k {
                    u.by_key.resize_with(k + 1, Vec::new);
                }
                u.by_pair[p].push(id as u32);
                u.by_key[k].push(id as u32);
            }
            u.labels.push(ids);
        }
        u
    }

    /// Call after every universe is built: ids interned by another one.
    pub fn finish(&mut self, interner: &Interner) {
        self.by_pair.resize_with(interner.pair_key.len(), Vec::new);
        self.by_key.resize_with(interner.keys.len(), Vec::new);
        self.pair_bits = (0..self.by_pair.len()).map(|_| OnceLock::new()).collect();
        self.key_bits = (0..self.by_key.len()).map(|_| OnceLock::new()).collect();
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    fn words(&self) -> usize {
        self.len().div_ceil(64)
    }

    fn value_of(&self, id: u32, key: u32) -> Option<u32> {
        let ls = &self.labels[id as usize];
        if ls.len() <= 8 {
            ls.iter().find(|(k, _)| *k == key).map(|&(_, p)| p)
        } else {
            ls.binary_search_by_key(&key, |&(k, _)| k)
                .ok()
                .map(|i| ls[i].1)
        }
    }

    /// Whether id `id` satisfies `sel`.
    pub fn matches(&self, id: u32, sel: &Compiled) -> bool {
        sel.reqs.iter().all(|r| match r {
            Req::In(k, ps) => self.value_of(id, *k).is_some_and(|p| ps.contains(&p)),
            Req::NotIn(k, ps) => self.value_of(id, *k).is_none_or(|p| !ps.contains(&p)),
            Req::Exists(k) => self.value_of(id, *k).is_some(),
            Req::Absent(k) => self.value_of(id, *k).is_none(),
            Req::Never => false,
        })
    }

    /// The shortest posting list every match is in, with its length; None
    /// when the selector has no `In` / `Exists` (every id is a candidate).
    /// An `In` of several values yields one list per value (disjoint).
    fn candidates(&self, sel: &Compiled) -> Option<(Vec<&[u32]>, usize)> {
        fn list(v: &[Vec<u32>], i: u32) -> &[u32] {
            v.get(i as usize).map_or(&[][..], Vec::as_slice)
        }
        sel.reqs
            .iter()
            .filter_map(|r| match r {
                Req::In(_, ps) => {
                    let lists: Vec<&[u32]> = ps.iter().map(|&p| list(&self.by_pair, p)).collect();
                    let len = lists.iter().map(|l| l.len()).sum();
                    Some((lists, len))
                }
                Req::Exists(k) => {
                    let l = list(&self.by_key, *k);
                    Some((vec![l], l.len()))
                }
                Req::Never => Some((Vec::new(), 0)),
                Req::NotIn(..) | Req::Absent(_) => None,
            })
            .min_by_key(|(_, len)| *len)
    }

    fn posting_bits<'a>(
        &'a self,
        list: &'a [u32],
        cache: Option<&'a OnceLock<Arc<[u64]>>>,
        scratch: &'a mut Vec<u64>,
    ) -> &'a [u64] {
        let words = self.words();
        if let Some(cache) = cache.filter(|_| list.len() * LONG_POSTING >= words) {
            return cache.get_or_init(|| {
                let mut w = vec![0u64; words];
                set_bits(&mut w, list);
                w.into()
            });
        }
        scratch.clear();
        scratch.resize(words, 0);
        set_bits(scratch, list);
        scratch
    }

    /// `acc &= ids matching sel` (or `&= !` when `negate`), one requirement.
    fn and_req(&self, acc: &mut [u64], r: &Req, scratch: &mut Vec<u64>) {
        let apply = |acc: &mut [u64], bits: &[u64], negate: bool| {
            for (a, b) in acc.iter_mut().zip(bits) {
                *a &= if negate { !b } else { *b };
            }
        };
        let empty: &[u32] = &[];
        let pair = |p: u32| {
            (
                self.by_pair.get(p as usize).map_or(empty, Vec::as_slice),
                self.pair_bits.get(p as usize),
            )
        };
        match r {
            Req::Never => acc.fill(0),
            Req::Exists(k) | Req::Absent(k) => {
                let list = self.by_key.get(*k as usize).map_or(empty, Vec::as_slice);
                let bits = self.posting_bits(list, self.key_bits.get(*k as usize), scratch);
                apply(acc, bits, matches!(r, Req::Absent(_)));
            }
            Req::In(_, ps) | Req::NotIn(_, ps) => {
                let negate = matches!(r, Req::NotIn(..));
                if let [p] = ps.as_slice() {
                    let (list, cache) = pair(*p);
                    let bits = self.posting_bits(list, cache, scratch);
                    apply(acc, bits, negate);
                    return;
                }
                let mut union = vec![0u64; self.words()];
                for &p in ps {
                    let (list, cache) = pair(p);
                    let bits = self.posting_bits(list, cache, scratch);
                    for (u, b) in union.iter_mut().zip(bits) {
                        *u |= b;
                    }
                }
                apply(acc, &union, negate);
            }
        }
    }

    /// The ids among `within` (ascending ids; None: every id) that match
    /// `sel`, as a set. Filters the shortest candidate list when it is
    /// short, else intersects bitsets word by word.
    pub fn select(&self, sel: &Compiled, within: Within<'_>) -> BitSet {
        let n = self.len();
        let words = self.words();
        let within_len = match &within {
            Within::All => n,
            Within::Lists { len, .. } => *len,
        };
        let candidates = self.candidates(sel);
        let scan = candidates
            .as_ref()
            .map_or(within_len, |(_, l)| (*l).min(within_len));
        // A bitset pass costs about `words` per requirement (and the mask).
        if scan * sel.reqs.len().max(1) <= words * (sel.reqs.len() + 1) {
            let mut out: Vec<u32> = Vec::new();
            let use_candidates = candidates.as_ref().is_some_and(|(_, l)| *l < within_len);
            match (&within, use_candidates) {
                (_, true) => {
                    let (lists, _) = candidates.as_ref().expect("checked above");
                    let inside = |id: u32| match &within {
                        Within::All => true,
                        Within::Lists { words: Some(w), .. } => {
                            w[id as usize / 64] & (1 << (id % 64)) != 0
                        }
                        Within::Lists { mask, .. } => mask(id),
                    };
                    for l in lists {
                        out.extend(
                            l.iter()
                                .copied()
                                .filter(|&id| inside(id) && self.matches(id, sel)),
                        );
                    }
                }
                (Within::All, false) => {
                    out.extend((0..n as u32).filter(|&id| self.matches(id, sel)));
                }
                (Within::Lists { lists, .. }, false) => {
                    for l in lists.iter() {
                        out.extend(l.iter().copied().filter(|&id| self.matches(id, sel)));
                    }
                }
            }
            out.sort_unstable();
            return BitSet::from_sorted(n, &out);
        }
        let mut acc = match &within {
            Within::All => {
                let mut w = vec![!0u64; words];
                if !n.is_multiple_of(64) {
                    w[words - 1] = (1u64 << (n % 64)) - 1;
                }
                w
            }
            Within::Lists { words: Some(w), .. } => w.to_vec(),
            Within::Lists { lists, .. } => {
                let mut w = vec![0u64; words];
                for l in lists.iter() {
                    set_bits(&mut w, l);
                }
                w
            }
        };
        let mut scratch = Vec::new();
        for r in &sel.reqs {
            self.and_req(&mut acc, r, &mut scratch);
        }
        BitSet::from_words(n, acc)
    }
}

fn set_bits(words: &mut [u64], ids: &[u32]) {
    for &i in ids {
        words[i as usize / 64] |= 1 << (i % 64);
    }
}

/// Where a selection looks: every id, or the union of disjoint ascending
/// lists (the classes of the selected namespaces) with a membership test.
pub enum Within<'a> {
    All,
    Lists {
        lists: Vec<&'a [u32]>,
        len: usize,
        mask: &'a dyn Fn(u32) -> bool,
        /// The same ids as bits over the universe, when the caller keeps
        /// them: the test and the start of a bitset pass without walking
        /// the lists or calling `mask`.
        words: Option<&'a [u64]>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::LabelRequirement;

    /// A small deterministic generator (no dependency, same cases every run).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    const KEYS: &[&str] = &["app", "tier", "team", "zone", "pci"];
    const VALUES: &[&str] = &["a", "b", "c", "d"];

    fn labels(g: &mut Lcg) -> Labels {
        let mut out = Labels::default();
        for k in KEYS {
            if g.below(3) != 0 {
                out.insert(k.to_string(), VALUES[g.below(4) as usize].to_string());
            }
        }
        out
    }

    fn selector(g: &mut Lcg) -> LabelSelector {
        // Keys and values outside the universe too ("nokey", "zz"): those
        // are the cases `compile` folds into `Never` or drops.
        let key =
            |g: &mut Lcg| ["app", "tier", "team", "zone", "pci", "nokey"][g.below(6) as usize];
        let value = |g: &mut Lcg| ["a", "b", "c", "d", "zz"][g.below(5) as usize];
        let mut s = LabelSelector::default();
        for _ in 0..g.below(2) {
            s.match_labels.insert(key(g).into(), value(g).into());
        }
        for _ in 0..g.below(3) {
            let op = [
                SelectorOp::In,
                SelectorOp::NotIn,
                SelectorOp::Exists,
                SelectorOp::DoesNotExist,
            ][g.below(4) as usize];
            let values = match op {
                SelectorOp::In | SelectorOp::NotIn => {
                    (0..1 + g.below(3)).map(|_| value(g).to_string()).collect()
                }
                _ => Vec::new(),
            };
            s.match_expressions.push(LabelRequirement {
                key: key(g).into(),
                op,
                values,
            });
        }
        s
    }

    /// Compiled selection agrees with `LabelSelector::matches` (the IR's
    /// reading of the Kubernetes rules) on every id, through both the
    /// candidate-filter and the bitset paths, over all ids and over lists.
    #[test]
    fn compiled_selection_equals_label_selector_matches() {
        let mut g = Lcg(7);
        for n in [5usize, 300, 3000] {
            let all: Vec<Labels> = (0..n).map(|_| labels(&mut g)).collect();
            let mut interner = Interner::default();
            let mut u = Universe::new(&mut interner, all.iter());
            u.finish(&interner);
            // Every third id, as the classes of some namespaces.
            let part: Vec<u32> = (0..n as u32).filter(|i| i.is_multiple_of(3)).collect();
            let mask = |id: u32| id.is_multiple_of(3);
            let mut part_words = vec![0u64; n.div_ceil(64)];
            set_bits(&mut part_words, &part);
            for _ in 0..300 {
                let sel = selector(&mut g);
                let compiled = interner.compile(&sel);
                let got: Vec<usize> = u.select(&compiled, Within::All).iter().collect();
                let want: Vec<usize> = (0..n).filter(|&i| sel.matches(&all[i])).collect();
                assert_eq!(got, want, "{sel:?}");
                let want: Vec<usize> = want.into_iter().filter(|i| i.is_multiple_of(3)).collect();
                // With and without the bits of the lists.
                for words in [None, Some(part_words.as_slice())] {
                    let within = Within::Lists {
                        lists: vec![&part],
                        len: part.len(),
                        mask: &mask,
                        words,
                    };
                    let got: Vec<usize> = u.select(&compiled, within).iter().collect();
                    assert_eq!(got, want, "within lists ({}): {sel:?}", words.is_some());
                }
            }
        }
    }
}
