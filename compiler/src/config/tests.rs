use super::*;
use crate::diagnostic::HOST_PORT_CONFLICT;

fn parse_text(text: &str) -> (Config, Vec<Diagnostic>, SourceMap) {
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(
        "topoc.yaml",
        "topoc.yaml",
        text.to_string(),
    ));
    let (c, d) = parse(id, &sources);
    (c, d, sources)
}

#[test]
fn reads_levels_and_ignores() {
    let (c, d, _) = parse_text(
        "rules:\n  host-port-conflict: warning\n  TOPO202: off\nignore:\n  - rule: unreachable-dependency\n    resource: shop/*\n    reason: legacy path\n",
    );
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.levels.len(), 2);
    assert_eq!(c.levels[0].code, &HOST_PORT_CONFLICT);
    assert_eq!(c.levels[0].level, Some(Severity::Warning));
    assert_eq!(c.levels[1].code.name, "internal-service-published");
    assert_eq!(c.levels[1].level, None);
    assert_eq!(c.ignores[0].resource.as_deref(), Some("shop/*"));
    assert_eq!(c.ignores[0].reason, "legacy path");
}

#[test]
fn unknown_rule_is_an_error_at_its_key() {
    let (c, d, _) = parse_text("rules:\n  host-port-conflcit: off\n");
    assert!(c.levels.is_empty());
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "TOPO014");
    assert!(d[0].message.contains("unknown rule `host-port-conflcit`"));
    assert_eq!((d[0].span.start.line, d[0].span.start.column), (2, 3));
    assert_eq!(d[0].span.end.column, 21);
}

#[test]
fn malformed_entries_are_reported_where_they_are() {
    let (c, d, _) = parse_text(
        "rules:\n  invalid-yaml: off\n  unknown-key: loud\nignore:\n  - rule: host-port-conflict\n  - rule: nope\n    reason: x\n  - {rule: subnet-overlap, reason: ''}\nextra: 1\n",
    );
    assert!(c.levels.is_empty() && c.ignores.is_empty());
    let at: Vec<(u32, &str)> = d
        .iter()
        .map(|d| (d.span.start.line, d.message.as_str()))
        .collect();
    assert!(
        at[0].0 == 2 && at[0].1.contains("cannot be configured"),
        "{at:?}"
    );
    assert!(
        at[1].0 == 3 && at[1].1.contains("unknown level `loud`"),
        "{at:?}"
    );
    assert!(
        at.iter()
            .any(|(l, m)| *l == 5 && m.contains("needs a `reason`")),
        "{at:?}"
    );
    assert!(
        at.iter()
            .any(|(l, m)| *l == 6 && m.contains("unknown rule `nope`")),
        "{at:?}"
    );
    assert!(
        at.iter()
            .any(|(l, m)| *l == 8 && m.contains("`reason` must say why")),
        "{at:?}"
    );
    assert!(
        at.iter().any(|(l, m)| *l == 9 && m.contains("unknown key")),
        "{at:?}"
    );
    assert!(d.iter().all(|d| d.code == "TOPO014"));
}

#[test]
fn empty_and_invalid_files() {
    let (c, d, _) = parse_text("");
    assert_eq!((c.levels.len(), d.len()), (0, 0));
    let (_, d, _) = parse_text("rules: [a\n");
    assert_eq!(d[0].code, "TOPO001");
    let (_, d, _) = parse_text("- a\n");
    assert!(d[0].message.contains("expected a mapping"));
}

#[test]
fn globs() {
    assert!(glob_match("shop/*", "shop/web"));
    assert!(glob_match("*/web", "shop/web"));
    assert!(glob_match("*", ""));
    assert!(glob_match("a*b*c", "axxbyyc"));
    assert!(!glob_match("a*b*c", "axxcyyb"));
    assert!(!glob_match("shop/web", "shop/webx"));
    assert!(!glob_match("ab*ba", "aba"));
}

#[test]
fn apply_levels_ignores_and_counts() {
    let (c, d, sources) = parse_text(
        "rules:\n  internal-service-published: off\n  host-port-conflict: info\nignore:\n  - {rule: TOPO301, resource: 'shop/a*', reason: r}\n",
    );
    assert!(d.is_empty());
    let span = Span {
        file: FileId(0),
        start: Pos::default(),
        end: Pos::default(),
    };
    let mk = |code: &'static Code, res: &str| Diagnostic::new(code, span, "m").with_resource(res);
    let diags = vec![
        mk(&diag::INTERNAL_SERVICE_PUBLISHED, "shop/db"),
        mk(&HOST_PORT_CONFLICT, "shop/web"),
        mk(&diag::UNDEFINED_NETWORK, "shop/api"),
        mk(&diag::UNDEFINED_NETWORK, "shop/web"),
        Diagnostic::new(&diag::INVALID_YAML, span, "bad"),
    ];
    let out = apply(&c, &crate::ir::Topology::default(), diags);
    assert_eq!(out.suppressed, 2);
    let kept: Vec<(&str, Severity, Option<&str>)> = out
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.severity, d.resource.as_deref()))
        .collect();
    assert_eq!(
        kept,
        [
            ("host-port-conflict", Severity::Info, Some("shop/web")),
            ("undefined-network", Severity::Error, Some("shop/web")),
            ("invalid-yaml", Severity::Error, None),
        ]
    );
    drop(sources);
}

#[test]
fn resource_patterns_match_kinded_names() {
    assert!(apply::resource_matches("prod/web", "Deployment/prod/web"));
    assert!(apply::resource_matches(
        "Deployment/prod/*",
        "Deployment/prod/web"
    ));
    assert!(!apply::resource_matches("prod/web", "prod/web2"));
}
