//! ## internal-service-published (TOPO202, warning)
//!
//! A database, cache or queue image (postgres, mysql, redis, ...) or a
//! service marked `x-topoc.exposure: internal` publishes a port on every host
//! interface, where anyone who can reach the host can reach it.

use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, INTERNAL_SERVICE_PUBLISHED};
use crate::ir::{Exposure, Workload};

pub static RULE: Rule = Rule {
    code: &INTERNAL_SERVICE_PUBLISHED,
    doc: "A database, cache or queue (an image such as postgres, mysql, mariadb, mongo, redis, \
memcached, rabbitmq, elasticsearch, ...) or a service marked `x-topoc.exposure: internal` \
publishes a port on all host interfaces (`\"5432:5432\"` binds 0.0.0.0 and ::). Anyone who can \
reach the host can reach the database. Bind it to loopback (`\"127.0.0.1:5432:5432\"`) or drop \
the mapping and let the other services use the network. Mark a deliberate exception with \
`x-topoc: {exposure: public}`.",
    fail_example: fixture!("internal-service-published", "fail"),
    pass_example: fixture!("internal-service-published", "pass"),
    check,
};

/// Image names of stateful back ends that should not face the outside.
const INTERNAL_IMAGES: &[&str] = &[
    "postgres",
    "postgis",
    "timescaledb",
    "mysql",
    "mariadb",
    "percona",
    "mongo",
    "redis",
    "valkey",
    "keydb",
    "dragonfly",
    "memcached",
    "rabbitmq",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "scylla",
    "couchdb",
    "couchbase",
    "influxdb",
    "neo4j",
    "zookeeper",
    "kafka",
    "cp-kafka",
    "etcd",
    "nats",
    "clickhouse",
    "cockroach",
    "mssql",
    "oracle",
    "db2",
    "activemq",
    "postgresql",
    "mongodb",
    "mysql-server",
    "redis-stack",
    "redis-stack-server",
    "cp-zookeeper",
    "clickhouse-server",
    "cockroachdb",
    "scylladb",
    "influxdb2",
];

/// The image's name without registry, namespace, tag or digest.
fn image_kind(image: &str) -> Option<&'static str> {
    let lower = image.to_ascii_lowercase();
    let no_digest = lower.split('@').next().unwrap_or("");
    let segments: Vec<&str> = no_digest.split('/').collect();
    let last = segments.last()?.split(':').next().unwrap_or("");
    // Exact names only: `redis-commander` or `postgres-exporter` are tools
    // around a back end, not the back end. A namespace segment counts too
    // (`mcr.microsoft.com/mssql/server`).
    INTERNAL_IMAGES
        .iter()
        .find(|k| last == **k || segments[..segments.len() - 1].contains(k))
        .copied()
}

fn internal_reason(w: &Workload) -> Option<String> {
    match w.exposure {
        Some(Exposure::Public) => None,
        Some(Exposure::Internal) => Some("is marked `x-topoc.exposure: internal`".into()),
        None => {
            let image = w.containers.iter().find_map(|c| c.image.as_deref())?;
            image_kind(image).map(|k| format!("runs `{image}` ({k})"))
        }
    }
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    t.publications
        .iter()
        .filter(|p| !p.host_ip_declared || p.host_ip.is_unspecified())
        .filter_map(|p| {
            let w = t.workload(p.workload);
            w.project?;
            let reason = internal_reason(w)?;
            let host = match p.host_ports {
                Some(r) if r.start == r.end => format!("host port {}", r.start),
                Some(r) => format!("host ports {}-{}", r.start, r.end),
                None => "an ephemeral host port".into(),
            };
            Some(
                Diagnostic::new(
                    &INTERNAL_SERVICE_PUBLISHED,
                    p.origin.span,
                    format!("`{}` {reason} and publishes port {}/{} on all host interfaces ({host})", w.name, p.port, p.protocol.as_str()),
                )
                .with_help(format!(
                    "bind it to loopback (\"127.0.0.1:{}:{}\") or drop the mapping; other services reach it over the network",
                    p.host_ports.map(|r| r.start).unwrap_or(p.port),
                    p.port
                ))
                .with_resource(t.workload_id(p.workload)),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::image_kind;

    #[test]
    fn image_names_are_matched_without_registry_and_tag() {
        assert_eq!(image_kind("postgres:13"), Some("postgres"));
        assert_eq!(image_kind("docker.io/bitnami/redis:7.2"), Some("redis"));
        assert_eq!(
            image_kind("mcr.microsoft.com/mssql/server:2022-latest"),
            Some("mssql")
        );
        assert_eq!(image_kind("nginx:1.27"), None);
        assert_eq!(image_kind("myorg/redis-commander"), None);
        assert_eq!(image_kind("bitnami/postgresql:16"), Some("postgresql"));
        assert_eq!(image_kind("prometheuscommunity/postgres-exporter"), None);
    }
}
