//! Table tests over the compose-vectors corpus (rows taken from compose-go and
//! go-connections unit tests; see the corpus README). Every row of every table
//! is run; mismatches are collected and reported together.
//!
//! The corpus lives outside the crate at `../shared/corpus/compose-vectors`.
//! When it is absent the tests print "SKIPPED ...: ..." and pass, unless
//! `TOPOC_REQUIRE_CORPUS=1`.

mod skip;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use topoc::input::compose::dotenv;
use topoc::input::compose::interpolate::substitute;
use topoc::input::compose::ports::{self, LongPort, PortSpec};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/compose-vectors");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("TOPOC_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!(
            "corpus not found at {} (TOPOC_REQUIRE_CORPUS=1)",
            dir.display()
        );
    }
    skip::skip(format!("corpus not found at {}", dir.display()));
    None
}

/// One data line of a TSV file: its line number and raw fields by column name.
struct Row {
    line: usize,
    fields: HashMap<String, String>,
}

impl Row {
    /// A raw field (JSON columns are used as is).
    fn raw(&self, col: &str) -> &str {
        self.fields.get(col).map_or_else(
            || panic!("line {}: no column {col}", self.line),
            String::as_str,
        )
    }

    /// A text field with the corpus' backslash escapes decoded.
    fn text(&self, col: &str) -> String {
        unescape(self.raw(col))
    }

    fn json(&self, col: &str) -> Value {
        serde_json::from_str(self.raw(col))
            .unwrap_or_else(|e| panic!("line {}: column {col} is not JSON: {e}", self.line))
    }
}

fn load(path: &Path) -> Vec<Row> {
    let content = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = content.split('\n').enumerate();
    let header: Vec<&str> = lines.next().expect("header").1.split('\t').collect();
    lines
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            let values: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                values.len(),
                header.len(),
                "{}:{}: field count",
                path.display(),
                i + 1
            );
            let fields = header
                .iter()
                .zip(values)
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            Row {
                line: i + 1,
                fields,
            }
        })
        .collect()
}

/// The corpus escapes: `\\`, `\n`, `\r`, `\t` and `\xHH`; nothing else.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let v = u32::from_str_radix(&hex, 16)
                    .unwrap_or_else(|_| panic!("bad \\x escape in {s:?}"));
                out.push(char::from_u32(v).expect("control char"));
            }
            other => panic!("unknown escape \\{other:?} in {s:?}"),
        }
    }
    out
}

/// Collects mismatches; `finish` prints the pass count and panics on failures.
struct Report {
    table: &'static str,
    total: usize,
    failures: Vec<String>,
}

impl Report {
    fn new(table: &'static str) -> Self {
        Report {
            table,
            total: 0,
            failures: Vec::new(),
        }
    }

    fn check(&mut self, row: &Row, input: &str, expected: &str, got: &str, ok: bool) {
        self.total += 1;
        if !ok {
            self.failures.push(format!(
                "  line {}: input {input:?}\n    expected: {expected}\n    got:      {got}",
                row.line
            ));
        }
    }

    fn finish(self) {
        let passed = self.total - self.failures.len();
        println!("{}: {passed}/{} rows passed", self.table, self.total);
        if !self.failures.is_empty() {
            panic!(
                "{}: {} of {} rows failed:\n{}",
                self.table,
                self.failures.len(),
                self.total,
                self.failures.join("\n")
            );
        }
    }
}

fn map_lookup(env: &Value) -> impl Fn(&str) -> Option<String> + '_ {
    move |k| env.get(k).and_then(Value::as_str).map(str::to_string)
}

// ---------------------------------------------------------------- ports

/// compose-go's canonical entry as the corpus writes it (empty keys left out).
fn spec_json(p: &PortSpec) -> Value {
    let mut m = Map::new();
    if let Some(ip) = &p.host_ip {
        m.insert("host_ip".into(), ip.clone().into());
    }
    if let Some(published) = &p.published {
        m.insert("published".into(), published.to_string().into());
    }
    m.insert("target".into(), p.target.into());
    m.insert("protocol".into(), p.protocol.clone().into());
    m.insert("mode".into(), p.mode.clone().into());
    if let Some(name) = &p.name {
        m.insert("name".into(), name.clone().into());
    }
    if let Some(app) = &p.app_protocol {
        m.insert("app_protocol".into(), app.clone().into());
    }
    Value::Object(m)
}

