//! Kubernetes manifests of exactly N objects, grouped by namespace, in the
//! proportions of a real multi-team cluster: per namespace a Namespace with
//! team/env labels, 6–24 Deployments and StatefulSets (1–3 containers, named
//! ports, env URLs to their dependencies), one Service each, a default-deny
//! NetworkPolicy, per-workload allow policies (podSelector and
//! namespaceSelector peers, matchExpressions, ipBlocks with `except`, named
//! ports), egress DNS allowances, and Istio VirtualServices.

use super::{GenFile, Rng};
use std::fmt::Write;

const TEAMS: &[&str] = &[
    "payments", "search", "identity", "catalog", "checkout", "platform", "data", "growth", "ml",
    "infra",
];
const ENVS: &[&str] = &["prod", "staging", "dev"];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Deployment,
    StatefulSet,
}

struct Role {
    name: &'static str,
    kind: Kind,
    tier: &'static str,
    ports: &'static [(&'static str, u16)],
    image: &'static str,
}

const ROLES: &[Role] = &[
    Role {
        name: "web",
        kind: Kind::Deployment,
        tier: "frontend",
        ports: &[("http", 8080)],
        image: "nginx:1.27",
    },
    Role {
        name: "api",
        kind: Kind::Deployment,
        tier: "backend",
        ports: &[("http", 8080), ("grpc", 9000)],
        image: "registry.example.com/api:2.14.1",
    },
    Role {
        name: "auth",
        kind: Kind::Deployment,
        tier: "backend",
        ports: &[("http", 8080)],
        image: "registry.example.com/auth:1.9.0",
    },
    Role {
        name: "orders",
        kind: Kind::Deployment,
        tier: "backend",
        ports: &[("http", 8080), ("grpc", 9000)],
        image: "registry.example.com/orders:3.2.7",
    },
    Role {
        name: "search",
        kind: Kind::Deployment,
        tier: "backend",
        ports: &[("http", 8080)],
        image: "registry.example.com/search:0.33.0",
    },
    Role {
        name: "worker",
        kind: Kind::Deployment,
        tier: "worker",
        ports: &[("metrics", 9090)],
        image: "registry.example.com/worker:5.0.2",
    },
    Role {
        name: "postgres",
        kind: Kind::StatefulSet,
        tier: "data",
        ports: &[("postgres", 5432)],
        image: "postgres:16.4",
    },
    Role {
        name: "redis",
        kind: Kind::StatefulSet,
        tier: "cache",
        ports: &[("redis", 6379)],
        image: "redis:7.4",
    },
    Role {
        name: "kafka",
        kind: Kind::StatefulSet,
        tier: "data",
        ports: &[("kafka", 9092), ("controller", 9093)],
        image: "bitnami/kafka:3.8",
    },
];

/// One planned workload of a namespace.
struct Planned {
    name: String,
    role: &'static Role,
}

/// A namespace planned before it is written, so env URLs and policies can
/// refer to workloads declared later in the same namespace.
struct Ns {
    name: String,
    team: String,
    env: &'static str,
    mesh: bool,
    deny_egress: bool,
    /// The sparse shape (`generate_shaped`).
    sparse: bool,
    workloads: Vec<Planned>,
}

/// Writes documents until the object budget is spent.
struct Out {
    text: String,
    left: usize,
}

impl Out {
    /// Start a document; false once `left` objects have been written.
    fn doc(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        if !self.text.is_empty() {
            self.text.push_str("---\n");
        }
        true
    }
}

/// Exactly `objects` Kubernetes objects, one file per namespace.
#[allow(dead_code)] // used by benches/pipeline.rs and the generator's tests
pub fn generate(objects: usize, seed: u64) -> Vec<GenFile> {
    generate_with_admin(objects, 0, seed)
}

/// Exactly `objects` objects of which `admin` are AdminNetworkPolicies
/// (plus the BaselineAdminNetworkPolicy `default` when `admin > 0`), in a
/// last file; the rest as `generate` makes them.
pub fn generate_with_admin(objects: usize, admin: usize, seed: u64) -> Vec<GenFile> {
    generate_shaped(objects, admin, seed, false)
}

