//! Lenient readers for the event JSON grouping looks at.
//!
//! The event may be normalized already or arrive raw as SDKs send it, so every reader accepts
//! the shapes seen in the wild: `{"values": [..]}` wrappers, bare lists or single objects, tags as
//! objects or pair lists, legacy `sentry.interfaces.*` keys, and `null` meaning absent.

use serde_json::{Map, Value};

/// Returns a top-level interface, also under its legacy `sentry.interfaces.*` alias.
pub fn interface<'a>(event: &'a Value, key: &str, legacy: &str) -> Option<&'a Value> {
    present(event.get(key)).or_else(|| present(event.get(legacy)))
}

/// Returns the value unless it is absent or `null`.
pub fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|value| !value.is_null())
}

/// Returns a non-empty string field.
pub fn str_field<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Returns a boolean field, accepting `true`/`false` only.
pub fn bool_field(object: &Value, key: &str) -> Option<bool> {
    object.get(key).and_then(Value::as_bool)
}

/// Returns an integer field (ids in mechanisms).
pub fn int_field(object: &Value, key: &str) -> Option<i64> {
    let value = object.get(key)?;
    value
        .as_i64()
        .or_else(|| value.as_u64().and_then(|n| i64::try_from(n).ok()))
}

/// Returns the items of a values-wrapped list: `{"values": [..]}`, a bare list, or one object.
pub fn values_list(value: Option<&Value>) -> Vec<&Value> {
    let Some(value) = present(value) else {
        return Vec::new();
    };
    match value {
        Value::Array(items) => items.iter().filter(|item| item.is_object()).collect(),
        Value::Object(object) => match object.get("values") {
            Some(Value::Array(items)) => items.iter().filter(|item| item.is_object()).collect(),
            // `{"values": null}` or a malformed wrapper: nothing to read.
            Some(_) => Vec::new(),
            // A single object without the wrapper, as some SDKs send one exception.
            None => vec![value],
        },
        _ => Vec::new(),
    }
}

/// Returns the event's tags as (key, value) pairs, from an object or a pair list.
pub fn tags(event: &Value) -> Vec<(&str, &str)> {
    match present(event.get("tags")) {
        Some(Value::Object(object)) => object_tags(object),
        Some(Value::Array(items)) => items.iter().filter_map(tag_pair).collect(),
        _ => Vec::new(),
    }
}

fn object_tags(object: &Map<String, Value>) -> Vec<(&str, &str)> {
    object
        .iter()
        .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?)))
        .collect()
}

fn tag_pair(item: &Value) -> Option<(&str, &str)> {
    match item {
        Value::Array(pair) if pair.len() == 2 => Some((pair[0].as_str()?, pair[1].as_str()?)),
        Value::Object(object) => Some((
            object.get("key").and_then(Value::as_str)?,
            object.get("value").and_then(Value::as_str)?,
        )),
        _ => None,
    }
}

/// Returns the text of the event's message interface: `logentry.message` (the template) if
/// present, else `logentry.formatted`; a top-level `message` string counts as formatted.
pub fn message_text(event: &Value) -> Option<&str> {
    let (message, formatted) = logentry_parts(event);
    message.or(formatted)
}

/// Returns the formatted message (for fingerprint matchers and variables): `logentry.formatted`,
/// else `logentry.message`.
pub fn formatted_message(event: &Value) -> Option<&str> {
    let (message, formatted) = logentry_parts(event);
    formatted.or(message)
}

fn logentry_parts(event: &Value) -> (Option<&str>, Option<&str>) {
    if let Some(logentry) = interface(event, "logentry", "sentry.interfaces.Message") {
        if let Some(text) = logentry.as_str() {
            return (None, Some(text).filter(|s| !s.is_empty()));
        }
        let message = str_field(logentry, "message");
        let formatted = str_field(logentry, "formatted");
        if message.is_some() || formatted.is_some() {
            return (message, formatted);
        }
    }
    match present(event.get("message")) {
        Some(Value::String(text)) if !text.is_empty() => (None, Some(text)),
        Some(object @ Value::Object(_)) => {
            (str_field(object, "message"), str_field(object, "formatted"))
        }
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_list_accepts_every_wrapper() {
        assert_eq!(values_list(Some(&json!({"values": [{"a": 1}]}))).len(), 1);
        assert_eq!(values_list(Some(&json!([{"a": 1}, {"b": 2}]))).len(), 2);
        assert_eq!(values_list(Some(&json!({"type": "ValueError"}))).len(), 1);
        assert!(values_list(Some(&json!({"values": null}))).is_empty());
        assert!(values_list(Some(&Value::Null)).is_empty());
        assert!(values_list(None).is_empty());
    }

    #[test]
    fn tags_accept_objects_and_pair_lists() {
        let as_object = json!({"tags": {"transaction": "/a"}});
        let as_pairs = json!({"tags": [["transaction", "/a"], ["bad"]]});
        let as_records = json!({"tags": [{"key": "transaction", "value": "/a"}]});
        for event in [as_object, as_pairs, as_records] {
            assert_eq!(tags(&event), [("transaction", "/a")]);
        }
    }

    #[test]
    fn message_prefers_the_template() {
        let event = json!({"logentry": {"message": "Hello %s", "formatted": "Hello world"}});
        assert_eq!(message_text(&event), Some("Hello %s"));
        assert_eq!(formatted_message(&event), Some("Hello world"));
        let raw = json!({"message": "plain"});
        assert_eq!(message_text(&raw), Some("plain"));
    }
}
