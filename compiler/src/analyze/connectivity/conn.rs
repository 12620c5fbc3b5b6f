//! Sets of connections: per protocol, a sorted list of disjoint inclusive
//! port ranges. Printed as np-guard's connlist does: `All Connections`, or
//! protocol groups sorted SCTP < TCP < UDP with maximal merged ranges.

use crate::ir::Protocol;
use smallvec::{SmallVec, smallvec};
use std::fmt;

/// The ranges of one protocol: most sets hold one or two, kept inline so
/// the engine's per-pair set algebra does not allocate.
type Ranges = SmallVec<[(u16, u16); 2]>;

/// Print order of protocols (alphabetical, as the reference tool prints).
const PRINT_ORDER: [Protocol; 3] = [Protocol::Sctp, Protocol::Tcp, Protocol::Udp];

fn slot(p: Protocol) -> usize {
    match p {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Sctp => 2,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ConnSet {
    ranges: [Ranges; 3],
}

impl ConnSet {
    pub fn none() -> Self {
        ConnSet::default()
    }

    pub fn all() -> Self {
        let full: Ranges = smallvec![(1, 65535)];
        ConnSet {
            ranges: [full.clone(), full.clone(), full],
        }
    }

    /// Every port of one protocol.
    pub fn protocol(p: Protocol) -> Self {
        let mut c = ConnSet::none();
        c.add(p, 1, 65535);
        c
    }

    pub fn ports(p: Protocol, lo: u16, hi: u16) -> Self {
        let mut c = ConnSet::none();
        c.add(p, lo, hi);
        c
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(|r| r.is_empty())
    }

    pub fn is_all(&self) -> bool {
        self.ranges.iter().all(|r| r.as_slice() == [(1, 65535)])
    }

    pub fn ranges(&self, p: Protocol) -> &[(u16, u16)] {
        &self.ranges[slot(p)]
    }

    /// Add `lo..=hi` of protocol `p` (port 0 is never a port: clamped to 1).
    pub fn add(&mut self, p: Protocol, lo: u16, hi: u16) {
        let (lo, hi) = (lo.max(1), hi);
        if lo > hi {
            return;
        }
        let v = &mut self.ranges[slot(p)];
        v.push((lo, hi));
        normalize(v);
    }

    pub fn union_with(&mut self, o: &ConnSet) {
        for i in 0..3 {
            if o.ranges[i].is_empty() {
                continue;
            }
            self.ranges[i].extend_from_slice(&o.ranges[i]);
            normalize(&mut self.ranges[i]);
        }
    }

    pub fn intersect(&self, o: &ConnSet) -> ConnSet {
        let mut out = ConnSet::none();
        for i in 0..3 {
            let (a, b) = (&self.ranges[i], &o.ranges[i]);
            let (mut x, mut y) = (0, 0);
            while x < a.len() && y < b.len() {
                let lo = a[x].0.max(b[y].0);
                let hi = a[x].1.min(b[y].1);
                if lo <= hi {
                    out.ranges[i].push((lo, hi));
                }
                if a[x].1 < b[y].1 {
                    x += 1;
                } else {
                    y += 1;
                }
            }
        }
        out
    }

    /// The connections of `self` that are not in `o`.
    pub fn difference(&self, o: &ConnSet) -> ConnSet {
        let mut out = ConnSet::none();
        for i in 0..3 {
            let mut cut = o.ranges[i].iter().peekable();
            for &(lo, hi) in &self.ranges[i] {
                let mut lo = u32::from(lo);
                let hi = u32::from(hi);
                while let Some(&&(clo, chi)) = cut.peek() {
                    let (clo, chi) = (u32::from(clo), u32::from(chi));
                    if chi < lo {
                        cut.next();
                        continue;
                    }
                    if clo > hi {
                        break;
                    }
                    if clo > lo {
                        out.ranges[i].push((lo as u16, (clo - 1) as u16));
                    }
                    lo = chi + 1;
                    if chi > hi {
                        break;
                    }
                    cut.next();
                }
                if lo <= hi {
                    out.ranges[i].push((lo as u16, hi as u16));
                }
            }
        }
        out
    }

    /// Whether every connection of `o` is in `self`.
    pub fn contains(&self, o: &ConnSet) -> bool {
        &self.intersect(o) == o
    }

    pub fn contains_port(&self, p: Protocol, port: u16) -> bool {
        self.ranges[slot(p)]
            .iter()
            .any(|&(lo, hi)| lo <= port && port <= hi)
    }
}

/// Sort and merge overlapping or adjacent ranges, in place.
fn normalize(v: &mut Ranges) {
    v.sort_unstable();
    let mut kept = 0;
    for i in 0..v.len() {
        let (lo, hi) = v[i];
        if kept > 0 && u32::from(lo) <= u32::from(v[kept - 1].1) + 1 {
            v[kept - 1].1 = v[kept - 1].1.max(hi);
        } else {
            v[kept] = (lo, hi);
            kept += 1;
        }
    }
    v.truncate(kept);
}

impl fmt::Display for ConnSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        let mut first = true;
        for p in PRINT_ORDER {
            let r = self.ranges(p);
            if r.is_empty() {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{} ", p.as_str().to_ascii_uppercase())?;
            for (i, (lo, hi)) in r.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                if lo == hi {
                    write!(f, "{lo}")?;
                } else {
                    write!(f, "{lo}-{hi}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_connlist() {
        let mut c = ConnSet::none();
        c.add(Protocol::Udp, 53, 53);
        c.add(Protocol::Tcp, 9090, 9090);
        c.add(Protocol::Tcp, 8080, 8080);
        c.add(Protocol::Tcp, 8081, 8085);
        assert_eq!(c.to_string(), "TCP 8080-8085,9090,UDP 53");
        c.add(Protocol::Sctp, 1, 65535);
        assert_eq!(c.to_string(), "SCTP 1-65535,TCP 8080-8085,9090,UDP 53");
        assert_eq!(ConnSet::all().to_string(), "All Connections");
    }

    #[test]
    fn intersection_and_containment() {
        let a = ConnSet::ports(Protocol::Tcp, 10, 20);
        let b = ConnSet::ports(Protocol::Tcp, 15, 30);
        assert_eq!(a.intersect(&b), ConnSet::ports(Protocol::Tcp, 15, 20));
        assert!(ConnSet::all().contains(&a));
        assert!(!a.contains(&b));
        assert!(a.intersect(&ConnSet::protocol(Protocol::Udp)).is_empty());
    }

    #[test]
    fn difference_cuts_ranges() {
        let all_tcp = ConnSet::protocol(Protocol::Tcp);
        let mut cut = ConnSet::ports(Protocol::Tcp, 80, 80);
        cut.add(Protocol::Tcp, 443, 1000);
        cut.add(Protocol::Udp, 53, 53);
        assert_eq!(
            all_tcp.difference(&cut).to_string(),
            "TCP 1-79,81-442,1001-65535"
        );
        assert!(cut.difference(&ConnSet::all()).is_empty());
        assert_eq!(ConnSet::all().difference(&ConnSet::none()), ConnSet::all());
        let a = ConnSet::ports(Protocol::Tcp, 10, 20);
        assert_eq!(
            a.difference(&ConnSet::ports(Protocol::Tcp, 1, 15)),
            ConnSet::ports(Protocol::Tcp, 16, 20)
        );
        assert_eq!(
            a.difference(&ConnSet::ports(Protocol::Tcp, 20, 65535)),
            ConnSet::ports(Protocol::Tcp, 10, 19)
        );
    }
}
