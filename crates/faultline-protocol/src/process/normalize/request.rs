//! The `request` interface (ingest-protocol.md §7.4, §12 point 12): query string and fragment
//! split out of `url`, the `Cookie` header parsed into `cookies`, header names Title-Cased,
//! every pair list in `[[key, value], ...]` form, and `inferred_content_type`.

use super::ProcessingErrors;
use crate::event::{Invalid, into_lenient_string, lenient_str, pair_list, pairs_to_value};
use serde_json::{Map, Value};

/// Normalizes `request`; when `user_agent` is given (security reports) it becomes the
/// `User-Agent` header unless the request already has one.
pub(super) fn normalize(
    event: &mut Map<String, Value>,
    user_agent: Option<&str>,
    errors: &mut ProcessingErrors,
) {
    match event.get("request") {
        Some(Value::Object(_)) => {}
        None | Some(Value::Null) if user_agent.is_some() => {
            event.insert("request".to_owned(), Value::Object(Map::new()));
        }
        None => return,
        Some(Value::Null) => {
            event.remove("request");
            return;
        }
        Some(_) => {
            errors.invalid("request", Invalid("an object"), None);
            event.remove("request");
            return;
        }
    }
    let Some(Value::Object(request)) = event.get_mut("request") else {
        return;
    };
    split_url(request);
    if let Some(method) = request.get_mut("method")
        && let Value::String(text) = method
    {
        text.make_ascii_uppercase();
    }
    query_string(request, errors);
    headers(request, user_agent, errors);
    cookies(request, errors);
    if request.get("env").is_some_and(|env| !env.is_object()) {
        errors.invalid("request.env", Invalid("an object"), None);
        request.remove("env");
    }
}

/// Moves `?query` and `#fragment` out of `url` into `query_string` and `fragment` unless those
/// were sent separately.
fn split_url(request: &mut Map<String, Value>) {
    let Some(Value::String(url)) = request.get_mut("url") else {
        return;
    };
    let mut fragment = None;
    if let Some(at) = url.find('#') {
        fragment = Some(url[at + 1..].to_owned());
        url.truncate(at);
    }
    let mut query = None;
    if let Some(at) = url.find('?') {
        query = Some(url[at + 1..].to_owned());
        url.truncate(at);
    }
    if let Some(fragment) = fragment.filter(|f| !f.is_empty())
        && request.get("fragment").is_none_or(Value::is_null)
    {
        request.insert("fragment".to_owned(), Value::String(fragment));
    }
    if let Some(query) = query.filter(|q| !q.is_empty())
        && request
            .get("query_string")
            .is_none_or(|q| q.is_null() || q.as_str() == Some(""))
    {
        request.insert("query_string".to_owned(), Value::String(query));
    }
}

fn query_string(request: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    let Some(value) = request.remove("query_string") else {
        return;
    };
    let pairs = match value {
        Value::String(text) => parse_query(&text),
        other => match pair_list(other) {
            Ok(list) => string_pairs(list.pairs),
            Err(reason) => {
                errors.invalid("request.query_string", reason, None);
                return;
            }
        },
    };
    request.insert("query_string".to_owned(), pairs_to_value(pairs));
}

