//! Field specs: which fields of which kinds a transformer writes, as
//! kustomize's built-in configuration lists them (`builtin/*.yaml`, copied
//! from kustomize v5.5), and the walk to those fields.

use super::tree;
use crate::source::{FileId, Span};
use crate::syntax::{Node, Value};
use std::sync::OnceLock;

/// Which objects a spec or a target selects: empty parts match anything.
#[derive(Debug, Clone, Default)]
pub struct Gvk {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
}

impl Gvk {
    fn read(node: &Node) -> Gvk {
        let s = |k: &str| node.get(k).and_then(Node::as_str).map(str::to_string);
        Gvk {
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
        }
    }

    /// Whether an object of `apiVersion` / `kind` is selected.
    pub fn selects(&self, object: &Node) -> bool {
        let (group, version) = group_version(object);
        let kind = tree::str_at(object, &["kind"]).unwrap_or("");
        self.kind.as_deref().is_none_or(|k| k == kind)
            && self.group.as_deref().is_none_or(|g| g == group)
            && self.version.as_deref().is_none_or(|v| v == version)
    }
}

/// `apiVersion` split as kustomize does: `apps/v1` → (`apps`, `v1`), `v1`
/// → (``, `v1`).
pub fn group_version(object: &Node) -> (&str, &str) {
    let api = tree::str_at(object, &["apiVersion"]).unwrap_or("");
    match api.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api),
    }
}

#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub gvk: Gvk,
    pub path: Vec<String>,
    /// Create the field (and the mappings on the way) when missing.
    pub create: bool,
}

impl FieldSpec {
    pub fn from_node(node: &Node) -> Option<FieldSpec> {
        let path = node.get("path")?.as_str()?;
        Some(FieldSpec {
            gvk: Gvk::read(node),
            path: path.split('/').map(str::to_string).collect(),
            create: node.get("create").and_then(Node::as_bool).unwrap_or(false),
        })
    }
}

/// A kind whose name other objects refer to, and where they do.
#[derive(Debug, Clone)]
pub struct NameReference {
    pub target: Gvk,
    pub referrers: Vec<FieldSpec>,
}

pub struct Builtin {
    pub common_labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    pub name_references: Vec<NameReference>,
}

fn parse_list(text: &str) -> Vec<Node> {
    let (docs, _) = crate::syntax::parse(FileId(u32::MAX), text);
    docs.into_iter()
        .next()
        .and_then(|d| match d.root.value {
            Value::Seq(items) => Some(items),
            _ => None,
        })
        .unwrap_or_default()
}

fn specs(text: &str) -> Vec<FieldSpec> {
    parse_list(text)
        .iter()
        .filter_map(FieldSpec::from_node)
        .collect()
}

/// The built-in configuration, parsed once.
pub fn builtin() -> &'static Builtin {
    static BUILTIN: OnceLock<Builtin> = OnceLock::new();
    BUILTIN.get_or_init(|| Builtin {
        common_labels: specs(include_str!("builtin/commonlabels.yaml")),
        template_labels: specs(include_str!("builtin/templatelabels.yaml")),
        common_annotations: specs(include_str!("builtin/commonannotations.yaml")),
        namespace: specs(include_str!("builtin/namespace.yaml")),
        replicas: specs(include_str!("builtin/replicas.yaml")),
        name_references: parse_list(include_str!("builtin/namereference.yaml"))
            .iter()
            .map(|n| NameReference {
                target: Gvk::read(n),
                referrers: n
                    .get("fieldSpecs")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(FieldSpec::from_node)
                    .collect(),
            })
            .collect(),
    })
}

/// Call `f(parent, key)` for every mapping at the end of `spec.path` in
/// `object` that holds `key` (or, with `create`, that should hold it),
/// creating missing mappings on the way (spanned at `span`) when the spec
/// says so. Sequences on the way are walked element by element.
pub fn visit(object: &mut Node, spec: &FieldSpec, span: Span, f: &mut dyn FnMut(&mut Node, &str)) {
    if !spec.gvk.selects(object) {
        return;
    }
    walk(object, &spec.path, spec.create, span, f);
}

fn walk(
    node: &mut Node,
    path: &[String],
    create: bool,
    span: Span,
    f: &mut dyn FnMut(&mut Node, &str),
) {
    if let Value::Seq(items) = &mut node.value {
        for item in items {
            walk(item, path, create, span, f);
        }
        return;
    }
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let (key, is_seq) = match first.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (first.as_str(), false),
    };
    if rest.is_empty() {
        if node.as_map().is_some() && (create || node.get(key).is_some()) {
            f(node, key);
        }
        return;
    }
    if node.as_map().is_none() {
        return;
    }
    let child = if create && !is_seq {
        tree::child_map(node, key, span)
    } else {
        tree::get_mut(node, key)
    };
    if let Some(child) = child {
        walk(child, rest, create, span, f);
    }
}

/// Kinds the API server keeps outside namespaces (kustomize's schema
/// says which; objects of other kinds, custom resources included, get the
/// kustomization's namespace).
pub fn is_cluster_scoped(object: &Node) -> bool {
    let (group, _) = group_version(object);
    let kind = tree::str_at(object, &["kind"]).unwrap_or("");
    CLUSTER_SCOPED.contains(&(group, kind))
}

const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("policy", "PodSecurityPolicy"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
];
