//! The world half: runs as PID 1 of `unshare --net --mount --pid --fork
//! --mount-proc --propagation private`, so every interface, namespace, rule
//! and process it makes lives and dies with that unshared world. When this
//! process exits the kernel kills whatever is left in the PID namespace: no
//! listener can outlive the run even if a kill below fails.
//!
//! Namespaces: `ip netns add` inside the private mount namespace, over a
//! tmpfs mounted on /run, so the named namespaces (/run/netns/*) are bind
//! mounts that exist only in this world and never appear on the host.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::model::Proto;
use crate::plan::{Host, Plan, Probe};
use crate::proc_util::{bounded, run, run_ok};

const CMD_LIMIT: Duration = Duration::from_secs(20);
/// Upper bound of a listener's life; the suite ends far sooner.
const LISTENER_LIFETIME_S: u64 = 100;

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct WorldResult {
    /// Setup or ruleset failures: the probes did not run (or not all).
    pub errors: Vec<String>,
    /// One entry per `Plan::probes`, true when the listener answered.
    pub observed: Vec<bool>,
    pub timings: Vec<(String, f64)>,
    /// Output of `nft -c -o -f`: design §8 wants it empty (no merge hints).
    pub optimize_hints: String,
    pub retried: usize,
}

/// Entry point: `--world PLAN.json RESULT.json`. Always writes a result
/// (errors inside it) so the suite can say what went wrong.
pub fn main(args: &[String]) -> i32 {
    let (Some(plan_path), Some(result_path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: dataplane --world PLAN.json RESULT.json");
        return 2;
    };
    let result = match std::fs::read_to_string(plan_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<Plan>(&t).map_err(|e| e.to_string()))
    {
        Ok(plan) => execute(&plan),
        Err(e) => WorldResult {
            errors: vec![format!("reading plan {plan_path}: {e}")],
            ..Default::default()
        },
    };
    let text = serde_json::to_string(&result).unwrap_or_else(|_| "{}".into());
    match std::fs::write(result_path, text) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("writing {result_path}: {e}");
            1
        }
    }
}

fn execute(plan: &Plan) -> WorldResult {
    let mut r = WorldResult::default();
    let mut t = Instant::now();
    let mut lap = |r: &mut WorldResult, what: &str| {
        r.timings
            .push((what.to_string(), t.elapsed().as_secs_f64()));
        t = Instant::now();
    };
    if let Err(e) = setup(plan) {
        r.errors.push(format!("setup: {e}"));
        return r;
    }
    lap(&mut r, "setup");
    if let Some(path) = &plan.ruleset {
        if let Err(e) = load_ruleset(path, &mut r) {
            r.errors.push(e);
            return r;
        }
        lap(&mut r, "nft");
    }
    let mut listeners = Vec::new();
    let started = start_listeners(plan, &mut listeners).and_then(|()| wait_listening(plan));
    if let Err(e) = started {
        r.errors.push(format!("listeners: {e}"));
    } else {
        lap(&mut r, "listeners");
        r.observed = probe_all(plan, &mut r.retried);
        lap(&mut r, "probes");
    }
    stop(listeners);
    r
}

fn write_sysctl(key: &str, value: &str) -> Result<(), String> {
    let path = format!("/proc/sys/{}", key.replace('.', "/"));
    std::fs::write(&path, value).map_err(|e| format!("{path}: {e}"))
}

fn ns_path(ns: &str) -> String {
    format!("--net=/run/netns/{ns}")
}

