//! Event tags (ingest-protocol.md §7.2, §12 point 9): read from an object or a pair list,
//! deduplicated (first wins), reserved keys dropped, `environment` promoted, `server_name`
//! and `site` moved in, keys and values cut to 200 characters; stored as `[[k, v], ...]`.

use super::ProcessingErrors;
use crate::event::{Invalid, into_lenient_string, pair_list, truncate_chars};
use crate::limits::{TAG_KEY_CHARS_MAX, TAG_VALUE_CHARS_MAX};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Tag keys Sentry sets itself (as `sentry:release` etc.); a client's would be ambiguous.
const RESERVED_KEYS: [&str; 5] = ["release", "dist", "user", "filename", "function"];

/// Top-level attributes that are really tags.
const TAG_ATTRIBUTES: [&str; 2] = ["server_name", "site"];

/// Normalizes `tags` and moves `server_name` / `site` into them.
pub(super) fn normalize(event: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    let mut tags: Vec<(String, String)> = Vec::new();
    if let Some(raw) = event.remove("tags") {
        match pair_list(raw) {
            Ok(list) => {
                if list.invalid > 0 {
                    errors.invalid("tags", Invalid("a list of [key, value] pairs"), None);
                }
                let mut seen = HashSet::with_capacity(list.pairs.len());
                for (i, (key, value)) in list.pairs.into_iter().enumerate() {
                    if let Some((key, value)) = tag(key, value, i, errors)
                        && seen.insert(key.clone())
                    {
                        tags.push((key, value));
                    }
                }
            }
            Err(reason) => errors.invalid("tags", reason, None),
        }
    }
    if let Some(at) = tags.iter().position(|(key, _)| key == "environment") {
        let (_, environment) = tags.remove(at);
        if event.get("environment").is_none_or(Value::is_null) {
            event.insert("environment".to_owned(), Value::String(environment));
        }
    }
    for key in TAG_ATTRIBUTES {
        let Some(value) = event.remove(key) else {
            continue;
        };
        let Some(value) = into_lenient_string(value).filter(|v| !v.is_empty()) else {
            continue;
        };
        let value = truncate_chars(&value, TAG_VALUE_CHARS_MAX).into_owned();
        match tags.iter_mut().find(|(existing, _)| existing == key) {
            Some(slot) => slot.1 = value,
            None => tags.push((key.to_owned(), value)),
        }
    }
    if !tags.is_empty() {
        let pairs = tags
            .into_iter()
            .map(|(key, value)| Value::Array(vec![Value::String(key), Value::String(value)]))
            .collect();
        event.insert("tags".to_owned(), Value::Array(pairs));
    }
}

/// Returns one valid tag, cut to its limits, or `None` (with a note unless it was reserved or
/// `null`).
fn tag(
    key: String,
    value: Value,
    index: usize,
    errors: &mut ProcessingErrors,
) -> Option<(String, String)> {
    if value.is_null() || RESERVED_KEYS.contains(&key.as_str()) {
        return None;
    }
    let key = key.trim();
    if key.is_empty() || key.contains(['\n', '\r']) {
        errors.invalid(
            format!("tags.{index}.0"),
            Invalid("a non-empty tag key on one line"),
            None,
        );
        return None;
    }
    let value = match into_lenient_string(value) {
        Some(value) if !value.trim().is_empty() => value,
        _ => {
            errors.invalid(
                format!("tags.{index}.1"),
                Invalid("a non-empty value"),
                None,
            );
            return None;
        }
    };
    let key = truncate_chars(key, TAG_KEY_CHARS_MAX).into_owned();
    let value = match truncate_chars(&value, TAG_VALUE_CHARS_MAX) {
        std::borrow::Cow::Borrowed(_) => value,
        std::borrow::Cow::Owned(cut) => cut,
    };
    Some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(payload: Value) -> (Value, usize) {
        let Value::Object(mut event) = payload else {
            panic!("object")
        };
        let mut errors = ProcessingErrors::default();
        normalize(&mut event, &mut errors);
        (Value::Object(event), errors.len())
    }

    #[test]
    fn tags_as_object_and_as_pairs_are_the_same() {
        let (a, _) = check(json!({"tags": {"a": "1"}}));
        let (b, _) = check(json!({"tags": [["a", "1"]]}));
        assert_eq!(a, json!({"tags": [["a", "1"]]}));
        assert_eq!(a, b);
    }

    #[test]
    fn duplicates_keep_the_first_and_values_are_stringified() {
        let (event, _) = check(json!({"tags": [["a", "1"], ["a", "2"], ["n", 5], ["b", true]]}));
        assert_eq!(
            event["tags"],
            json!([["a", "1"], ["n", "5"], ["b", "True"]])
        );
    }

    #[test]
    fn reserved_keys_are_dropped() {
        let (event, errors) = check(
            json!({"tags": {"release": "x", "dist": "x", "user": "x", "filename": "x",
            "function": "x", "kept": "y"}}),
        );
        assert_eq!((event["tags"].clone(), errors), (json!([["kept", "y"]]), 0));
    }

    #[test]
    fn environment_tag_becomes_the_environment_when_unset() {
        let (event, _) = check(json!({"tags": {"environment": "staging", "a": "b"}}));
        assert_eq!(
            event,
            json!({"environment": "staging", "tags": [["a", "b"]]})
        );
        let (event, _) = check(json!({"environment": "prod", "tags": {"environment": "staging"}}));
        assert_eq!(event, json!({"environment": "prod"}));
    }

    #[test]
    fn server_name_and_site_move_into_tags() {
        let (event, _) =
            check(json!({"server_name": "web-1", "site": "eu", "tags": {"site": "old"}}));
        assert_eq!(
            event,
            json!({"tags": [["site", "eu"], ["server_name", "web-1"]]})
        );
    }

    #[test]
    fn empty_and_malformed_tags_are_dropped_with_notes() {
        let (event, errors) = check(
            json!({"tags": [["", "v"], ["k", ""], ["k2", {}], ["bad"], ["ok", "1"], ["n", null]]}),
        );
        assert_eq!(event["tags"], json!([["ok", "1"]]));
        assert_eq!(errors, 4);
        let (event, errors) = check(json!({"tags": "a:b"}));
        assert_eq!((event, errors), (json!({}), 1));
    }

    #[test]
    fn tag_keys_and_values_are_cut_at_their_limits() {
        let key_max = "k".repeat(TAG_KEY_CHARS_MAX);
        let value_max = "v".repeat(TAG_VALUE_CHARS_MAX);
        let (event, _) = check(json!({"tags": [[key_max, value_max]]}));
        assert_eq!(event["tags"], json!([[key_max, value_max]]));
        let (event, _) = check(
            json!({"tags": [["k".repeat(TAG_KEY_CHARS_MAX + 1), "v".repeat(TAG_VALUE_CHARS_MAX + 1)]]}),
        );
        let [key, value] = [&event["tags"][0][0], &event["tags"][0][1]]
            .map(|s| s.as_str().map(|s| s.chars().count()));
        assert_eq!(
            (key, value),
            (Some(TAG_KEY_CHARS_MAX), Some(TAG_VALUE_CHARS_MAX))
        );
        assert!(
            event["tags"][0][1]
                .as_str()
                .is_some_and(|v| v.ends_with("..."))
        );
    }
}
