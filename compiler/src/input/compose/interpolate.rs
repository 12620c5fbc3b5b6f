//! Compose variable interpolation, a port of compose-go's `template.Substitute`.
//!
//! compose-go finds substitutions with the regular expression
//! `\$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|(?P<invalid>)))`
//! and then post-processes each match (brace balancing, operator choice, lazy
//! nested substitution). Its quirks are observable in `docker compose config`, so
//! this module reproduces the matcher by hand instead of approximating it:
//!
//! * a braced match with an operator runs (greedy `.*`) to the *last* `}` of the
//!   line; compose-go then cuts it at the `}` that balances the opening `${` and
//!   interpolates the remainder separately, appending it to the value;
//! * the operator applied is the one whose first occurrence in the match comes
//!   first (`:?` beats `?` at the same spot, see `interpolation-operators.tsv`);
//! * defaults, alternates and error messages are interpolated only when used;
//! * an unset variable reached through `$VAR` / `${VAR}` yields `""` and is
//!   reported in [`Substituted::unset`] (compose-go logs a warning for each).

use std::fmt;

/// The result of a successful substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    /// The interpolated string.
    pub value: String,
    /// Unset variables that were evaluated, one entry per evaluation and in
    /// evaluation order (compose-go warns once per entry). Variables looked up
    /// only as the subject of an operator (`${X:-d}`) never appear here.
    pub unset: Vec<String>,
}

/// Interpolates `template`, resolving names with `lookup` (`None` = unset).
///
/// The error is compose-go's message: `Invalid template: "<template>"` (Go `%#v`
/// quoting) or `required variable NAME is missing a value[: reason]`.
pub fn substitute(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Substituted, String> {
    let mut unset = Vec::new();
    let value = substitute_inner(template, lookup, &mut unset, 0).map_err(|e| e.to_string())?;
    Ok(Substituted { value, unset })
}

/// compose-go's two error types (an invalid template gets the text of the
/// innermost `Substitute` call that saw it, as in Go), plus our depth guard.
#[derive(Debug)]
enum Error {
    InvalidTemplate(Option<String>),
    MissingRequired { variable: String, reason: String },
    TooDeep,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidTemplate(t) => {
                write!(
                    f,
                    "Invalid template: {}",
                    go_quote(t.as_deref().unwrap_or(""))
                )
            }
            Error::TooDeep => write!(
                f,
                "Invalid template: substitutions nested more than {MAX_DEPTH} levels deep"
            ),
            Error::MissingRequired { variable, reason } if reason.is_empty() => {
                write!(f, "required variable {variable} is missing a value")
            }
            Error::MissingRequired { variable, reason } => {
                write!(
                    f,
                    "required variable {variable} is missing a value: {reason}"
                )
            }
        }
    }
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Nesting depth (defaults inside defaults) at which we give up, so that a
/// hostile template cannot exhaust the stack; compose-go has no such limit.
const MAX_DEPTH: usize = 64;

/// `SubstituteWithOptions`: replace every match, keep going after an error and
/// return the first one.
///
/// compose-go substitutes the text between a braced expression's balancing `}`
/// and the end of its (greedy) match as a separate template (`rest`). Matches
/// cannot cross the end of `rest`, so this scans it in place; `segment` only
/// remembers its bounds, because an invalid template inside it is reported
/// with the text of `rest`, as in Go.
fn substitute_inner(
    template: &str,
    lookup: Lookup,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<String, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::TooDeep);
    }
    let mut out = String::with_capacity(template.len());
    let mut first_err: Option<Error> = None;
    let mut segment: Option<(usize, usize)> = None;
    let mut pos = 0;
    while let Some(off) = template[pos..].find('$') {
        let start = pos + off;
        out.push_str(&template[pos..start]);
        if segment.is_some_and(|(_, end)| start >= end) {
            segment = None;
        }
        let Some(m) = match_at(template, start) else {
            out.push('$');
            pos = start + 1;
            continue;
        };
        match replace(template, start, &m, lookup, unset, depth) {
            Ok((value, resume)) => {
                out.push_str(&value);
                if resume < m.end {
                    segment = Some((resume, m.end));
                }
                pos = resume;
            }
            Err(mut e) => {
                if let Error::InvalidTemplate(t @ None) = &mut e {
                    let (a, b) = segment.unwrap_or((0, template.len()));
                    *t = Some(template[a..b].to_string());
                }
                first_err.get_or_insert(e);
                pos = m.end;
            }
        }
    }
    out.push_str(&template[pos..]);
    match first_err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Which alternative of the pattern matched.
