//! The structured interfaces (ingest-protocol.md §7.6-7.8, §12 points 10-11): exceptions,
//! stack traces, threads and breadcrumbs in their `{"values": [...]}` form, and
//! `measurements`, which only transactions keep.

use super::ProcessingErrors;
use super::fields::set_level;
use crate::event::{Invalid, into_lenient_string, values_list};
use serde_json::{Map, Value};
use std::fmt;

/// A dotted path into the event, formatted only when a note is written.
#[derive(Clone, Copy)]
enum Path<'a> {
    Top(&'a str),
    Entry(&'a str, usize),
    Child(&'a Path<'a>, &'a str),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Top(key) => f.write_str(key),
            Path::Entry(key, index) => write!(f, "{key}.values.{index}"),
            Path::Child(parent, key) => write!(f, "{parent}.{key}"),
        }
    }
}

/// Normalizes `exception`, the top-level `stacktrace`, `threads` and `breadcrumbs`.
pub(super) fn normalize(event: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    values(event, "exception", errors, normalize_exception);
    values(event, "threads", errors, normalize_thread);
    values(event, "breadcrumbs", errors, normalize_breadcrumb);
    if let Some(stacktrace) = event.get_mut("stacktrace")
        && !normalize_stacktrace(stacktrace, Path::Top("stacktrace"), errors)
    {
        event.remove("stacktrace");
    }
    move_lone_stacktrace(event);
}

/// Removes `measurements` (and breakdowns) from an event that is not a transaction.
pub(super) fn drop_transaction_only(event: &mut Map<String, Value>) {
    event.remove("measurements");
    event.remove("breakdowns");
}

/// Rewrites the "values" container at `key` as `{"values": [...]}`, keeping the entries for
/// which `entry` returns true. An empty container is removed.
fn values(
    event: &mut Map<String, Value>,
    key: &str,
    errors: &mut ProcessingErrors,
    entry: fn(&mut Map<String, Value>, Path<'_>, &mut ProcessingErrors) -> bool,
) {
    let Some(container) = event.remove(key) else {
        return;
    };
    let items = match values_list(container) {
        Ok(items) => items,
        Err(reason) => {
            errors.invalid(key, reason, None);
            return;
        }
    };
    let mut kept = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::Object(mut object) => {
                if entry(&mut object, Path::Entry(key, i), errors) {
                    kept.push(Value::Object(object));
                }
            }
            Value::Null => {}
            _ => errors.invalid(Path::Entry(key, i).to_string(), Invalid("an object"), None),
        }
    }
    if !kept.is_empty() {
        let container = Map::from_iter([("values".to_owned(), Value::Array(kept))]);
        event.insert(key.to_owned(), Value::Object(container));
    }
}

/// Normalizes one exception; returns false (dropping it) when it has neither type nor value.
fn normalize_exception(
    exception: &mut Map<String, Value>,
    path: Path<'_>,
    errors: &mut ProcessingErrors,
) -> bool {
    // Rewritten in place (not removed and re-inserted) so the keys keep the order sent.
    let ty = match exception.get("type") {
        None | Some(Value::Null) => None,
        Some(Value::String(ty)) => Some(ty.clone()),
        Some(other) => into_lenient_string(other.clone()),
    }
    .filter(|ty| !ty.is_empty());
    let value = match exception.get("value") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        // Relay stringifies non-string values as JSON (a dict raised as an exception value).
        Some(other) => Some(other.to_string()),
    }
    .filter(|value| !value.is_empty());
    let (ty, value) = match (ty, value) {
        (None, None) => {
            errors.invalid(
                path.to_string(),
                Invalid("an exception type or value"),
                None,
            );
            return false;
        }
        (None, Some(value)) => match split_type_prefix(&value) {
            Some((ty, rest)) => (Some(ty.to_owned()), Some(rest.to_owned())),
            None => (None, Some(value)),
        },
        other => other,
    };
    for (key, text) in [("type", ty), ("value", value)] {
        match (text, exception.get_mut(key)) {
            (Some(text), Some(slot)) => *slot = Value::String(text),
            (Some(text), None) => {
                exception.insert(key.to_owned(), Value::String(text));
            }
            (None, _) => {
                exception.remove(key);
            }
        }
    }
    for key in ["stacktrace", "raw_stacktrace"] {
        if let Some(stacktrace) = exception.get_mut(key)
            && !normalize_stacktrace(stacktrace, Path::Child(&path, key), errors)
        {
            exception.remove(key);
        }
    }
    normalize_mechanism(exception, path, errors);
    true
}

/// Splits `"ValueError: bad input"` into type and value, as Relay does for exceptions sent
/// with only a value: a word of `[A-Za-z0-9_]`, a colon, and a single-line rest.
fn split_type_prefix(value: &str) -> Option<(&str, &str)> {
    let (ty, rest) = value.split_once(':')?;
    let is_word = !ty.is_empty() && ty.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (is_word && !rest.contains('\n')).then(|| (ty, rest.trim()))
}

