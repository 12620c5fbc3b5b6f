//! `.env` files, a port of compose-go's `dotenv` package (itself derived from
//! joho/godotenv, MIT licence, Copyright (c) 2013 John Barton).
//!
//! compose reads `.env` and `env_file:` with this parser, so values must come out
//! exactly as compose-go produces them: `KEY=value`, `KEY: value` and
//! `export KEY=value` statements; a bare `KEY` line takes its value from the
//! lookup (or is skipped); `#` comments, and inline ` #` comments on unquoted
//! values; single quotes are literal; double quotes understand
//! `\a \b \f \n \r \t \v \\ \" \$ \0NNN` and are interpolated; unquoted values are
//! interpolated too. Interpolation (compose-go's `template.Substitute`) consults
//! the lookup first, then the values defined earlier in the file.

use indexmap::IndexMap;

use super::interpolate::{go_quote, substitute};

/// A variable source outside the file (the process environment in compose-go).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// compose-go `Parse` / `ParseWithLookup`: every statement, in file order.
/// A leading UTF-8 BOM is skipped. The error is compose-go's message, which
/// starts with `line N: ` for syntax errors.
pub fn parse(content: &str, lookup: Option<Lookup>) -> Result<IndexMap<String, String>, String> {
    let src = content.strip_prefix('\u{FEFF}').unwrap_or(content);
    let mut out = IndexMap::new();
    let none = |_: &str| -> Option<String> { None };
    let lookup = lookup.unwrap_or(&none);
    Parser { line: 1 }.parse(src, &mut out, lookup)?;
    Ok(out)
}

/// compose-go `Read` / `ReadWithLookup` for one file: like [`parse`], but keys
/// starting with a digit are dropped (`456 = ABC` is ignored).
pub fn read(content: &str, lookup: Option<Lookup>) -> Result<IndexMap<String, String>, String> {
    let mut map = parse(content, lookup)?;
    // Go's unicode.IsDigit is the Nd category; char::is_numeric also covers
    // Nl/No, which cannot start a key in practice.
    map.retain(|k, _| !k.chars().next().is_some_and(char::is_numeric));
    Ok(map)
}

/// godotenv's `isSpace`: horizontal white space, not a line break.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{A0}'
    )
}

struct Parser {
    line: usize,
}

impl Parser {
    fn parse(
        &mut self,
        src: &str,
        out: &mut IndexMap<String, String>,
        lookup: Lookup,
    ) -> Result<(), String> {
        let mut cutset = src;
        loop {
            cutset = self.statement_start(cutset);
            if cutset.is_empty() {
                return Ok(());
            }
            let (key, left, inherited) = self.locate_key_name(cutset)?;
            if key.contains(' ') {
                return Err(format!("line {}: key cannot contain a space", self.line));
            }
            if inherited {
                if let Some(v) = lookup(&key) {
                    out.insert(key, v);
                }
                cutset = left;
                continue;
            }
            let (value, left) = self.extract_var_value(left, out, lookup)?;
            out.insert(key, value);
            cutset = left;
        }
    }

    /// `getStatementStart`: skips white space and comment lines, counting lines.
    fn statement_start<'s>(&mut self, mut src: &'s str) -> &'s str {
        loop {
            let Some(pos) = src.find(|c: char| {
                if c == '\n' {
                    self.line += 1;
                }
                !c.is_whitespace()
            }) else {
                return "";
            };
            src = &src[pos..];
            if !src.starts_with('#') {
                return src;
            }
            match src.find('\n') {
                Some(nl) => src = &src[nl..],
                None => return "",
            }
        }
    }

    /// `locateKeyName`: returns the key, the text after the separator, and
    /// whether the statement is a bare `KEY` line (value inherited from lookup).
    fn locate_key_name<'s>(&mut self, mut src: &'s str) -> Result<(String, &'s str, bool), String> {
        // `^export\s+` (RE2 \s = [\t\n\f\r ]), then trim godotenv spaces.
        if let Some(rest) = src.strip_prefix("export")
            && rest.starts_with(['\t', '\n', '\u{c}', '\r', ' '])
        {
            src = rest.trim_start_matches(is_space);
        }
        let mut key_end = src.len();
        let mut offset = src.len();
        // End of input without a separator: treated as a bare `KEY` line (see
        // the module tests); compose-go expects a final newline here.
        let mut inherited = true;
        for (i, c) in src.char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    key_end = i;
                    offset = i + 1;
                    inherited = c == '\n';
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphabetic() || c.is_numeric() => {}
                c => {
                    return Err(format!(
                        "line {}: unexpected character {} in variable name {}",
                        self.line,
                        go_quote(&c.to_string()),
                        go_quote(src.split('\n').next().unwrap_or(""))
                    ));
                }
            }
        }
        let key = &src[..key_end];
        if inherited && !key.contains(' ') {
            self.line += 1;
        }
        let key = key.trim_end().to_string();
        Ok((key, src[offset..].trim_start_matches(is_space), inherited))
    }

    /// `extractVarValue`: an unquoted value runs to the end of the line; a
    /// quoted one to the matching unescaped quote, across lines.
    fn extract_var_value<'s>(
        &mut self,
        src: &'s str,
        env: &IndexMap<String, String>,
        lookup: Lookup,
    ) -> Result<(String, &'s str), String> {
        let quote = match src.as_bytes().first() {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => {
                let (value, rest) = src.split_once('\n').unwrap_or((src, ""));
                self.line += 1;
                let value = value.split_once(" #").map_or(value, |(v, _)| v).trim_end();
                return Ok((expand_variables(value, env, lookup)?, rest));
            }
        };
        let bytes = src.as_bytes();
        let mut chars: Vec<u8> = Vec::new();
        let mut escaped = false;
        for (i, &c) in bytes.iter().enumerate().skip(1) {
            if c == b'\n' {
                self.line += 1;
            }
            if c != quote {
                if !escaped && c == b'\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push(b'\\');
                }
                chars.push(c);
                continue;
            }
            if escaped {
                // `\"` inside "..." or `\'` inside '...': keep the quote only.
                escaped = false;
                chars.push(c);
                continue;
            }
            // Only ASCII backslashes were dropped, so this is valid UTF-8.
            let value = String::from_utf8_lossy(&chars).into_owned();
            let value = if quote == b'"' {
                expand_variables(&expand_escapes(&value), env, lookup)?
            } else {
                value
            };
            return Ok((value, &src[i + 1..]));
        }
        let first_line = src.split('\n').next().unwrap_or(src);
        Err(format!(
            "line {}: unterminated quoted value {first_line}",
            self.line
        ))
    }
}

