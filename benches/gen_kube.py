#!/usr/bin/env python3
"""A second, independent generator of Kubernetes benchmark inputs.

`topoc-gen` (compiler/src/bin/topoc_gen) writes one house style: many
namespaces of 6-24 workloads, block YAML, few findings. This script shares
no code with it and writes other shapes, so that `check` is measured on
more than one kind of input (BENCHMARKS.md, check section):

  mixed      all of the below in one stream (the default)
  wide       few large namespaces (20 namespaces of ~5,000 objects at 100k)
  selectors  policies and services with many matchExpressions
             (In / NotIn / Exists / DoesNotExist) over many label keys
  ports      containers with many named ports, policies and Services
             naming them (some names declared by no container)
  findings   a large share of broken objects: selectors matching nothing,
             undefined target ports, duplicate port names, NodePort
             conflicts, env URLs to missing Services

Every shape also varies the YAML: flow mappings and sequences, quoted
scalars, comments, unindented block sequences, block scalars in ConfigMaps,
and objects topoc does not model (ConfigMap, Secret, ServiceAccount, Role,
RoleBinding, HorizontalPodAutoscaler), which `check` must read and skip.

Deterministic: the same --objects, --seed and --shape give the same bytes
(Python's `random.Random` with a fixed seed).

  python3 benches/gen_kube.py --objects 100000 --seed 1 --shape mixed -o k8s.yaml
  python3 benches/gen_kube.py --objects 10000 --shape wide -o dir/ --dir
"""

import argparse
import os
import random
import sys

APPS = ["frontend", "gateway", "cart", "billing", "ledger", "profile", "notify",
        "report", "index", "fraud", "pricing", "media", "chat", "audit", "quota"]
STORES = ["mysql", "mongo", "memcached", "elastic", "rabbitmq", "zookeeper"]
ZONES = ["eu-west-1a", "eu-west-1b", "us-east-1a", "us-east-1c"]
OWNERS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]
STAGES = ["production", "canary", "qa", "sandbox"]
PORT_NAMES = ["http", "https", "grpc", "admin", "metrics", "health", "debug",
              "ws", "amqp", "jmx", "profiler", "raft", "gossip", "sql"]


