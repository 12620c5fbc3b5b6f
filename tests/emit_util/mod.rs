//! Shared by the emitter tests: loading, tool discovery with skip/require
//! semantics, and two small evaluators that read the emitted artefacts back
//! (NetworkPolicy semantics over the k8s view model; the forward-chain logic
//! over the nft view model) so round trips are checked in-process.
#![allow(dead_code)]

#[path = "../skip/mod.rs"]
mod skip_notice;
pub use skip_notice::skip;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use topoc::analyze::connectivity::ConnSet;
use topoc::driver::{self, Analysis};
use topoc::emit::k8s::{K8sView, PolicyView};
use topoc::emit::nft::NftView;
use topoc::emit::{EmitContext, EmitOptions, Emitted, Peer, Reach, Target};
use topoc::input::{Input, LoadOptions};
use topoc::ir::Protocol;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn corpus() -> Option<PathBuf> {
    let p = root().join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        assert!(
            std::env::var("TOPOC_REQUIRE_CORPUS").as_deref() != Ok("1"),
            "corpus missing at {} and TOPOC_REQUIRE_CORPUS=1",
            p.display()
        );
        skip(format!("corpus not found at {}", p.display()));
        None
    }
}

/// A tool the test needs; `None` (after printing why) when it is missing,
/// a failure when `TOPOC_REQUIRE_TOOLS=1`.
pub fn tool(what: &str, found: bool) -> bool {
    if !found {
        assert!(
            std::env::var("TOPOC_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{what} missing and TOPOC_REQUIRE_TOOLS=1 (run .ci/install-emit-tools)"
        );
        skip(format!("{what} not available (run .ci/install-emit-tools)"));
    }
    found
}

pub fn venv_python() -> Option<PathBuf> {
    let p = root().join(".venv-ci/bin/python");
    let ok = p.is_file()
        && Command::new(&p)
            .args(["-c", "import kubernetes_validate, jsonschema, yaml"])
            .status()
            .is_ok_and(|s| s.success());
    tool(
        "the .venv-ci Python with kubernetes-validate and jsonschema",
        ok,
    )
    .then_some(p)
}

pub fn nft() -> bool {
    let ok = Command::new("nft")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    tool("nft", ok)
}

/// `nft` in a fresh user + network namespace when one can be made (check
/// mode then works without root and never sees the host ruleset), else plain.
pub fn nft_command() -> Command {
    let unshare = Command::new("unshare")
        .args(["-rn", "nft", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if unshare {
        let mut c = Command::new("unshare");
        c.args(["-rn", "nft"]);
        c
    } else {
        Command::new("nft")
    }
}

pub fn analyze(paths: &[&Path]) -> Analysis {
    let inputs: Vec<Input> = paths
        .iter()
        .map(|p| Input::Path(p.to_string_lossy().into_owned()))
        .collect();
    driver::analyze(&inputs, &LoadOptions::default())
}

/// The connectivity engine's result in the emitters' view.
pub fn reach(an: &Analysis) -> (Reach, Vec<(Peer, Peer, String)>) {
    let c = topoc::analyze::connectivity::compute(&an.loaded.topology, &an.resolved);
    Reach::from_connectivity(&c)
}

/// Options as `topoc compile` builds them: the engine's connectivity.
pub fn options(an: &Analysis) -> EmitOptions {
    let (reach, widened) = reach(an);
    EmitOptions {
        reach: Some(reach),
        widened,
        ..EmitOptions::default()
    }
}

pub fn emit(an: &Analysis, target: Target) -> Emitted {
    let options = options(an);
    let cx = EmitContext {
        topology: &an.loaded.topology,
        resolved: &an.resolved,
        sources: &an.loaded.sources,
        options: &options,
    };
    topoc::emit::emit(target, &cx).unwrap_or_else(|e| panic!("emit {target:?}: {e}"))
}

pub fn with_cx<R>(an: &Analysis, f: impl FnOnce(&EmitContext) -> R) -> R {
    let options = options(an);
    let cx = EmitContext {
        topology: &an.loaded.topology,
        resolved: &an.resolved,
        sources: &an.loaded.sources,
        options: &options,
    };
    f(&cx)
}

/// Reach of the Compose services of the input (the connectivity engine's)
/// with ids mapped through the emitter's renames, as `src => dst : conn`
/// lines (External is `outside`). Services without a network stack of their
/// own (`host`, `none`, `container:X`) are left out: no target filters their
/// traffic (nft has no address for them, k8s policies do not govern host
/// pods), and the emitters report them.
pub fn expected_lines(an: &Analysis, renames: &BTreeMap<String, String>) -> Vec<String> {
    let t = &an.loaded.topology;
    let (reach, _) = reach(an);
    let networked = |p: Peer| match p {
        Peer::External => true,
        Peer::Workload(w) => {
            t.workload(w).project.is_some() && !an.resolved.effective_networks[w.index()].is_empty()
        }
    };
    let name = |p: Peer| match p {
        Peer::External => "outside".to_string(),
        Peer::Workload(w) => {
            let id = t.workload_id(w);
            renames.get(&id).cloned().unwrap_or(id)
        }
    };
    let mut out: Vec<String> = reach
        .flows
        .iter()
        .filter(|((a, b), _)| networked(*a) && networked(*b))
        .map(|((a, b), ps)| format!("{} => {} : {ps}", name(*a), name(*b)))
        .collect();
    out.sort();
    out
}

fn selects(sel: &[topoc::emit::k8s::Kv], labels: &BTreeMap<String, String>) -> bool {
    sel.iter().all(|kv| labels.get(&kv.key) == Some(&kv.value))
}

fn rule_ports(r: &topoc::emit::k8s::policy::RuleView) -> ConnSet {
    if r.ports.is_empty() {
        return ConnSet::all();
    }
    let mut s = ConnSet::none();
    for p in &r.ports {
        let proto = Protocol::parse(p.protocol).expect("protocol");
        let start = p.port.unwrap_or(1);
        let end = p
            .end_port
            .unwrap_or(if p.port.is_some() { start } else { 65535 });
        s.add(proto, start, end);
    }
    s
}

#[derive(Clone, Copy, PartialEq)]
enum Dir {
    In,
    Out,
}

/// What the policies of `pols` let pod `pod` (labels) exchange with `peer`
/// (None: outside) in direction `dir`, under NetworkPolicy semantics.
fn allowed(
    pols: &[PolicyView],
    ns: &str,
    pod: &BTreeMap<String, String>,
    peer: Option<(&str, &BTreeMap<String, String>)>,
    dir: Dir,
) -> ConnSet {
    let ty = if dir == Dir::In { "Ingress" } else { "Egress" };
    let selecting: Vec<&PolicyView> = pols
        .iter()
        .filter(|p| p.policy_types.contains(&ty) && selects(&p.pod_selector, pod))
        .collect();
    if selecting.is_empty() {
        return ConnSet::all();
    }
    let mut out = ConnSet::none();
    for p in selecting {
        for r in if dir == Dir::In {
            &p.ingress
        } else {
            &p.egress
        } {
            let hit = r.peers.iter().any(|peer_sel| match (peer, &peer_sel.cidr) {
                (None, Some(c)) => c == "0.0.0.0/0",
                (None, None) | (Some(_), Some(_)) => false,
                (Some((pns, labels)), None) => {
                    let ns_ok = match &peer_sel.namespace_selector {
                        None => pns == ns,
                        Some(nsel) => nsel
                            .iter()
                            .all(|kv| kv.key == "kubernetes.io/metadata.name" && kv.value == pns),
                    };
                    ns_ok
                        && peer_sel
                            .pod_selector
                            .as_ref()
                            .is_none_or(|s| selects(s, labels))
                }
            });
            if hit {
                out.union_with(&rule_ports(r));
            }
        }
    }
    out
}

/// Connectivity of the emitted manifests as `src => dst : conn` lines.
pub fn k8s_lines(view: &K8sView) -> Vec<String> {
    let mut pods: Vec<(String, String, BTreeMap<String, String>)> = Vec::new();
    for ns in &view.namespaces {
        for w in &ns.workloads {
            pods.push((
                ns.name.clone(),
                w.name.clone(),
                w.labels
                    .iter()
                    .map(|kv| (kv.key.clone(), kv.value.clone()))
                    .collect(),
            ));
        }
    }
    let pols = |ns: &str| {
        view.namespaces
            .iter()
            .find(|n| n.name == ns)
            .map(|n| n.policies.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for (ans, a, al) in &pods {
        let apols = pols(ans);
        let eg = allowed(&apols, ans, al, None, Dir::Out);
        if !eg.is_empty() {
            out.push(format!("{ans}/{a} => outside : {eg}"));
        }
        let ing = allowed(&apols, ans, al, None, Dir::In);
        if !ing.is_empty() {
            out.push(format!("outside => {ans}/{a} : {ing}"));
        }
        for (bns, b, bl) in &pods {
            if (ans, a) == (bns, b) {
                continue;
            }
            let e = allowed(&apols, ans, al, Some((bns, bl)), Dir::Out);
            let i = allowed(&pols(bns), bns, bl, Some((ans, al)), Dir::In);
            let both = e.intersect(&i);
            if !both.is_empty() {
                out.push(format!("{ans}/{a} => {bns}/{b} : {both}"));
            }
        }
    }
    out.sort();
    out
}

fn parse_v4_range(s: &str) -> (u32, u32) {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    (
        u32::from(a.parse::<Ipv4Addr>().expect("v4")),
        u32::from(b.parse::<Ipv4Addr>().expect("v4")),
    )
}

fn parse_port_range(s: &str) -> (u16, u16) {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    (a.parse().expect("port"), b.parse().expect("port"))
}

/// What the forward chain of the emitted ruleset lets through from `s` to
/// `d`, read from the view as nft evaluates the chains: untouched unless `d`
/// is managed or `s` egress-limited; then the first rule that accepts wins
/// (every rule of `managed` accepts or falls through, then a drop): a group
/// rule whose set holds both addresses, the `flows` map, `from_outside` for
/// unmanaged sources, `to_outside` for unmanaged destinations.
pub fn nft_allowed(view: &NftView, s: Ipv4Addr, d: Ipv4Addr) -> ConnSet {
    let in_set = |name: &str, ip: Ipv4Addr| {
        view.sets
            .iter()
            .find(|x| x.name == name)
            .is_some_and(|x| x.elements.iter().any(|e| e.key[0] == ip.to_string()))
    };
    let (managed_s, managed_d) = (in_set("managed", s), in_set("managed", d));
    if !managed_d && !in_set("egress_limited", s) {
        return ConnSet::all();
    }
    if view
        .groups
        .iter()
        .any(|g| in_set(&g.set, s) && in_set(&g.set, d))
    {
        return ConnSet::all();
    }
    let (s, d) = (u32::from(s), u32::from(d));
    let within = |r: &str, ip: u32| {
        let r = parse_v4_range(r);
        r.0 <= ip && ip <= r.1
    };
    let mut out = ConnSet::none();
    let mut add = |e: &topoc::emit::nft::ElementView| {
        let n = e.key.len();
        let (lo, hi) = parse_port_range(&e.key[n - 1]);
        out.add(Protocol::parse(&e.key[n - 2]).expect("proto"), lo, hi);
    };
    for e in &view.flows {
        if within(&e.key[0], s) && within(&e.key[1], d) {
            add(e);
        }
    }
    if !managed_s {
        for e in view.from_outside.iter().filter(|e| within(&e.key[0], d)) {
            add(e);
        }
    }
    if !managed_d {
        for e in view.to_outside.iter().filter(|e| within(&e.key[0], s)) {
            add(e);
        }
    }
    out
}

/// Connectivity enforced by the ruleset, per workload (union over the
/// addresses the compose semantics use: shared-network pairs; an outside
/// address for External).
pub fn nft_lines(an: &Analysis, view: &NftView) -> Vec<String> {
    let t = &an.loaded.topology;
    let outside = Ipv4Addr::new(203, 0, 113, 7);
    let addrs = |w: topoc::ir::WorkloadId| -> Vec<(topoc::ir::NetworkId, Ipv4Addr)> {
        let mut cur = w;
        for _ in 0..16 {
            let wl = t.workload(cur);
            match &wl.network_mode {
                topoc::ir::NetworkMode::Service(o) => match t.find_workload(wl.namespace, o) {
                    Some(x) => cur = x,
                    None => return vec![],
                },
                topoc::ir::NetworkMode::Bridge | topoc::ir::NetworkMode::DefaultBridge => {
                    return wl
                        .attachments
                        .iter()
                        .filter_map(|a| a.address.map(|ip| (a.network, ip)))
                        .collect();
                }
                _ => return vec![],
            }
        }
        vec![]
    };
    let mut out = Vec::new();
    for a in t.workload_ids() {
        let aa = addrs(a);
        if aa.is_empty() {
            continue;
        }
        let mut eg = ConnSet::none();
        let mut ing = ConnSet::none();
        for (_, ip) in &aa {
            eg.union_with(&nft_allowed(view, *ip, outside));
            ing.union_with(&nft_allowed(view, outside, *ip));
        }
        // Docker gives workloads on internal networks no route out, so the
        // ruleset need not (and does not) drop what cannot be sent.
        let routable = an.resolved.effective_networks[a.index()]
            .iter()
            .any(|&n| !t.network(n).internal);
        if !eg.is_empty() && routable {
            out.push(format!("{} => outside : {eg}", t.workload_id(a)));
        }
        if !ing.is_empty() {
            out.push(format!("outside => {} : {ing}", t.workload_id(a)));
        }
        for b in t.workload_ids() {
            let ba = addrs(b);
            if a == b || ba.is_empty() {
                continue;
            }
            let mut ps = ConnSet::none();
            if aa.iter().any(|x| ba.contains(x)) {
                // One network stack (`network_mode: service:X`): localhost.
                ps = ConnSet::all();
            }
            let share = aa.iter().any(|(na, _)| ba.iter().any(|(nb, _)| na == nb));
            for (na, x) in &aa {
                for (nb, y) in &ba {
                    // Between networks Docker routes only where they are not
                    // isolated (no shared network: e.g. policy `open`).
                    if na == nb || !share {
                        ps.union_with(&nft_allowed(view, *x, *y));
                    }
                }
            }
            if !ps.is_empty() {
                out.push(format!(
                    "{} => {} : {ps}",
                    t.workload_id(a),
                    t.workload_id(b)
                ));
            }
        }
    }
    out.sort();
    out
}