/// As `generate_with_admin`; `sparse`: every namespace denies egress, and
/// its allowances stay within the team (the shared api serves its team's
/// namespaces, not the whole environment), so each workload reaches tens
/// of peers, not thousands: a flow list that grows linearly.
pub fn generate_shaped(objects: usize, admin: usize, seed: u64, sparse: bool) -> Vec<GenFile> {
    let admin = admin.min(1001).min(objects.saturating_sub(2));
    let reserved = if admin > 0 { admin + 1 } else { 0 };
    let mut files = generate_namespaces(objects - reserved, seed, sparse);
    if admin > 0 {
        let mut teams: Vec<String> = Vec::new();
        for f in &files {
            for l in f.text.lines() {
                if let Some(t) = l.strip_prefix("    team: ")
                    && !teams.iter().any(|x| x == t)
                {
                    teams.push(t.to_string());
                }
            }
        }
        files.push(super::admin::generate(&teams, admin, seed));
    }
    files
}

fn generate_namespaces(objects: usize, seed: u64, sparse: bool) -> Vec<GenFile> {
    let mut rng = Rng::new(seed);
    let mut files = Vec::new();
    let mut left = objects;
    if left > 0 {
        let mut out = Out {
            text: String::new(),
            left,
        };
        kube_system(&mut out);
        left = out.left;
        files.push(GenFile {
            name: "000-kube-system.yaml".into(),
            text: out.text,
        });
    }
    let mut namespaces: Vec<(String, String, &str)> = Vec::new();
    let mut i = 0;
    while left > 0 {
        i += 1;
        let ns = plan(&mut rng, i, sparse);
        let mut out = Out {
            text: String::new(),
            left,
        };
        write_namespace(&mut out, &mut rng, &ns, &namespaces);
        left = out.left;
        namespaces.push((ns.name.clone(), ns.team.clone(), ns.env));
        files.push(GenFile {
            name: format!("{i:04}-{}.yaml", ns.name),
            text: out.text,
        });
    }
    files
}

/// All files as one multi-document stream.
pub fn join(files: &[GenFile]) -> String {
    let mut s = String::with_capacity(files.iter().map(|f| f.text.len() + 4).sum());
    for f in files {
        if !s.is_empty() {
            s.push_str("---\n");
        }
        s.push_str(&f.text);
    }
    s
}

fn plan(rng: &mut Rng, i: usize, sparse: bool) -> Ns {
    // Teams grow with the cluster (about eight namespaces each), so a
    // `team` namespaceSelector selects a handful of namespaces, as it does
    // in real clusters, whatever the size.
    let k = rng.range(0, (i / 8).max(TEAMS.len() - 1));
    let team = match k / TEAMS.len() {
        0 => TEAMS[k].to_string(),
        g => format!("{}{g}", TEAMS[k % TEAMS.len()]),
    };
    let env = *rng.pick(ENVS);
    let n = rng.range(6, 24);
    // Every namespace has a web front and an api; the rest is a mix.
    let workloads = (0..n)
        .map(|j| {
            let role = match j {
                0 => &ROLES[0],
                1 => &ROLES[1],
                _ => rng.pick(ROLES),
            };
            Planned {
                name: format!("{}-{j}", role.name),
                role,
            }
        })
        .collect();
    Ns {
        name: format!("{team}-{env}-{i:04}"),
        team,
        env,
        mesh: rng.chance(50),
        // Drawn in both shapes, so a seed gives the same plan.
        deny_egress: rng.chance(70) || sparse,
        sparse,
        workloads,
    }
}