fn long_port(obj: &Map<String, Value>) -> Result<LongPort, String> {
    let mut p = LongPort::default();
    for (k, v) in obj {
        let s = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let slot = match k.as_str() {
            "target" => &mut p.target,
            "published" => &mut p.published,
            "host_ip" => &mut p.host_ip,
            "protocol" => &mut p.protocol,
            "mode" => &mut p.mode,
            "name" => &mut p.name,
            "app_protocol" => &mut p.app_protocol,
            _ => return Err(format!("unknown long-syntax key {k}")),
        };
        *slot = Some(s);
    }
    Ok(p)
}

/// The go-connections v0.4.0 message a ports.tsv error row's note quotes.
fn quoted_message(note: &str) -> Option<&str> {
    [
        "compose-go asserts message '",
        "not asserted by the test: '",
        "asserted message '",
    ]
    .iter()
    .find_map(|marker| {
        let rest = &note[note.find(marker)? + marker.len()..];
        Some(&rest[..rest.find('\'')?])
    })
    .map(|m| m.trim_start_matches("<path>: "))
}

#[test]
fn ports_tsv() {
    let Some(dir) = corpus() else { return };
    let mut report = Report::new("ports.tsv");
    for row in load(&dir.join("ports.tsv")) {
        let expect = row.raw("expect");
        let note = row.text("note");
        let (input, got) = if row.raw("input").starts_with('{') {
            let input = row.raw("input").to_string();
            let got = match row.json("input") {
                Value::Object(obj) => long_port(&obj)
                    .and_then(|p| ports::canonical_long(&p))
                    .map(|p| vec![p]),
                _ => Err("long-syntax input is not an object".to_string()),
            };
            (input, got)
        } else {
            let input = row.text("input");
            let got = ports::parse_short(&input);
            (input, got)
        };
        let long = input.starts_with('{');
        match (expect, got) {
            ("error", Err(msg)) => {
                // The shipped binary's go-connections v0.6 lower-cases the
                // first word of v0.4.0's messages (and spells `IP`).
                let ok = match quoted_message(&note) {
                    Some(want) if long => msg.contains(want),
                    Some(want) => msg.to_lowercase() == want.to_lowercase(),
                    None => true,
                };
                let want = quoted_message(&note).unwrap_or("any error");
                report.check(
                    &row,
                    &input,
                    &format!("error {want:?}"),
                    &format!("error {msg:?}"),
                    ok,
                );
            }
            ("error", Ok(specs)) => {
                let got = Value::Array(specs.iter().map(spec_json).collect());
                report.check(&row, &input, "error", &got.to_string(), false);
            }
            (json, Ok(specs)) => {
                let want: Value = serde_json::from_str(json).expect("expect JSON");
                let got = Value::Array(specs.iter().map(spec_json).collect());
                report.check(&row, &input, json, &got.to_string(), want == got);
            }
            (json, Err(msg)) => report.check(&row, &input, json, &format!("error {msg:?}"), false),
        }
    }
    report.finish();
}

/// go-connections v0.8.1 `PortMapping.String()`:
/// `net.JoinHostPort(HostIP, HostPort + ":" + Port)`.
fn mapping_string(m: &Value) -> String {
    let (ip, host_port, port) = (
        m["host_ip"].as_str(),
        m["host_port"].as_str(),
        m["port"].as_str(),
    );
    let (ip, rest) = (
        ip.unwrap_or(""),
        format!("{}:{}", host_port.unwrap_or(""), port.unwrap_or("")),
    );
    if ip.contains(':') {
        format!("[{ip}]:{rest}")
    } else {
        format!("{ip}:{rest}")
    }
}

