//! Shared helpers of the Kubernetes front end: typed field access with
//! spanned diagnostics, metadata, label maps and label selectors.

use super::Cx;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::ir::{LabelRequirement, LabelSelector, Labels, Origin, SelectorOp};
use crate::source::Span;
use crate::syntax::{Node, Value};

/// `metadata` of an object, as far as topoc needs it.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub name: String,
    pub name_span: Option<Span>,
    pub namespace: Option<String>,
    pub labels: Labels,
    pub annotations: Labels,
    /// Spans of annotation values, for findings about one annotation.
    pub annotation_spans: Vec<(String, Span)>,
    /// The controlling owner (`ownerReferences` entry with `controller: true`,
    /// else the first one): kind (may be empty) and name.
    pub owner: Option<(String, String)>,
}

impl Cx<'_> {
    pub fn error(&mut self, code: &'static diag::Code, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, span, msg));
    }

    /// A scalar field as text; a non-scalar value is an invalid-value error.
    pub fn str_field(&mut self, node: &Node, key: &str) -> Option<(String, Span)> {
        let v = node.get(key)?;
        match &v.value {
            Value::Null => None,
            Value::Scalar(s) => Some((s.text.to_string(), v.span)),
            _ => {
                self.error(
                    &diag::INVALID_VALUE,
                    v.span,
                    format!("`{key}` must be a string, found {}", v.describe()),
                );
                None
            }
        }
    }

    /// An integer field; other scalars and collections are invalid values.
    pub fn int_field(&mut self, node: &Node, key: &str) -> Option<(i64, Span)> {
        let v = node.get(key)?;
        if v.is_null() {
            return None;
        }
        match v.as_int() {
            Some(i) => Some((i, v.span)),
            None => {
                self.error(
                    &diag::INVALID_VALUE,
                    v.span,
                    format!("`{key}` must be an integer, found {}", v.describe()),
                );
                None
            }
        }
    }

    pub fn bool_field(&mut self, node: &Node, key: &str) -> Option<(bool, Span)> {
        let v = node.get(key)?;
        if v.is_null() {
            return None;
        }
        match v.as_bool() {
            Some(b) => Some((b, v.span)),
            None => {
                self.error(
                    &diag::INVALID_VALUE,
                    v.span,
                    format!("`{key}` must be true or false, found {}", v.describe()),
                );
                None
            }
        }
    }

    /// A sequence field (null and absent are empty; anything else is an error).
    pub fn seq_field<'n>(&mut self, node: &'n Node, key: &str) -> &'n [Node] {
        match node.get(key) {
            None => &[],
            Some(v) if v.is_null() => &[],
            Some(v) => match v.as_seq() {
                Some(s) => s,
                None => {
                    self.error(
                        &diag::INVALID_VALUE,
                        v.span,
                        format!("`{key}` must be a list, found {}", v.describe()),
                    );
                    &[]
                }
            },
        }
    }

    /// A mapping field; absent or null is None, a non-mapping is an error.
    pub fn map_field<'n>(&mut self, node: &'n Node, key: &str) -> Option<&'n Node> {
        let v = node.get(key)?;
        match &v.value {
            Value::Null => None,
            Value::Map(_) => Some(v),
            _ => {
                self.error(
                    &diag::INVALID_VALUE,
                    v.span,
                    format!("`{key}` must be a mapping, found {}", v.describe()),
                );
                None
            }
        }
    }

    /// A `string: string` map (labels, annotations, matchLabels, selector).
    pub fn string_map(&mut self, node: Option<&Node>) -> Labels {
        let mut out = Labels::default();
        let Some(node) = node else { return out };
        let Some(entries) = node.as_map() else {
            if !node.is_null() {
                self.error(
                    &diag::INVALID_VALUE,
                    node.span,
                    format!("expected a mapping of strings, found {}", node.describe()),
                );
            }
            return out;
        };
        for e in entries {
            let Some(k) = e.key.as_str() else {
                self.error(&diag::INVALID_VALUE, e.key.span, "keys must be strings");
                continue;
            };
            let v = match &e.value.value {
                Value::Null => String::new(),
                Value::Scalar(s) => s.text.to_string(),
                _ => {
                    self.error(
                        &diag::INVALID_VALUE,
                        e.value.span,
                        format!(
                            "the value of `{k}` must be a string, found {}",
                            e.value.describe()
                        ),
                    );
                    continue;
                }
            };
            out.insert(k.to_string(), v);
        }
        out
    }

    /// `metadata` of a top-level object that must be named (`kind` for the
    /// message), with the origin of its name; `None` after reporting a
    /// missing name.
    pub fn named_meta(&mut self, obj: &Node, kind: &str) -> Option<(Meta, Origin)> {
        let m = self.meta(obj);
        if m.name.is_empty() {
            self.error(
                &diag::INVALID_VALUE,
                header_span(obj),
                format!("a {kind} needs `metadata.name`"),
            );
            return None;
        }
        let origin = name_origin(obj, &m);
        Some((m, origin))
    }

    /// `metadata` of an object (or of a pod template).
    pub fn meta(&mut self, obj: &Node) -> Meta {
        let mut m = Meta::default();
        let Some(md) = self.map_field(obj, "metadata") else {
            return m;
        };
        if let Some((name, span)) = self.str_field(md, "name") {
            m.name = name;
            m.name_span = Some(span);
        } else if let Some((name, span)) = self.str_field(md, "generateName") {
            m.name = name;
            m.name_span = Some(span);
        }
        m.namespace = self
            .str_field(md, "namespace")
            .map(|(n, _)| n)
            .filter(|n| !n.is_empty());
        m.labels = self.string_map(md.get("labels"));
        m.annotations = self.string_map(md.get("annotations"));
        if let Some(a) = md.get("annotations").and_then(Node::as_map) {
            for e in a {
                if let Some(k) = e.key.as_str() {
                    m.annotation_spans.push((k.to_string(), e.value.span));
                }
            }
        }
        let owners = self.seq_field(md, "ownerReferences");
        let pick = owners
            .iter()
            .find(|o| o.get("controller").and_then(Node::as_bool) == Some(true))
            .or(owners.first());
        if let Some(o) = pick {
            let kind = o
                .get("kind")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string();
            if let Some(name) = o.get("name").and_then(Node::as_str) {
                m.owner = Some((kind, name.to_string()));
            }
        }
        m
    }

    /// A label selector (`matchLabels` + `matchExpressions`); null or `{}` selects all.
    pub fn selector(&mut self, node: Option<&Node>) -> LabelSelector {
        let mut sel = LabelSelector::default();
        let Some(node) = node else { return sel };
        sel.origin = Some(Origin::from(node.span));
        if node.is_null() {
            return sel;
        }
        if node.as_map().is_none() {
            self.error(
                &diag::INVALID_VALUE,
                node.span,
                format!(
                    "a label selector must be a mapping, found {}",
                    node.describe()
                ),
            );
            return sel;
        }
        sel.match_labels = self.string_map(node.get("matchLabels"));
        for e in self.seq_field(node, "matchExpressions") {
            let key = e.get("key").and_then(Node::as_str);
            let op = e.get("operator").and_then(Node::as_str);
            let Some(key) = key else {
                self.error(
                    &diag::INVALID_VALUE,
                    e.span,
                    "a match expression needs a `key`",
                );
                continue;
            };
            let op = match op {
                Some("In") => SelectorOp::In,
                Some("NotIn") => SelectorOp::NotIn,
                Some("Exists") => SelectorOp::Exists,
                Some("DoesNotExist") => SelectorOp::DoesNotExist,
                other => {
                    let span = e.get("operator").map_or(e.span, |o| o.span);
                    self.error(
                        &diag::INVALID_VALUE,
                        span,
                        format!(
                            "unknown selector operator `{}` (expected In, NotIn, Exists or DoesNotExist)",
                            other.unwrap_or("")
                        ),
                    );
                    continue;
                }
            };
            let values: Vec<String> = self
                .seq_field(e, "values")
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            let needs_values = matches!(op, SelectorOp::In | SelectorOp::NotIn);
            if needs_values == values.is_empty() {
                let msg = if needs_values {
                    "operators In and NotIn need a non-empty `values` list"
                } else {
                    "operators Exists and DoesNotExist take no `values`"
                };
                self.error(&diag::INVALID_VALUE, e.span, msg);
                continue;
            }
            sel.match_expressions.push(LabelRequirement {
                key: key.to_string(),
                op,
                values,
            });
        }
        sel
    }
}

/// The span used for a whole object: its `kind` line (its first key), so a
/// finding about an object points at its header rather than its last line.
pub fn header_span(obj: &Node) -> Span {
    obj.entry("kind")
        .map(|e| e.key.span.to(e.value.span))
        .or_else(|| obj.as_map().and_then(|m| m.first()).map(|e| e.key.span))
        .unwrap_or(obj.span)
}

/// Where a named thing is declared: its `metadata.name` value, else the header.
pub fn name_origin(obj: &Node, meta: &Meta) -> Origin {
    Origin::from(meta.name_span.unwrap_or_else(|| header_span(obj)))
}
