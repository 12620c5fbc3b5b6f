//! NetworkPolicy peers selected once, in resolve. The connectivity engine
//! and three rules ask for the selection of every peer; compiling its
//! selectors and hashing them into the memo on each ask cost more than the
//! selections themselves. Here every policy's podSelector and peers are
//! evaluated in chunks of policies on every core (each thread with a memo
//! of its own, the results joined in policy order), and the rules borrow
//! the result.

use super::{ClassId, KubeResolved};
use crate::ir::{FastMap, NamespaceId, Peer, Topology};
use crate::parallel;
use crate::resolve::classset::BitSet;
use crate::resolve::selection::Compiled;
use std::borrow::Cow;
use std::collections::hash_map::Entry;

/// What one peer of a NetworkPolicy rule selects.
#[derive(Debug, Clone)]
pub struct PeerSelection {
    /// Its classes (none for an ipBlock peer); storage shared with equal
    /// selections.
    pub classes: BitSet,
    /// Its namespaceSelector matches no namespace of the policy's cluster
    /// (false without namespaceSelector, and for an ipBlock peer).
    pub no_namespace: bool,
}

/// Memo of peer selections. Keys are compiled selectors (label ids), so
/// equal meanings share an entry whatever their text: most peers repeat
/// across namespaces (the same `allow-dns` or monitoring peer in every
/// one), and peers whose texts differ often select the same namespaces.
#[derive(Debug, Default)]
pub(super) struct PeerMemo {
    /// Sets of namespaces (ascending) → id, and by id.
    ns_sets: FastMap<Vec<u32>, u32>,
    ns_set_lists: Vec<Vec<u32>>,
    /// A policy's own namespace → its one-namespace set id.
    own: FastMap<u32, u32>,
    /// (cluster, namespaceSelector) → namespace set id.
    ns_selections: FastMap<(u32, Compiled), u32>,
    /// (namespace set id, podSelector) → classes.
    peers: FastMap<(u32, Option<Compiled>), BitSet>,
    /// Per namespace set id of several namespaces: their classes as bits,
    /// made on first use (a membership test per candidate class, and the
    /// start of a bitset pass, instead of walking the namespaces).
    ns_words: Vec<Option<Vec<u64>>>,
}

impl PeerMemo {
    fn ns_set(&mut self, namespaces: Vec<u32>) -> u32 {
        if let Some(&id) = self.ns_sets.get(&namespaces) {
            return id;
        }
        let id = self.ns_set_lists.len() as u32;
        self.ns_set_lists.push(namespaces.clone());
        self.ns_sets.insert(namespaces, id);
        id
    }
}

/// The selections of every NetworkPolicy's peers, rule by rule.
#[derive(Debug, Default)]
pub(super) struct PolicyPeers {
    /// Per policy: the index in `rule_start` of its first ingress rule and
    /// of its first egress rule.
    rule_base: Vec<[u32; 2]>,
    /// Per rule (policy by policy, ingress then egress), and one past the
    /// last: the index of its first peer in `peers`.
    rule_start: Vec<u32>,
    peers: Vec<PeerSelection>,
}

/// Policies per task: enough for a task to outweigh taking it, few enough
/// that both threads finish together (tests split their few policies too).
const POLICIES_PER_TASK: usize = if cfg!(test) { 3 } else { 512 };

