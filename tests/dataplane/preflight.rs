//! Can this machine build a world? Root, the tools, br_netfilter and a
//! working `unshare`. The answer is a reason to skip, never a panic.

use std::time::Duration;

use crate::proc_util::{run, which};

/// Everything the world half runs.
const TOOLS: &[&str] = &[
    "timeout", "unshare", "nsenter", "mount", "ip", "nft", "socat", "ss", "sh",
];

fn is_root() -> bool {
    // No libc dependency: the effective uid is the second field of `Uid:`.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|rest| rest.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

const BRIDGE_NF: &str = "/proc/sys/net/bridge/bridge-nf-call-iptables";

/// Ok when worlds can be built, Err(why) otherwise.
pub fn check() -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Err("not Linux".into());
    }
    if !is_root() {
        return Err("not root (namespaces, bridges and nft need it)".into());
    }
    let missing: Vec<&str> = TOOLS
        .iter()
        .copied()
        .filter(|t| which(t).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing {} (run .ci/install-dataplane-tools: nftables socat iproute2 kmod)",
            missing.join(", ")
        ));
    }
    if !std::path::Path::new(BRIDGE_NF).exists() {
        // The module is global; loading it is the one host change we make,
        // and only when it is absent. Its sysctls are set inside the world.
        if which("modprobe").is_some() {
            let _ = run("modprobe", &["br_netfilter"], None, Duration::from_secs(20));
        }
        if !std::path::Path::new(BRIDGE_NF).exists() {
            return Err("br_netfilter is not available (`modprobe br_netfilter` failed)".into());
        }
    }
    let probe = run(
        "unshare",
        &[
            "--net",
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc",
            "--propagation",
            "private",
            "true",
        ],
        None,
        Duration::from_secs(20),
    )?;
    if !probe.ok() {
        return Err(format!(
            "unshare --net --mount --pid does not work here: {}",
            probe.stderr.trim()
        ));
    }
    Ok(())
}
