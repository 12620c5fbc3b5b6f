use super::*;
use crate::analyze::connectivity;
use crate::input::{Input, LoadOptions};

/// The connectivity and workloads of one multi-document manifest text.
fn side(yaml: &str) -> (Connectivity, BTreeSet<String>) {
    let inputs = [Input::Stdin(yaml.to_string())];
    let (loaded, resolved) = crate::driver::load(&inputs, &LoadOptions::default());
    assert!(
        !loaded.diagnostics.iter().any(|d| d.is_input_error()),
        "{:?}",
        loaded.diagnostics
    );
    let c = connectivity::compute(&loaded.topology, &resolved);
    (c, workload_names(&loaded.topology))
}

fn run(old: &str, new: &str) -> Vec<String> {
    let (a, wa) = side(old);
    let (b, wb) = side(new);
    let d = diff(
        &Side {
            connectivity: &a,
            workloads: wa,
        },
        &Side {
            connectivity: &b,
            workloads: wb,
        },
    );
    render(&d, Format::Txt)
        .lines()
        .skip(1)
        .map(String::from)
        .collect()
}

fn deployment(name: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: ns}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: c, image: x}}]}}
---
"
    )
}

const DENY_ALL: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: ns}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
";

fn allow(from: &str, to: &str, port: u16) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {from}-{to}-in, namespace: ns}}
spec:
  podSelector: {{matchLabels: {{app: {to}}}}}
  ingress: [{{from: [{{podSelector: {{matchLabels: {{app: {from}}}}}}}], ports: [{{port: {port}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {from}-{to}-out, namespace: ns}}
spec:
  podSelector: {{matchLabels: {{app: {from}}}}}
  policyTypes: [Egress]
  egress: [{{to: [{{podSelector: {{matchLabels: {{app: {to}}}}}}}], ports: [{{port: {port}}}]}}]
---
"
    )
}

#[test]
fn equal_inputs_have_no_diff() {
    let text = format!(
        "{}{}{DENY_ALL}{}",
        deployment("a"),
        deployment("b"),
        allow("a", "b", 80)
    );
    assert!(run(&text, &text).is_empty());
}

#[test]
fn changed_added_and_removed_pairs() {
    let base = format!(
        "{}{}{}{DENY_ALL}",
        deployment("a"),
        deployment("b"),
        deployment("c")
    );
    let old = format!("{base}{}{}", allow("a", "b", 80), allow("b", "c", 53));
    let new = format!("{base}{}{}", allow("a", "b", 443), allow("a", "c", 5432));
    assert_eq!(
        run(&old, &new),
        [
            "diff-type: added, source: ns/a[Deployment], destination: ns/c[Deployment], \
             ref1: No Connections, ref2: TCP 5432",
            "diff-type: changed, source: ns/a[Deployment], destination: ns/b[Deployment], \
             ref1: TCP 80, ref2: TCP 443",
            "diff-type: removed, source: ns/b[Deployment], destination: ns/c[Deployment], \
             ref1: TCP 53, ref2: No Connections",
        ]
    );
}

#[test]
fn new_and_removed_workloads_are_named() {
    let old = format!(
        "{}{}{DENY_ALL}{}",
        deployment("a"),
        deployment("b"),
        allow("a", "b", 80)
    );
    let new = format!(
        "{}{}{DENY_ALL}{}",
        deployment("a"),
        deployment("n"),
        allow("a", "n", 80)
    );
    assert_eq!(
        run(&old, &new),
        [
            "diff-type: added, source: ns/a[Deployment], destination: ns/n[Deployment], \
             ref1: No Connections, ref2: TCP 80, workloads-diff-info: workload ns/n[Deployment] added",
            "diff-type: removed, source: ns/a[Deployment], destination: ns/b[Deployment], \
             ref1: TCP 80, ref2: No Connections, workloads-diff-info: workload ns/b[Deployment] removed",
        ]
    );
    // Both ends new: "workload A and B added".
    let both = format!("{}{}", deployment("p"), deployment("q"));
    let lines = run(&deployment("z"), &both);
    assert!(
        lines.contains(
            &"diff-type: added, source: ns/p[Deployment], destination: ns/q[Deployment], \
          ref1: No Connections, ref2: All Connections, \
          workloads-diff-info: workload ns/p[Deployment] and ns/q[Deployment] added"
                .to_string()
        )
    );
}

#[test]
fn a_workload_present_on_both_sides_is_not_added() {
    // b exists in the old topology but nothing reached it: the new flow is
    // an added pair, not an added workload.
    let old = format!("{}{}{DENY_ALL}", deployment("a"), deployment("b"));
    let new = format!("{old}{}", allow("a", "b", 80));
    assert_eq!(
        run(&old, &new),
        [
            "diff-type: added, source: ns/a[Deployment], destination: ns/b[Deployment], \
          ref1: No Connections, ref2: TCP 80"
        ]
    );
}

#[test]
fn external_ranges_compare_piece_by_piece() {
    // Old: a reaches the whole external space; new: only 10.0.0.0/8. The
    // refinement leaves 10.0.0.0/8 unchanged and reports the two pieces
    // around it as removed.
    let old = deployment("a");
    let new = format!(
        "{old}apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: out, namespace: ns}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress: [{{to: [{{ipBlock: {{cidr: 10.0.0.0/8}}}}]}}]
"
    );
    assert_eq!(
        run(&old, &new),
        [
            "diff-type: removed, source: ns/a[Deployment], destination: 0.0.0.0-9.255.255.255[External], \
             ref1: All Connections, ref2: No Connections",
            "diff-type: removed, source: ns/a[Deployment], destination: 11.0.0.0-255.255.255.255[External], \
             ref1: All Connections, ref2: No Connections",
        ]
    );
}

#[test]
fn fail_on_looks_at_connections() {
    let base = format!("{}{}{DENY_ALL}", deployment("a"), deployment("b"));
    let kinds = |old: &str, new: &str| {
        let (a, wa) = side(old);
        let (b, wb) = side(new);
        let d = diff(
            &Side {
                connectivity: &a,
                workloads: wa,
            },
            &Side {
                connectivity: &b,
                workloads: wb,
            },
        );
        [FailOn::Added, FailOn::Removed, FailOn::Any].map(|f| d.fails(f))
    };
    let narrow = format!("{base}{}", allow("a", "b", 80));
    let mut wide = format!("{base}{}", allow("a", "b", 80));
    wide.push_str(
        &allow("a", "b", 443)
            .replace("-in,", "-in2,")
            .replace("-out,", "-out2,"),
    );
    // A changed pair that gained a port opens a flow; one that lost it closes one.
    assert_eq!(kinds(&narrow, &wide), [true, false, true]);
    assert_eq!(kinds(&wide, &narrow), [false, true, true]);
    assert_eq!(kinds(&narrow, &narrow), [false, false, false]);
}

#[test]
fn formats_share_the_columns() {
    let old = format!("{}{}{DENY_ALL}", deployment("a"), deployment("b"));
    let new = format!("{old}{}", allow("a", "b", 80));
    let (a, wa) = side(&old);
    let (b, wb) = side(&new);
    let d = diff(
        &Side {
            connectivity: &a,
            workloads: wa,
        },
        &Side {
            connectivity: &b,
            workloads: wb,
        },
    );
    assert_eq!(
        render(&d, Format::Csv),
        "diff-type,source,destination,ref1,ref2,workloads-diff-info\n\
         added,ns/a[Deployment],ns/b[Deployment],No Connections,TCP 80,\n"
    );
    assert_eq!(
        render(&d, Format::Md),
        "| diff-type | source | destination | ref1 | ref2 | workloads-diff-info |\n\
         |-----------|--------|-------------|------|------|---------------------|\n\
         | added | ns/a[Deployment] | ns/b[Deployment] | No Connections | TCP 80 |  |\n"
    );
    let json: serde_json::Value = serde_json::from_str(&render(&d, Format::Json)).unwrap();
    assert_eq!(json[0]["diff-type"], "added");
    assert_eq!(json[0]["ref2"], "TCP 80");
    assert!(json[0]["workloads-diff-info"].is_null());
    assert_eq!(render(&ConnDiff::default(), Format::Txt), "");
    assert_eq!(render(&ConnDiff::default(), Format::Json), "[]\n");
}
