//! IPv4 address space as inclusive `u32` intervals: the address set an
//! ipBlock allows (`cidr` minus `except`), and the partition of the external
//! space into the pieces connectivity prints.
//!
//! The reference (np-guard's `DisjointIPBlocks`) splits the whole space at
//! every boundary of the referenced ipBlocks, where each ipBlock first
//! contributes its contiguous pieces (so adjacent `except` entries of one
//! block leave one gap, never two pieces). That partition is exactly the
//! elementary segments between all those boundaries.

use crate::ir::IpBlock;
use ipnet::IpNet;
use std::fmt;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Range {
    pub first: u32,
    pub last: u32,
}

impl Range {
    pub const ALL: Range = Range {
        first: 0,
        last: u32::MAX,
    };
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            Ipv4Addr::from(self.first),
            Ipv4Addr::from(self.last)
        )
    }
}

fn v4_range(n: &IpNet) -> Option<Range> {
    match n {
        IpNet::V4(n) => Some(Range {
            first: u32::from(n.network()),
            last: u32::from(n.broadcast()),
        }),
        IpNet::V6(_) => None,
    }
}

/// The contiguous IPv4 intervals of `cidr` minus every `except` (IPv6
/// blocks contribute nothing: the printed external space is IPv4).
pub fn block_intervals(b: &IpBlock) -> Vec<Range> {
    let Some(base) = v4_range(&b.cidr) else {
        return Vec::new();
    };
    let mut out = vec![base];
    for e in b.except.iter().filter_map(v4_range) {
        let mut next = Vec::with_capacity(out.len() + 1);
        for r in out {
            if e.last < r.first || e.first > r.last {
                next.push(r);
                continue;
            }
            if e.first > r.first {
                next.push(Range {
                    first: r.first,
                    last: e.first - 1,
                });
            }
            if e.last < r.last {
                next.push(Range {
                    first: e.last + 1,
                    last: r.last,
                });
            }
        }
        out = next;
    }
    out
}

/// Split the whole IPv4 space at every start and end of `intervals`.
pub fn pieces(intervals: &[Range]) -> Vec<Range> {
    let mut cuts: Vec<u64> = vec![0, 1 << 32];
    for r in intervals {
        cuts.push(u64::from(r.first));
        cuts.push(u64::from(r.last) + 1);
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| Range {
            first: w[0] as u32,
            last: (w[1] - 1) as u32,
        })
        .collect()
}

/// Whether a piece lies inside some of `intervals` (pieces never straddle a
/// boundary, so testing the first address suffices).
pub fn covers(intervals: &[Range], piece: Range) -> bool {
    intervals
        .iter()
        .any(|r| r.first <= piece.first && piece.first <= r.last)
}

/// Whether the union of `intervals` contains every address of `r`.
pub fn covers_range(intervals: &[Range], r: Range) -> bool {
    let mut v: Vec<Range> = intervals.to_vec();
    v.sort_unstable();
    let mut next = u64::from(r.first);
    for i in v {
        if u64::from(i.first) > next {
            break;
        }
        next = next.max(u64::from(i.last) + 1);
        if next > u64::from(r.last) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Origin;
    use crate::source::{FileId, Pos, Span};

    fn block(cidr: &str, except: &[&str]) -> IpBlock {
        let p = Pos::default();
        IpBlock {
            cidr: cidr.parse().unwrap(),
            except: except.iter().map(|e| e.parse().unwrap()).collect(),
            except_origins: Vec::new(),
            origin: Origin::from(Span {
                file: FileId(0),
                start: p,
                end: p,
            }),
        }
    }

    #[test]
    fn adjacent_excepts_leave_one_piece() {
        let iv = block_intervals(&block("0.0.0.0/0", &["10.0.0.0/9", "10.128.0.0/9"]));
        let p: Vec<String> = pieces(&iv).iter().map(ToString::to_string).collect();
        assert_eq!(
            p,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
    }

    #[test]
    fn separate_blocks_stay_separate() {
        let mut iv = block_intervals(&block("10.0.0.0/9", &[]));
        iv.extend(block_intervals(&block("10.128.0.0/9", &[])));
        let p = pieces(&iv);
        assert_eq!(p.len(), 4);
        assert!(covers(&iv, p[1]) && covers(&iv, p[2]) && !covers(&iv, p[0]));
    }
}
