//! Workloads: Pod, Deployment, ReplicaSet, ReplicationController,
//! StatefulSet, DaemonSet, Job and CronJob. What matters is the pod
//! template: its labels, containers, ports, `hostNetwork` and env. A Pod
//! with `ownerReferences` is reported as its controlling owner, and the
//! pods of one owner are one workload (as np-guard's connlist does).

use super::meta::Meta;
use super::{Cx, intents};
use crate::diagnostic as diag;
use crate::ir::{
    Container, ContainerPort, EnvVar, IntentSource, NetworkMode, Origin, PortRange, Protocol,
    Publication, VolumeMount, Workload, WorkloadId, WorkloadKind,
};
use crate::syntax::Node;
use std::net::{IpAddr, Ipv4Addr};

/// The annotation that lists expected flows: `svc[.ns][:port[/proto]],...`.
pub const TALKS_TO: &str = "topoc.dev/talks-to";
/// The annotation that silences rules on one object.
pub const IGNORE: &str = "topoc.dev/ignore";

impl Cx<'_> {
    pub(super) fn workload(&mut self, obj: &Node, kind: &str) {
        let Some((m, origin)) = self.named_meta(obj, kind) else {
            return;
        };
        let spec = self.map_field(obj, "spec");
        // Where the pod template lives for each kind.
        let (tmeta, pspec, replicas) = match kind {
            "Pod" => (None, spec, 1),
            "CronJob" => {
                let tpl = spec
                    .and_then(|s| self.map_field(s, "jobTemplate"))
                    .and_then(|j| self.map_field(j, "spec"))
                    .and_then(|j| self.map_field(j, "template"));
                (tpl, tpl.and_then(|t| self.map_field(t, "spec")), 1)
            }
            _ => {
                let tpl = spec.and_then(|s| self.map_field(s, "template"));
                let replicas = match kind {
                    "Deployment" | "ReplicaSet" | "ReplicationController" | "StatefulSet" => spec
                        .and_then(|s| self.int_field(s, "replicas"))
                        .map_or(1, |(r, _)| r.clamp(0, u32::MAX as i64) as u32),
                    _ => 1,
                };
                (tpl, tpl.and_then(|t| self.map_field(t, "spec")), replicas)
            }
        };
        let tm: Meta = match tmeta {
            Some(t) => self.meta(t),
            None => m.clone(),
        };
        // A pod owned by a controller becomes (part of) that controller; a
        // static pod (owned by its `Node`) is a workload of its own.
        let (name, wkind) = match (&m.owner, kind) {
            (Some((okind, oname)), "Pod") if okind != "Node" => (
                oname.clone(),
                WorkloadKind::parse(okind).unwrap_or(WorkloadKind::Pod),
            ),
            _ => (
                m.name.clone(),
                WorkloadKind::parse(kind).unwrap_or(WorkloadKind::Pod),
            ),
        };
        let ns = self.namespace_of(&m, origin);
        let key = (ns, wkind.as_str().to_string(), name.clone());
        if let Some(&existing) = self.owners.get(&key) {
            if kind == "Pod" {
                let w = &mut self.t.workloads[existing.index()];
                w.replicas = w.replicas.saturating_add(1);
                if let Some(log) = &mut self.log {
                    log[existing.index()].pods += 1;
                }
            }
            return;
        }
        let id = WorkloadId(self.t.workloads.len() as u32);
        self.owners.insert(key, id);
        // What follows is what a copy of an owner the other half of the
        // input already has would not do (`merge.rs` undoes it).
        let diags_from = self.diags.len();

        let mut annotations = m.annotations.clone();
        let mut annotation_spans = m.annotation_spans.clone();
        if tmeta.is_some() {
            annotations.extend(tm.annotations.clone());
            annotation_spans.extend(tm.annotation_spans.clone());
        }
        let mut w = Workload::new(name, ns, wkind, origin);
        w.labels = tm.labels.clone();
        w.annotations = annotations;
        w.replicas = replicas;
        for (k, span) in &annotation_spans {
            if k == IGNORE
                && let Some(v) = w.annotations.get(IGNORE)
            {
                for rule in v.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                    w.ignores.push((rule.to_string(), Origin::from(*span)));
                }
            }
            if k == TALKS_TO
                && let Some(v) = w.annotations.get(TALKS_TO).cloned()
            {
                self.talks_to(id, ns, &v, *span);
            }
        }
        if let Some(ps) = pspec {
            if let Some((true, span)) = self.bool_field(ps, "hostNetwork") {
                w.network_mode = NetworkMode::Host;
                w.network_mode_origin = Some(Origin::from(span));
            }
            if let Some((h, _)) = self.str_field(ps, "hostname") {
                w.hostname = Some(h);
            }
            if let Some((n, _)) = self.str_field(ps, "nodeName") {
                w.node_name = Some(n);
            }
            for c in self.seq_field(ps, "containers") {
                self.container(id, c, &mut w);
            }
        }
        self.t.workloads.push(w);
        if let Some(log) = &mut self.log {
            log.push(super::merge::Created {
                diags: diags_from..self.diags.len(),
                pods: u32::from(kind == "Pod"),
            });
        }
    }

    fn container(&mut self, id: WorkloadId, c: &Node, w: &mut Workload) {
        let name = self
            .str_field(c, "name")
            .map(|(n, _)| n)
            .unwrap_or_default();
        let image = self.str_field(c, "image").map(|(i, _)| i);
        w.containers.push(Container {
            name: name.clone(),
            image,
            origin: Origin::from(c.span),
        });
        for p in self.seq_field(c, "ports") {
            self.container_port(id, &name, p, w);
        }
        for m in self.seq_field(c, "volumeMounts") {
            if let Some((path, _)) = self.str_field(m, "mountPath") {
                w.volume_mounts.push(VolumeMount {
                    source: self.str_field(m, "name").map(|(n, _)| n),
                    target: path,
                    named: false,
                    origin: Origin::from(m.span),
                });
            }
        }
        for e in self.seq_field(c, "env") {
            let Some((var, _)) = self.str_field(e, "name") else {
                continue;
            };
            // `valueFrom` (secrets, config maps, field refs) has no literal value.
            let Some(v) = e.get("value").filter(|v| v.as_str().is_some()) else {
                continue;
            };
            let value = v.as_str().unwrap_or("").to_string();
            w.env.push(EnvVar {
                name: var,
                value,
                origin: Origin::from(v.span),
            });
        }
    }

    fn container_port(&mut self, id: WorkloadId, container: &str, p: &Node, w: &mut Workload) {
        // Kubernetes would reject the object; like np-guard, topoc ignores the
        // entry (with a warning) rather than refusing the whole input.
        let Some(cp) = p.get("containerPort") else {
            self.error(
                &diag::CONTAINER_PORT_MISSING,
                p.span,
                "this port entry has no `containerPort` and is ignored",
            );
            return;
        };
        let Some(port) = valid_port(cp) else {
            self.error(
                &diag::INVALID_PORT,
                cp.span,
                format!(
                    "`containerPort` must be a port number 1-65535, found `{}`",
                    cp.as_str().unwrap_or(cp.describe())
                ),
            );
            return;
        };
        let protocol = self.protocol(p);
        let name = self.str_field(p, "name").map(|(n, _)| n);
        w.ports.push(ContainerPort {
            container: Some(container.to_string()),
            port,
            protocol,
            name: name.clone(),
            origin: Origin::from(p.span),
        });
        let Some(hp) = p.get("hostPort").filter(|h| !h.is_null()) else {
            return;
        };
        let Some(host_port) = valid_port(hp) else {
            self.error(
                &diag::INVALID_PORT,
                hp.span,
                "`hostPort` must be a port number 1-65535",
            );
            return;
        };
        let mut host_ip = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        let mut declared = false;
        if let Some((ip, span)) = self.str_field(p, "hostIP") {
            match ip.parse::<IpAddr>() {
                Ok(a) => {
                    host_ip = a;
                    declared = true;
                }
                Err(_) => self.error(
                    &diag::INVALID_ADDRESS,
                    span,
                    format!("`hostIP` `{ip}` is not an IP address"),
                ),
            }
        }
        self.t.publications.push(Publication {
            workload: id,
            host_ip,
            host_ip_declared: declared,
            host_ports: Some(PortRange::single(host_port)),
            port,
            protocol,
            name,
            origin: Origin::from(hp.span),
        });
    }

    /// `protocol` of a port entry: TCP when absent, an error when unknown.
    pub(super) fn protocol(&mut self, p: &Node) -> Protocol {
        match self.str_field(p, "protocol") {
            None => Protocol::Tcp,
            Some((s, span)) => Protocol::parse(&s).unwrap_or_else(|| {
                self.error(
                    &diag::INVALID_VALUE,
                    span,
                    format!("unknown protocol `{s}` (expected TCP, UDP or SCTP)"),
                );
                Protocol::Tcp
            }),
        }
    }

    /// `topoc.dev/talks-to: "db, cache.infra:6379/tcp"`.
    fn talks_to(
        &mut self,
        from: WorkloadId,
        ns: crate::ir::NamespaceId,
        value: &str,
        span: crate::source::Span,
    ) {
        for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match intents::parse_target(item) {
                Some((host, port, protocol)) => self.pending.push(intents::Pending {
                    from,
                    namespace: ns,
                    host,
                    port,
                    protocol,
                    source: IntentSource::Annotation,
                    origin: Origin::from(span),
                    explicit: true,
                }),
                None => self.error(
                    &diag::INVALID_VALUE,
                    span,
                    format!(
                        "`{item}` in `{TALKS_TO}` is not `service[.namespace][:port[/protocol]]`"
                    ),
                ),
            }
        }
    }
}

/// A port number 1–65535 (numbers only; quoted digits are accepted too).
pub fn valid_port(n: &Node) -> Option<u16> {
    let v = n.as_int().or_else(|| n.as_str()?.parse().ok())?;
    (1..=65535).contains(&v).then_some(v as u16)
}