/// Gives a mechanism without `type` the type `generic` (the legacy shape), and drops a
/// mechanism that is not an object.
fn normalize_mechanism(
    exception: &mut Map<String, Value>,
    path: Path<'_>,
    errors: &mut ProcessingErrors,
) {
    match exception.get_mut("mechanism") {
        None => {}
        Some(Value::Object(mechanism)) => {
            if !mechanism.get("type").is_some_and(Value::is_string) {
                mechanism.insert("type".to_owned(), Value::String("generic".to_owned()));
            }
            if mechanism
                .get("handled")
                .is_some_and(|handled| !handled.is_boolean())
            {
                errors.invalid(
                    format!("{path}.mechanism.handled"),
                    Invalid("a boolean"),
                    mechanism.get("handled"),
                );
                mechanism.remove("handled");
            }
        }
        Some(Value::Null) => {
            exception.remove("mechanism");
        }
        Some(_) => {
            errors.invalid(format!("{path}.mechanism"), Invalid("an object"), None);
            exception.remove("mechanism");
        }
    }
}

/// Normalizes a stack trace in place; returns false when it should be removed (not an object,
/// or no frames).
fn normalize_stacktrace(
    stacktrace: &mut Value,
    path: Path<'_>,
    errors: &mut ProcessingErrors,
) -> bool {
    let Value::Object(object) = stacktrace else {
        if !stacktrace.is_null() {
            errors.invalid(path.to_string(), Invalid("an object"), None);
        }
        return false;
    };
    let Some(Value::Array(frames)) = object.get_mut("frames") else {
        errors.invalid(format!("{path}.frames"), Invalid("a list of frames"), None);
        return false;
    };
    frames.retain(Value::is_object);
    for frame in frames.iter_mut() {
        if let Value::Object(frame) = frame {
            normalize_frame(frame);
        }
    }
    if frames.is_empty() {
        errors.invalid(
            format!("{path}.frames"),
            Invalid("a non-empty list of frames"),
            None,
        );
        return false;
    }
    true
}

fn normalize_frame(frame: &mut Map<String, Value>) {
    // A list of vars (some SDKs send positional arguments) becomes an index-keyed object.
    if let Some(Value::Array(list)) = frame.get_mut("vars") {
        let object: Map<String, Value> = std::mem::take(list)
            .into_iter()
            .enumerate()
            .map(|(i, value)| (i.to_string(), value))
            .collect();
        frame.insert("vars".to_owned(), Value::Object(object));
    }
    if frame
        .get("in_app")
        .is_some_and(|in_app| !in_app.is_boolean())
    {
        frame.remove("in_app");
    }
}

fn normalize_thread(
    thread: &mut Map<String, Value>,
    path: Path<'_>,
    errors: &mut ProcessingErrors,
) -> bool {
    for key in ["stacktrace", "raw_stacktrace"] {
        if let Some(stacktrace) = thread.get_mut(key)
            && !normalize_stacktrace(stacktrace, Path::Child(&path, key), errors)
        {
            thread.remove(key);
        }
    }
    true
}

/// Fills a breadcrumb's `type` (`default`) and `level` (`info`). Its timestamp is rewritten
/// with the event's other timestamps.
fn normalize_breadcrumb(
    crumb: &mut Map<String, Value>,
    _path: Path<'_>,
    _errors: &mut ProcessingErrors,
) -> bool {
    if !crumb.get("type").is_some_and(Value::is_string) {
        crumb.insert("type".to_owned(), Value::String("default".to_owned()));
    }
    // An invalid breadcrumb level is not worth a note: the crumb is still shown, as `info`.
    let _ = set_level(crumb, "info");
    true
}