/// Parses `a=1&b=2` (a leading `?` allowed) into decoded pairs.
fn parse_query(text: &str) -> Vec<(String, Value)> {
    text.trim_start_matches('?')
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (percent_decode(key), Value::String(percent_decode(value)))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (as a space, form encoding). Malformed escapes are kept as
/// they are and invalid UTF-8 is replaced, as a URL in an error report should still show.
fn percent_decode(text: &str) -> String {
    if !text.contains(['%', '+']) {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Keeps pairs whose value is a lenient string, as strings.
fn string_pairs(pairs: Vec<(String, Value)>) -> Vec<(String, Value)> {
    pairs
        .into_iter()
        .filter_map(|(key, value)| into_lenient_string(value).map(|v| (key, Value::String(v))))
        .collect()
}

fn headers(
    request: &mut Map<String, Value>,
    user_agent: Option<&str>,
    errors: &mut ProcessingErrors,
) {
    let mut pairs = match request.remove("headers") {
        None => Vec::new(),
        Some(value) => match pair_list(value) {
            Ok(list) => list
                .pairs
                .into_iter()
                .filter_map(|(name, value)| Some((title_case(name), header_value(value)?)))
                .collect(),
            Err(reason) => {
                errors.invalid("request.headers", reason, None);
                Vec::new()
            }
        },
    };
    if let Some(agent) = user_agent
        && !pairs.iter().any(|(name, _)| name == "User-Agent")
    {
        pairs.push(("User-Agent".to_owned(), Value::String(agent.to_owned())));
    }
    if request
        .get("inferred_content_type")
        .is_none_or(Value::is_null)
        && let Some((_, Value::String(content_type))) =
            pairs.iter().find(|(name, _)| name == "Content-Type")
    {
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.is_empty() {
            request.insert(
                "inferred_content_type".to_owned(),
                Value::String(media_type.to_owned()),
            );
        }
    }
    if !pairs.is_empty() {
        request.insert("headers".to_owned(), pairs_to_value(pairs));
    }
}

/// Returns a header value as a string: lists are joined with `,`, `null` is dropped.
fn header_value(value: Value) -> Option<Value> {
    match value {
        Value::Array(parts) => {
            let parts: Vec<String> = parts
                .iter()
                .filter_map(|p| lenient_str(p).map(|s| s.into_owned()))
                .collect();
            Some(Value::String(parts.join(",")))
        }
        other => into_lenient_string(other).map(Value::String),
    }
}

/// Returns a header name with each dash-separated word capitalized (`user-agent` →
/// `User-Agent`), the form Relay stores. A name already in that form is returned as is.
fn title_case(name: String) -> String {
    let is_title_case = name.split('-').all(|word| {
        let mut chars = word.chars();
        chars.next().is_none_or(|first| !first.is_lowercase()) && chars.all(|c| !c.is_uppercase())
    });
    if is_title_case && name.trim().len() == name.len() {
        return name;
    }
    let mut out = String::with_capacity(name.len());
    for (i, word) in name.trim().split('-').enumerate() {
        if i > 0 {
            out.push('-');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.extend(chars.flat_map(char::to_lowercase));
        }
    }
    out
}

/// Sets `cookies` from the `Cookie` header when absent, and always removes that header (the
/// cookies then live in one place only, where scrubbing looks for them).
fn cookies(request: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    let mut from_header = None;
    if let Some(Value::Array(headers)) = request.get_mut("headers") {
        headers.retain(|pair| {
            let is_cookie = pair.get(0).and_then(Value::as_str) == Some("Cookie");
            if is_cookie && from_header.is_none() {
                from_header = pair.get(1).and_then(Value::as_str).map(str::to_owned);
            }
            !is_cookie
        });
        if headers.is_empty() {
            request.remove("headers");
        }
    }
    let cookies = match request.remove("cookies") {
        None | Some(Value::Null) => match from_header {
            Some(header) => parse_cookies(&header),
            None => return,
        },
        Some(Value::String(header)) => parse_cookies(&header),
        Some(other) => match pair_list(other) {
            Ok(list) => string_pairs(list.pairs),
            Err(reason) => {
                errors.invalid("request.cookies", reason, None);
                return;
            }
        },
    };
    if !cookies.is_empty() {
        request.insert("cookies".to_owned(), pairs_to_value(cookies));
    }
}

fn parse_cookies(header: &str) -> Vec<(String, Value)> {
    header
        .split(';')
        .filter_map(|part| {
            let (name, value) = part.split_once('=')?;
            let name = name.trim();
            (!name.is_empty()).then(|| (name.to_owned(), Value::String(value.trim().to_owned())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_with(request: Value, user_agent: Option<&str>) -> Value {
        let mut event = Map::from_iter([("request".to_owned(), request)]);
        normalize(&mut event, user_agent, &mut ProcessingErrors::default());
        event.remove("request").unwrap_or(Value::Null)
    }

    fn check(request: Value) -> Value {
        check_with(request, None)
    }

    #[test]
    fn query_and_fragment_are_split_from_the_url() {
        let request =
            check(json!({"url": "https://x.test/p?a=1&b=two%20words#top", "method": "get"}));
        assert_eq!(
            request,
            json!({
                "url": "https://x.test/p", "method": "GET", "fragment": "top",
                "query_string": [["a", "1"], ["b", "two words"]],
            })
        );
    }

    #[test]
    fn separate_query_string_wins_over_the_url() {
        let request = check(json!({"url": "https://x.test/?a=1", "query_string": "?c=3"}));
        assert_eq!(request["query_string"], json!([["c", "3"]]));
        assert_eq!(request["url"], "https://x.test/");
    }

    #[test]
    fn query_strings_accept_objects_and_pairs() {
        assert_eq!(
            check(json!({"query_string": {"a": 1}}))["query_string"],
            json!([["a", "1"]])
        );
        assert_eq!(
            check(json!({"query_string": [["a", "b"]]}))["query_string"],
            json!([["a", "b"]])
        );
        assert_eq!(
            check(json!({"query_string": ""}))["query_string"],
            json!([])
        );
    }

    #[test]
    fn headers_are_title_cased_pairs() {
        let request = check(
            json!({"headers": {"user-agent": "UA", "X-FORWARDED-FOR": "1.2.3.4", "accept": ["a", "b"], "dnt": 1, "gone": null}}),
        );
        assert_eq!(
            request["headers"],
            json!([
                ["User-Agent", "UA"],
                ["X-Forwarded-For", "1.2.3.4"],
                ["Accept", "a,b"],
                ["Dnt", "1"],
            ])
        );
    }

    #[test]
    fn cookie_header_becomes_cookies() {
        let request = check(json!({"headers": [["cookie", "a=1; session=abc"], ["Host", "h"]]}));
        assert_eq!(request["cookies"], json!([["a", "1"], ["session", "abc"]]));
        assert_eq!(request["headers"], json!([["Host", "h"]]));
    }

    #[test]
    fn sent_cookies_win_and_the_header_is_still_removed() {
        let request = check(json!({"cookies": "x=y", "headers": {"Cookie": "a=1"}}));
        assert_eq!(request, json!({"cookies": [["x", "y"]]}));
        assert_eq!(
            check(json!({"cookies": {"k": "v"}}))["cookies"],
            json!([["k", "v"]])
        );
    }

    #[test]
    fn content_type_is_inferred() {
        let request =
            check(json!({"headers": {"Content-Type": "application/json; charset=utf-8"}}));
        assert_eq!(request["inferred_content_type"], "application/json");
    }

    #[test]
    fn security_reports_get_the_request_user_agent() {
        assert_eq!(
            check_with(json!({}), Some("UA/1")),
            json!({"headers": [["User-Agent", "UA/1"]]})
        );
        let kept = check_with(json!({"headers": {"User-Agent": "mine"}}), Some("UA/1"));
        assert_eq!(kept["headers"], json!([["User-Agent", "mine"]]));
        let mut event = Map::new();
        normalize(&mut event, Some("UA/1"), &mut ProcessingErrors::default());
        assert_eq!(event["request"]["headers"], json!([["User-Agent", "UA/1"]]));
    }

    #[test]
    fn malformed_parts_are_dropped() {
        let mut event =
            Map::from_iter([("request".to_owned(), json!({"headers": "x", "env": [1]}))]);
        let mut errors = ProcessingErrors::default();
        normalize(&mut event, None, &mut errors);
        assert_eq!(event["request"], json!({}));
        assert_eq!(errors.len(), 2);
        let mut event = Map::from_iter([("request".to_owned(), json!("x"))]);
        normalize(&mut event, None, &mut errors);
        assert!(event.is_empty());
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%2Fb+c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
