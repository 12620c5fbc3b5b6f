//! Identifier sanitising for every target. Each target accepts a narrower
//! alphabet than its inputs (Compose service names allow `_` and `.`,
//! Kubernetes names do not; nft identifiers must not be keywords or start with
//! a digit), so names are mapped deterministically and made unique with a
//! numeric suffix; callers report every change.

use std::collections::BTreeSet;

/// Hands out unique names within one scope, in call order.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    used: BTreeSet<String>,
}

impl Namer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserve `name` as is (when it is known to be free and valid).
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }

    pub fn is_used(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// `base` itself when free, else `base-2`, `base-3`, … with `sep`, keeping
    /// the result within `max` bytes (`base` is ASCII here).
    pub fn unique(&mut self, base: &str, sep: &str, max: usize) -> String {
        let base = shorten(base, max);
        if self.used.insert(base.clone()) {
            return base;
        }
        for n in 2u32.. {
            let suffix = format!("{sep}{n}");
            let stem = shorten(&base, max.saturating_sub(suffix.len()));
            let cand = format!("{stem}{suffix}");
            if self.used.insert(cand.clone()) {
                return cand;
            }
        }
        unreachable!("u32 suffixes are never exhausted by a finite scope")
    }
}

/// `s` cut to `max` characters; a cut never leaves a separator at the end
/// (DNS labels and label-key names must end alphanumeric).
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let t = cut.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if t.is_empty() {
        "x".into()
    } else {
        t.to_string()
    }
}

/// A Kubernetes DNS-1035 label (Service names need it; it is also a valid
/// DNS-1123 name for workloads): lowercase alphanumerics and `-`, starting
/// with a letter, ending alphanumeric, at most 63 characters.
pub fn dns_label(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    s = collapse(&s, '-');
    let mut s = s.trim_matches('-').to_string();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s = format!("x-{s}");
    }
    finish_label(&s, 63)
}

/// Cut to `max` and drop trailing separators so the label stays valid.
fn finish_label(s: &str, max: usize) -> String {
    let cut: String = s.chars().take(max).collect();
    let t = cut.trim_end_matches(['-', '_', '.']);
    if t.is_empty() {
        "x".into()
    } else {
        t.to_string()
    }
}

fn collapse(s: &str, sep: char) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == sep && out.ends_with(sep)) {
            out.push(c);
        }
    }
    out
}

/// The name part of a qualified label key (`topoc.dev/<name>`): alphanumerics,
/// `-`, `_`, `.`, alphanumeric at both ends, at most 63 characters.
pub fn label_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = collapse(&s, '-');
    let s = s.trim_matches(['-', '_', '.']);
    finish_label(if s.is_empty() { "x" } else { s }, 63)
}

/// A label value: empty, or a label name.
pub fn label_value(v: &str) -> String {
    if v.is_empty() {
        String::new()
    } else {
        label_name(v)
    }
}

/// An IANA service name for a port (`tcp-8080`): at most 15 characters,
/// lowercase alphanumerics and `-`, at least one letter.
pub fn port_name(protocol: &str, port: u16) -> String {
    format!("{}-{port}", protocol.to_ascii_lowercase())
}

/// An nft identifier: `[a-z][a-z0-9_]*`, always starting with `prefix` (a
/// lowercase letter followed by `_`), so it is never a keyword and never
/// starts with a digit.
pub fn nft_ident(prefix: &str, name: &str) -> String {
    let body: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let body = collapse(&body, '_');
    let body = body.trim_matches('_');
    let s = if body.is_empty() {
        format!("{prefix}x")
    } else {
        format!("{prefix}{body}")
    };
    s.chars()
        .take(48)
        .collect::<String>()
        .trim_end_matches('_')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_are_valid() {
        assert_eq!(dns_label("web"), "web");
        assert_eq!(dns_label("My_DB.1"), "my-db-1");
        assert_eq!(dns_label("1st"), "x-1st");
        assert_eq!(dns_label("\"q\"#:\n☃"), "q");
        assert_eq!(dns_label("☃"), "x");
        assert_eq!(dns_label(&"a".repeat(80)).len(), 63);
        assert_eq!(dns_label("-a-"), "a");
    }

    #[test]
    fn namer_suffixes_collisions() {
        let mut n = Namer::new();
        assert_eq!(n.unique("a-b", "-", 63), "a-b");
        assert_eq!(n.unique("a-b", "-", 63), "a-b-2");
        assert_eq!(n.unique("a-b", "-", 63), "a-b-3");
        let long = "x".repeat(63);
        assert_eq!(n.unique(&long, "-", 63), long);
        let second = n.unique(&long, "-", 63);
        assert_eq!(second.len(), 63);
        assert!(second.ends_with("-2"));
    }

    #[test]
    fn shortened_names_end_alphanumeric() {
        // hostile/11: `net-` + 58 `a` + `_b` cut at 63 ended in `_`.
        let base = format!("net-{}_b", "a".repeat(58));
        let mut n = Namer::new();
        let name = n.unique(&base, "-", 63);
        assert!(name.len() <= 63 && name.ends_with('a'), "{name}");
        let again = n.unique(&base, "-", 63);
        assert!(again.len() <= 63 && again.ends_with("-2"), "{again}");
        let dashes = format!("{}-{}", "b".repeat(62), "c".repeat(5));
        assert_eq!(n.unique(&dashes, "-", 63), "b".repeat(62));
        assert_eq!(n.unique("a_b", "-", 63), "a_b", "uncut names are kept");
    }

    #[test]
    fn nft_identifiers_never_keywords_or_digits() {
        assert_eq!(nft_ident("w_", "table"), "w_table");
        assert_eq!(nft_ident("w_", "9lives"), "w_9lives");
        assert_eq!(nft_ident("w_", "\"; drop"), "w_drop");
        assert_eq!(nft_ident("w_", "☃"), "w_x");
    }

    #[test]
    fn label_names() {
        assert_eq!(label_name("front end"), "front-end");
        assert_eq!(label_name("_x_"), "x");
        assert_eq!(label_value(""), "");
    }
}
