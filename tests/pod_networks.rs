//! OVN-Kubernetes user-defined networks as netpol-analyzer models them
//! (`compiler/src/input/kube/udn.rs`, `analyze/connectivity/networks.rs`):
//! - a `UserDefinedNetwork` or `ClusterUserDefinedNetwork` with role
//!   `Primary` is the pod network of its namespaces (which carry the label
//!   `k8s.ovn.org/primary-user-defined-network`);
//! - pods of different pod networks cannot connect; inside one,
//!   NetworkPolicies apply as usual; external addresses and the
//!   `{ingress-controller}` reach every network as policies allow;
//! - the connlist is split per network, then the workload-to-networks
//!   mapping; without a workload on a user-defined network nothing changes.
//!
//! `tests/fixtures/udn/networks` (two UDNs, a CUDN over two namespaces, the
//! pod network, a NetworkPolicy inside a UDN, a secondary UDN) was worked
//! out by hand from these rules; `problems` holds the networks that change
//! nothing, each a warning.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/udn")
        .join(name)
}

fn topoc(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("topoc runs");
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("stdin");
    drop(input);
    child.wait_with_output().expect("topoc ends")
}

fn connectivity(path: &Path, format: &str) -> (i32, String, String) {
    let out = topoc(
        &[
            "connectivity",
            "--format",
            format,
            "--diagnostics",
            "concise",
            path.to_str().unwrap(),
        ],
        None,
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The sections of a sectioned connlist: (heading, lines).
fn sections(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line
            .strip_prefix("Permitted connectivity analyzed in ")
            .and_then(|h| h.strip_suffix(':'))
        {
            out.push((h.to_string(), Vec::new()));
        } else if line == "Workload-to-Networks Mapping:" {
            out.push(("mapping".into(), Vec::new()));
        } else if !line.is_empty() {
            out.last_mut()
                .expect("a line before the first heading")
                .1
                .push(line.to_string());
        }
    }
    out
}

/// The namespace part of a printed workload (`blue[udn]` of
/// `blue[udn]/api[Pod]`); None for external ranges and the controller.
fn namespace_part(end: &str) -> Option<&str> {
    if end.ends_with("[External]") || end == "{ingress-controller}" {
        return None;
    }
    end.split_once('/').map(|(ns, _)| ns)
}

#[test]
fn one_section_per_pod_network_exactly_as_worked_out() {
    let dir = fixture("networks");
    let (code, out, err) = connectivity(&dir.join("input"), "txt");
    assert_eq!(code, 0, "{err}");
    let want = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    assert_eq!(out, want, "the sectioned connlist differs");

    let secs = sections(&out);
    let headings: Vec<&str> = secs.iter().map(|(h, _)| h.as_str()).collect();
    // The pod network first, UDNs by name, then CUDNs, then the mapping.
    assert_eq!(
        headings,
        [
            "Pod network",
            "primary UDN blue",
            "primary UDN green",
            "primary CUDN shared",
            "mapping"
        ]
    );
    for (heading, lines) in &secs[..secs.len() - 1] {
        let marker = match heading.as_str() {
            "Pod network" => "",
            h if h.starts_with("primary UDN") => "[udn]",
            _ => "[cudn]",
        };
        for l in lines {
            let (src, rest) = l.split_once(" => ").expect("a connlist line");
            let (dst, _) = rest.split_once(" : ").expect("a connlist line");
            // Rule: a line between two workloads joins one network.
            let ends: Vec<&str> = [src, dst].into_iter().filter_map(namespace_part).collect();
            assert!(!ends.is_empty(), "{heading}: no workload in {l}");
            for ns in &ends {
                let on_it = if marker.is_empty() {
                    !ns.ends_with(']')
                } else {
                    ns.ends_with(marker)
                };
                assert!(on_it, "{heading}: {l} has a workload of another network");
            }
            if let [a, b] = ends.as_slice()
                && marker == "[udn]"
            {
                // A UDN is one namespace's network.
                assert_eq!(a, b, "{l}");
            }
        }
    }
    let pod = &secs[0].1;
    // Rule: NetworkPolicies apply inside a network as usual...
    assert!(pod.contains(&"default/client[Pod] => default/web[Pod] : TCP 80".to_string()));
    let blue = &secs[1].1;
    assert!(blue.contains(&"blue[udn]/api[Pod] => blue[udn]/db[Pod] : TCP 5432".to_string()));
    assert!(
        !blue
            .iter()
            .any(|l| l.ends_with("=> blue[udn]/db[Pod] : All Connections"))
    );
    // ...and `namespaceSelector: {}` in the pod network admits no UDN pod.
    assert!(!out.contains("[udn]/api[Pod] => default/web"));
    // Rule: external addresses and the ingress controller reach UDN pods.
    assert!(blue.contains(
        &"0.0.0.0-255.255.255.255[External] => blue[udn]/api[Pod] : All Connections".to_string()
    ));
    assert!(blue.contains(&"{ingress-controller} => blue[udn]/api[Pod] : TCP 8080".to_string()));
    // Rule: a CUDN joins the namespaces it selects into one network.
    assert!(
        secs[3]
            .1
            .contains(&"red[cudn]/x[Pod] => yellow[cudn]/y[Pod] : All Connections".to_string())
    );
    // Rule: a secondary UDN leaves its namespace on the pod network.
    assert!(pod.iter().any(|l| l.contains("purple/p[Pod]")));
    assert!(err.contains("TOPO018") && err.contains("`extra` is a secondary network"));
    // The mapping: workloads on user-defined networks, without the marker.
    let mapping = &secs[4].1;
    assert!(mapping.contains(&"blue/api[Pod]: ".to_string()));
    assert!(out.contains("red/x[Pod]: \n\tPrimary Network: shared[CUDN]\n"));
    assert!(
        !mapping
            .iter()
            .any(|l| l.contains("default/") || l.contains("purple/"))
    );
}

#[test]
fn all_workloads_on_user_defined_networks_leave_the_pod_network_section_empty() {
    let yaml = "\
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {k8s.ovn.org/primary-user-defined-network: ''}}
---
apiVersion: k8s.ovn.org/v1
kind: UserDefinedNetwork
metadata: {name: n, namespace: a}
spec: {topology: Layer3, layer3: {role: Primary, subnets: [{cidr: 10.9.0.0/16}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec: {containers: [{name: c, image: i}]}
";
    let out = topoc(&["connectivity", "-"], Some(yaml));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "Permitted connectivity analyzed in Pod network:\n\
             all input workloads are configured with (C)UDN as their primary network interface\n\n\
             Permitted connectivity analyzed in primary UDN a:\n"
        ),
        "{text}"
    );
}

#[test]
fn networks_without_workloads_on_them_change_nothing() {
    // A CUDN that selects no namespace of a pod, and no UDN at all: the
    // connlist is the plain one.
    let yaml = "\
apiVersion: k8s.ovn.org/v1
kind: ClusterUserDefinedNetwork
metadata: {name: lonely}
spec:
  namespaceSelector: {matchLabels: {nobody: here}}
  network: {topology: Layer2, layer2: {role: Primary, subnets: [10.8.0.0/16]}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec: {containers: [{name: c, image: i}]}
";
    for format in ["txt", "json", "csv", "md"] {
        let out = topoc(&["connectivity", "--format", format, "-"], Some(yaml));
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("default/p[Pod]"), "{format}: {text}");
        assert!(
            !text.contains("Permitted connectivity") && !text.contains("network"),
            "{format}: split without a workload on a UDN: {text}"
        );
    }
}

#[test]
fn tables_and_graphs_name_the_network_of_each_row() {
    let input = fixture("networks").join("input");
    let (_, json, _) = connectivity(&input, "json");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.iter().all(|r| r.get("network").is_some()));
    let row = rows
        .iter()
        .find(|r| r["src"] == "red[cudn]/x[Pod]" && r["dst"] == "yellow[cudn]/y[Pod]")
        .expect("the CUDN pair");
    assert_eq!(row["network"], "shared[CUDN]");
    let ext = rows
        .iter()
        .find(|r| r["src"] == "0.0.0.0-255.255.255.255[External]" && r["dst"] == "purple/p[Pod]")
        .expect("an external row");
    assert_eq!(ext["network"], "Pod network");

    let (_, csv, _) = connectivity(&input, "csv");
    assert!(csv.starts_with("src,dst,conn,network\n"), "{csv}");
    assert!(csv.contains("\nblue[udn]/api[Pod],blue[udn]/db[Pod],TCP 5432,blue[UDN]\n"));
    let (_, md, _) = connectivity(&input, "md");
    assert!(md.starts_with("| src | dst | conn | network |\n"), "{md}");
    assert!(md.contains(
        "| green[udn]/app[Pod] | 0.0.0.0-255.255.255.255[External] | All Connections | green[UDN] |"
    ));
    let (_, dot, _) = connectivity(&input, "dot");
    assert!(dot.contains("label=\"blue (blue[UDN])\";"), "{dot}");
    assert!(dot.contains("[label=\"api[Pod]\"]"), "{dot}");
    let (_, mermaid, _) = connectivity(&input, "mermaid");
    assert!(mermaid.contains("[\"red (shared[CUDN])\"]"), "{mermaid}");
}

#[test]
fn explain_and_focus_know_the_networks() {
    let input = fixture("networks").join("input");
    let input = input.to_str().unwrap();
    let out = topoc(
        &[
            "explain",
            input,
            "--from",
            "blue/api",
            "--to",
            "default/web",
        ],
        None,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("DENIED: blue[udn]/api[Pod] => default/web[Pod]"),
        "{text}"
    );
    assert!(
        text.contains("blue/api is on primary UDN blue, default/web on the pod network"),
        "{text}"
    );
    let out = topoc(
        &[
            "explain",
            input,
            "--from",
            "blue[udn]/api[Pod]",
            "--to",
            "blue/db",
        ],
        None,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("ALLOWED: blue[udn]/api[Pod] => blue[udn]/db[Pod] : TCP 5432"),
        "{text}"
    );

    let out = topoc(
        &["connectivity", input, "--focus", "green[udn]/app[Pod]"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let secs = sections(&text);
    assert_eq!(secs[2].0, "primary UDN green");
    assert_eq!(secs[2].1.len(), 2, "{text}");
    assert!(secs[0].1.is_empty() && secs[1].1.is_empty(), "{text}");
}

#[test]
fn networks_that_change_nothing_are_warnings_not_input_errors() {
    let (code, out, err) = connectivity(&fixture("problems").join("input"), "txt");
    assert_eq!(code, 0, "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("TOPO018")).collect();
    for why in [
        "namespace `orphan` carries `k8s.ovn.org/primary-user-defined-network` but no primary",
        "`ignored` is not the primary network of namespace `nolabel`",
        "`second` is a second primary network for namespace `twice`, which already has UDN `first`",
        "`late` is a second primary network for namespace `twice`",
        "topology `Localnet` is not supported",
        "`nosubnets`: a primary Layer3 network needs `subnets`",
        "`noipam`: `ipam.mode: Disabled` is only supported for a secondary network",
        "`badcidr`: a subnet must be a CIDR",
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(why)),
            "missing warning: {why}\n{err}"
        );
    }
    assert_eq!(warnings.len(), 8, "{err}");
    // Each warning points into the file, at the value at fault.
    assert!(warnings.iter().all(|w| w.contains("all.yaml:")));
    // The first primary UDN keeps `twice`; the others stay on the pod network.
    let secs = sections(&out);
    assert_eq!(secs[1].0, "primary UDN twice");
    assert!(secs[0].1.iter().any(|l| l.contains("nolabel/a[Pod]")));
    assert!(secs[0].1.iter().any(|l| l.contains("orphan/c[Pod]")));
    assert!(out.contains("twice/b[Pod]: \n\tPrimary Network: twice[UDN]\n"));
}

#[test]
fn a_malformed_network_object_is_an_input_error() {
    let yaml = "\
apiVersion: k8s.ovn.org/v1
kind: UserDefinedNetwork
metadata: {name: n, namespace: a}
spec: [Layer2]
";
    let out = topoc(
        &["connectivity", "--diagnostics", "concise", "-"],
        Some(yaml),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(":4:7: error[TOPO003"), "{err}");
}

#[test]
fn the_ir_records_each_namespace_pod_network() {
    let input = fixture("networks").join("input");
    let out = topoc(&["ir", input.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    let ir: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let network = |ns: &str| {
        ir["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == ns)
            .unwrap_or_else(|| panic!("namespace {ns}"))
            .get("pod_network")
            .cloned()
    };
    assert_eq!(network("blue"), Some("blue[UDN]".into()));
    assert_eq!(network("yellow"), Some("shared[CUDN]".into()));
    // The pod network is the absence of a field (IR dumps without
    // user-defined networks are unchanged).
    assert_eq!(network("purple"), None);
    assert_eq!(network("default"), None);
}

/// Namespaces the inputs only name (a pod's `metadata.namespace`) have
/// unknown labels: a UDN inside one and a CUDN that selects one by name
/// make it a member; a CUDN selecting by other labels, or everything, does
/// not claim it.
#[test]
fn undeclared_namespaces_join_networks_that_name_them() {
    let pods = "\
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: q, namespace: b}
spec: {containers: [{name: c, image: i}]}
";
    let cases = [
        (
            "apiVersion: k8s.ovn.org/v1
kind: UserDefinedNetwork
metadata: {name: n, namespace: a}
spec: {topology: Layer2, layer2: {role: Primary, subnets: [10.7.0.0/16]}}
",
            Some("a[udn]/p[Pod]"),
        ),
        (
            "apiVersion: k8s.ovn.org/v1
kind: ClusterUserDefinedNetwork
metadata: {name: c}
spec:
  namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [a]}]}
  network: {topology: Layer2, layer2: {role: Primary, subnets: [10.7.0.0/16]}}
",
            Some("a[cudn]/p[Pod]"),
        ),
        (
            "apiVersion: k8s.ovn.org/v1
kind: ClusterUserDefinedNetwork
metadata: {name: c}
spec:
  namespaceSelector: {}
  network: {topology: Layer2, layer2: {role: Primary, subnets: [10.7.0.0/16]}}
",
            None,
        ),
    ];
    for (network, member) in cases {
        let yaml = format!("{network}{pods}");
        let out = topoc(&["connectivity", "-"], Some(&yaml));
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        match member {
            Some(name) => {
                assert!(text.contains(&format!("{name} => 0.0.0.0")), "{text}");
                // Rule: the member and `b` (pod network) do not connect.
                assert!(!text.contains("b/q[Pod] => a"), "{text}");
                assert!(text.contains("Permitted connectivity analyzed in Pod network:"));
            }
            None => {
                assert!(
                    text.contains("a/p[Pod] => b/q[Pod] : All Connections"),
                    "{text}"
                );
                assert!(!text.contains("Permitted connectivity"), "{text}");
            }
        }
    }
}