impl KubeResolved {
    /// The selection of `peer` (of a policy in namespace `policy_ns`, or an
    /// admin peer: then it has a namespaceSelector) among the namespaces of
    /// cluster `cluster`, through `memo`.
    pub(super) fn peer_selection(
        &self,
        memo: &mut PeerMemo,
        cluster: u32,
        policy_ns: NamespaceId,
        peer: &Peer,
    ) -> PeerSelection {
        if peer.ip_block.is_some() {
            return PeerSelection {
                classes: BitSet::new(self.classes.len()),
                no_namespace: false,
            };
        }
        let ns_set = match &peer.namespace_selector {
            None => match memo.own.get(&policy_ns.0) {
                Some(&id) => id,
                None => {
                    let id = memo.ns_set(vec![policy_ns.0]);
                    memo.own.insert(policy_ns.0, id);
                    id
                }
            },
            Some(sel) => {
                let key = (cluster, self.interner.compile(sel));
                match memo.ns_selections.get(&key) {
                    Some(&id) => id,
                    None => {
                        let namespaces = self.namespaces_matching(cluster, &key.1);
                        let id = memo.ns_set(namespaces);
                        memo.ns_selections.insert(key, id);
                        id
                    }
                }
            }
        };
        let key = (
            ns_set,
            peer.pod_selector.as_ref().map(|s| self.interner.compile(s)),
        );
        let id = ns_set as usize;
        let no_namespace = memo.ns_set_lists[id].is_empty();
        let entry = match memo.peers.entry(key) {
            Entry::Occupied(e) => {
                return PeerSelection {
                    classes: e.get().clone(),
                    no_namespace,
                };
            }
            Entry::Vacant(e) => e,
        };
        let namespaces = &memo.ns_set_lists[id];
        if namespaces.len() > 1 {
            if memo.ns_words.len() <= id {
                memo.ns_words.resize_with(id + 1, || None);
            }
            memo.ns_words[id].get_or_insert_with(|| {
                let mut words = vec![0u64; self.classes.len().div_ceil(64)];
                for &n in namespaces {
                    for &c in &self.ns_class_ids[n as usize] {
                        words[c as usize / 64] |= 1 << (c % 64);
                    }
                }
                words
            });
        }
        let words = memo.ns_words.get(id).and_then(|w| w.as_deref());
        let everything = Compiled::everything();
        let sel = entry.key().1.as_ref().unwrap_or(&everything);
        let classes = self.select_in_namespaces(namespaces, words, sel);
        entry.insert(classes.clone());
        PeerSelection {
            classes,
            no_namespace,
        }
    }

    /// Every policy's podSelector (`policy_classes`) and the peers of its
    /// rules (`policy_peer_selections`), on every core.
    pub(super) fn select_policies(&mut self, t: &Topology) {
        let tasks = t.policies.len().div_ceil(POLICIES_PER_TASK);
        let this = &*self;
        let chunks = parallel::ordered(tasks, PeerMemo::default, |memo, task| {
            let from = task * POLICIES_PER_TASK;
            let to = (from + POLICIES_PER_TASK).min(t.policies.len());
            let mut classes: Vec<Vec<ClassId>> = Vec::with_capacity(to - from);
            let mut rule_peers: Vec<u32> = Vec::new();
            let mut peers: Vec<PeerSelection> = Vec::new();
            for p in &t.policies[from..to] {
                classes.push(this.selected(p));
                let cluster = this.ns_cluster[p.namespace.index()];
                for rule in p.ingress.iter().chain(&p.egress) {
                    rule_peers.push(rule.peers.len() as u32);
                    for peer in &rule.peers {
                        peers.push(this.peer_selection(memo, cluster, p.namespace, peer));
                    }
                }
            }
            (classes, rule_peers, peers)
        });
        let mut out = PolicyPeers::default();
        let mut policy_classes = Vec::with_capacity(t.policies.len());
        let mut rule_peers = Vec::new();
        for (classes, counts, peers) in chunks {
            policy_classes.extend(classes);
            rule_peers.extend(counts);
            out.peers.extend(peers);
        }
        let mut rule = 0u32;
        for p in &t.policies {
            out.rule_base.push([rule, rule + p.ingress.len() as u32]);
            rule += (p.ingress.len() + p.egress.len()) as u32;
        }
        let mut start = 0u32;
        for n in rule_peers {
            out.rule_start.push(start);
            start += n;
        }
        out.rule_start.push(start);
        self.policy_classes = policy_classes;
        self.policy_peers = Some(out);
    }

    /// What each peer of rule `ri` of policy `pi` (an ingress rule when
    /// `ingress`, else an egress one) selects, in peer order. Borrowed from
    /// resolve's selection; computed again (through the memo of
    /// `peer_set_in`) once `release_peer_cache` dropped it.
    pub fn policy_peer_selections(
        &self,
        t: &Topology,
        pi: usize,
        ingress: bool,
        ri: usize,
    ) -> Cow<'_, [PeerSelection]> {
        if let Some(pp) = &self.policy_peers {
            let g = pp.rule_base[pi][usize::from(!ingress)] as usize + ri;
            let (from, to) = (pp.rule_start[g] as usize, pp.rule_start[g + 1] as usize);
            return Cow::Borrowed(&pp.peers[from..to]);
        }
        let p = &t.policies[pi];
        let rule = if ingress {
            &p.ingress[ri]
        } else {
            &p.egress[ri]
        };
        let cluster = self.ns_cluster[p.namespace.index()];
        let mut memo = self.memo();
        Cow::Owned(
            rule.peers
                .iter()
                .map(|peer| self.peer_selection(&mut memo, cluster, p.namespace, peer))
                .collect(),
        )
    }
}