#[test]
fn nat_portspec_tsv() {
    // go-connections' own model, translated from our entries. Rows that are not
    // in ports.tsv are the unbracketed IPv6 forms that v0.4.0 (pinned by
    // compose-go's go.mod) rejects while v0.5.0 and later accept them; the
    // docker compose 2.40.3 binary is built with v0.6.0 and accepts them, and
    // so does topoc.
    let Some(dir) = corpus() else { return };
    let mut report = Report::new("nat-portspec.tsv");
    for row in load(&dir.join("nat-portspec.tsv")) {
        let input = row.text("input");
        let expect = row.raw("expect");
        let got = ports::parse_short(&input);
        match (expect.strip_prefix("error"), got) {
            (Some(want), Err(msg)) => {
                // v0.8.1 lower-cases the first word of v0.4.0's messages.
                let want = want.trim_start_matches(": ");
                let ok = want.is_empty() || msg.to_lowercase() == want.to_lowercase();
                report.check(&row, &input, expect, &format!("error {msg:?}"), ok);
            }
            (Some(_), Ok(specs)) => {
                report.check(&row, &input, expect, &format!("{specs:?}"), false);
            }
            (None, Ok(specs)) => {
                let got: Vec<Value> = specs
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "port": format!("{}/{}", p.target, p.protocol),
                            "host_ip": p.host_ip.clone().unwrap_or_default(),
                            "host_port": p.published.as_ref().map(ToString::to_string).unwrap_or_default(),
                        })
                    })
                    .collect();
                let want: Value = serde_json::from_str(expect).expect("expect JSON");
                let mut ok = want == Value::Array(got.clone());
                let string = row.text("string");
                if !string.is_empty() {
                    ok &= got.len() == 1 && mapping_string(&got[0]) == string;
                }
                let got = format!(
                    "{} (String: {:?})",
                    Value::Array(got.clone()),
                    got.first().map(mapping_string)
                );
                report.check(
                    &row,
                    &input,
                    &format!("{expect} (String: {string:?})"),
                    &got,
                    ok,
                );
            }
            (None, Err(msg)) => {
                report.check(&row, &input, expect, &format!("error {msg:?}"), false)
            }
        }
    }
    report.finish();
}

// ---------------------------------------------------------------- interpolation

#[test]
fn interpolation_tsv() {
    let Some(dir) = corpus() else { return };
    let mut report = Report::new("interpolation.tsv");
    for row in load(&dir.join("interpolation.tsv")) {
        let template = row.text("template");
        let env = row.json("env");
        let expect = row.text("expect");
        let note = row.text("note");
        let got = substitute(&template, &map_lookup(&env));
        let (ok, got_s) = match (&got, expect.strip_prefix("error: ")) {
            (Err(msg), Some(sub)) => (msg.contains(sub), format!("error {msg:?}")),
            (Ok(r), None) => {
                // The TestLazy* notes state how many warnings compose-go logs.
                let warnings_ok = if note.contains("no warning is logged") {
                    r.unset.is_empty()
                } else if note.contains("exactly one warning") {
                    r.unset.len() == 1
                } else {
                    true
                };
                (
                    r.value == expect && warnings_ok,
                    format!("{:?} (unset: {:?})", r.value, r.unset),
                )
            }
            (Err(msg), None) => (false, format!("error {msg:?}")),
            (Ok(r), Some(_)) => (false, format!("{:?}", r.value)),
        };
        report.check(&row, &template, &format!("{expect:?} ({note})"), &got_s, ok);
    }
    report.finish();
}

/// Outcome of `${expr}` for VARNAME unset, set to "" and set to "v".
fn probe(expr: &str) -> [Result<String, String>; 3] {
    let template = format!("${{{expr}}}");
    let run = |val: Option<&str>| {
        let lookup = |k: &str| (k == "VARNAME").then(|| val.map(str::to_string)).flatten();
        substitute(&template, &lookup).map(|r| r.value)
    };
    [run(None), run(Some("")), run(Some("v"))]
}