fn setup(plan: &Plan) -> Result<(), String> {
    // A tmpfs over /run keeps `ip netns` state inside this mount namespace.
    run_ok(
        "mount",
        &[
            "-t",
            "tmpfs",
            "-o",
            "size=1m,mode=755",
            "topoc-dataplane",
            "/run",
        ],
        None,
        CMD_LIMIT,
    )?;
    std::fs::create_dir_all("/run/netns").map_err(|e| format!("/run/netns: {e}"))?;
    write_sysctl("net.ipv4.ip_forward", "1")?;
    // Without this, bridged traffic never reaches the inet hooks and every
    // deny silently passes (design §9). It is per network namespace.
    write_sysctl("net.bridge.bridge-nf-call-iptables", "1")
        .map_err(|e| format!("{e} (is br_netfilter loaded? `modprobe br_netfilter`)"))?;
    // A kernel booted without IPv6 has no such files: nothing to turn off.
    if std::path::Path::new("/proc/sys/net/ipv6").exists() {
        for key in [
            "net.ipv6.conf.all.disable_ipv6",
            "net.ipv6.conf.default.disable_ipv6",
        ] {
            write_sysctl(key, "1")?;
        }
    }

    let mut batch = vec!["link set lo up".to_string()];
    for b in &plan.bridges {
        batch.push(format!("link add {} type bridge", b.name));
        batch.push(format!("addr add {} dev {}", b.gateway_cidr, b.name));
        batch.push(format!("link set {} up", b.name));
    }
    for h in plan.hosts.iter().chain(std::iter::once(&plan.outside)) {
        batch.push(format!("netns add {}", h.ns));
        for l in &h.links {
            batch.push(format!(
                "link add {} type veth peer name {} netns {}",
                l.host_if, l.ifname, h.ns
            ));
            match &l.bridge {
                Some(br) => batch.push(format!("link set {} master {br} up", l.host_if)),
                None => {
                    for a in &plan.outside_host_addrs {
                        batch.push(format!("addr add {a} dev {}", l.host_if));
                    }
                    batch.push(format!("link set {} up", l.host_if));
                }
            }
        }
    }
    batch.push(String::new());
    run_ok("ip", &["-batch", "-"], Some(&batch.join("\n")), CMD_LIMIT)?;

    for h in plan.hosts.iter().chain(std::iter::once(&plan.outside)) {
        // IPv6 off inside too: neighbour discovery would otherwise hit a
        // bridged default-deny (design §9).
        let off = "d=/proc/sys/net/ipv6/conf; [ ! -d $d ] || { echo 1 > $d/all/disable_ipv6 && echo 1 > $d/default/disable_ipv6; }";
        run_ok(
            "nsenter",
            &[&ns_path(&h.ns), "sh", "-c", off],
            None,
            CMD_LIMIT,
        )?;
        let mut b = vec!["link set lo up".to_string()];
        for l in &h.links {
            b.push(format!("addr add {} dev {}", l.cidr, l.ifname));
            b.push(format!("link set {} up", l.ifname));
        }
        if let Some(gw) = &h.default_via {
            b.push(format!("route add default via {gw}"));
        }
        b.push(String::new());
        run_ok(
            "ip",
            &["-n", &h.ns, "-batch", "-"],
            Some(&b.join("\n")),
            CMD_LIMIT,
        )?;
    }
    let bnf =
        std::fs::read_to_string("/proc/sys/net/bridge/bridge-nf-call-iptables").unwrap_or_default();
    if bnf.trim() != "1" {
        return Err("bridge-nf-call-iptables is not 1 in the world".into());
    }
    Ok(())
}

/// Check, load, load again; the second load must leave the same ruleset
/// (listed statelessly, so counters do not count as a difference).
fn load_ruleset(path: &str, r: &mut WorldResult) -> Result<(), String> {
    run_ok("nft", &["-c", "-f", path], None, CMD_LIMIT).map_err(|e| format!("nft check: {e}"))?;
    let hints = run("nft", &["-c", "-o", "-f", path], None, CMD_LIMIT)?;
    r.optimize_hints = format!("{}{}", hints.stdout, hints.stderr)
        .trim()
        .to_string();
    run_ok("nft", &["-f", path], None, CMD_LIMIT).map_err(|e| format!("nft load: {e}"))?;
    let first = run_ok("nft", &["-s", "list", "ruleset"], None, CMD_LIMIT)?;
    run_ok("nft", &["-f", path], None, CMD_LIMIT)
        .map_err(|e| format!("nft second load (idempotence): {e}"))?;
    let second = run_ok("nft", &["-s", "list", "ruleset"], None, CMD_LIMIT)?;
    if first != second {
        let diff: Vec<String> = first
            .lines()
            .zip(second.lines())
            .filter(|(a, b)| a != b)
            .take(5)
            .map(|(a, b)| format!("  first: {a}\n  again: {b}"))
            .collect();
        return Err(format!(
            "loading the ruleset twice changed it ({} vs {} lines):\n{}",
            first.lines().count(),
            second.lines().count(),
            diff.join("\n")
        ));
    }
    Ok(())
}

/// One socat per TCP port (bound to every address), one per UDP port and
/// address: `UDP4-RECVFROM,fork` keeps its socket bound while a child
/// answers each datagram, where `UDP4-LISTEN,fork` unbinds between peers
/// and refused 8 of 21 concurrent probes when measured; binding to the
/// address makes the answer leave from the address the probe targeted.
fn listener_commands(h: &Host) -> Vec<Vec<String>> {
    // Both read the probe's line before answering. UDP: an answer that
    // does not read loses replies under load (design §9); `read` returns on
    // the newline, where `cat` would wait for EOF, i.e. for `-T`, later than
    // the probe's timeout. TCP: closing with the probe's line still unread
    // sends RST, which can destroy the "ok" before the probe reads it.
    let answer = "SYSTEM:read -r x; echo ok".to_string();
    let mut out = Vec::new();
    for l in &h.listeners {
        let mut push = |address: String| {
            out.push(vec![
                ns_path(&h.ns),
                "socat".into(),
                "-T".into(),
                "5".into(),
                address,
                answer.clone(),
            ]);
        };
        match l.proto {
            Proto::Tcp => push(format!("TCP4-LISTEN:{},fork,reuseaddr", l.port)),
            _ => {
                for link in &h.links {
                    let addr = link.cidr.split('/').next().unwrap_or_default();
                    push(format!("UDP4-RECVFROM:{},bind={addr},fork", l.port));
                }
            }
        }
    }
    out
}