/// `expandVariables`: compose interpolation where the lookup wins over the
/// values set earlier in the same file.
fn expand_variables(
    value: &str,
    env: &IndexMap<String, String>,
    lookup: Lookup,
) -> Result<String, String> {
    let mapping = |k: &str| lookup(k).or_else(|| env.get(k).cloned());
    substitute(value, &mapping).map(|s| s.value)
}

/// `expandEscapes`: replaces matches of `\\(?:[abcfnrtv$"\\]|0\d{0,3})` the way
/// compose-go does (`\$` becomes `$$` so interpolation keeps a literal `$`;
/// `\0NNN` is an octal byte value; a sequence Go cannot unquote stays as is,
/// except that its `\0` prefix has already been shortened to `\`).
fn expand_escapes(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            i += 1;
            continue;
        }
        let replacement = match b[i + 1] {
            b'a' => "\u{7}".to_string(),
            b'b' => "\u{8}".to_string(),
            b'c' => "\\c".to_string(),
            b'f' => "\u{c}".to_string(),
            b'n' => "\n".to_string(),
            b'r' => "\r".to_string(),
            b't' => "\t".to_string(),
            b'v' => "\u{b}".to_string(),
            b'$' => "$$".to_string(),
            b'"' => "\"".to_string(),
            b'\\' => "\\".to_string(),
            b'0' => {
                let digits = b[i + 2..]
                    .iter()
                    .take(3)
                    .take_while(|d| d.is_ascii_digit())
                    .count();
                let octal = &s[i + 2..i + 2 + digits];
                out.push_str(&s[copied..i]);
                out.push_str(&unquote_octal(octal));
                i += 2 + digits;
                copied = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[copied..i]);
        out.push_str(&replacement);
        i += 2;
        copied = i;
    }
    out.push_str(&s[copied..]);
    out
}

/// Go's `strconv.UnquoteChar` on `\` + `digits`: exactly three octal digits
/// with a value ≤ 255 give that code point; anything else is returned as is.
fn unquote_octal(digits: &str) -> String {
    if digits.len() == 3
        && let Ok(v) = u32::from_str_radix(digits, 8)
        && v <= 255
        && let Some(c) = char::from_u32(v)
    {
        return c.to_string();
    }
    format!("\\{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(content: &str) -> IndexMap<String, String> {
        parse(content, None).unwrap()
    }

    #[test]
    fn quoting_rules() {
        // godotenv: single quotes are literal, double quotes expand escapes.
        let m = p("A='a\\nb $X'\nB=\"a\\nb\"\nC=a\\nb # c\n");
        assert_eq!(m["A"], "a\\nb $X");
        assert_eq!(m["B"], "a\nb");
        assert_eq!(m["C"], "a\\nb");
    }

    #[test]
    fn octal_escapes() {
        // `\0` is rewritten to `\` before strconv.UnquoteChar.
        let m = p("A=\"\\0101\\01\\0\\0351\\0400\"");
        assert_eq!(m["A"], "A\\1\\\u{e9}\\400");
    }

    #[test]
    fn lookup_wins_over_file_in_expansion() {
        let lookup = |k: &str| (k == "A").then(|| "env".to_string());
        let m = parse("A=file\nB=$A\nA\n", Some(&lookup)).unwrap();
        assert_eq!(m["A"], "env");
        assert_eq!(m["B"], "env");
    }

    #[test]
    fn bare_key_at_end_without_newline() {
        // Deliberate: a trailing bare KEY is an inherited statement, not a value
        // for the empty key.
        let lookup = |k: &str| (k == "A").then(|| "x".to_string());
        let m = parse("B=1\nA", Some(&lookup)).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["A"], "x");
        assert!(parse("B=1\nA", None).unwrap().get("A").is_none());
    }

    #[test]
    fn errors_carry_line_numbers() {
        assert_eq!(
            parse("# c\nA=1\nB C\n", None).unwrap_err(),
            "line 3: key cannot contain a space"
        );
        assert_eq!(
            parse("A=1\nB='x\ny", None).unwrap_err(),
            "line 3: unterminated quoted value 'x"
        );
        assert_eq!(
            parse("\nA\u{1}=1", None).unwrap_err(),
            "line 2: unexpected character \"\\x01\" in variable name \"A\\x01=1\""
        );
    }

    #[test]
    fn read_drops_digit_keys() {
        let m = read("456=a\nB=b\n", None).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), vec!["B"]);
        assert_eq!(parse("456=a\n", None).unwrap()["456"], "a");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[\"'\\\\#=:${} \n\t\raex0-7_.-]{0,48}", t in "\\PC{0,32}") {
            let lookup = |k: &str| (k == "a").then(|| "v".to_string());
            let _ = parse(&s, Some(&lookup));
            let _ = read(&t, None);
        }
    }
}
