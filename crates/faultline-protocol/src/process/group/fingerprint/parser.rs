//! Parser for server-side fingerprint rules, one per line:
//!
//! ```text
//! matcher:value [!matcher:"quoted value" ...] -> part[, part ...] [title="..."]
//! ```
//!
//! Values may be double-quoted with backslash escapes; a fingerprint part like
//! `logger-{{ logger }}` is two parts (`logger-` and `{{ logger }}`). Rules also come in
//! Sentry's JSON form, which [`json_to_text`] turns into this text.

use serde_json::Value;

use super::is_default_variable;
use super::rules::{FingerprintRule, Key, Matcher};
use crate::process::group::glob::{GlobKind, compile_glob};

/// Turns a rule in Sentry's JSON form (`{"matchers": [["type", "X"]], "fingerprint": [..],
/// "attributes": {"title": ..}}`) into rule text.
pub fn json_to_text(rule: &Value) -> Option<String> {
    let matchers: Vec<String> = rule
        .get("matchers")?
        .as_array()?
        .iter()
        .filter_map(|pair| {
            let pair = pair.as_array()?;
            let (key, pattern) = (pair.first()?.as_str()?, pair.get(1)?.as_str()?);
            Some(format!("{key}:{}", quote(pattern)))
        })
        .collect();
    let fingerprint: Vec<String> = rule
        .get("fingerprint")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(quote)
        .collect();
    if matchers.is_empty() || fingerprint.is_empty() {
        return None;
    }
    let mut text = format!("{} -> {}", matchers.join(" "), fingerprint.join(", "));
    if let Some(title) = rule.pointer("/attributes/title").and_then(Value::as_str) {
        text.push_str(&format!(" title={}", quote(title)));
    }
    Some(text)
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Parses one rule line.
pub(super) fn parse_rule(line: &str, is_builtin: bool) -> Result<FingerprintRule, String> {
    let mut rest = line.trim_start();
    let mut matchers = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.starts_with("->") {
            break;
        }
        if rest.is_empty() {
            return Err("expected `->`".to_owned());
        }
        let (matcher, after) = parse_matcher(rest)?;
        matchers.push(matcher);
        rest = after;
    }
    if matchers.is_empty() {
        return Err("expected a matcher before `->`".to_owned());
    }
    rest = &rest[2..];

    let mut fingerprint = Vec::new();
    let mut title = None;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        if let Some((key, value, after)) = parse_attribute(rest)? {
            if key != "title" {
                return Err(format!("unknown attribute `{key}`"));
            }
            title = Some(value);
            rest = after;
        } else {
            let (value, after) = if rest.starts_with('"') {
                parse_quoted(rest)?
            } else {
                parse_unquoted_part(rest)?
            };
            fingerprint.push(if is_default_variable(&value) {
                "{{ default }}".to_owned()
            } else {
                value
            });
            rest = after;
        }
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        }
    }
    if fingerprint.is_empty() {
        return Err("expected a fingerprint after `->`".to_owned());
    }

    let mut text = matchers
        .iter()
        .map(|m: &Matcher| {
            format!(
                "{}{}:{}",
                if m.negated { "!" } else { "" },
                m.key.name(),
                quote(&m.pattern)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    text.push_str(" -> ");
    text.push_str(
        &fingerprint
            .iter()
            .map(|part| quote(part))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(title) = &title {
        text.push_str(&format!(" title={}", quote(title)));
    }
    Ok(FingerprintRule {
        matchers,
        fingerprint,
        title,
        is_builtin,
        text,
    })
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn parse_matcher(input: &str) -> Result<(Matcher, &str), String> {
    let (negated, rest) = match input.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    let (name, rest) = if let Some(quoted) = rest.strip_prefix('"') {
        let end = quoted.find('"').ok_or("unterminated quoted matcher name")?;
        let name = &quoted[..end];
        if name.is_empty() || !name.chars().all(|c| is_key_char(c) || c == ':') {
            return Err(format!("invalid matcher name `{name}`"));
        }
        (name.trim_start_matches('!'), &quoted[end + 1..])
    } else {
        let end = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
        (&rest[..end], &rest[end..])
    };
    let rest = rest
        .strip_prefix(':')
        .ok_or_else(|| format!("expected `:` after `{name}`"))?;
    let (pattern, rest) = if rest.starts_with('"') {
        parse_quoted(rest)?
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        if end == 0 {
            return Err(format!("expected a value for `{name}`"));
        }
        (rest[..end].to_owned(), &rest[end..])
    };
    let key = Key::parse(name).ok_or_else(|| format!("unknown matcher `{name}`"))?;
    let glob = match key.glob() {
        Some((kind, case_insensitive)) => {
            let source = if kind == GlobKind::Path {
                pattern.replace('\\', "/")
            } else {
                pattern.clone()
            };
            Some(
                compile_glob(&source, kind, case_insensitive)
                    .map_err(|e| format!("bad pattern `{pattern}`: {e}"))?,
            )
        }
        None => None,
    };
    Ok((
        Matcher {
            key,
            negated,
            pattern,
            glob,
        },
        rest,
    ))
}

/// Parses `key="value"`; `None` if the input is not an attribute.
fn parse_attribute(input: &str) -> Result<Option<(String, String, &str)>, String> {
    let end = input.find(|c: char| !is_key_char(c)).unwrap_or(input.len());
    if end == 0 || !input[end..].starts_with("=\"") {
        return Ok(None);
    }
    let (value, rest) = parse_quoted(&input[end + 1..])?;
    Ok(Some((input[..end].to_owned(), value, rest)))
}

/// Parses a double-quoted string with backslash escapes.
fn parse_quoted(input: &str) -> Result<(String, &str), String> {
    let body = &input[1..];
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Ok((unescape(&body[..i]), &body[i + 1..])),
            _ => {}
        }
    }
    Err("unterminated quoted string".to_owned())
}

/// Parses an unquoted fingerprint part: a whole `{{ variable }}`, or text up to whitespace,
/// `{` or `,` (so `logger-{{ logger }}` is two parts).
fn parse_unquoted_part(input: &str) -> Result<(String, &str), String> {
    if let Some(body) = input.strip_prefix("{{")
        && let Some(end) = body.find("}}")
        && !body[..end].trim().is_empty()
        && !body[..end].trim().contains(char::is_whitespace)
    {
        return Ok((input[..end + 4].to_owned(), &body[end + 2..]));
    }
    let end = input
        .find(|c: char| c.is_whitespace() || c == '{' || c == ',')
        .unwrap_or(input.len());
    if end == 0 {
        return Err(format!(
            "unexpected `{}`",
            input.chars().next().unwrap_or(' ')
        ));
    }
    Ok((input[..end].to_owned(), &input[end..]))
}

/// Resolves backslash escapes as Python's `unicode-escape` codec does; unknown escapes stay.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c @ ('\\' | '"' | '\'')) => out.push(c),
            Some(kind @ ('x' | 'u')) => {
                let len = if kind == 'x' { 2 } else { 4 };
                let hex: String = chars.clone().take(len).collect();
                match u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == len)
                    .and_then(char::from_u32)
                {
                    Some(decoded) => {
                        out.push(decoded);
                        for _ in 0..len {
                            chars.next();
                        }
                    }
                    None => {
                        out.push('\\');
                        out.push(kind);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(line: &str) -> FingerprintRule {
        parse_rule(line, false).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn parses_parts_attributes_and_variables() {
        let r = rule(
            r#"type:DatabaseUnavailable !module:"io.*" -> database-unavailable, logger-{{ logger }} title="DB: {{ type }}""#,
        );
        assert_eq!(
            r.fingerprint,
            ["database-unavailable", "logger-", "{{ logger }}"]
        );
        assert_eq!(r.title.as_deref(), Some("DB: {{ type }}"));
        assert_eq!(
            rule("type:A -> {{default}}, x").fingerprint,
            ["{{ default }}", "x"]
        );
        assert_eq!(
            rule(r#"message:"a \"quoted\" \\* b" -> x"#).matchers[0].pattern,
            r#"a "quoted" \* b"#
        );
    }

    #[test]
    fn rejects_bad_rules() {
        for line in [
            "type:A",
            "-> x",
            "bogus:A -> x",
            "type:A -> x foo=\"bar\"",
            r#"type:"unterminated -> x"#,
        ] {
            assert!(parse_rule(line, false).is_err(), "{line}");
        }
    }
}
