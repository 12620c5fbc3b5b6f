//! The Kubernetes flows, found by walking reach sets instead of testing
//! every pair of classes: the cost follows the pairs some rule of both ends
//! can match (about the output) plus the input, not classes².
//!
//! A pair (src, dst) can carry something only when src's egress side admits
//! dst (src is not isolated for egress, or one of its rules matches dst) and
//! dst's ingress side admits src (the same, seen from dst). So per source:
//! - when its egress is isolated, its egress reach set lists the candidates;
//! - otherwise (or when that set is larger) the candidates are the classes
//!   whose ingress admits it: those no policy isolates for ingress, those
//!   with a rule matching every peer, and those whose ingress reach set
//!   contains it (the ingress reach sets, transposed once).
//!
//! Every candidate is then decided by `Engine::pair`, as before, so the
//! result is the same as testing all pairs. External pieces go the same
//! way: a class whose side is isolated by NetworkPolicy only (no admin
//! rule, no rule matching every peer) is tried against the pieces inside
//! its rules' ipBlocks, any other class against every piece.

use super::ipset::{self, Range};
use super::kube::Engine;
use super::{EndpointKind, Flows};
use crate::ir::{Direction, Topology};
use crate::resolve::kube::{ClassId, KubeResolved};

/// Add every Kubernetes flow to `out`, one group per class and per piece.
pub fn edges(t: &Topology, r: &KubeResolved, out: &mut Flows) {
    if r.classes.is_empty() {
        return;
    }
    let e = Engine::new(t, r);
    // Endpoints in the order the printers number them: class members, then
    // ingress pieces, then egress pieces.
    let class_group: Vec<u32> = r
        .classes
        .iter()
        .map(|c| {
            let members = c
                .members
                .iter()
                .map(|&w| out.endpoint(t, EndpointKind::Workload(w)))
                .collect();
            out.group(members)
        })
        .collect();
    let mut piece_groups = std::collections::HashMap::new();
    let mut piece_group = |out: &mut Flows, piece: Range| {
        *piece_groups.entry(piece).or_insert_with(|| {
            let x = out.endpoint(t, EndpointKind::External(piece));
            out.group(vec![x])
        })
    };
    let in_pieces = ipset::pieces(&e.ingress_ips);
    let in_groups: Vec<u32> = in_pieces.iter().map(|&p| piece_group(out, p)).collect();
    let out_pieces = ipset::pieces(&e.egress_ips);
    let out_groups: Vec<u32> = out_pieces.iter().map(|&p| piece_group(out, p)).collect();

    let walk = PairWalk::new(&e);
    let mut candidates = Vec::new();
    for s in 0..r.classes.len() {
        candidates.clear();
        walk.candidates(ClassId(s as u32), &mut candidates);
        for &d in &candidates {
            let conn = e.pair(ClassId(s as u32), ClassId(d));
            if !conn.is_empty() {
                let conn = out.conn_id(conn);
                out.push_group(class_group[s], class_group[d as usize], conn);
            }
        }
    }

    // A side's flows with the pieces depend only on the rules that decide
    // it (and on the class itself through named ports), so classes with
    // the same rule lists share one evaluation of every piece.
    let mut seen = vec![false; in_pieces.len().max(out_pieces.len())];
    let mut memo: [SideMemo; 2] = Default::default();
    for (c, &group) in class_group.iter().enumerate() {
        let class = ClassId(c as u32);
        for dir in [Direction::Ingress, Direction::Egress] {
            let (pieces, groups) = match dir {
                Direction::Ingress => (&in_pieces, &in_groups),
                Direction::Egress => (&out_pieces, &out_groups),
            };
            let key = side_key(&e, dir, class);
            let d = super::kube::dir_index(dir);
            let flows = memo[d].entry(key).or_insert_with(|| {
                candidates.clear();
                piece_candidates(&e, dir, class, pieces, &mut seen, &mut candidates);
                let mut flows = Vec::new();
                for &p in &candidates {
                    let piece = pieces[p as usize];
                    let conn = match dir {
                        Direction::Ingress => e.from_external(piece, class),
                        Direction::Egress => e.to_external(class, piece),
                    };
                    if !conn.is_empty() {
                        flows.push((p, out.conn_id(conn)));
                    }
                }
                flows
            });
            for &(p, conn) in flows.iter() {
                match dir {
                    Direction::Ingress => out.push_group(groups[p as usize], group, conn),
                    Direction::Egress => out.push_group(group, groups[p as usize], conn),
                }
            }
        }
    }
    super::ingress::edges(t, r, &e, out);
}

