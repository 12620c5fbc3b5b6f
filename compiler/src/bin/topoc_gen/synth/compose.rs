//! One Compose project of N services on several networks: tiers of web, api,
//! worker and data services, each on 1–3 of ~N/30 networks (some internal,
//! with declared subnets sized for their members), published ports on
//! distinct host ports, `depends_on`, env URLs naming dependencies, and
//! some static addresses.

use super::{GenFile, Rng};
use std::fmt::Write;

const KINDS: &[(&str, &str, u16)] = &[
    ("web", "nginx:1.27", 80),
    ("api", "registry.example.com/api:2.14.1", 8080),
    ("worker", "registry.example.com/worker:5.0.2", 9090),
    ("db", "postgres:16.4", 5432),
    ("cache", "redis:7.4", 6379),
];

/// A project of `services` services, in one `compose.yaml`.
pub fn generate(services: usize, seed: u64) -> GenFile {
    let mut rng = Rng::new(seed);
    // Each /20 holds 4094 addresses, so no network runs out even when large.
    let networks = (services / 30).clamp(3, 2000);
    let mut t = String::with_capacity(services * 500);
    let _ = write!(t, "name: bench-{services}\n\nservices:\n");
    let mut next_host_port = 20000u32;
    // Per network: how many static addresses were handed out.
    let mut statics = vec![0u32; networks];
    for i in 0..services {
        let (kind, image, port) = KINDS[i % KINDS.len()];
        let name = format!("{kind}-{i}");
        let _ = write!(t, "  {name}:\n    image: {image}\n");
        // Groups of five (web, api, worker, db, cache) share a home network
        // (never an internal one, so published fronts are reachable) and
        // join up to two neighbouring ones, so groups form clusters.
        let base = i - i % KINDS.len();
        let groups = services.div_ceil(KINDS.len());
        let mut home = (i / KINDS.len()) * networks / groups.max(1);
        if is_internal(home) {
            home = (home + 1) % networks;
        }
        let mut nets = vec![home];
        for _ in 1..rng.range(1, 3) {
            let n = (home + rng.range(1, 3)) % networks;
            if !(kind == "web" && is_internal(n)) {
                nets.push(n);
            }
        }
        nets.sort_unstable();
        nets.dedup();
        if kind == "web" && next_host_port < 65000 {
            let _ = write!(t, "    ports:\n      - \"{next_host_port}:{port}\"\n");
            next_host_port += 1;
            if rng.chance(20) {
                let _ = writeln!(t, "      - \"127.0.0.1:{next_host_port}:9090\"");
                next_host_port += 1;
            }
        }
        let (db, cache) = (base + 3, base + 4);
        if matches!(kind, "web" | "api" | "worker") && cache < services {
            let _ = write!(
                t,
                "    depends_on:\n      - db-{db}\n      - cache-{cache}\n"
            );
            let _ = write!(
                t,
                "    environment:\n      DATABASE_URL: postgresql://app:secret@db-{db}:5432/app\n      REDIS_HOST: cache-{cache}\n      REDIS_PORT: \"6379\"\n"
            );
        }
        t.push_str("    networks:\n");
        for &n in &nets {
            if rng.chance(10) {
                statics[n] += 1;
                let s = statics[n];
                let (a, b) = subnet_base(n);
                // Static addresses from the top of the /20, allocation from the bottom.
                let _ = write!(
                    t,
                    "      net-{n}:\n        ipv4_address: 10.{a}.{}.{}\n        aliases: [\"{kind}-alias-{i}\"]\n",
                    b + 15 - (s / 250) as u8,
                    250 - s % 250
                );
            } else {
                let _ = writeln!(t, "      net-{n}: {{}}");
            }
        }
        if rng.chance(30) {
            t.push_str("    restart: unless-stopped\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 10s\n");
        }
    }
    t.push_str("\nnetworks:\n");
    for n in 0..networks {
        let (a, b) = subnet_base(n);
        let _ = write!(t, "  net-{n}:\n    driver: bridge\n");
        if is_internal(n) {
            t.push_str("    internal: true\n");
        }
        let _ = write!(
            t,
            "    ipam:\n      config:\n        - subnet: 10.{a}.{b}.0/20\n"
        );
    }
    GenFile {
        name: "compose.yaml".into(),
        text: t,
    }
}

/// Every seventh network is internal (a data-only segment).
fn is_internal(n: usize) -> bool {
    n % 7 == 3
}

/// Network `n`'s /20 inside 10.128.0.0/9: second and third octets.
fn subnet_base(n: usize) -> (u8, u8) {
    let base = n * 16;
    (128 + (base / 256) as u8, (base % 256) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_services_and_is_deterministic() {
        let f = generate(200, 3);
        assert_eq!(f.text.matches("\n    image: ").count(), 200);
        assert_eq!(f.text, generate(200, 3).text);
        assert!(f.text.contains("internal: true"));
        assert!(f.text.contains("ipv4_address:"));
    }
}
