//! Compose's merge rules (compose-go `override/merge.go`, spec `13-merge.md`)
//! over spanned trees: mappings merge recursively, sequences append, scalars
//! replace, with per-key exceptions and the `!reset` / `!override` tags.
//! Merged nodes keep the span of the file that provided them, so a finding
//! in an override file points into the override file.

use crate::syntax::{Entry, Node, Scalar, Value};

/// Keys whose list form `KEY=VALUE` is a mapping in disguise.
const KEY_VALUE_LISTS: [&str; 6] = [
    "environment",
    "labels",
    "annotations",
    "sysctls",
    "extra_hosts",
    "args",
];

/// Sequences replaced rather than appended.
const REPLACED: [&str; 3] = ["command", "entrypoint", "test"];

/// Sequences appended with duplicates (by value) dropped.
const UNIQUE: [&str; 13] = [
    "dns",
    "dns_search",
    "dns_opt",
    "env_file",
    "tmpfs",
    "expose",
    "links",
    "external_links",
    "profiles",
    "cap_add",
    "cap_drop",
    "aliases",
    "devices",
];

fn scalar(text: &str, span: crate::source::Span) -> Node {
    Node {
        value: Value::Scalar(Scalar {
            text: text.into(),
            plain: false,
        }),
        span,
        tag: None,
    }
}

/// Rewrite the list forms of a service into their mapping forms so that
/// merging and lowering see one shape: `environment`/`labels`/... lists of
/// `K=V`, `extra_hosts` lists of `host:ip`, `depends_on` and `networks` lists
/// of names. Spans of the list items are kept on the new keys and values.
pub fn normalize_service(service: &mut Node) {
    let Value::Map(entries) = &mut service.value else {
        return;
    };
    for e in entries.iter_mut() {
        let Some(key) = e.key.as_str() else { continue };
        let key = key.to_string();
        if KEY_VALUE_LISTS.contains(&key.as_str()) {
            list_to_map(
                &mut e.value,
                if key == "extra_hosts" {
                    &['=', ':']
                } else {
                    &['=']
                },
            );
        } else if key == "depends_on" || key == "networks" {
            names_to_map(&mut e.value);
        } else if key == "build"
            && let Value::Map(build) = &mut e.value.value
        {
            for be in build
                .iter_mut()
                .filter(|be| be.key.as_str() == Some("args"))
            {
                list_to_map(&mut be.value, &['=']);
            }
        }
    }
}