/// The ingress reach sets, transposed: who admits a given source.
struct PairWalk<'e> {
    e: &'e Engine<'e>,
    /// Per pod network: its classes whose ingress admits every source (not
    /// isolated for ingress, or a rule of some tier matches every peer).
    open_in: Vec<Vec<u32>>,
    /// Per class: the reach entries (of ingress-isolated classes) that
    /// contain it.
    entries_with: Vec<Vec<u32>>,
    /// Per reach entry: the ingress-isolated classes that use it.
    entry_classes: Vec<Vec<u32>>,
    /// Per reach entry: its number of classes.
    entry_size: Vec<usize>,
}

impl<'e> PairWalk<'e> {
    fn new(e: &'e Engine<'e>) -> Self {
        let n = e.r.classes.len();
        let networks = e.class_network.iter().max().map_or(0, |&m| m as usize + 1);
        let mut open_in = vec![Vec::new(); networks];
        let mut entry_classes = vec![Vec::new(); e.reach.len()];
        for d in 0..n {
            let entry = e.ingress_reach[d] as usize;
            if !e.ingress_isolated[d] || e.reach[entry].0 {
                open_in[e.class_network[d] as usize].push(d as u32);
            } else {
                entry_classes[entry].push(d as u32);
            }
        }
        let mut entries_with = vec![Vec::new(); n];
        for (entry, classes) in entry_classes.iter().enumerate() {
            if classes.is_empty() {
                continue;
            }
            for s in e.reach[entry].1.iter() {
                entries_with[s].push(entry as u32);
            }
        }
        let entry_size = e.reach.iter().map(|(_, bits)| bits.count()).collect();
        PairWalk {
            e,
            open_in,
            entries_with,
            entry_classes,
            entry_size,
        }
    }

    /// Every class `d` for which `Engine::may_allow(s, d)` holds, each once.
    fn candidates(&self, s: ClassId, out: &mut Vec<u32>) {
        let e = self.e;
        let si = s.index();
        let entry = e.egress_reach[si] as usize;
        let egress_bound = e.egress_isolated[si] && !e.reach[entry].0;
        let open_in = &self.open_in[e.class_network[si] as usize];
        let admitted = open_in.len()
            + self.entries_with[si]
                .iter()
                .map(|&x| self.entry_classes[x as usize].len())
                .sum::<usize>();
        if egress_bound && self.entry_size[entry] <= admitted {
            out.extend(
                e.reach[entry]
                    .1
                    .iter()
                    .filter(|&d| e.may_allow(s, ClassId(d as u32)))
                    .map(|d| d as u32),
            );
            return;
        }
        let admits = |d: u32| {
            (!egress_bound || e.reach[entry].1.contains(d as usize))
                && e.same_network(s, ClassId(d))
        };
        out.extend(open_in.iter().copied().filter(|&d| admits(d)));
        for &x in &self.entries_with[si] {
            out.extend(
                self.entry_classes[x as usize]
                    .iter()
                    .copied()
                    .filter(|&d| admits(d)),
            );
        }
    }
}

/// Per `side_key`: the (piece index, connection id) flows of that side.
type SideMemo = std::collections::HashMap<Vec<u32>, Vec<(u32, u32)>>;

/// What decides one side of `class` against an address: its isolation and
/// rule lists of every tier, plus the class itself when a rule names a port
/// (named ports resolve on the destination's pods).
fn side_key(e: &Engine, dir: Direction, class: ClassId) -> Vec<u32> {
    let c = class.index();
    let d = super::kube::dir_index(dir);
    let np = match dir {
        Direction::Ingress => &e.ingress_rules[c],
        Direction::Egress => &e.egress_rules[c],
    };
    let (admin, baseline) = (&e.admin_rules[d][c], &e.baseline_rules[d][c]);
    let named = dir == Direction::Ingress
        && np
            .iter()
            .chain(admin)
            .chain(baseline)
            .any(|&ri| !e.rules[ri as usize].named.is_empty());
    let mut key = Vec::with_capacity(np.len() + admin.len() + baseline.len() + 4);
    key.push(if named { c as u32 } else { u32::MAX });
    key.push(u32::from(e.isolated(dir, class)));
    key.extend_from_slice(np);
    key.push(u32::MAX);
    key.extend_from_slice(admin);
    key.push(u32::MAX);
    key.extend_from_slice(baseline);
    key
}

