//! Selection through the label indexes equals a scan of every class, for
//! selectors of every operator (the indexes only choose what is walked).

use super::*;
use crate::input::{Input, LoadOptions};

/// A small deterministic generator (no dependency for a test).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const KEYS: [&str; 4] = ["app", "tier", "team", "extra"];
const VALUES: [&str; 3] = ["a", "b", "c"];

fn labels(g: &mut Lcg) -> String {
    let mut out = Vec::new();
    for k in KEYS {
        if g.below(3) > 0 {
            out.push(format!("{k}: {}", g.pick(&VALUES)));
        }
    }
    format!("{{{}}}", out.join(", "))
}

/// A selector of 0-2 matchLabels and 0-2 expressions of any operator.
fn selector(g: &mut Lcg) -> String {
    // Distinct keys: a repeated key is a duplicate-key error.
    let mut labels = Vec::new();
    let first = g.below(KEYS.len());
    for i in 0..g.below(3) {
        labels.push(format!(
            "{}: {}",
            KEYS[(first + i) % KEYS.len()],
            g.pick(&VALUES)
        ));
    }
    let mut exprs = Vec::new();
    for _ in 0..g.below(3) {
        let key = g.pick(&KEYS);
        let e = match g.below(4) {
            0 => format!(
                "{{key: {key}, operator: In, values: [{}, {}]}}",
                g.pick(&VALUES),
                g.pick(&VALUES)
            ),
            1 => format!(
                "{{key: {key}, operator: NotIn, values: [{}]}}",
                g.pick(&VALUES)
            ),
            2 => format!("{{key: {key}, operator: Exists}}"),
            _ => format!("{{key: {key}, operator: DoesNotExist}}"),
        };
        exprs.push(e);
    }
    let mut parts = Vec::new();
    if !labels.is_empty() {
        parts.push(format!("matchLabels: {{{}}}", labels.join(", ")));
    }
    if !exprs.is_empty() {
        parts.push(format!("matchExpressions: [{}]", exprs.join(", ")));
    }
    format!("{{{}}}", parts.join(", "))
}

fn manifest(seed: u64) -> String {
    let mut g = Lcg(seed);
    let mut docs = Vec::new();
    for n in 0..6 {
        docs.push(format!(
            "kind: Namespace\napiVersion: v1\nmetadata: {{name: ns{n}, labels: {}}}",
            labels(&mut g)
        ));
        for p in 0..12 {
            docs.push(format!(
                "kind: Pod\napiVersion: v1\nmetadata: {{name: p{p}, namespace: ns{n}, labels: {}}}\nspec: {{containers: [{{name: c, image: x}}]}}",
                labels(&mut g)
            ));
        }
    }
    for i in 0..40 {
        let mut peers = Vec::new();
        for _ in 0..4 {
            peers.push(match g.below(3) {
                0 => format!("{{podSelector: {}}}", selector(&mut g)),
                1 => format!("{{namespaceSelector: {}}}", selector(&mut g)),
                _ => format!(
                    "{{namespaceSelector: {}, podSelector: {}}}",
                    selector(&mut g),
                    selector(&mut g)
                ),
            });
        }
        docs.push(format!(
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {{name: np{i}, namespace: ns{}}}\nspec: {{podSelector: {}, ingress: [{{from: [{}]}}]}}",
            g.below(6),
            selector(&mut g),
            peers.join(", ")
        ));
    }
    docs.join("\n---\n")
}

