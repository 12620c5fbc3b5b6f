//! The two-thread lowering (`parallel.rs`, `merge.rs`) against the
//! sequential one: the input is split at every document boundary and the
//! whole topology (every field, ids included), the `topoc ir` dump and the
//! diagnostics must be those of lowering every document in order. Inputs
//! are generated from small name pools so that owners, namespaces and
//! duplicates fall on both sides of the split, in both orders.

use super::parallel::{DOCUMENTS, FORCE, Split};
use crate::input::{Input, LoadOptions, Loaded, load};
use crate::ir::Topology;
use std::path::Path;

/// Every field of the topology and the diagnostics, as text.
fn snapshot(loaded: &Loaded) -> String {
    let Topology {
        projects,
        namespaces,
        networks,
        workloads,
        services,
        publications,
        policies,
        admin_policies,
        ingresses,
        pod_networks,
        intents,
        opaque,
        dangling,
        virtual_services,
        destination_rules,
        gateways,
        object_ignores,
        // Lookup state: how it was filled does not show in any output.
        namespace_index: _,
        namespace_indexed: _,
    } = &loaded.topology;
    let dump = crate::ir::dump(&loaded.topology, &loaded.sources);
    format!(
        "{projects:#?}\n{namespaces:#?}\n{networks:#?}\n{workloads:#?}\n{services:#?}\n\
         {publications:#?}\n{policies:#?}\n{admin_policies:#?}\n{ingresses:#?}\n\
         {pod_networks:#?}\n{intents:#?}\n{opaque:#?}\n{dangling:#?}\n{virtual_services:#?}\n\
         {destination_rules:#?}\n{gateways:#?}\n{object_ignores:#?}\n{}\n{:#?}",
        serde_json::to_string_pretty(&dump).unwrap(),
        loaded.diagnostics
    )
}

fn load_split(path: &Path, split: Split) -> Loaded {
    FORCE.with(|f| f.set(split));
    let loaded = load(
        &[Input::Path(path.to_string_lossy().into_owned())],
        &LoadOptions::default(),
    );
    FORCE.with(|f| f.set(Split::Auto));
    loaded
}

/// Split `path` at every document boundary; returns how many splits
/// differed from the sequential lowering (after reporting the first).
fn check_every_split(path: &Path) -> usize {
    let sequential = load_split(path, Split::Never);
    let want = snapshot(&sequential);
    let mut differ = 0;
    let documents = DOCUMENTS.with(std::cell::Cell::get);
    assert!(documents > 1, "{}", path.display());
    for at in 1..documents {
        let got = snapshot(&load_split(path, Split::At(at)));
        if got != want {
            if differ == 0 {
                let line = want
                    .lines()
                    .zip(got.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                eprintln!(
                    "{}: split at document {at} differs from line {line}:\n  sequential: {:?}\n  split:      {:?}",
                    path.display(),
                    want.lines().nth(line),
                    got.lines().nth(line)
                );
            }
            differ += 1;
        }
    }
    differ
}

/// A small deterministic generator (xorshift), so that no dependency is
/// needed and every failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
        of[self.below(of.len())]
    }
}

const NAMESPACES: [&str; 6] = ["a", "b", "c", "late1", "late2", "default"];
const OWNERS: [&str; 3] = ["web", "api", "db"];
const SERVICES: [&str; 3] = ["web", "api", "db"];

fn namespace(r: &mut Rng) -> String {
    let name = r.pick(&NAMESPACES[..3]);
    let udn = if r.below(2) == 0 {
        "k8s.ovn.org/primary-user-defined-network: \"\""
    } else {
        "team: x"
    };
    let ignore = if r.below(3) == 0 {
        "\n  annotations: {topoc.dev/ignore: workload-not-isolated}"
    } else {
        ""
    };
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {{{udn}, kubernetes.io/metadata.name: {name}}}{ignore}\n"
    )
}

/// A pod template spec: ports (one with a hostPort, sometimes an invalid
/// one), env naming Services, a talks-to annotation with a bad item.
fn pod_parts(r: &mut Rng) -> (String, String) {
    let svc = r.pick(&SERVICES);
    let ns = r.pick(&NAMESPACES);
    let annotations = format!(
        "annotations: {{topoc.dev/talks-to: \"{svc}.{ns}:80, not a target!, nosuch\", topoc.dev/ignore: host-port}}"
    );
    let bad = match r.below(3) {
        0 => ", {name: nope}",
        1 => ", {containerPort: 70000}",
        _ => "",
    };
    let spec = format!(
        "containers:\n      - name: c\n        image: x\n        ports: [{{containerPort: 8080, hostPort: {}, name: http}}{bad}]\n        env: [{{name: URL, value: \"http://{svc}.{ns}:80/x\"}}, {{name: DB_HOST, value: {svc}}}, {{name: DB_PORT, value: \"5432\"}}]",
        30000 + r.below(4)
    );
    (annotations, spec)
}

fn workload(r: &mut Rng) -> String {
    let ns = r.pick(&NAMESPACES);
    let owner = r.pick(&OWNERS);
    let (annotations, spec) = pod_parts(r);
    match r.below(5) {
        // A Pod of an owner (its ReplicaSet's Deployment, as the API names it).
        0 | 1 => format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {owner}-{}\n  namespace: {ns}\n  labels: {{app: {owner}}}\n  {annotations}\n  ownerReferences: [{{kind: Deployment, name: {owner}, controller: true}}]\nspec:\n  {}\n",
            r.below(1000),
            spec.replace("\n    ", "\n  ")
        ),
        // A static pod, owned by its node: a workload of its own.
        2 => format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {owner}-static\n  namespace: {ns}\n  ownerReferences: [{{kind: Node, name: n1}}]\nspec:\n  {}\n",
            spec.replace("\n    ", "\n  ")
        ),
        _ => format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {owner}\n  namespace: {ns}\n  {annotations}\nspec:\n  replicas: {}\n  selector: {{matchLabels: {{app: {owner}}}}}\n  template:\n    metadata: {{labels: {{app: {owner}}}}}\n    spec:\n      {}\n",
            r.below(4),
            spec.replace("\n    ", "\n      ")
        ),
    }
}