/// Moves a top-level `stacktrace` into the only exception when that exception has none, as
/// Relay does for SDKs that send the trace beside the exception.
fn move_lone_stacktrace(event: &mut Map<String, Value>) {
    if !event.contains_key("stacktrace") {
        return;
    }
    let Some(Value::Array(exceptions)) = event.get("exception").and_then(|e| e.get("values"))
    else {
        return;
    };
    if exceptions.len() != 1 || exceptions[0].get("stacktrace").is_some() {
        return;
    }
    if let Some(stacktrace) = event.remove("stacktrace")
        && let Some(Value::Object(exception)) = event
            .get_mut("exception")
            .and_then(|e| e.get_mut("values"))
            .and_then(|values| values.get_mut(0))
    {
        exception.insert("stacktrace".to_owned(), stacktrace);
    }
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

    fn frames() -> Value {
        json!({"frames": [{"function": "f", "module": null}]})
    }

    #[test]
    fn exceptions_in_every_container_shape_become_values() {
        let one = json!({"type": "E", "value": "v"});
        for shape in [json!({"values": [one]}), json!([one]), one.clone()] {
            let (event, errors) = check(json!({"exception": shape}));
            assert_eq!(event["exception"], json!({"values": [one]}));
            assert_eq!(errors, 0);
        }
    }

    #[test]
    fn breadcrumbs_and_threads_in_every_container_shape_become_values() {
        let crumb = json!({"message": "m", "type": "http", "level": "warning"});
        let thread = json!({"id": 1, "stacktrace": frames()});
        for (crumbs, threads) in [
            (json!({"values": [crumb]}), json!({"values": [thread]})),
            (json!([crumb]), json!([thread])),
            (crumb.clone(), thread.clone()),
        ] {
            let (event, _) = check(json!({"breadcrumbs": crumbs, "threads": threads}));
            assert_eq!(event["breadcrumbs"], json!({"values": [crumb]}));
            assert_eq!(event["threads"], json!({"values": [thread]}));
        }
    }

    #[test]
    fn empty_containers_are_removed() {
        let (event, errors) =
            check(json!({"exception": {}, "breadcrumbs": {"values": []}, "threads": null}));
        assert_eq!((event, errors), (json!({}), 0));
    }

    #[test]
    fn exceptions_without_type_or_value_are_dropped_with_a_note() {
        let (event, errors) = check(json!({"exception": [{"module": "m"}, {"type": "E"}, 3]}));
        assert_eq!(event["exception"], json!({"values": [{"type": "E"}]}));
        assert_eq!(errors, 2);
    }

    #[test]
    fn exception_values_are_stringified_and_type_prefixes_split() {
        let (event, _) = check(
            json!({"exception": [{"type": "E", "value": {"a": 1}}, {"value": "KeyError: 'x'"}]}),
        );
        assert_eq!(event["exception"]["values"][0]["value"], "{\"a\":1}");
        assert_eq!(
            event["exception"]["values"][1],
            json!({"type": "KeyError", "value": "'x'"})
        );
        let (event, _) = check(json!({"exception": [{"value": "not a: type prefix"}]}));
        assert_eq!(
            event["exception"]["values"][0],
            json!({"value": "not a: type prefix"})
        );
    }

    #[test]
    fn mechanisms_get_a_type_and_lose_bad_fields() {
        let (event, errors) = check(
            json!({"exception": [{"type": "E", "mechanism": {"handled": "no", "meta": {}}}]}),
        );
        assert_eq!(
            event["exception"]["values"][0]["mechanism"],
            json!({"meta": {}, "type": "generic"})
        );
        assert_eq!(errors, 1);
    }

    #[test]
    fn stack_traces_need_frames() {
        let (event, errors) =
            check(json!({"exception": [{"type": "E", "stacktrace": {"frames": []}}]}));
        assert_eq!(event["exception"]["values"][0], json!({"type": "E"}));
        assert_eq!(errors, 1);
        let (event, _) = check(
            json!({"exception": [{"type": "E", "stacktrace": {"frames": [1, {"function": "f"}]}}]}),
        );
        assert_eq!(
            event["exception"]["values"][0]["stacktrace"],
            json!({"frames": [{"function": "f"}]})
        );
    }

    #[test]
    fn frame_var_lists_become_objects_and_bad_in_app_is_dropped() {
        let stacktrace = json!({"frames": [{"vars": ["a", 2], "in_app": "yes"}]});
        let (event, _) = check(json!({"stacktrace": stacktrace}));
        assert_eq!(
            event["stacktrace"]["frames"][0],
            json!({"vars": {"0": "a", "1": 2}})
        );
    }

    #[test]
    fn null_fields_are_accepted() {
        let (event, errors) = check(
            json!({"exception": {"values": [{"type": "E", "value": null, "module": null,
            "mechanism": null, "stacktrace": frames()}]}}),
        );
        assert_eq!(errors, 0);
        assert_eq!(event["exception"]["values"][0]["stacktrace"], frames());
    }

    #[test]
    fn lone_stacktrace_moves_into_the_single_exception() {
        let (event, _) = check(json!({"exception": [{"type": "E"}], "stacktrace": frames()}));
        assert_eq!(
            event,
            json!({"exception": {"values": [{"type": "E", "stacktrace": frames()}]}})
        );
    }

    #[test]
    fn stacktrace_stays_when_it_cannot_be_attached() {
        let two = json!({"exception": [{"type": "A"}, {"type": "B"}], "stacktrace": frames()});
        assert_eq!(check(two).0["stacktrace"], frames());
        assert_eq!(
            check(json!({"stacktrace": frames()})).0["stacktrace"],
            frames()
        );
    }

    #[test]
    fn breadcrumbs_get_type_and_level_defaults() {
        let (event, _) = check(
            json!({"breadcrumbs": [{"message": "m", "level": "critical"}, {"level": "bogus"}]}),
        );
        assert_eq!(
            event["breadcrumbs"]["values"],
            json!([
                {"message": "m", "level": "fatal", "type": "default"},
                {"level": "info", "type": "default"},
            ])
        );
    }
}