enum Kind {
    Escaped,
    /// `$NAME`: byte range of the name.
    Named(usize, usize),
    /// `${...}`, with the operator that follows the name, if any.
    Braced(Option<&'static str>),
    Invalid,
}

struct Match {
    kind: Kind,
    end: usize,
}

/// Name characters under Go's `(?i)`: ASCII letters, digits, `_`, plus the two
/// non-ASCII members of the case-folding orbits of `k` and `s` (KELVIN SIGN and
/// LATIN SMALL LETTER LONG S), which RE2 also matches.
fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '\u{212A}' || c == '\u{17F}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// End (exclusive) of the longest name starting at `at`, or `at` if none.
fn name_end(s: &str, at: usize) -> usize {
    let mut chars = s[at..].char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return at,
    }
    for (i, c) in chars {
        if !is_name_char(c) {
            return at + i;
        }
    }
    s.len()
}

/// The operators as compose-go lists them. It applies the one whose first
/// occurrence in the matched text comes first; the matched text is `${NAME`
/// followed directly by the operator, so that is simply the operator after
/// the name (`:?` starts before `?`).
const OPERATORS: [&str; 6] = [":?", "?", ":-", "-", ":+", "+"];

/// The leftmost-first match of compose-go's pattern anchored at the `$` at
/// `start`, or `None` when the pattern cannot match there.
fn match_at(s: &str, start: usize) -> Option<Match> {
    let b = s.as_bytes();
    let next = start + 1;
    if b.get(next) == Some(&b'$') {
        return Some(Match {
            kind: Kind::Escaped,
            end: next + 1,
        });
    }
    let ne = name_end(s, next);
    if ne > next {
        return Some(Match {
            kind: Kind::Named(next, ne),
            end: ne,
        });
    }
    if b.get(next) != Some(&b'{') {
        return None;
    }
    let name_start = next + 1;
    let ne = name_end(s, name_start);
    let invalid = Match {
        kind: Kind::Invalid,
        end: name_start,
    };
    if ne == name_start {
        return Some(invalid);
    }
    // Optional `:?[-+?](.*)` followed by `}`: `.*` is greedy and stops at a
    // newline, so the match runs to the last `}` of the line.
    let op_len = match (b.get(ne), b.get(ne + 1)) {
        (Some(b':'), Some(b'-' | b'+' | b'?')) => 2,
        (Some(b'-' | b'+' | b'?'), _) => 1,
        _ => 0,
    };
    if op_len > 0 {
        let arg_start = ne + op_len;
        let line_end = s[arg_start..].find('\n').map_or(s.len(), |i| arg_start + i);
        if let Some(close) = s[arg_start..line_end].rfind('}') {
            let op = OPERATORS
                .iter()
                .find(|op| **op == &s[ne..arg_start])
                .copied();
            return Some(Match {
                kind: Kind::Braced(op),
                end: arg_start + close + 1,
            });
        }
    }
    if b.get(ne) == Some(&b'}') {
        return Some(Match {
            kind: Kind::Braced(None),
            end: ne + 1,
        });
    }
    Some(invalid)
}

/// compose-go's `getFirstBraceClosingIndex`: the `}` balancing the first `{`,
/// counting every `{` (so `${A:-{"a":1}}` keeps its JSON default whole).
fn first_brace_closing_index(s: &str) -> Option<usize> {
    let mut open = 0i32;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'}' => {
                open -= 1;
                if open == 0 {
                    return Some(i);
                }
            }
            b'{' => open += 1,
            _ => {}
        }
    }
    None
}

