//! The rule registry. One file per rule: its doc, its check, its examples
//! (the fixtures under `tests/fixtures/rules/<name>/`).

use super::Context;
use crate::diagnostic::{Code, Diagnostic};

mod address_outside_subnet;
mod admin_priority_overlap;
mod admin_selects_nothing;
mod baseline_not_default;
mod container_port_conflict;
mod default_bridge_no_dns;
mod dns_name_collision;
mod duplicate_address;
mod duplicate_port_name;
mod egress_blocks_dns;
mod gateway_host_not_accepted;
mod gateway_port_not_declared;
mod gateway_selects_nothing;
mod gateway_undefined;
mod host_port_conflict;
mod intent_blocked;
mod internal_service_published;
mod ipblock_except_invalid;
mod kube_common;
mod mesh_common;
mod mirror_host_unknown;
mod network_mode_conflict;
mod node_port_conflict;
mod node_port_out_of_range;
mod pass_without_lower_tier;
mod policy_allows_all;
mod policy_peer_selects_nothing;
mod policy_port_not_listening;
mod policy_selects_nothing;
mod policy_types_implicit;
mod published_on_internal_network;
mod redundant_policy_rule;
mod route_host_unknown;
mod route_subset_selects_nothing;
mod route_subset_undefined;
mod route_weights_invalid;
mod service_selects_nothing;
mod service_target_port_undefined;
mod subnet_overlap;
mod subset_selects_nothing;
mod undefined_network;
mod undefined_service;
mod unreachable_dependency;
mod workload_not_isolated;

pub struct Rule {
    pub code: &'static Code,
    /// What the rule finds, why it matters, how to fix it (markdown).
    pub doc: &'static str,
    /// A minimal input the rule fires on, and the fixed version.
    pub fail_example: &'static str,
    pub pass_example: &'static str,
    pub check: fn(&Context) -> Vec<Diagnostic>,
}

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &subnet_overlap::RULE,
    &address_outside_subnet::RULE,
    &duplicate_address::RULE,
    &host_port_conflict::RULE,
    &internal_service_published::RULE,
    &published_on_internal_network::RULE,
    &service_target_port_undefined::RULE,
    &duplicate_port_name::RULE,
    &container_port_conflict::RULE,
    &node_port_conflict::RULE,
    &node_port_out_of_range::RULE,
    &undefined_network::RULE,
    &undefined_service::RULE,
    &dns_name_collision::RULE,
    &default_bridge_no_dns::RULE,
    &network_mode_conflict::RULE,
    &service_selects_nothing::RULE,
    &unreachable_dependency::RULE,
    &policy_selects_nothing::RULE,
    &policy_peer_selects_nothing::RULE,
    &policy_port_not_listening::RULE,
    &baseline_not_default::RULE,
    &admin_priority_overlap::RULE,
    &pass_without_lower_tier::RULE,
    &admin_selects_nothing::RULE,
    &workload_not_isolated::RULE,
    &egress_blocks_dns::RULE,
    &policy_allows_all::RULE,
    &policy_types_implicit::RULE,
    &redundant_policy_rule::RULE,
    &ipblock_except_invalid::RULE,
    &intent_blocked::RULE,
    &route_weights_invalid::RULE,
    &route_subset_undefined::RULE,
    &subset_selects_nothing::RULE,
    &route_host_unknown::RULE,
    &mirror_host_unknown::RULE,
    &gateway_selects_nothing::RULE,
    &gateway_port_not_declared::RULE,
    &gateway_undefined::RULE,
    &gateway_host_not_accepted::RULE,
    &route_subset_selects_nothing::RULE,
];

/// A rule by code or name.
pub fn find(key: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.code.eq_ignore_ascii_case(key) || r.code.name == key)
}

/// Include a rule's fixture (`fail` or `pass`) as its documented example.
macro_rules! fixture {
    ($name:literal, $which:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rules/",
            $name,
            "/",
            $which,
            ".yaml"
        ))
    };
}
pub(crate) use fixture;

/// The documentation page of a rule (`topoc rules NAME`).
pub fn render_doc(r: &Rule) -> String {
    render_doc_at(r, 1)
}

/// The documentation page with its title at heading `level` (docs/rules.md
/// nests the pages under its own title).
pub fn render_doc_at(r: &Rule, level: usize) -> String {
    let h1 = "#".repeat(level);
    let h2 = "#".repeat(level + 1);
    let c = r.code;
    format!(
        "{h1} {name} ({code}, {sev})\n\n{summary}.\n\n{doc}\n\n{h2} Fails\n\n```yaml\n{fail}```\n\n{h2} Passes\n\n```yaml\n{pass}```\n\n{h2} Configure\n\n{configure}\n",
        name = c.name,
        code = c.code,
        sev = c.severity.as_str(),
        summary = capitalized(c.summary),
        doc = r.doc,
        fail = r.fail_example,
        pass = r.pass_example,
        configure = configure_text(c),
    )
}

/// How to change or silence a code (design §7), for rule pages.
pub fn configure_text(c: &Code) -> String {
    format!(
        "Change its severity in `topoc.yaml` with `rules: {{{name}: warning}}` (or `off`); \
silence one finding with `ignore: [{{rule: {name}, resource: NAMESPACE/NAME, reason: ...}}]`, \
or inline with `x-topoc: {{ignore: [{name}]}}` on a Compose service or the annotation \
`topoc.dev/ignore: \"{name}\"` on a Kubernetes object.",
        name = c.name
    )
}

/// "a static address ..." → "A static address ...".
pub fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