fn kube_system(out: &mut Out) {
    if out.doc() {
        out.text.push_str(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n  labels:\n    kubernetes.io/metadata.name: kube-system\n",
        );
    }
    if out.doc() {
        out.text.push_str(concat!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: coredns\n  namespace: kube-system\n",
            "  labels:\n    k8s-app: kube-dns\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      k8s-app: kube-dns\n",
            "  template:\n    metadata:\n      labels:\n        k8s-app: kube-dns\n    spec:\n      containers:\n",
            "        - name: coredns\n          image: registry.k8s.io/coredns/coredns:v1.11.3\n          ports:\n",
            "            - name: dns\n              containerPort: 53\n              protocol: UDP\n",
            "            - name: dns-tcp\n              containerPort: 53\n              protocol: TCP\n",
        ));
    }
    if out.doc() {
        out.text.push_str(concat!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: kube-dns\n  namespace: kube-system\nspec:\n",
            "  selector:\n    k8s-app: kube-dns\n  ports:\n",
            "    - name: dns\n      port: 53\n      targetPort: dns\n      protocol: UDP\n",
            "    - name: dns-tcp\n      port: 53\n      targetPort: dns-tcp\n      protocol: TCP\n",
        ));
    }
    // The cluster's Prometheus, which every namespace lets scrape `metrics`.
    if out.doc() {
        out.text.push_str(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n  labels:\n    kubernetes.io/metadata.name: monitoring\n    team: platform\n",
        );
    }
    if out.doc() {
        out.text.push_str(concat!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prometheus\n  namespace: monitoring\n",
            "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: prometheus\n",
            "  template:\n    metadata:\n      labels:\n        app: prometheus\n    spec:\n      containers:\n",
            "        - name: prometheus\n          image: prom/prometheus:v2.54.1\n          ports:\n",
            "            - name: web\n              containerPort: 9090\n",
        ));
    }
}

fn write_namespace(out: &mut Out, rng: &mut Rng, ns: &Ns, earlier: &[(String, String, &str)]) {
    if out.doc() {
        let t = &mut out.text;
        let _ = write!(
            t,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {n}\n  labels:\n    kubernetes.io/metadata.name: {n}\n    team: {}\n    env: {}\n",
            ns.team,
            ns.env,
            n = ns.name
        );
        if ns.mesh {
            t.push_str("    istio-injection: enabled\n");
        }
    }
    for w in &ns.workloads {
        workload(out, rng, ns, w, earlier);
        service(out, rng, ns, w);
    }
    policies(out, rng, ns, earlier);
    if ns.mesh {
        for w in ns.workloads.iter().filter(|w| w.role.ports[0].0 == "http") {
            if rng.chance(40) {
                virtual_service(out, rng, ns, w);
            }
        }
    }
}