#[test]
fn indexed_selection_equals_a_scan_of_every_class() {
    for seed in 1..=8 {
        let text = manifest(seed);
        let (loaded, resolved) =
            crate::driver::load(&[Input::Stdin(text.clone())], &LoadOptions::default());
        assert!(
            !loaded.diagnostics.iter().any(|d| d.is_input_error()),
            "{:?}\n{text}",
            loaded.diagnostics
        );
        let t = &loaded.topology;
        let k = &resolved.kube;
        assert_eq!(t.policies.len(), 40);
        let all = || (0..k.classes.len() as u32).map(ClassId);
        let mut nonempty = 0;
        let mut no_namespaces = 0;
        for (pi, p) in t.policies.iter().enumerate() {
            let scan: Vec<ClassId> = all()
                .filter(|c| {
                    let class = &k.classes[c.index()];
                    class.namespace == p.namespace && p.pod_selector.matches(&class.labels)
                })
                .collect();
            assert_eq!(k.policy_classes[pi], scan, "seed {seed}, policy {}", p.name);
            for (ri, rule) in p.ingress.iter().enumerate() {
                let selections = k.policy_peer_selections(t, pi, true, ri);
                assert!(matches!(selections, std::borrow::Cow::Borrowed(_)));
                assert_eq!(selections.len(), rule.peers.len());
                for (peer, selection) in rule.peers.iter().zip(selections.iter()) {
                    let scan: Vec<ClassId> = all()
                        .filter(|c| {
                            let class = &k.classes[c.index()];
                            let ns_ok = match &peer.namespace_selector {
                                None => class.namespace == p.namespace,
                                Some(s) => s.matches(&k.ns_labels[class.namespace.index()]),
                            };
                            ns_ok
                                && peer
                                    .pod_selector
                                    .as_ref()
                                    .is_none_or(|s| s.matches(&class.labels))
                        })
                        .collect();
                    nonempty += usize::from(!scan.is_empty());
                    assert_eq!(
                        k.peer_classes(p.namespace, peer),
                        scan,
                        "seed {seed}, {}",
                        p.name
                    );
                    // Resolve's selection of every policy peer (what the
                    // engine and the rules read) is the memo's.
                    let resolved: Vec<ClassId> = selection
                        .classes
                        .iter()
                        .map(|c| ClassId(c as u32))
                        .collect();
                    assert_eq!(resolved, scan, "seed {seed}, {}", p.name);
                    let no_namespace = peer
                        .namespace_selector
                        .as_ref()
                        .is_some_and(|s| !k.any_namespace_matches(p.namespace, s));
                    assert_eq!(selection.no_namespace, no_namespace, "seed {seed}");
                    no_namespaces += usize::from(no_namespace);
                }
            }
        }
        // Once released, the selections are computed again, the same.
        let kept: Vec<Vec<PeerSelection>> = (0..t.policies.len())
            .map(|pi| k.policy_peer_selections(t, pi, true, 0).into_owned())
            .collect();
        let mut resolved = resolved;
        resolved.kube.release_peer_cache();
        let k = &resolved.kube;
        for (pi, before) in kept.iter().enumerate() {
            let again = k.policy_peer_selections(t, pi, true, 0);
            assert!(matches!(again, std::borrow::Cow::Owned(_)));
            let members = |s: &[PeerSelection]| -> Vec<(Vec<usize>, bool)> {
                s.iter()
                    .map(|s| (s.classes.iter().collect(), s.no_namespace))
                    .collect()
            };
            assert_eq!(members(before), members(&again), "seed {seed}");
        }
        // The generator makes selectors that match: the comparison is not
        // only between empty lists.
        assert!(
            nonempty > 20,
            "seed {seed}: {nonempty} peers select something"
        );
        assert!(
            no_namespaces > 0,
            "seed {seed}: every namespaceSelector matches"
        );
    }
}

/// Classes grouped per share of namespaces on several threads are those
/// of one pass over every workload, numbered alike (by first member).
#[test]
fn classes_grouped_in_parts_equal_one_pass() {
    for seed in 1..=4 {
        let text = manifest(seed);
        let (loaded, _) = crate::driver::load(&[Input::Stdin(text)], &LoadOptions::default());
        let t = &loaded.topology;
        let all: Vec<WorkloadId> = t.workload_ids().collect();
        type Shown = (NamespaceId, Vec<(String, String)>, Vec<WorkloadId>);
        let one = |cs: &[Class]| -> Vec<Shown> {
            cs.iter()
                .map(|c| {
                    let labels = c
                        .labels
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    (c.namespace, labels, c.members.clone())
                })
                .collect()
        };
        let parts = group_classes(t);
        assert_eq!(one(&parts), one(&group(t, &all)), "seed {seed}");
        // Several namespaces, so that the parts are not trivial.
        assert!(parts.iter().any(|c| c.namespace.index() % 2 == 1));
        assert!(parts.len() > 10);
    }
}