/// `["A=1", "B"]` → `{A: "1", B: null}`, splitting at the first separator.
fn list_to_map(node: &mut Node, seps: &[char]) {
    let Value::Seq(items) = &node.value else {
        return;
    };
    let mut entries = Vec::new();
    for item in items {
        let Some(text) = item.as_str() else {
            // Left as is; lowering reports the wrong type.
            return;
        };
        let (k, v) = match text.find(seps) {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let key = scalar(k, item.span);
        let value = match v {
            Some(v) => scalar(v, item.span),
            None => Node {
                value: Value::Null,
                span: item.span,
                tag: None,
            },
        };
        entries.push(Entry { key, value });
    }
    node.value = Value::Map(entries);
}

/// `[a, b]` → `{a: null, b: null}` (depends_on, networks).
fn names_to_map(node: &mut Node) {
    let Value::Seq(items) = &node.value else {
        return;
    };
    if items.iter().any(|i| i.as_str().is_none()) {
        return;
    }
    let entries = items
        .iter()
        .map(|i| Entry {
            key: i.clone(),
            value: Node {
                value: Value::Null,
                span: i.span,
                tag: None,
            },
        })
        .collect();
    node.value = Value::Map(entries);
}

/// Merge `over` into `base` (both whole files or both services).
pub fn merge(base: Node, over: Node) -> Node {
    merge_at(base, over, "")
}

fn merge_at(base: Node, over: Node, key: &str) -> Node {
    if over.has_tag("!override") {
        return Node { tag: None, ..over };
    }
    match (base.value, over.value) {
        (Value::Map(mut b), Value::Map(o)) => {
            for oe in o {
                let pos = oe
                    .key
                    .as_str()
                    .and_then(|k| b.iter().position(|be| be.key.as_str() == Some(k)));
                if oe.value.has_tag("!reset") {
                    if let Some(i) = pos {
                        b.remove(i);
                    }
                    continue;
                }
                match pos {
                    Some(i) => {
                        let child_key = oe.key.as_str().unwrap_or("").to_string();
                        let be = b.remove(i);
                        let merged = if key == "ipam" && child_key == "config" {
                            merge_ipam_config(be.value, oe.value)
                        } else {
                            merge_at(be.value, oe.value, &child_key)
                        };
                        b.insert(
                            i,
                            Entry {
                                key: be.key,
                                value: merged,
                            },
                        );
                    }
                    None => b.push(oe),
                }
            }
            Node {
                value: Value::Map(b),
                span: over.span,
                tag: None,
            }
        }
        (Value::Seq(mut b), Value::Seq(o)) => {
            if REPLACED.contains(&key) {
                return Node {
                    value: Value::Seq(o),
                    span: over.span,
                    tag: None,
                };
            }
            let unique = UNIQUE.contains(&key);
            for item in o {
                if unique && b.iter().any(|x| x.value == item.value) {
                    continue;
                }
                b.push(item);
            }
            Node {
                value: Value::Seq(b),
                span: over.span,
                tag: None,
            }
        }
        (_, value) => Node {
            value,
            span: over.span,
            tag: over.tag.filter(|t| t.as_str() != "!reset"),
        },
    }
}

/// `networks.*.ipam.config` (compose-go `mergeIPAMConfig`): the override's
/// entries replace the base's; an entry whose `subnet` matches a base entry
/// is merged with it (the base's fields win, as upstream's argument order
/// has it); base entries the override does not name are dropped.
fn merge_ipam_config(base: Node, over: Node) -> Node {
    let (Value::Seq(b), Value::Seq(o)) = (&base.value, &over.value) else {
        return merge_at(base, over, "config");
    };
    let subnet = |n: &Node| n.get("subnet").and_then(Node::as_str).map(String::from);
    let mut out: Vec<Node> = Vec::new();
    for original in b {
        for entry in o {
            if subnet(entry) != subnet(original) && !out.iter().any(|x| subnet(x) == subnet(entry))
            {
                out.push(entry.clone());
                continue;
            }
            let merged = merge_at(entry.clone(), original.clone(), "");
            match out.iter().position(|x| subnet(x) == subnet(&merged)) {
                Some(i) => out[i] = merged,
                None => out.push(merged),
            }
        }
    }
    Node {
        value: Value::Seq(out),
        span: over.span,
        tag: None,
    }
}

/// Drop `!reset` nodes left in a single file (they mean "nothing here").
pub fn strip_resets(node: &mut Node) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain(|e| !e.value.has_tag("!reset"));
            for e in entries {
                strip_resets(&mut e.value);
            }
        }
        Value::Seq(items) => {
            items.retain(|i| !i.has_tag("!reset"));
            for i in items {
                strip_resets(i);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn yaml(text: &str) -> Node {
        crate::syntax::parse(FileId(0), text).0.remove(0).root
    }

    fn service(text: &str) -> Node {
        let mut n = yaml(text);
        normalize_service(&mut n);
        n
    }

    #[test]
    fn mappings_merge_sequences_append_scalars_replace() {
        let m = merge(
            service("image: a\nports: ['80:80']\nenvironment: [A=1, B=2]\n"),
            service("image: b\nports: ['81:81']\nenvironment: {B: '3'}\n"),
        );
        assert_eq!(m.get("image").unwrap().as_str(), Some("b"));
        assert_eq!(m.get("ports").unwrap().as_seq().unwrap().len(), 2);
        let env = m.get("environment").unwrap();
        assert_eq!(env.get("A").unwrap().as_str(), Some("1"));
        assert_eq!(env.get("B").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn reset_and_override_tags() {
        let m = merge(
            service("ports: ['80:80']\nnetworks: [a, b]\n"),
            service("ports: !reset []\nnetworks: !override {c: null}\n"),
        );
        assert!(m.get("ports").is_none());
        let nets: Vec<_> = m
            .get("networks")
            .unwrap()
            .as_map()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str().unwrap())
            .collect();
        assert_eq!(nets, ["c"]);
    }

    #[test]
    fn ipam_config_merges_like_compose_go() {
        let net = |subnets: &str| yaml(&format!("ipam:\n  config: [{subnets}]\n"));
        let subnets = |n: &Node| -> Vec<String> {
            n.get("ipam")
                .and_then(|i| i.get("config"))
                .and_then(Node::as_seq)
                .unwrap()
                .iter()
                .map(|c| c.get("subnet").and_then(Node::as_str).unwrap().to_string())
                .collect()
        };
        let m = merge(
            net("{subnet: 10.1.0.0/16}"),
            net("{subnet: 10.2.0.0/16}, {subnet: 10.3.0.0/16}"),
        );
        assert_eq!(subnets(&m), ["10.2.0.0/16", "10.3.0.0/16"]);
        let m = merge(
            net("{subnet: 10.1.0.0/16, gateway: 10.1.0.1}"),
            net("{subnet: 10.1.0.0/16, ip_range: 10.1.5.0/24}"),
        );
        assert_eq!(subnets(&m), ["10.1.0.0/16"]);
        let c = &m
            .get("ipam")
            .unwrap()
            .get("config")
            .unwrap()
            .as_seq()
            .unwrap()[0];
        assert!(c.get("gateway").is_some() && c.get("ip_range").is_some());
    }

    #[test]
    fn command_is_replaced_and_dns_is_unique() {
        let m = merge(
            service("command: [a, b]\ndns: [1.1.1.1]\n"),
            service("command: [c]\ndns: [1.1.1.1, 8.8.8.8]\n"),
        );
        assert_eq!(m.get("command").unwrap().as_seq().unwrap().len(), 1);
        assert_eq!(m.get("dns").unwrap().as_seq().unwrap().len(), 2);
    }
}
