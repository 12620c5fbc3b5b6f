//! AdminNetworkPolicies and the BaselineAdminNetworkPolicy of a cluster
//! whose platform team guards tenants centrally: per team, guard rails at
//! distinct priorities (allow the team's own namespaces, pass monitoring to
//! the namespaces' own policies, deny other teams on database ports, deny
//! egress to internal ranges except DNS), plus one cluster baseline that
//! denies ingress from other namespaces to production.

use super::{GenFile, Rng};
use std::fmt::Write;

/// `count` ANPs (at most 1001: priorities are distinct, 0–1000) over the
/// teams of the generated namespaces, and the BANP `default`; one file.
pub fn generate(teams: &[String], count: usize, seed: u64) -> GenFile {
    let mut rng = Rng::new(seed ^ 0xad41);
    let mut text = String::new();
    let count = count.min(1001);
    for i in 0..count {
        let team = &teams[i % teams.len().max(1)];
        let other = &teams[rng.range(0, teams.len() - 1)];
        // Spread priorities over the whole range, all distinct.
        let priority = i * 1000 / count.max(1);
        if !text.is_empty() {
            text.push_str("---\n");
        }
        let _ = write!(
            text,
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: guard-{i:04}-{team}\nspec:\n  priority: {priority}\n"
        );
        if rng.chance(30) {
            let _ = write!(
                text,
                "  subject:\n    pods:\n      namespaceSelector:\n        matchLabels:\n          team: {team}\n      podSelector:\n        matchLabels:\n          tier: backend\n"
            );
        } else {
            let _ = write!(
                text,
                "  subject:\n    namespaces:\n      matchLabels:\n        team: {team}\n"
            );
        }
        let _ = write!(
            text,
            concat!(
                "  ingress:\n",
                "    - name: allow-monitoring\n      action: Allow\n      from:\n",
                "        - namespaces:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n",
                "      ports:\n        - portRange:\n            protocol: TCP\n            start: 9000\n            end: 9999\n",
                "    - name: pass-own-team\n      action: Pass\n      from:\n",
                "        - namespaces:\n            matchLabels:\n              team: {team}\n",
                "    - name: deny-{other}-db\n      action: Deny\n      from:\n",
                "        - pods:\n            namespaceSelector:\n              matchLabels:\n                team: {other}\n            podSelector:\n              matchLabels:\n                tier: frontend\n",
                "      ports:\n        - portNumber:\n            protocol: TCP\n            port: 5432\n        - namedPort: redis\n",
                "  egress:\n",
                "    - name: allow-dns\n      action: Allow\n      to:\n",
                "        - pods:\n            namespaceSelector:\n              matchLabels:\n                kubernetes.io/metadata.name: kube-system\n            podSelector:\n              matchLabels:\n                k8s-app: kube-dns\n",
                "      ports:\n        - portNumber:\n            protocol: UDP\n            port: 53\n        - portNumber:\n            protocol: TCP\n            port: 53\n",
                "    - name: deny-internal-ranges\n      action: Deny\n      to:\n",
                "        - networks:\n            - 10.{a}.0.0/16\n            - 192.168.{b}.0/24\n",
            ),
            team = team,
            other = other,
            a = rng.range(0, 255),
            b = rng.range(0, 255),
        );
    }
    if !text.is_empty() {
        text.push_str("---\n");
    }
    text.push_str(concat!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: default\nspec:\n",
        "  subject:\n    namespaces:\n      matchLabels:\n        env: prod\n",
        "  ingress:\n    - name: deny-other-namespaces\n      action: Deny\n      from:\n",
        "        - namespaces:\n            matchExpressions:\n              - key: env\n                operator: NotIn\n                values: [prod]\n",
    ));
    GenFile {
        name: "zzzz-admin-policies.yaml".into(),
        text,
    }
}