#[test]
fn interpolation_operators_tsv() {
    // The operator is observed through behaviour: each of the six gives a
    // distinct outcome over (unset, empty, set), and its argument is
    // everything after its first occurrence.
    let Some(dir) = corpus() else { return };
    let mut report = Report::new("interpolation-operators.tsv");
    for row in load(&dir.join("interpolation-operators.tsv")) {
        let expr = row.text("expr");
        let op = row.text("operator");
        let arg = expr
            .split_once(op.as_str())
            .map_or("", |(_, a)| a)
            .to_string();
        let err = || {
            Err(format!(
                "required variable VARNAME is missing a value: {arg}"
            ))
        };
        let (v, empty, a) = ("v".to_string(), String::new(), arg.clone());
        let want: [Result<String, String>; 3] = match op.as_str() {
            ":?" => [err(), err(), Ok(v)],
            "?" => [err(), Ok(empty), Ok(v)],
            ":-" => [Ok(a.clone()), Ok(a), Ok(v)],
            "-" => [Ok(a), Ok(empty), Ok(v)],
            ":+" => [Ok(empty.clone()), Ok(empty), Ok(a)],
            "+" => [Ok(empty), Ok(a.clone()), Ok(a)],
            other => panic!("line {}: unknown operator {other}", row.line),
        };
        let got = probe(&expr);
        report.check(
            &row,
            &expr,
            &format!("{op} {want:?}"),
            &format!("{got:?}"),
            got == want,
        );
    }
    report.finish();
}

// ---------------------------------------------------------------- dotenv

/// Checks one dotenv row (`check` = value | absent | keys | error).
fn check_env(
    report: &mut Report,
    row: &Row,
    input: &str,
    got: Result<Vec<(String, String)>, String>,
) {
    let key = row.text("key");
    let expect = row.text("expect");
    let check = row.raw("check");
    let (ok, got_s) = match (check, &got) {
        ("error", Err(msg)) => (msg.contains(&expect), format!("error {msg:?}")),
        (_, Err(msg)) => (false, format!("error {msg:?}")),
        ("error", Ok(m)) => (false, format!("{m:?}")),
        ("value", Ok(m)) => {
            let v = m.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
            (v == Some(&expect), format!("{key:?} = {v:?}"))
        }
        ("absent", Ok(m)) => {
            let v = m.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
            (v.is_none(), format!("{key:?} = {v:?}"))
        }
        ("keys", Ok(m)) => {
            let mut keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
            keys.sort_unstable();
            let want: Vec<String> = serde_json::from_str(&expect).expect("keys JSON");
            (keys == want, format!("{keys:?}"))
        }
        (other, _) => panic!("line {}: unknown check {other}", row.line),
    };
    report.check(
        row,
        input,
        &format!("{check} {key:?} {expect:?}"),
        &got_s,
        ok,
    );
}

#[test]
fn dotenv_tsv() {
    let Some(dir) = corpus() else { return };
    let dir = dir.join("dotenv");
    let mut report = Report::new("dotenv/dotenv.tsv");
    for row in load(&dir.join("dotenv.tsv")) {
        let file = row.text("file");
        let content = std::fs::read_to_string(dir.join(&file)).expect("fixture");
        let env = row.json("env");
        let lookup = map_lookup(&env);
        let got = match row.raw("api") {
            "Read" => dotenv::read(&content, None),
            "ReadWithLookup" => dotenv::read(&content, Some(&lookup)),
            // Load: parse without lookup, then set each key unless the process
            // environment (`env`) already has it.
            "Load" => dotenv::parse(&content, None).map(|mut m| {
                if let Value::Object(before) = &env {
                    for (k, v) in before {
                        m.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
                    }
                }
                m
            }),
            other => panic!("line {}: unknown api {other}", row.line),
        };
        let got = got.map(|m| m.into_iter().collect());
        check_env(
            &mut report,
            &row,
            &format!("{file} ({})", row.raw("api")),
            got,
        );
    }
    report.finish();
}

#[test]
fn dotenv_inline_tsv() {
    let Some(dir) = corpus() else { return };
    let mut report = Report::new("dotenv/dotenv-inline.tsv");
    for row in load(&dir.join("dotenv/dotenv-inline.tsv")) {
        let content = row.text("content");
        let got = if row.raw("lookup").is_empty() {
            dotenv::parse(&content, None)
        } else {
            let env = row.json("lookup");
            dotenv::parse(&content, Some(&map_lookup(&env)))
        };
        let got = got.map(|m| m.into_iter().collect());
        check_env(&mut report, &row, &content, got);
    }
    report.finish();
}
