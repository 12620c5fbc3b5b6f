//! The central code table: every diagnostic topoc can emit, with its stable
//! code, its rule name (reads well after "allow"), default severity and a
//! one-line summary. Rule documentation lives beside each rule's check.
//!
//! Ranges: TOPO0xx input and syntax · TOPO1xx addressing and subnets ·
//! TOPO2xx ports, publication and exposure · TOPO3xx references and service
//! discovery · TOPO4xx policy gaps and intent · TOPO5xx mesh routing ·
//! TOPO6xx lossy or impossible conversions.

use super::Severity;

#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

macro_rules! codes {
    ($($ident:ident = $code:literal, $name:literal, $sev:ident, $summary:literal;)*) => {
        $(pub static $ident: Code = Code { code: $code, name: $name, severity: Severity::$sev, summary: $summary };)*
        /// Every code, in code order.
        pub static ALL_CODES: &[&Code] = &[$(&$ident),*];
    };
}

codes! {
    INVALID_YAML = "TOPO001", "invalid-yaml", Error, "the file is not well-formed YAML or JSON";
    DUPLICATE_KEY = "TOPO002", "duplicate-key", Error, "a mapping declares the same key twice";
    INVALID_VALUE = "TOPO003", "invalid-value", Error, "a field has the wrong type or an impossible value";
    INVALID_PORT = "TOPO004", "invalid-port", Error, "a port, port range or port mapping does not parse";
    INVALID_INTERPOLATION = "TOPO005", "invalid-interpolation", Error, "a `${...}` expression is malformed or a required variable is unset";
    UNREADABLE_FILE = "TOPO006", "unreadable-file", Error, "an input file cannot be read, is not UTF-8 or is too large";
    INPUT_LIMIT_EXCEEDED = "TOPO007", "input-limit-exceeded", Error, "nesting depth or alias expansion exceeds topoc's safety limits";
    UNRECOGNIZED_DOCUMENT = "TOPO008", "unrecognized-document", Warning, "a named input is neither a Compose file nor a Kubernetes object";
    INVALID_ADDRESS = "TOPO009", "invalid-address", Error, "an IP address or CIDR does not parse";
    UNKNOWN_KEY = "TOPO010", "unknown-key", Warning, "a key that Compose does not define (typo?)";
    INVALID_EXTENDS = "TOPO011", "invalid-extends", Error, "an `extends` reference cannot be resolved or forms a cycle";
    INVALID_INCLUDE = "TOPO012", "invalid-include", Error, "an `include` entry cannot be loaded or forms a cycle";
    UNSET_VARIABLE = "TOPO013", "unset-variable", Warning, "an interpolated variable is not set and defaults to an empty string";
    INVALID_CONFIG = "TOPO014", "invalid-config", Error, "`topoc.yaml` or an inline ignore is malformed or names an unknown rule";
    DUPLICATE_ENV_VAR = "TOPO015", "duplicate-env-var", Warning, "an `environment` list sets one variable twice; the last value wins";
    UNSUPPORTED_PEER = "TOPO016", "unsupported-peer", Warning, "an AdminNetworkPolicy `nodes` peer is not analysed: topoc models no nodes";
    NETWORK_MODE_NETWORK = "TOPO017", "network-mode-network", Warning, "`network_mode` names a network: the engine joins the network of exactly that name, not a network of the project";
    UNSUPPORTED_NETWORK = "TOPO018", "unsupported-network", Warning, "an OVN-Kubernetes UserDefinedNetwork or ClusterUserDefinedNetwork does not become a pod network (secondary role, invalid or unsupported spec, namespace without the primary-network label, or a second primary network)";
    IGNORE_MATCHES_NOTHING = "TOPO019", "ignore-matches-nothing", Warning, "an `ignore` entry of `topoc.yaml` silences no finding (stale or misspelled)";
    SKIPPED_FILE = "TOPO020", "skipped-file", Info, "a file found in a directory is not YAML/JSON or not topology and was skipped (shown with -v)";
    CHART_NOT_RENDERED = "TOPO021", "chart-not-rendered", Warning, "a Helm chart was not checked: `helm` is missing or `helm template` failed";
    KUSTOMIZATION_NOT_EXPANDED = "TOPO022", "kustomization-not-expanded", Warning, "a Kustomization read from stdin is not expanded (it has no directory for its resources); pipe `kubectl kustomize` output instead";
    NO_INPUT = "TOPO023", "no-input", Warning, "no Compose file or Kubernetes object was found under the given paths";
    COMPOSE_FILE_IGNORED = "TOPO024", "compose-file-ignored", Warning, "a directory has several default Compose or override files; docker compose uses only the first";
    DUPLICATE_OBJECT = "TOPO025", "duplicate-object", Warning, "the same Kubernetes object (kind, namespace, name) is given twice within one world (the raw manifests, or one kustomize overlay); the last copy wins, as with `kubectl apply`";
    KUSTOMIZE_BUILD_FAILED = "TOPO026", "kustomize-build-failed", Error, "a kustomization does not build (missing resource, cycle, bad patch or target), as `kubectl kustomize` fails";
    KUSTOMIZE_REMOTE_RESOURCE = "TOPO027", "kustomize-remote-resource", Warning, "a kustomization names a remote resource, which topoc does not fetch: what it adds is not checked";
    KUSTOMIZE_FIELD_IGNORED = "TOPO028", "kustomize-field-ignored", Info, "kustomization fields that decide no network fact (generators, images, helmCharts, KRM functions) are not applied";

    SUBNET_OVERLAP = "TOPO101", "subnet-overlap", Error, "two networks have overlapping subnets";
    ADDRESS_OUTSIDE_SUBNET = "TOPO102", "address-outside-subnet", Error, "a static address lies outside its network's subnet";
    DUPLICATE_ADDRESS = "TOPO103", "duplicate-address", Error, "two attachments use the same address on one network";
    ADDRESS_POOL_EXHAUSTED = "TOPO104", "address-pool-exhausted", Error, "no free subnet or address is left to allocate";

    HOST_PORT_CONFLICT = "TOPO201", "host-port-conflict", Error, "two publications bind the same host address, port and protocol";
    INTERNAL_SERVICE_PUBLISHED = "TOPO202", "internal-service-published", Warning, "a database, cache or internal service is published on all host interfaces";
    PUBLISHED_ON_INTERNAL_NETWORK = "TOPO203", "published-on-internal-network", Warning, "ports are published by a service that only sits on internal networks";
    SERVICE_TARGET_PORT_UNDEFINED = "TOPO205", "service-target-port-undefined", Error, "a Service targetPort names or numbers a port no selected container declares";
    DUPLICATE_PORT_NAME = "TOPO206", "duplicate-port-name", Error, "two ports of one pod or one Service share a name";
    CONTAINER_PORT_CONFLICT = "TOPO207", "container-port-conflict", Error, "two containers of one pod listen on the same port and protocol";
    NODE_PORT_CONFLICT = "TOPO208", "node-port-conflict", Error, "two Services claim the same nodePort and protocol";
    NODE_PORT_OUT_OF_RANGE = "TOPO209", "node-port-out-of-range", Error, "a nodePort lies outside the default range 30000-32767";
    CONTAINER_PORT_MISSING = "TOPO210", "container-port-missing", Warning, "a container port entry has no containerPort and is ignored";

    UNDEFINED_NETWORK = "TOPO301", "undefined-network", Error, "a service joins a network that is not declared";
    UNDEFINED_SERVICE = "TOPO302", "undefined-service", Error, "a reference names a service that does not exist";
    DNS_NAME_COLLISION = "TOPO303", "dns-name-collision", Error, "two services or aliases resolve to one name on one network";
    DEFAULT_BRIDGE_NO_DNS = "TOPO304", "default-bridge-no-dns", Error, "a service reached by name sits on Docker's default bridge, where names do not resolve";
    NETWORK_MODE_CONFLICT = "TOPO305", "network-mode-conflict", Error, "`network_mode` is combined with `networks` or `ports`";
    SERVICE_SELECTS_NOTHING = "TOPO306", "service-selects-nothing", Warning, "a Service selector matches no workload";

    UNREACHABLE_DEPENDENCY = "TOPO401", "unreachable-dependency", Error, "a service depends on another it cannot reach";
    POLICY_SELECTS_NOTHING = "TOPO402", "policy-selects-nothing", Warning, "a NetworkPolicy's podSelector matches no workload";
    POLICY_PEER_SELECTS_NOTHING = "TOPO403", "policy-peer-selects-nothing", Warning, "a NetworkPolicy peer selects no workload";
    POLICY_PORT_NOT_LISTENING = "TOPO404", "policy-port-not-listening", Warning, "a NetworkPolicy port that no pod on the destination side declares";
    WORKLOAD_NOT_ISOLATED = "TOPO405", "workload-not-isolated", Info, "no NetworkPolicy isolates a workload's ingress or egress";
    EGRESS_BLOCKS_DNS = "TOPO406", "egress-blocks-dns", Error, "an egress-isolated workload cannot reach DNS on port 53";
    POLICY_ALLOWS_ALL = "TOPO407", "policy-allows-all", Warning, "a NetworkPolicy rule allows every peer on every port";
    POLICY_TYPES_IMPLICIT = "TOPO408", "policy-types-implicit", Warning, "`policyTypes` defaulting isolates a direction the policy does not seem to intend";
    REDUNDANT_POLICY_RULE = "TOPO409", "redundant-policy-rule", Warning, "a NetworkPolicy rule allows nothing the other rules do not already allow";
    IPBLOCK_EXCEPT_INVALID = "TOPO410", "ipblock-except-invalid", Error, "an ipBlock `except` entry is not a strict subset of its `cidr`";
    INTENT_BLOCKED = "TOPO411", "intent-blocked", Error, "an expected flow (env URL, talks-to, route) is denied by NetworkPolicies";
    BASELINE_NOT_DEFAULT = "TOPO412", "baseline-not-default", Error, "a BaselineAdminNetworkPolicy is not named `default`, which the API requires";
    ADMIN_PRIORITY_OVERLAP = "TOPO413", "admin-priority-overlap", Warning, "two AdminNetworkPolicies of one priority select common pods: the API leaves their order undefined";
    PASS_WITHOUT_LOWER_TIER = "TOPO414", "pass-without-lower-tier", Warning, "an AdminNetworkPolicy `Pass` rule hands its subjects to tiers that have no policy for them, so the cluster default allows";
    ADMIN_SELECTS_NOTHING = "TOPO415", "admin-selects-nothing", Warning, "an AdminNetworkPolicy or BANP subject or peer selects no workload";

    ROUTE_WEIGHTS_INVALID = "TOPO501", "route-weights-invalid", Error, "the weights of a route's destinations do not sum to 100";
    ROUTE_SUBSET_UNDEFINED = "TOPO502", "route-subset-undefined", Error, "a route names a subset no DestinationRule defines";
    SUBSET_SELECTS_NOTHING = "TOPO503", "subset-selects-nothing", Warning, "a DestinationRule subset's labels match no workload of its host";
    ROUTE_HOST_UNKNOWN = "TOPO504", "route-host-unknown", Warning, "a route destination host names no Service";
    MIRROR_HOST_UNKNOWN = "TOPO505", "mirror-host-unknown", Warning, "a mirror host names no Service";
    GATEWAY_SELECTS_NOTHING = "TOPO506", "gateway-selects-nothing", Warning, "an Istio Gateway's selector matches no pod";
    GATEWAY_PORT_NOT_DECLARED = "TOPO507", "gateway-port-not-declared", Warning, "a Gateway server port is neither a container port nor a Service port of the gateway pods";
    GATEWAY_UNDEFINED = "TOPO508", "gateway-undefined", Warning, "a VirtualService is bound to a Gateway that is not defined";
    GATEWAY_HOST_NOT_ACCEPTED = "TOPO509", "gateway-host-not-accepted", Warning, "no server of a VirtualService's Gateway accepts any of its hosts";
    ROUTE_SUBSET_SELECTS_NOTHING = "TOPO510", "route-subset-selects-nothing", Warning, "a route sends traffic to a subset whose labels match no pod of its host";

    COMPOSE_FLOW_WIDENED = "TOPO601", "compose-flow-widened", Warning, "Compose networks cannot express a policy this fine: the emitted file allows more than the input";
    UNSUPPORTED_NETWORK_MODE = "TOPO602", "unsupported-network-mode", Warning, "the target has no equivalent of this `network_mode`; an approximation was emitted";
    NAME_CHANGED = "TOPO603", "name-changed", Info, "a name the target does not accept was rewritten";
    FLOW_NOT_EXPRESSIBLE = "TOPO604", "flow-not-expressible", Warning, "the target cannot express a flow of the input; it was left out";
    WORKLOAD_WITHOUT_ADDRESS = "TOPO605", "workload-without-address", Warning, "a workload has no IPv4 address, so the nft ruleset cannot enforce its flows";
    IPV6_NOT_ENFORCED = "TOPO606", "dual-stack-not-enforced", Info, "the nft ruleset filters IPv4 only; IPv6 traffic of this network is not restricted";
    PUBLICATION_NOT_COMPILED = "TOPO607", "publication-not-compiled", Warning, "a published port has no equivalent in the target";
    MISSING_IMAGE = "TOPO608", "missing-image", Warning, "a service has no `image`; the emitted workload cannot run as is";
    CONNECTIVITY_UNAVAILABLE = "TOPO609", "connectivity-unavailable", Error, "the conversion needs the connectivity of Kubernetes workloads, which was not computed";
    NOT_CONVERTED = "TOPO610", "not-converted", Warning, "an input object has no counterpart in the target and was left out";
    SERVICE_ADDRESS_REWRITTEN = "TOPO611", "service-address-rewritten", Info, "a client's Service address was rewritten to the Compose service and container port, as Compose has no Services";
}

/// Look a code up by its code (`TOPO201`) or rule name (`host-port-conflict`).
pub fn lookup(key: &str) -> Option<&'static Code> {
    // Configuration looks up the code of every finding (100k at a time):
    // exact codes and names through a map. A code never equals another
    // code in another case, nor a name (names have no digits), so the map's
    // answer is the scan's.
    static EXACT: std::sync::OnceLock<std::collections::HashMap<&str, &Code>> =
        std::sync::OnceLock::new();
    let exact = EXACT.get_or_init(|| {
        ALL_CODES
            .iter()
            .flat_map(|c| [(c.code, *c), (c.name, *c)])
            .collect()
    });
    if let Some(c) = exact.get(key) {
        return Some(c);
    }
    ALL_CODES
        .iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(key) || c.name == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for c in ALL_CODES {
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            assert!(seen.insert(c.name), "duplicate name {}", c.name);
            assert!(c.code.len() == 7 && c.code.starts_with("TOPO"));
            assert!(
                c.name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-')
            );
        }
    }
}
