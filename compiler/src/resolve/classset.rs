//! Sets of Kubernetes classes (the peers a policy rule matches, the union
//! of a subject's rules), sized by their members rather than by the cluster.
//! Their storage is shared: a peer selection evaluated once in `resolve` is
//! the set of every rule with that one peer (copied only when a rule adds
//! another peer), so equal selections take memory once.

use std::sync::Arc;

/// A set of classes: a sorted list while it has few members, a bitset over
/// every class beyond. Each policy rule keeps one, and most rules select a
/// few classes of their namespace: as bitsets they took rules × classes / 8
/// bytes (about 280 MB at 100k objects).
#[derive(Debug, Clone)]
pub struct BitSet {
    /// The number of classes the set ranges over.
    n: usize,
    repr: SetRepr,
}

#[derive(Debug, Clone)]
enum SetRepr {
    /// Ascending, at most `SPARSE_MAX` members.
    Sparse(Arc<Vec<u32>>),
    Dense(Arc<Vec<u64>>),
}

/// Members a set lists before it becomes a bitset: a membership test is then
/// a binary search of at most 6 steps within one or two cache lines.
const SPARSE_MAX: usize = 64;

impl BitSet {
    pub fn new(n: usize) -> Self {
        BitSet {
            n,
            repr: SetRepr::Sparse(Arc::new(Vec::new())),
        }
    }

    /// The set of the ascending members `sorted` (duplicates allowed).
    pub fn from_sorted(n: usize, sorted: &[u32]) -> Self {
        let mut list: Vec<u32> = Vec::with_capacity(sorted.len());
        for &i in sorted {
            assert!((i as usize) < n, "class {i} outside a set of {n}");
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
        if Self::fits_list(list.len(), n) {
            return BitSet {
                n,
                repr: SetRepr::Sparse(Arc::new(list)),
            };
        }
        let mut words = vec![0u64; n.div_ceil(64)];
        for &i in &list {
            words[i as usize / 64] |= 1 << (i % 64);
        }
        BitSet {
            n,
            repr: SetRepr::Dense(Arc::new(words)),
        }
    }

    /// The set whose bitset words are `words` (bits past `n` clear).
    pub fn from_words(n: usize, words: Vec<u64>) -> Self {
        debug_assert_eq!(words.len(), n.div_ceil(64));
        let count: usize = words.iter().map(|w| w.count_ones() as usize).sum();
        if Self::fits_list(count, n) {
            let set = BitSet {
                n,
                repr: SetRepr::Dense(Arc::new(words)),
            };
            let list: Vec<u32> = set.iter().map(|i| i as u32).collect();
            return BitSet {
                n,
                repr: SetRepr::Sparse(Arc::new(list)),
            };
        }
        BitSet {
            n,
            repr: SetRepr::Dense(Arc::new(words)),
        }
    }

    /// Whether `members` of `n` stay a list: bitset words would take no
    /// less room.
    fn fits_list(members: usize, n: usize) -> bool {
        members <= SPARSE_MAX && members * 32 <= n.max(64)
    }

    pub fn is_empty(&self) -> bool {
        match &self.repr {
            SetRepr::Sparse(list) => list.is_empty(),
            SetRepr::Dense(words) => words.iter().all(|&w| w == 0),
        }
    }

    fn dense_words(&mut self) -> &mut Vec<u64> {
        if let SetRepr::Sparse(list) = &self.repr {
            let mut words = vec![0u64; self.n.div_ceil(64)];
            for &i in list.iter() {
                words[i as usize / 64] |= 1 << (i % 64);
            }
            self.repr = SetRepr::Dense(Arc::new(words));
        }
        match &mut self.repr {
            SetRepr::Dense(words) => Arc::make_mut(words),
            SetRepr::Sparse(_) => unreachable!("made dense above"),
        }
    }
    pub fn insert(&mut self, i: usize) {
        assert!(i < self.n, "class {i} outside a set of {}", self.n);
        if let SetRepr::Sparse(list) = &mut self.repr {
            let at = match list.binary_search(&(i as u32)) {
                Ok(_) => return,
                Err(at) => at,
            };
            if Self::fits_list(list.len() + 1, self.n) {
                Arc::make_mut(list).insert(at, i as u32);
                return;
            }
        }
        self.dense_words()[i / 64] |= 1 << (i % 64);
    }
    pub fn contains(&self, i: usize) -> bool {
        match &self.repr {
            SetRepr::Sparse(list) => list.binary_search(&(i as u32)).is_ok(),
            SetRepr::Dense(words) => words[i / 64] & (1 << (i % 64)) != 0,
        }
    }
    /// The number of members.
    pub fn count(&self) -> usize {
        match &self.repr {
            SetRepr::Sparse(list) => list.len(),
            SetRepr::Dense(words) => words.iter().map(|w| w.count_ones() as usize).sum(),
        }
    }
    pub fn union_with(&mut self, o: &BitSet) {
        if self.is_empty() {
            // Share the other's storage (an empty set has nothing to keep).
            self.repr = o.repr.clone();
            return;
        }
        match &o.repr {
            SetRepr::Sparse(list) => {
                for &i in list.iter() {
                    self.insert(i as usize);
                }
            }
            SetRepr::Dense(theirs) => {
                for (a, b) in self.dense_words().iter_mut().zip(theirs.iter()) {
                    *a |= b;
                }
            }
        }
    }
    /// The members, ascending: a walk over the list or the words, not over
    /// every index, so callers visiting a rule's peers pay for the peers,
    /// not for all classes.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let (list, words): (&[u32], &[u64]) = match &self.repr {
            SetRepr::Sparse(list) => (list.as_slice(), &[]),
            SetRepr::Dense(words) => (&[], words.as_slice()),
        };
        let dense = words.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let b = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    w * 64 + b
                })
            })
        });
        list.iter().map(|&i| i as usize).chain(dense)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every operation agrees with a BTreeSet, through the switch from list
    /// to bitset and across unions of both representations.
    #[test]
    fn sets_behave_as_ordered_sets_in_both_representations() {
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        for n in [1, 63, 64, 65, 1000, 5000] {
            for members in [0, 3, SPARSE_MAX, SPARSE_MAX + 1, 400] {
                let mut a = BitSet::new(n);
                let mut b = BitSet::new(n);
                let (mut ea, mut eb) = (BTreeSet::new(), BTreeSet::new());
                for _ in 0..members {
                    let (i, j) = (next(n), next(n));
                    a.insert(i);
                    ea.insert(i);
                    b.insert(j);
                    eb.insert(j);
                }
                assert_eq!(
                    a.iter().collect::<Vec<_>>(),
                    ea.iter().copied().collect::<Vec<_>>()
                );
                assert_eq!(a.count(), ea.len());
                for i in 0..n {
                    assert_eq!(a.contains(i), ea.contains(&i), "n {n}, member {i}");
                }
                a.union_with(&b);
                ea.extend(&eb);
                assert_eq!(
                    a.iter().collect::<Vec<_>>(),
                    ea.iter().copied().collect::<Vec<_>>()
                );
                assert_eq!(a.count(), ea.len());
            }
        }
    }

    #[test]
    fn a_set_of_few_members_stays_a_list() {
        let mut s = BitSet::new(100_000);
        for i in (0..SPARSE_MAX).rev() {
            s.insert(i * 1000);
        }
        assert!(matches!(s.repr, SetRepr::Sparse(_)));
        s.insert(7);
        assert!(matches!(s.repr, SetRepr::Dense(_)));
        assert!(s.contains(7) && s.contains(63_000) && !s.contains(8));
    }
}