class Gen:
    def __init__(self, objects, seed, shape):
        self.left = objects
        self.r = random.Random(seed)
        self.shape = shape
        self.docs = []           # (namespace, text)
        self.services = []       # (namespace, name, port) for env URLs
        self.node_ports = 30000

    def chance(self, p):
        return self.r.random() < p

    def emit(self, ns, text):
        if self.left == 0:
            return False
        self.left -= 1
        self.docs.append((ns, text))
        return True

    def has(self, shape):
        return self.shape == shape or self.shape == "mixed"

    # ----- plan -----
    def namespace_count(self, objects):
        if self.shape == "wide":
            return max(1, min(20, objects // 50))
        if self.shape == "mixed":
            return max(1, objects // 120)
        return max(1, objects // 60)

    def run(self):
        total = self.left
        count = self.namespace_count(total)
        i = 0
        while self.left > 0:
            i += 1
            ns = f"{self.r.choice(OWNERS)}-{self.r.choice(STAGES)}-{i:05d}"
            # Each namespace takes an equal share of what is left of the budget.
            share = max(8, self.left // max(1, count - i + 1)) if i <= count else self.left
            self.namespace(ns, i, share)
        return self.docs

    def namespace(self, ns, i, budget):
        start = self.left
        owner = ns.split("-")[0]
        stage = ns.split("-")[1]
        labels = {"kubernetes.io/metadata.name": ns, "owner": owner, "stage": stage,
                  "zone": self.r.choice(ZONES)}
        if self.chance(0.3):
            labels["pci"] = "true"
        if self.r.random() < 0.5:
            body = "\n".join(f"    {k}: {v}" for k, v in labels.items())
            self.emit(ns, f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n{body}\n")
        else:
            flow = ", ".join(f'{k}: "{v}"' for k, v in labels.items())
            self.emit(ns, f"# namespace {i}\n{{apiVersion: v1, kind: Namespace, metadata: {{name: {ns}, labels: {{{flow}}}}}}}\n")
        self.emit(ns, self.deny_all(ns))
        j = 0
        while self.left > 0 and start - self.left < budget:
            j += 1
            self.app(ns, owner, stage, j)

    # ----- objects -----
    def deny_all(self, ns):
        kinds = "[Ingress, Egress]" if self.chance(0.6) else "\n  - Ingress"
        return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
                f"  name: deny-all\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n"
                f"  policyTypes: {kinds}\n")

    def ports_of(self, app):
        if self.shape == "ports":
            n = self.r.randint(4, 10)
        elif self.shape == "mixed":
            n = self.r.randint(2, 5)
        else:
            n = self.r.randint(1, 3)
        names = self.r.sample(PORT_NAMES, min(n, len(PORT_NAMES)))
        base = 8000 + 100 * (APPS.index(app) if app in APPS else 7)
        return [(nm, base + k) for k, nm in enumerate(names)]

    def app(self, ns, owner, stage, j):
        r = self.r
        store = r.random() < 0.25
        app = r.choice(STORES) if store else r.choice(APPS)
        name = f"{app}-{j}"
        kind = r.choice(["StatefulSet"] if store else
                        ["Deployment"] * 6 + ["DaemonSet", "ReplicaSet", "CronJob", "Job", "Pod"])
        ports = self.ports_of(app)
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": app,
                  "owner": owner, "track": r.choice(["stable", "canary"])}
        if self.has("selectors"):
            for k in range(r.randint(2, 6) if self.shape == "selectors" else r.randint(1, 3)):
                labels[f"feature.example.com/f{r.randint(0, 30)}"] = r.choice(["on", "off", "beta"])
        if self.has("findings") and self.chance(0.08):
            # a duplicate port name in one container
            ports = ports + [(ports[0][0], ports[0][1] + 50)]
        self.emit(ns, self.workload(ns, kind, name, labels, ports, stage))
        if kind not in ("Job", "CronJob"):
            self.emit(ns, self.service(ns, name, labels, ports))
            self.services.append((ns, name, ports[0][1]))
        if r.random() < 0.8:
            self.emit(ns, self.policy(ns, name, labels, ports, owner, stage))
        if r.random() < 0.35:
            self.emit(ns, self.opaque(ns, name))
        if r.random() < 0.15:
            self.emit(ns, self.ingress(ns, name, ports))

    def pod_spec(self, ns, name, labels, ports, stage, indent):
        r = self.r
        p = " " * indent
        out = [f"{p}metadata:", f"{p}  labels:"]
        out += [f"{p}    {k}: {v}" for k, v in labels.items()]
        if r.random() < 0.2:
            out += [f"{p}  annotations:", f'{p}    prometheus.io/scrape: "true"',
                    f'{p}    prometheus.io/port: "{ports[0][1]}"']
        out += [f"{p}spec:", f"{p}  serviceAccountName: {name}", f"{p}  containers:"]
        containers = r.choice([1, 1, 1, 2, 2, 3])
        # Unindented block sequences in half the pods.
        seq = f"{p}  - " if r.random() < 0.5 else f"{p}    - "
        for c in range(containers):
            cports = ports if c == 0 else [(f"side{c}-{ports[0][0]}"[:15], 15000 + c)]
            cont = seq[:-2] + "  "
            out.append(f"{seq}name: c{c}")
            out.append(f"{cont}image: registry.example.com/{name.rsplit('-', 1)[0]}:{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)}")
            if r.random() < 0.5:
                out.append(f"{cont}ports:")
                for pn, pv in cports:
                    proto = "UDP" if pn == "gossip" else "TCP"
                    out.append(f"{cont}- {{name: {pn}, containerPort: {pv}, protocol: {proto}}}")
            else:
                out.append(f"{cont}ports:")
                for pn, pv in cports:
                    out.append(f"{cont}  - name: {pn}")
                    out.append(f"{cont}    containerPort: {pv}")
            if c == 0 and self.services and r.random() < 0.6:
                out.append(f"{cont}env:")
                for _ in range(r.randint(1, 4)):
                    sns, svc, sport = r.choice(self.services[-400:])
                    if self.has("findings") and self.chance(0.1):
                        svc = svc + "-gone"
                    host = svc if sns == ns else f"{svc}.{sns}.svc.cluster.local"
                    out.append(f"{cont}  - name: {svc.upper().replace('-', '_')}_URL")
                    out.append(f"{cont}    value: 'http://{host}:{sport}/'")
                out.append(f"{cont}  - name: STAGE")
                out.append(f'{cont}    value: "{stage}"')
            out.append(f"{cont}resources: {{requests: {{cpu: {r.choice([50, 100, 250])}m, memory: {r.choice([64, 128, 256])}Mi}}}}")
            if r.random() < 0.5:
                out.append(f"{cont}livenessProbe:")
                out.append(f"{cont}  httpGet: {{path: /live, port: {cports[0][0]}}}")
        return out

    def workload(self, ns, kind, name, labels, ports, stage):
        api = "v1" if kind == "Pod" else ("batch/v1" if kind in ("Job", "CronJob") else "apps/v1")
        head = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {name}",
                f"  namespace: {ns}", "  labels:"]
        head += [f"    {k}: {v}" for k, v in list(labels.items())[:2]]
        if kind == "Pod":
            # A bare Pod: its labels are the metadata's.
            head = head[:-2] + [f"    {k}: {v}" for k, v in labels.items()]
            spec = self.pod_spec(ns, name, labels, ports, stage, 0)
            return "\n".join(head + spec[spec.index("spec:"):]) + "\n"
        sel = ["  selector:", "    matchLabels:", f"      app.kubernetes.io/name: {name}"]
        if kind == "CronJob":
            spec = ["spec:", f'  schedule: "*/{self.r.randint(5, 59)} * * * *"', "  jobTemplate:",
                    "    spec:", "      template:"]
            spec += self.pod_spec(ns, name, labels, ports, stage, 8)
            spec.append("          restartPolicy: OnFailure")
        elif kind == "Job":
            spec = ["spec:", "  template:"] + self.pod_spec(ns, name, labels, ports, stage, 4)
            spec.append("    restartPolicy: Never")
        else:
            spec = ["spec:"]
            if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
                spec.append(f"  replicas: {self.r.randint(1, 5)}")
            if kind == "StatefulSet":
                spec.append(f"  serviceName: {name}")
            spec += sel + ["  template:"] + self.pod_spec(ns, name, labels, ports, stage, 4)
        return "\n".join(head + spec) + "\n"

    def service(self, ns, name, labels, ports):
        r = self.r
        out = ["apiVersion: v1", "kind: Service", "metadata:", f"  name: {name}", f"  namespace: {ns}", "spec:"]
        if r.random() < 0.1:
            out.append("  type: NodePort")
            nodeport = True
        else:
            nodeport = False
        sel = dict(list(labels.items())[:1])
        if self.has("findings") and self.chance(0.1):
            sel = {"app.kubernetes.io/name": name + "-old"}
        if self.has("selectors") and self.chance(0.3):
            sel["track"] = labels["track"]
        out.append("  selector: {" + ", ".join(f"{k}: {v}" for k, v in sel.items()) + "}")
        out.append("  ports:")
        for pn, pv in ports[: r.randint(1, len(ports))]:
            target = pn
            if self.has("findings") and self.chance(0.08):
                target = pn + "-x"
            out.append(f"  - name: {pn}")
            out.append(f"    port: {80 if pn == 'http' else pv}")
            out.append(f"    targetPort: {target if r.random() < 0.7 else pv}")
            if nodeport:
                if self.has("findings") and self.chance(0.2):
                    port = 30000 + r.randint(0, 50)  # conflicts likely
                else:
                    self.node_ports += 1
                    port = 30000 + (self.node_ports % 2700)
                out.append(f"    nodePort: {port}")
        return "\n".join(out) + "\n"

    def expressions(self, labels, depth):
        r = self.r
        exprs = []
        for _ in range(depth):
            k = r.choice(list(labels.keys()) + [f"feature.example.com/f{r.randint(0, 30)}"])
            op = r.choice(["In", "NotIn", "Exists", "DoesNotExist"])
            if op in ("In", "NotIn"):
                vals = sorted({labels.get(k, "on"), r.choice(["on", "off", "beta", "stable", "canary"])})
                exprs.append(f"- {{key: {k}, operator: {op}, values: [{', '.join(vals)}]}}")
            else:
                exprs.append(f"- key: {k}\n  operator: {op}")
        return exprs

    def selector(self, labels, pad):
        r = self.r
        lines = []
        if self.has("selectors") and r.random() < 0.7:
            lines.append(f"{pad}matchExpressions:")
            for e in self.expressions(labels, r.randint(2, 6)):
                lines += [f"{pad}  {x}" for x in e.split("\n")]
        else:
            k, v = next(iter(labels.items()))
            lines += [f"{pad}matchLabels:", f"{pad}  {k}: {v}"]
        return lines

    def policy(self, ns, name, labels, ports, owner, stage):
        r = self.r
        out = ["apiVersion: networking.k8s.io/v1", "kind: NetworkPolicy", "metadata:",
               f"  name: allow-{name}", f"  namespace: {ns}", "spec:", "  podSelector:"]
        target = dict(labels)
        if self.has("findings") and self.chance(0.07):
            target = {"app.kubernetes.io/name": name + "-legacy"}
        out += self.selector(target, "    ")
        types = ["Ingress"] + (["Egress"] if r.random() < 0.4 else [])
        out.append(f"  policyTypes: [{', '.join(types)}]")
        out.append("  ingress:")
        for _ in range(r.randint(1, 3)):
            out.append("  - from:")
            peer = r.random()
            if peer < 0.4:
                out.append("    - podSelector:")
                out += self.selector({"owner": owner, "track": "stable"}, "        ")
            elif peer < 0.7:
                out.append("    - namespaceSelector:")
                out += self.selector({"owner": r.choice(OWNERS), "stage": stage}, "        ")
                if r.random() < 0.5:
                    out.append("      podSelector:")
                    out += self.selector({"app.kubernetes.io/part-of": r.choice(APPS)}, "        ")
            else:
                out.append("    - ipBlock:")
                octet = r.randint(0, 255)
                out.append(f"        cidr: 10.{octet}.0.0/16")
                if r.random() < 0.5:
                    out.append(f"        except: [10.{octet}.{r.randint(0, 255)}.0/24]")
            out.append("    ports:")
            for pn, pv in r.sample(ports, r.randint(1, len(ports))):
                if self.has("findings") and self.chance(0.05):
                    pn = pn + "-nope"
                by_name = r.random() < 0.6
                out.append(f"    - port: {pn if by_name else pv}")
                if not by_name and r.random() < 0.2:
                    out.append(f"      endPort: {pv + 10}")
        if "Egress" in types:
            out.append("  egress:")
            out.append("  - to:")
            out.append("    - namespaceSelector: {}")
            out.append("      podSelector:")
            out.append("        matchLabels: {k8s-app: kube-dns}")
            out.append("    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]")
            if self.services:
                sns, svc, sport = r.choice(self.services[-200:])
                out.append("  - to:")
                out.append("    - namespaceSelector:")
                out.append(f"        matchLabels: {{kubernetes.io/metadata.name: {sns}}}")
                out.append(f"      podSelector: {{matchLabels: {{app.kubernetes.io/name: {svc}}}}}")
        return "\n".join(out) + "\n"

    def opaque(self, ns, name):
        r = self.r
        kind = r.choice(["ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding",
                         "HorizontalPodAutoscaler", "PodDisruptionBudget"])
        if kind == "ConfigMap":
            lines = "\n".join(f"    key{k} = {r.randint(0, 10**6)}" for k in range(r.randint(3, 12)))
            return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\n  namespace: {ns}\n"
                    f"data:\n  app.properties: |\n{lines}\n  mode: \"fast\"\n")
        if kind == "Secret":
            return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}-creds\n  namespace: {ns}\n"
                    f"type: Opaque\ndata:\n  password: {'c2VjcmV0' * r.randint(1, 6)}\n")
        if kind == "ServiceAccount":
            return f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {ns}}}\n"
        if kind == "Role":
            return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n"
                    f"  namespace: {ns}\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps, secrets]\n"
                    f"  verbs: [get, list, watch]\n")
        if kind == "RoleBinding":
            return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {name}\n"
                    f"  namespace: {ns}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {name}}}\n"
                    f"subjects:\n- kind: ServiceAccount\n  name: {name}\n  namespace: {ns}\n")
        if kind == "HorizontalPodAutoscaler":
            return (f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\n"
                    f"  namespace: {ns}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}\n"
                    f"  minReplicas: 2\n  maxReplicas: {r.randint(3, 20)}\n")
        return (f"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
                f"spec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n")

    def ingress(self, ns, name, ports):
        pn = ports[0][0]
        backend = name if not (self.has("findings") and self.chance(0.2)) else name + "-missing"
        return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
                f"spec:\n  ingressClassName: nginx\n  rules:\n  - host: {name}.{ns}.example.com\n    http:\n"
                f"      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n"
                f"          service:\n            name: {backend}\n            port:\n              name: {pn}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--objects", "-n", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", default="mixed", choices=["mixed", "wide", "selectors", "ports", "findings"])
    ap.add_argument("--out", "-o", default="-")
    ap.add_argument("--dir", action="store_true", help="one file per namespace in the directory --out")
    a = ap.parse_args()
    docs = Gen(a.objects, a.seed, a.shape).run()
    if a.dir:
        os.makedirs(a.out, exist_ok=True)
        files = {}
        for ns, text in docs:
            files.setdefault(ns, []).append(text)
        for ns, texts in files.items():
            with open(os.path.join(a.out, f"{ns}.yaml"), "w") as f:
                f.write("---\n".join(texts))
        return
    text = "---\n".join(t for _, t in docs)
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