fn workload(
    out: &mut Out,
    rng: &mut Rng,
    ns: &Ns,
    w: &Planned,
    earlier: &[(String, String, &str)],
) {
    if !out.doc() {
        return;
    }
    let r = w.role;
    let kind = match r.kind {
        Kind::Deployment => "Deployment",
        Kind::StatefulSet => "StatefulSet",
    };
    let replicas = if r.kind == Kind::StatefulSet {
        3
    } else {
        rng.range(1, 6)
    };
    let t = &mut out.text;
    let _ = write!(
        t,
        "apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {w}\n  namespace: {ns}\n  labels:\n    app: {w}\n    tier: {tier}\n    team: {team}\n",
        w = w.name,
        ns = ns.name,
        tier = r.tier,
        team = ns.team
    );
    // A deliberate intent for some workloads, to exercise talks-to checks.
    let deps: Vec<&Planned> = ns
        .workloads
        .iter()
        .filter(|d| matches!(d.role.tier, "data" | "cache"))
        .collect();
    if !deps.is_empty() && r.tier == "backend" && rng.chance(15) {
        let d = rng.pick(&deps);
        let _ = write!(
            t,
            "  annotations:\n    topoc.dev/talks-to: \"{}:{}\"\n",
            d.name, d.role.ports[0].1
        );
    }
    let _ = write!(t, "spec:\n  replicas: {replicas}\n");
    if r.kind == Kind::StatefulSet {
        let _ = writeln!(t, "  serviceName: {}", w.name);
    }
    let _ = write!(
        t,
        "  selector:\n    matchLabels:\n      app: {w}\n  template:\n    metadata:\n      labels:\n        app: {w}\n        tier: {tier}\n        version: v1\n    spec:\n      containers:\n",
        w = w.name,
        tier = r.tier,
    );
    let _ = write!(
        t,
        "        - name: {}\n          image: {}\n          ports:\n",
        r.name, r.image
    );
    for (name, port) in r.ports {
        let _ = write!(
            t,
            "            - name: {name}\n              containerPort: {port}\n              protocol: TCP\n"
        );
    }
    if r.tier != "data" && r.tier != "cache" {
        if r.ports.iter().all(|(n, _)| *n != "metrics") {
            t.push_str("            - name: metrics\n              containerPort: 9091\n");
        }
        // Env URLs name a data dependency (same namespace) and sometimes an
        // api of an earlier namespace, as services do in practice.
        if !deps.is_empty() || !earlier.is_empty() {
            t.push_str("          env:\n");
        }
        if !deps.is_empty() {
            let d = rng.pick(&deps);
            match d.role.name {
                "postgres" => {
                    let _ = write!(
                        t,
                        "            - name: DATABASE_URL\n              value: postgresql://app:secret@{}:5432/app\n",
                        d.name
                    );
                }
                "redis" => {
                    let _ = write!(
                        t,
                        "            - name: REDIS_HOST\n              value: {}\n            - name: REDIS_PORT\n              value: \"6379\"\n",
                        d.name
                    );
                }
                _ => {
                    let _ = write!(
                        t,
                        "            - name: KAFKA_BROKERS\n              value: {}:9092\n",
                        d.name
                    );
                }
            }
        }
        // An api of a recent namespace of the same environment (whose
        // policy admits its environment).
        let recent = &earlier[earlier.len().saturating_sub(50)..];
        let peers: Vec<&str> = recent
            .iter()
            .filter(|(_, _, env)| *env == ns.env)
            .map(|(name, _, _)| name.as_str())
            .collect();
        if !peers.is_empty() && rng.chance(20) {
            let other = rng.pick(&peers);
            let _ = write!(
                t,
                "            - name: UPSTREAM_URL\n              value: http://api-1.{other}.svc.cluster.local:80/v1\n"
            );
        }
        t.push_str("          readinessProbe:\n            httpGet:\n              path: /healthz\n              port: ");
        t.push_str(r.ports[0].0);
        t.push('\n');
    }
    t.push_str("          imagePullPolicy: IfNotPresent\n          securityContext:\n            runAsNonRoot: true\n            readOnlyRootFilesystem: true\n");
    t.push_str("          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n            limits:\n              memory: 512Mi\n");
    if rng.chance(40) {
        t.push_str("        - name: envoy\n          image: envoyproxy/envoy:v1.31.2\n          ports:\n            - name: envoy-admin\n              containerPort: 15000\n");
    }
    if rng.chance(15) {
        t.push_str("        - name: log-shipper\n          image: fluent/fluent-bit:3.1\n          args: [\"--config\", \"/etc/fluent-bit/fluent-bit.conf\"]\n");
    }
}

fn service(out: &mut Out, rng: &mut Rng, ns: &Ns, w: &Planned) {
    if !out.doc() {
        return;
    }
    let r = w.role;
    let t = &mut out.text;
    let _ = write!(
        t,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {w}\n  namespace: {ns}\n  labels:\n    app: {w}\nspec:\n",
        w = w.name,
        ns = ns.name
    );
    if r.kind == Kind::StatefulSet {
        t.push_str("  clusterIP: None\n");
    } else if r.tier == "frontend" && rng.chance(20) {
        t.push_str("  type: NodePort\n");
    }
    let _ = write!(t, "  selector:\n    app: {}\n  ports:\n", w.name);
    for (name, port) in r.ports {
        let exposed = if *name == "http" { 80 } else { *port };
        let _ = write!(
            t,
            "    - name: {name}\n      port: {exposed}\n      targetPort: {name}\n      protocol: TCP\n"
        );
    }
}