fn start_listeners(plan: &Plan, out: &mut Vec<Child>) -> Result<(), String> {
    for h in plan.hosts.iter().chain(std::iter::once(&plan.outside)) {
        for args in listener_commands(h) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let child = bounded("nsenter", &args, Duration::from_secs(LISTENER_LIFETIME_S))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("socat in {}: {e}", h.ns))?;
            out.push(child);
        }
    }
    Ok(())
}

/// Polls `ss` until every namespace shows its listeners (bounded: 80 rounds).
fn wait_listening(plan: &Plan) -> Result<(), String> {
    let mut pending: Vec<&Host> = plan
        .hosts
        .iter()
        .chain(std::iter::once(&plan.outside))
        .filter(|h| !h.listeners.is_empty())
        .collect();
    for _ in 0..80 {
        let mut still = Vec::new();
        for h in pending {
            let out = run_ok(
                "nsenter",
                &[&ns_path(&h.ns), "ss", "-Htuln"],
                None,
                CMD_LIMIT,
            )?;
            if out.lines().filter(|l| !l.trim().is_empty()).count() < listener_commands(h).len() {
                still.push(h);
            }
        }
        if still.is_empty() {
            return Ok(());
        }
        pending = still;
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "not listening after 4 s in {}",
        pending
            .iter()
            .map(|h| h.ns.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn spawn_probe(p: &Probe, timeout_ms: u64) -> Option<Child> {
    let t = format!("{:.2}", timeout_ms as f64 / 1000.0);
    let target = match p.proto {
        Proto::Tcp => format!("TCP4:{}:{},connect-timeout={t}", p.addr, p.port),
        _ => format!("UDP4:{}:{}", p.addr, p.port),
    };
    let ns = ns_path(&p.from_ns);
    // -T bounds inactivity, -t the wait for the answer after our EOF; the
    // outer `timeout` is only a backstop.
    let args = [ns.as_str(), "socat", "-T", &t, "-t", &t, "-", &target];
    let mut child = bounded(
        "nsenter",
        &args,
        Duration::from_millis(timeout_ms * 4 + 1000),
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(b"ping\n");
    }
    Some(child)
}

/// Runs the probes `idx` with at most `plan.parallel` in flight (a sliding
/// window, so one slow drop does not hold back a whole batch). Bounded: each
/// probe is under `timeout`, and stragglers are killed at a deadline.
fn probe_batch(plan: &Plan, idx: &[usize]) -> Vec<bool> {
    use std::io::Read;
    let mut results = vec![false; idx.len()];
    let mut next = 0;
    let mut running: Vec<(usize, Child)> = Vec::new();
    let deadline = Instant::now()
        + Duration::from_millis(plan.probe_timeout_ms * 4 + 1000) * (idx.len() as u32 + 1);
    while next < idx.len() || !running.is_empty() {
        while next < idx.len() && running.len() < plan.parallel.max(1) {
            if let Some(c) = spawn_probe(&plan.probes[idx[next]], plan.probe_timeout_ms) {
                running.push((next, c));
            }
            next += 1;
        }
        let mut still = Vec::with_capacity(running.len());
        for (slot, mut c) in running {
            match c.try_wait() {
                Ok(None) if Instant::now() < deadline => still.push((slot, c)),
                Ok(Some(_)) => {
                    let mut out = String::new();
                    if let Some(mut pipe) = c.stdout.take() {
                        let _ = pipe.read_to_string(&mut out);
                    }
                    results[slot] = out.contains("ok");
                }
                _ => {
                    let _ = c.kill();
                    let _ = c.wait();
                }
            }
        }
        running = still;
        std::thread::sleep(Duration::from_millis(5));
    }
    results
}

/// Every probe once, in parallel; the failures once more, so a reply lost
/// to a loaded machine is not reported as a deny (a success can't be faked:
/// it needs the listener's "ok").
fn probe_all(plan: &Plan, retried: &mut usize) -> Vec<bool> {
    let all: Vec<usize> = (0..plan.probes.len()).collect();
    let mut observed = probe_batch(plan, &all);
    let failed: Vec<usize> = all.iter().copied().filter(|&i| !observed[i]).collect();
    *retried = failed.len();
    for (i, ok) in failed.iter().zip(probe_batch(plan, &failed)) {
        observed[*i] = ok;
    }
    observed
}

/// SIGTERM through `timeout` (it forwards the signal to socat), then reap;
/// SIGKILL after 2 s. PID-namespace teardown is the final guarantee.
fn stop(mut listeners: Vec<Child>) {
    if listeners.is_empty() {
        return;
    }
    let pids: Vec<String> = listeners.iter().map(|c| c.id().to_string()).collect();
    // The shell's builtin `kill`: procps' /bin/kill may not be installed.
    let mut args = vec!["-c", "kill -TERM \"$@\"", "sh"];
    args.extend(pids.iter().map(String::as_str));
    let _ = run("sh", &args, None, CMD_LIMIT);
    let deadline = Instant::now() + Duration::from_secs(2);
    for c in &mut listeners {
        while Instant::now() < deadline {
            if matches!(c.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !matches!(c.try_wait(), Ok(Some(_))) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