/// The pieces (indices into `pieces`) one side of `class` may admit: those
/// inside its NetworkPolicy rules' ipBlocks when only NetworkPolicy rules
/// decide it, else all of them. `seen` is scratch space, left all false.
fn piece_candidates(
    e: &Engine,
    dir: Direction,
    class: ClassId,
    pieces: &[Range],
    seen: &mut [bool],
    out: &mut Vec<u32>,
) {
    let c = class.index();
    let d = super::kube::dir_index(dir);
    let rules = match dir {
        Direction::Ingress => &e.ingress_rules[c],
        Direction::Egress => &e.egress_rules[c],
    };
    let bounded = e.isolated(dir, class)
        && e.admin_rules[d][c].is_empty()
        && e.baseline_rules[d][c].is_empty()
        && rules.iter().all(|&ri| !e.rules[ri as usize].all_peers);
    if !bounded {
        out.extend(0..pieces.len() as u32);
        return;
    }
    for &ri in rules {
        for iv in &e.rules[ri as usize].ips {
            // Pieces never straddle a rule's boundary: those starting
            // inside the interval are the ones it covers.
            let lo = pieces.partition_point(|p| p.first < iv.first);
            let hi = pieces.partition_point(|p| p.first <= iv.last);
            for (p, seen) in seen.iter_mut().enumerate().take(hi).skip(lo) {
                if !*seen {
                    *seen = true;
                    out.push(p as u32);
                }
            }
        }
    }
    for &p in out.iter() {
        seen[p as usize] = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Input, LoadOptions};

    /// The walk must find exactly the pairs `may_allow` admits (so `pair`
    /// decides the same flows as a test of every pair), and every piece
    /// some class exchanges anything with.
    fn walk_is_exact(inputs: &[Input], what: &str) {
        let (loaded, resolved) = crate::driver::load(inputs, &LoadOptions::default());
        let (t, r) = (&loaded.topology, &resolved.kube);
        if r.classes.is_empty() {
            return;
        }
        let e = Engine::new(t, r);
        let walk = PairWalk::new(&e);
        let n = r.classes.len() as u32;
        for s in (0..n).map(ClassId) {
            let mut got = Vec::new();
            walk.candidates(s, &mut got);
            let mut sorted = got.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), got.len(), "{what}: a candidate twice");
            let want: Vec<u32> = (0..n).filter(|&d| e.may_allow(s, ClassId(d))).collect();
            assert_eq!(sorted, want, "{what}: candidates of class {}", s.0);
        }
        for (dir, ips) in [
            (Direction::Ingress, &e.ingress_ips),
            (Direction::Egress, &e.egress_ips),
        ] {
            let pieces = ipset::pieces(ips);
            let mut seen = vec![false; pieces.len()];
            for c in (0..n).map(ClassId) {
                let mut got = Vec::new();
                piece_candidates(&e, dir, c, &pieces, &mut seen, &mut got);
                assert!(seen.iter().all(|s| !s), "{what}: scratch left dirty");
                for (p, &piece) in pieces.iter().enumerate() {
                    let conn = match dir {
                        Direction::Ingress => e.from_external(piece, c),
                        Direction::Egress => e.to_external(c, piece),
                    };
                    assert!(
                        conn.is_empty() || got.contains(&(p as u32)),
                        "{what}: piece {piece} missed for class {} ({dir:?})",
                        c.0
                    );
                }
            }
        }
    }

    #[test]
    fn walk_finds_every_pair_a_full_scan_finds() {
        let yaml = r#"
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: x}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: y}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: a, labels: {app: db}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: b, labels: {app: api}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: free, namespace: b, labels: {app: free}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: a}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: a}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: http}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {team: y}}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: b}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {team: x}}, podSelector: {matchLabels: {app: web}}}, {ipBlock: {cidr: 192.168.0.0/16}}]}]
"#;
        walk_is_exact(&[Input::Stdin(yaml.to_string())], "inline");
    }

    #[test]
    fn walk_is_exact_across_pod_networks() {
        // Two UDNs, a CUDN and the pod network: candidates stay within one.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/udn/networks/input");
        let input = Input::Path(dir.to_string_lossy().into_owned());
        walk_is_exact(&[input], "udn fixture");
    }

    #[test]
    fn walk_is_exact_across_kustomize_overlays() {
        // Three overlays of one base: candidates stay within one overlay.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/kustomize/multi-overlay");
        let input = Input::Path(dir.to_string_lossy().into_owned());
        walk_is_exact(&[input], "multi-overlay fixture");
    }

    #[test]
    fn walk_is_exact_on_the_reference_scenarios() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/netpol-connlist");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            assert!(
                std::env::var("TOPOC_REQUIRE_CORPUS").as_deref() != Ok("1"),
                "TOPOC_REQUIRE_CORPUS=1 but {} is missing",
                dir.display()
            );
            eprintln!("skipped: {} not found", dir.display());
            return;
        };
        let mut n = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                let input = Input::Path(path.to_string_lossy().into_owned());
                walk_is_exact(&[input], &path.display().to_string());
                n += 1;
            }
        }
        assert!(n > 10, "{n} scenarios");
    }
}