fn policies(out: &mut Out, rng: &mut Rng, ns: &Ns, earlier: &[(String, String, &str)]) {
    if out.doc() {
        let types = if ns.deny_egress {
            "[Ingress, Egress]"
        } else {
            "[Ingress]"
        };
        let _ = write!(
            out.text,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: {}\nspec:\n  podSelector: {{}}\n  policyTypes: {types}\n",
            ns.name
        );
    }
    if ns.deny_egress {
        if out.doc() {
            let _ = write!(
                out.text,
                concat!(
                    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns\n  namespace: {}\n",
                    "spec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - namespaceSelector:\n",
                    "            matchLabels:\n              kubernetes.io/metadata.name: kube-system\n          podSelector:\n",
                    "            matchLabels:\n              k8s-app: kube-dns\n      ports:\n        - protocol: UDP\n          port: 53\n",
                    "        - protocol: TCP\n          port: 53\n"
                ),
                ns.name
            );
        }
        // Inside the namespace, to the team's other namespaces and to the
        // environment's shared apis; HTTPS to the internet but not to the
        // cloud metadata endpoint or private ranges.
        if ns.sparse {
            if out.doc() {
                let _ = write!(
                    out.text,
                    concat!(
                        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-egress\n  namespace: {}\n",
                        "spec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - podSelector: {{}}\n",
                        "        - namespaceSelector:\n            matchLabels:\n              team: {}\n          podSelector:\n",
                        "            matchLabels:\n              app: api-1\n",
                        "    - to:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n            except:\n              - 10.0.0.0/8\n",
                        "              - 169.254.169.254/32\n      ports:\n        - protocol: TCP\n          port: 443\n"
                    ),
                    ns.name, ns.team
                );
            }
        } else if out.doc() {
            let _ = write!(
                out.text,
                concat!(
                    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-egress\n  namespace: {}\n",
                    "spec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - podSelector: {{}}\n",
                    "        - namespaceSelector:\n            matchLabels:\n              team: {}\n",
                    "        - namespaceSelector:\n            matchLabels:\n              env: {}\n          podSelector:\n",
                    "            matchLabels:\n              app: api-1\n",
                    "    - to:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n            except:\n              - 10.0.0.0/8\n",
                    "              - 169.254.169.254/32\n      ports:\n        - protocol: TCP\n          port: 443\n"
                ),
                ns.name, ns.team, ns.env
            );
        }
    }
    for w in &ns.workloads {
        let r = w.role;
        // Every data store is fenced; 70% of the services are.
        let data = matches!(r.tier, "data" | "cache");
        if !data && !rng.chance(70) {
            continue;
        }
        if !out.doc() {
            return;
        }
        let t = &mut out.text;
        let _ = write!(
            t,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-{w}\n  namespace: {ns}\nspec:\n  podSelector:\n    matchLabels:\n      app: {w}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n",
            w = w.name,
            ns = ns.name
        );
        if data || r.tier == "worker" {
            t.push_str("        - podSelector:\n            matchExpressions:\n              - key: tier\n                operator: In\n                values: [frontend, backend, worker]\n");
        } else {
            t.push_str(
                "        - podSelector:\n            matchLabels:\n              tier: frontend\n",
            );
        }
        // The first api serves the other namespaces of its environment
        // (their `UPSTREAM_URL`).
        if w.name == "api-1" {
            let (key, value) = if ns.sparse {
                ("team", ns.team.as_str())
            } else {
                ("env", ns.env)
            };
            let _ = write!(
                t,
                "        - namespaceSelector:\n            matchLabels:\n              {key}: {value}\n"
            );
        }
        if rng.chance(30) && !earlier.is_empty() {
            let (_, team, _) = &earlier[rng.range(0, earlier.len() - 1)];
            let _ = write!(
                t,
                "        - namespaceSelector:\n            matchLabels:\n              team: {team}\n          podSelector:\n            matchLabels:\n              tier: backend\n"
            );
        }
        if rng.chance(5) {
            t.push_str("        - namespaceSelector:\n            matchExpressions:\n              - key: env\n                operator: In\n                values: [prod, staging]\n          podSelector:\n            matchLabels:\n              tier: frontend\n");
        }
        if r.tier == "frontend" {
            t.push_str("        - ipBlock:\n            cidr: 0.0.0.0/0\n            except:\n              - 10.0.0.0/8\n              - 172.16.0.0/12\n");
        }
        t.push_str("      ports:\n");
        for (name, port) in r.ports {
            // Half by name (resolved per pod), half by number.
            if rng.chance(50) {
                let _ = write!(t, "        - protocol: TCP\n          port: {name}\n");
            } else {
                let _ = write!(t, "        - protocol: TCP\n          port: {port}\n");
            }
        }
        // Prometheus in the monitoring namespace scrapes metrics.
        if !data && rng.chance(50) {
            t.push_str("    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n          podSelector:\n            matchLabels:\n              app: prometheus\n      ports:\n        - protocol: TCP\n          port: metrics\n");
        }
    }
    if rng.chance(40) && out.doc() {
        let _ = write!(
            out.text,
            concat!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-office\n  namespace: {}\n",
                "spec:\n  podSelector:\n    matchLabels:\n      tier: backend\n  policyTypes: [Ingress]\n  ingress:\n",
                "    - from:\n        - ipBlock:\n            cidr: 192.168.0.0/16\n            except:\n              - 192.168.13.0/24\n",
                "        - ipBlock:\n            cidr: 203.0.113.0/24\n      ports:\n        - protocol: TCP\n          port: http\n",
                "        - protocol: TCP\n          port: 8080\n          endPort: 8090\n"
            ),
            ns.name
        );
    }
}

