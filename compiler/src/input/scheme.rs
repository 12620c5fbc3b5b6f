//! Default ports of URL schemes, shared by the Compose and Kubernetes front
//! ends: an env URL without a port (`http://web`, `redis://cache`) connects
//! to its scheme's well-known port (IANA registrations and each client's
//! documented default).

/// The default port of `scheme` (case-insensitive; for a compound scheme
/// such as `jdbc:postgresql` the last part counts).
pub fn default_port(scheme: &str) -> Option<u16> {
    let scheme = scheme
        .rsplit(':')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase();
    Some(match scheme.as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        "mongodb" => 27017,
        "redis" | "rediss" => 6379,
        "amqp" => 5672,
        "amqps" => 5671,
        "nats" => 4222,
        "kafka" => 9092,
        "memcached" => 11211,
        "sqlserver" | "mssql" => 1433,
        "elasticsearch" => 9200,
        "mqtt" => 1883,
        "mqtts" => 8883,
        "zookeeper" => 2181,
        "ldap" => 389,
        "ldaps" => 636,
        "smtp" => 25,
        "ftp" => 21,
        "ssh" | "sftp" => 22,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::default_port;

    #[test]
    fn schemes_have_their_well_known_ports() {
        for (scheme, port) in [
            ("http", 80),
            ("HTTPS", 443),
            ("postgres", 5432),
            ("postgresql", 5432),
            ("jdbc:mysql", 3306),
            ("redis", 6379),
            ("mongodb", 27017),
            ("amqp", 5672),
            ("nats", 4222),
            ("kafka", 9092),
        ] {
            assert_eq!(default_port(scheme), Some(port), "{scheme}");
        }
        assert_eq!(default_port("mongodb+srv"), None);
        assert_eq!(default_port("file"), None);
    }
}