fn other(r: &mut Rng) -> String {
    let ns = r.pick(&NAMESPACES);
    let svc = r.pick(&SERVICES);
    match r.below(13) {
        0 | 1 => format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: {svc}, namespace: {ns}}}\nspec:\n  selector: {{app: {svc}}}\n  ports: [{{port: 80, targetPort: http}}, {{port: 5432}}]\n"
        ),
        2 => format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{}, namespace: {ns}}}\nspec:\n  podSelector: {{matchLabels: {{app: {svc}}}}}\n  ingress: [{{from: [{{namespaceSelector: {{}}}}], ports: [{{port: 80}}]}}]\n  egress: [{{to: [{{ipBlock: {{cidr: 10.0.0.0/8}}}}]}}]\n",
            r.below(3)
        ),
        3 => format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: i, namespace: {ns}}}\nspec:\n  rules: [{{http: {{paths: [{{backend: {{service: {{name: {svc}, port: {{number: 80}}}}}}}}]}}}}]\n"
        ),
        4 => format!(
            "apiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {{name: r, namespace: {ns}}}\nspec:\n  to: {{kind: Service, name: {svc}}}\n"
        ),
        5 => "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: anp}\nspec:\n  priority: 10\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: x}}}]}]\n  egress: [{action: Allow, to: [{nodes: {}}]}]\n".to_string(),
        6 => format!(
            "apiVersion: k8s.ovn.org/v1\nkind: UserDefinedNetwork\nmetadata: {{name: u{}, namespace: {ns}}}\nspec:\n  topology: Layer2\n  layer2: {{role: Primary, subnets: [10.1.0.0/16]}}\n",
            r.below(2)
        ),
        7 => format!(
            "apiVersion: k8s.ovn.org/v1\nkind: ClusterUserDefinedNetwork\nmetadata: {{name: cu}}\nspec:\n  namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {ns}}}}}\n  network: {{topology: Layer3, layer3: {{role: Primary, subnets: [{{cidr: 10.2.0.0/16}}]}}}}\n"
        ),
        8 => format!(
            "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {{name: vs, namespace: {ns}}}\nspec:\n  hosts: [{svc}]\n  gateways: [mesh, gw]\n  http: [{{route: [{{destination: {{host: {}, subset: v1, port: {{number: 80}}}}, weight: 100}}], mirror: {{host: {svc}}}}}]\n",
            r.pick(&SERVICES)
        ),
        9 => format!(
            "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata: {{name: dr, namespace: {ns}}}\nspec:\n  host: {svc}\n  subsets: [{{name: v1, labels: {{app: {svc}}}}}]\n"
        ),
        10 => format!(
            "apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata: {{name: gw, namespace: {ns}}}\nspec:\n  selector: {{app: {svc}}}\n  servers: [{{port: {{number: 80, protocol: HTTP}}, hosts: [\"*\"]}}]\n"
        ),
        11 => format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: {ns}\n  annotations: {{topoc.dev/ignore: some-rule}}\n"
        ),
        // A list: its items are objects of their own, one not a mapping.
        _ => format!(
            "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {{name: {svc}-x, namespace: {ns}}}\n  spec: {{containers: [{{name: c, ports: [{{containerPort: 9}}]}}]}}\n- just a string\n- apiVersion: v1\n  kind: Service\n  metadata: {{name: {svc}, namespace: {ns}}}\n  spec: {{ports: [{{port: 99}}]}}\n"
        ),
    }
}

fn generated(seed: u64, count: usize) -> String {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    (0..count)
        .map(|_| match r.below(6) {
            0 => namespace(&mut r),
            1 | 2 => workload(&mut r),
            _ => other(&mut r),
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

#[test]
fn every_split_of_generated_inputs_lowers_as_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut differ = 0;
    for seed in 0..12 {
        let path = dir.path().join(format!("gen{seed}.yaml"));
        std::fs::write(&path, generated(seed, 28)).unwrap();
        differ += check_every_split(&path);
    }
    assert_eq!(differ, 0, "splits that differ from the sequential lowering");
}

/// Owners on both sides in both orders, namespaces first named after the
/// split, a duplicate across it, kustomize overlays (clusters).
#[test]
fn every_split_of_fixtures_lowers_as_in_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut differ = 0;
    for case in ["kube", "kustomize/multi-overlay", "kustomize/list-kind"] {
        differ += check_every_split(&root.join(case));
    }
    assert_eq!(differ, 0, "splits that differ from the sequential lowering");
}

/// The generator reaches what the merge must get right: owners split in
/// both orders, new namespaces and duplicates in the second half.
#[test]
fn generated_inputs_cover_the_merge() {
    let text: String = (0..12).map(|s| generated(s, 28)).collect();
    for needle in [
        "ownerReferences: [{kind: Deployment",
        "kind: Deployment",
        "namespace: late1",
        "kind: UserDefinedNetwork",
        "kind: ClusterUserDefinedNetwork",
        "kind: VirtualService",
        "kind: PodList",
        "topoc.dev/talks-to",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}