/// Istio routing of a Service: a VirtualService (path match, timeout,
/// retries, a subset) and, when the budget allows, its DestinationRule.
fn virtual_service(out: &mut Out, rng: &mut Rng, ns: &Ns, w: &Planned) {
    if !out.doc() {
        return;
    }
    let timeout = [2, 5, 10, 30][rng.range(0, 3)];
    let _ = write!(
        out.text,
        concat!(
            "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: {w}\n  namespace: {ns}\n",
            "spec:\n  hosts:\n    - {w}.{ns}.svc.cluster.local\n  http:\n    - match:\n        - uri:\n            prefix: /v2\n",
            "      route:\n        - destination:\n            host: {w}\n            subset: v1\n            port:\n              number: 80\n",
            "      timeout: {timeout}s\n      retries:\n        attempts: 3\n",
            "    - route:\n        - destination:\n            host: {w}\n            port:\n              number: 80\n"
        ),
        w = w.name,
        ns = ns.name,
        timeout = timeout
    );
    if out.doc() {
        let _ = write!(
            out.text,
            concat!(
                "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata:\n  name: {w}\n  namespace: {ns}\n",
                "spec:\n  host: {w}\n  trafficPolicy:\n    connectionPool:\n      http:\n        http2MaxRequests: 1000\n",
                "  subsets:\n    - name: v1\n      labels:\n        version: v1\n"
            ),
            w = w.name,
            ns = ns.name
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_object_count_and_deterministic() {
        for n in [0, 1, 3, 4, 57, 1000] {
            let files = generate(n, 42);
            let text = join(&files);
            let docs = text.matches("\napiVersion:").count()
                + usize::from(text.starts_with("apiVersion:"));
            assert_eq!(docs, n, "objects for n={n}");
            assert_eq!(text, join(&generate(n, 42)));
        }
        assert_ne!(join(&generate(500, 1)), join(&generate(500, 2)));
    }

    #[test]
    fn sparse_shape_denies_egress_everywhere_and_keeps_the_count() {
        let files = generate_shaped(3000, 0, 5, true);
        let text = join(&files);
        let docs = text.matches("\napiVersion:").count() + 1;
        assert_eq!(docs, 3000);
        let denies = text.matches("name: default-deny\n").count();
        assert!(denies > 50, "{denies} namespaces");
        assert_eq!(
            text.matches("policyTypes: [Ingress, Egress]").count(),
            denies
        );
        assert!(!text.contains("matchLabels:\n              env: "));
        assert_eq!(text, join(&generate_shaped(3000, 0, 5, true)));
        assert_ne!(text, join(&generate(3000, 5)));
    }

    #[test]
    fn loads_without_input_errors() {
        use topoc::input::{Input, LoadOptions, load};
        let loaded = load(
            &[Input::Stdin(join(&generate(1500, 3)))],
            &LoadOptions::default(),
        );
        let errors: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.is_input_error())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let t = &loaded.topology;
        assert!(t.workloads.len() > 400, "{} workloads", t.workloads.len());
        assert!(t.policies.len() > 300, "{} policies", t.policies.len());
        assert!(t.namespaces.iter().filter(|n| n.declared).count() > 20);
    }

    #[test]
    fn realistic_mix() {
        let text = join(&generate(3000, 7));
        for kind in [
            "DestinationRule",
            "Namespace",
            "Deployment",
            "StatefulSet",
            "Service",
            "NetworkPolicy",
            "VirtualService",
        ] {
            assert!(text.contains(&format!("kind: {kind}\n")), "{kind} missing");
        }
        for needle in [
            "except:",
            "namespaceSelector:",
            "matchExpressions:",
            "port: http\n",
            "topoc.dev/talks-to",
        ] {
            assert!(text.contains(needle), "{needle} missing");
        }
    }
}