/// `DefaultReplacementAppliedFunc` for the match `m` at `start`: the
/// replacement, and where scanning resumes (inside the match when a braced
/// expression leaves a `rest` to substitute).
fn replace(
    template: &str,
    start: usize,
    m: &Match,
    lookup: Lookup,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<(String, usize), Error> {
    let substitution = match m.kind {
        Kind::Escaped => return Ok(("$".to_string(), m.end)),
        Kind::Invalid => return Err(Error::InvalidTemplate(None)),
        Kind::Named(a, b) => &template[a..b],
        Kind::Braced(op) => {
            // Cut at the balancing brace; what follows is the `rest`.
            let matched = &template[start..m.end];
            let head_len = first_brace_closing_index(matched).map_or(matched.len(), |i| i + 1);
            let substitution = &matched[2..head_len - 1];
            if let Some(op) = op
                && let Some(value) = apply_operator(op, substitution, lookup, unset, depth)?
            {
                return Ok((value, start + head_len));
            }
            substitution
        }
    };
    let value = lookup(substitution).unwrap_or_else(|| {
        unset.push(substitution.to_string());
        String::new()
    });
    Ok((value, m.end))
}

/// The six substitution functions. `None` = "not applied" (operator absent).
fn apply_operator(
    op: &str,
    substitution: &str,
    lookup: Lookup,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<Option<String>, Error> {
    let Some((name, arg)) = substitution.split_once(op) else {
        return Ok(None);
    };
    let value = lookup(name);
    let colon = op.starts_with(':');
    let missing = match &value {
        None => true,
        Some(v) => colon && v.is_empty(),
    };
    match op.as_bytes()[op.len() - 1] {
        b'?' if missing => {
            let reason = substitute_inner(arg, lookup, unset, depth + 1)?;
            Err(Error::MissingRequired {
                variable: name.to_string(),
                reason,
            })
        }
        b'-' if missing => substitute_inner(arg, lookup, unset, depth + 1).map(Some),
        b'+' if !missing => substitute_inner(arg, lookup, unset, depth + 1).map(Some),
        _ => Ok(Some(value.unwrap_or_default())),
    }
}

/// Go's `strconv.Quote` (also what `%q` and `%#v` print for a string), used to
/// reproduce compose-go's error texts. Go's `IsPrint` is approximated: control
/// characters, non-ASCII-space whitespace and common format characters are
/// escaped, everything else is kept.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}')
        || matches!(c, '\u{2060}'..='\u{2064}' | '\u{FEFF}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    fn sub(t: &str, e: &[(&str, &str)]) -> Result<Substituted, String> {
        substitute(t, &env(e))
    }

    #[test]
    fn escaped_dollar_is_literal() {
        // template.go: the `escaped` group `$$` is replaced by a single `$`.
        assert_eq!(
            sub("$$FOO ${A:-$$}", &[("FOO", "x")]).unwrap().value,
            "$FOO $"
        );
    }

    #[test]
    fn greedy_match_remainder_is_interpolated() {
        // The braced match runs to the last `}`; the part after the balancing
        // brace is substituted on its own and appended.
        let r = sub("${A:-x} ${B}-$C", &[("C", "c")]).unwrap();
        assert_eq!(r.value, "x -c");
        assert_eq!(r.unset, vec!["B"]);
    }

    #[test]
    fn unset_reported_only_when_evaluated() {
        // Lookups made by an operator do not warn; `$X`/`${X}` do.
        let r = sub("${A:-d}${B:+${C}}$D", &[]).unwrap();
        assert_eq!(r.value, "d");
        assert_eq!(r.unset, vec!["D"]);
    }

    #[test]
    fn invalid_template_quotes_whole_template() {
        // InvalidTemplateError prints the template with Go's %#v.
        let e = sub("a\t${x y}", &[]).unwrap_err();
        assert_eq!(e, "Invalid template: \"a\\t${x y}\"");
    }

    #[test]
    fn newline_stops_the_greedy_argument() {
        // `.` does not match `\n`, so the `}` must be on the same line.
        assert!(sub("${A:-x\n}", &[]).is_err());
        assert_eq!(sub("${A:-x}\n}", &[]).unwrap().value, "x\n}");
    }

    #[test]
    fn required_message_is_interpolated() {
        let e = sub("${A:?no $B}", &[("B", "b")]).unwrap_err();
        assert_eq!(e, "required variable A is missing a value: no b");
    }

    #[test]
    fn invalid_template_in_rest_reports_rest() {
        // compose-go substitutes the text after the balancing brace as its own
        // template, so an error there quotes only that text.
        let e = sub("x ${A:-a} ${ }", &[]).unwrap_err();
        assert_eq!(e, "Invalid template: \" ${ }\"");
        let e = sub("${ } ${A:-a}", &[]).unwrap_err();
        assert_eq!(e, "Invalid template: \"${ } ${A:-a}\"");
    }

    #[test]
    fn many_expressions_on_one_line() {
        let t = "${A:-x}".repeat(5000);
        assert_eq!(sub(&t, &[]).unwrap().value, "x".repeat(5000));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let t = format!("{}x{}", "${A:-".repeat(10_000), "}".repeat(10_000));
        assert!(sub(&t, &[]).unwrap_err().contains("nested"));
        let ok = format!("{}x{}", "${A:-".repeat(20), "}".repeat(20));
        assert_eq!(sub(&ok, &[]).unwrap().value, "x");
    }

    #[test]
    fn names_are_ascii_case_insensitive() {
        assert_eq!(sub("$foo_1.", &[("foo_1", "v")]).unwrap().value, "v.");
        assert_eq!(sub("$1", &[]).unwrap().value, "$1");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[$${}:?+ab_ \n-]{0,40}", t in "\\PC{0,24}") {
            let lookup = |k: &str| (k == "a").then(String::new);
            let _ = substitute(&s, &lookup);
            let _ = substitute(&t, &lookup);
        }
    }
}
