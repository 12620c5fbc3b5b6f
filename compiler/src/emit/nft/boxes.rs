//! Disjoint interval keys for the `flows` verdict map. The kernel rejects
//! overlapping elements in an interval map, so the allowed flows (boxes over
//! saddr × daddr × l4proto × dport, all with the verdict `accept`) are cut
//! into disjoint boxes covering exactly their union: sweep the source axis,
//! then within each source piece the destination axis, then merge the port
//! ranges per protocol. Deterministic: everything is sorted.

use std::collections::{BTreeMap, BTreeSet};

/// One allowed flow box, with the index of the reason it exists (for comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlowBox {
    pub src: (u32, u32),
    pub dst: (u32, u32),
    /// IP protocol number (6 tcp, 17 udp, 132 sctp).
    pub proto: u8,
    pub ports: (u16, u16),
    pub label: usize,
}

/// A disjoint output element and every reason that contributed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub src: (u32, u32),
    pub dst: (u32, u32),
    pub proto: u8,
    pub ports: (u16, u16),
    pub labels: BTreeSet<usize>,
}

/// Elementary pieces of `[lo, hi]` intervals where the set of covering
/// payloads is constant and non-empty; adjacent pieces with equal payload
/// sets are joined. A sweep over sorted start and end events: O(n log n)
/// plus the size of the output, never pieces × items.
fn sweep<P: Clone + Ord>(items: &[(u64, u64, P)]) -> Vec<(u64, u64, Vec<P>)> {
    let mut starts: Vec<(u64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, (lo, _, _))| (*lo, i))
        .collect();
    let mut ends: Vec<(u64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, (_, hi, _))| (*hi + 1, i))
        .collect();
    starts.sort_unstable();
    ends.sort_unstable();
    let mut bounds: Vec<u64> = starts.iter().chain(&ends).map(|(x, _)| *x).collect();
    bounds.sort_unstable();
    bounds.dedup();
    // Payload → how many active items carry it.
    let mut active: BTreeMap<&P, usize> = BTreeMap::new();
    let (mut si, mut ei) = (0, 0);
    let mut out: Vec<(u64, u64, Vec<P>)> = Vec::new();
    for w in bounds.windows(2) {
        let (lo, hi) = (w[0], w[1] - 1);
        while ei < ends.len() && ends[ei].0 <= lo {
            let p = &items[ends[ei].1].2;
            if let Some(n) = active.get_mut(p) {
                *n -= 1;
                if *n == 0 {
                    active.remove(p);
                }
            }
            ei += 1;
        }
        while si < starts.len() && starts[si].0 <= lo {
            *active.entry(&items[starts[si].1].2).or_insert(0) += 1;
            si += 1;
        }
        if active.is_empty() {
            continue;
        }
        if let Some(last) = out.last_mut()
            && last.1 + 1 == lo
            && last.2.len() == active.len()
            && last.2.iter().zip(active.keys()).all(|(a, b)| a == *b)
        {
            last.1 = hi;
            continue;
        }
        out.push((lo, hi, active.keys().map(|p| (*p).clone()).collect()));
    }
    out
}

pub fn disjoint(boxes: &[FlowBox]) -> Vec<Element> {
    let level1: Vec<(u64, u64, FlowBox)> = boxes
        .iter()
        .map(|b| {
            (
                b.src.0 as u64,
                b.src.1 as u64,
                FlowBox { src: (0, 0), ..*b },
            )
        })
        .collect();
    let mut out = Vec::new();
    for (slo, shi, inner) in sweep(&level1) {
        let level2: Vec<(u64, u64, FlowBox)> = inner
            .iter()
            .map(|b| {
                (
                    b.dst.0 as u64,
                    b.dst.1 as u64,
                    FlowBox { dst: (0, 0), ..*b },
                )
            })
            .collect();
        for (dlo, dhi, leaves) in sweep(&level2) {
            let protos: BTreeSet<u8> = leaves.iter().map(|b| b.proto).collect();
            for proto in protos {
                let ports: Vec<(u64, u64, usize)> = leaves
                    .iter()
                    .filter(|b| b.proto == proto)
                    .map(|b| (b.ports.0 as u64, b.ports.1 as u64, b.label))
                    .collect();
                // Every port piece is accepted, so join touching pieces
                // whatever their reasons.
                let mut merged: Vec<(u64, u64, BTreeSet<usize>)> = Vec::new();
                for (lo, hi, labels) in sweep(&ports) {
                    match merged.last_mut() {
                        Some(last) if last.1 + 1 == lo => {
                            last.1 = hi;
                            last.2.extend(labels);
                        }
                        _ => merged.push((lo, hi, labels.into_iter().collect())),
                    }
                }
                for (plo, phi, labels) in merged {
                    out.push(Element {
                        src: (slo as u32, shi as u32),
                        dst: (dlo as u32, dhi as u32),
                        proto,
                        ports: (plo as u16, phi as u16),
                        labels,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(a: &Element, b: &Element) -> bool {
        let o = |x: (u32, u32), y: (u32, u32)| x.0 <= y.1 && y.0 <= x.1;
        let p = |x: (u16, u16), y: (u16, u16)| x.0 <= y.1 && y.0 <= x.1;
        o(a.src, b.src) && o(a.dst, b.dst) && a.proto == b.proto && p(a.ports, b.ports)
    }

    fn covers(els: &[Element], s: u32, d: u32, proto: u8, port: u16) -> bool {
        els.iter().any(|e| {
            e.src.0 <= s
                && s <= e.src.1
                && e.dst.0 <= d
                && d <= e.dst.1
                && e.proto == proto
                && e.ports.0 <= port
                && port <= e.ports.1
        })
    }

    #[test]
    fn overlapping_boxes_become_disjoint_with_the_same_union() {
        let boxes = vec![
            FlowBox {
                src: (0, u32::MAX),
                dst: (10, 10),
                proto: 6,
                ports: (80, 80),
                label: 0,
            },
            FlowBox {
                src: (5, 5),
                dst: (10, 10),
                proto: 6,
                ports: (1, 65535),
                label: 1,
            },
            FlowBox {
                src: (5, 6),
                dst: (9, 11),
                proto: 17,
                ports: (53, 53),
                label: 2,
            },
            FlowBox {
                src: (6, 6),
                dst: (10, 10),
                proto: 6,
                ports: (70, 90),
                label: 3,
            },
        ];
        let els = disjoint(&boxes);
        for (i, a) in els.iter().enumerate() {
            for b in &els[i + 1..] {
                assert!(!overlaps(a, b), "{a:?} overlaps {b:?}");
            }
        }
        // Same union, probed at every interesting point.
        for s in [0u32, 4, 5, 6, 7, u32::MAX] {
            for d in [8u32, 9, 10, 11, 12] {
                for (proto, port) in [
                    (6u8, 1u16),
                    (6, 69),
                    (6, 70),
                    (6, 80),
                    (6, 91),
                    (17, 53),
                    (17, 54),
                ] {
                    let want = boxes.iter().any(|b| {
                        b.src.0 <= s
                            && s <= b.src.1
                            && b.dst.0 <= d
                            && d <= b.dst.1
                            && b.proto == proto
                            && b.ports.0 <= port
                            && port <= b.ports.1
                    });
                    assert_eq!(
                        covers(&els, s, d, proto, port),
                        want,
                        "{s} {d} {proto} {port}"
                    );
                }
            }
        }
        let five = els
            .iter()
            .find(|e| e.src == (5, 5) && e.proto == 6)
            .unwrap();
        assert_eq!(five.ports, (1, 65535));
        assert_eq!(five.labels, BTreeSet::from([0, 1]));
    }
}
