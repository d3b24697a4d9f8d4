//! Top-level attributes (ingest-protocol.md §7.2, §12 points 6 and 8): legacy key aliases,
//! server-only keys, `platform` and `level` defaults, `release` / `environment` / `dist`
//! validation, `logger`, `transaction`, `culprit`, `fingerprint` and the free-form objects.

use super::ProcessingErrors;
use crate::event::{Invalid, into_lenient_string, lenient_str, truncate_chars};
use crate::limits::{
    CULPRIT_CHARS_MAX, DIST_CHARS_MAX, ENVIRONMENT_CHARS_MAX, LOGGER_CHARS_MAX, RELEASE_CHARS_MAX,
};
use crate::process::EventItemKind;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Legacy interface names Relay still accepts, and the key each stands for. The canonical key
/// wins when both are sent.
const LEGACY_ALIASES: [(&str, &str); 12] = [
    ("sentry.interfaces.Message", "logentry"),
    ("sentry.interfaces.User", "user"),
    ("sentry.interfaces.Http", "request"),
    ("sentry.interfaces.Contexts", "contexts"),
    ("sentry.interfaces.Breadcrumbs", "breadcrumbs"),
    ("sentry.interfaces.Exception", "exception"),
    ("sentry.interfaces.Stacktrace", "stacktrace"),
    ("sentry.interfaces.Template", "template"),
    ("sentry.interfaces.Csp", "csp"),
    ("sentry.interfaces.Hpkp", "hpkp"),
    ("sentry.interfaces.ExpectCT", "expectct"),
    ("sentry.interfaces.ExpectStaple", "expectstaple"),
];

/// Keys only the server sets; a client's values are meaningless and would be mistaken for
/// ours (a forged `hashes` or `title`), so they are dropped before anything else runs.
const SERVER_KEYS: [&str; 11] = [
    "received",
    "project",
    "key_id",
    "grouping_config",
    "ingest_path",
    "_metrics",
    "_meta",
    "hashes",
    "metadata",
    "title",
    "location",
];

/// Objects kept as sent when they are objects, and dropped with a note otherwise.
const OBJECT_KEYS: [&str; 6] = [
    "extra",
    "modules",
    "sdk",
    "debug_meta",
    "transaction_info",
    "contexts",
];

/// Renames legacy interface keys and removes server-only keys.
pub(super) fn prepare(event: &mut Map<String, Value>) {
    for key in SERVER_KEYS {
        event.remove(key);
    }
    // One pass over the keys spares a dozen hash lookups on the events (all of today's) that
    // use no legacy name.
    if !event
        .keys()
        .any(|key| key.starts_with("sentry.interfaces."))
    {
        return;
    }
    for (alias, canonical) in LEGACY_ALIASES {
        if let Some(value) = event.remove(alias)
            && event.get(canonical).is_none_or(Value::is_null)
        {
            event.insert(canonical.to_owned(), value);
        }
    }
}

/// Normalizes the top-level scalar attributes and the shape of the free-form objects.
pub(super) fn normalize(
    event: &mut Map<String, Value>,
    kind: EventItemKind,
    errors: &mut ProcessingErrors,
) {
    for key in OBJECT_KEYS {
        match event.get(key) {
            None | Some(Value::Object(_)) => {}
            Some(Value::Null) => {
                event.remove(key);
            }
            Some(other) => {
                errors.invalid(key, Invalid("an object"), Some(other));
                event.remove(key);
            }
        }
    }
    platform(event, errors);
    level(event, kind, errors);
    validated(event, "release", errors, valid_release);
    validated(event, "environment", errors, valid_environment);
    validated(event, "dist", errors, valid_dist);
    logger(event, errors);
    if let Some(culprit) = string(event, "culprit", errors) {
        let cut = truncate_chars(&culprit, CULPRIT_CHARS_MAX).into_owned();
        event.insert("culprit".to_owned(), Value::String(cut));
    }
    if let Some(name) = string(event, "transaction", errors) {
        event.insert("transaction".to_owned(), Value::String(name));
    }
    fingerprint(event, errors);
}

/// Takes the lenient string at `key`, dropping it with a note when it is another shape, and
/// dropping it silently when `null`.
fn string(
    event: &mut Map<String, Value>,
    key: &str,
    errors: &mut ProcessingErrors,
) -> Option<String> {
    match event.remove(key)? {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => {
            let text = lenient_str(&other).map(Cow::into_owned);
            if text.is_none() {
                errors.invalid(key, Invalid("a string"), Some(&other));
            }
            text
        }
    }
}

fn platform(event: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    let platform = match event.remove("platform") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if valid_platform(&name) => Some(name),
        Some(other) => {
            errors.invalid("platform", Invalid("a platform name"), Some(&other));
            None
        }
    };
    let platform = platform.unwrap_or_else(|| "other".to_owned());
    event.insert("platform".to_owned(), Value::String(platform));
}

/// Accepts any short lowercase identifier: new SDK platforms appear faster than any list
/// could follow, and an unknown one only loses platform-specific display, not data.
fn valid_platform(name: &str) -> bool {
    const PLATFORM_CHARS_MAX: usize = 64;
    !name.is_empty()
        && name.len() <= PLATFORM_CHARS_MAX
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// Returns the canonical level for a level name, alias or Python numeric level.
pub(super) fn parse_level(value: &Value) -> Option<&'static str> {
    const NAMES: [(&str, &str); 8] = [
        ("debug", "debug"),
        ("info", "info"),
        ("log", "info"),
        ("warning", "warning"),
        ("warn", "warning"),
        ("error", "error"),
        ("fatal", "fatal"),
        ("critical", "fatal"),
    ];
    match value {
        Value::String(name) => {
            let name = name.trim();
            NAMES
                .iter()
                .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
                .map(|(_, level)| *level)
        }
        Value::Number(number) => match number.as_u64()? {
            10 => Some("debug"),
            20 => Some("info"),
            30 => Some("warning"),
            40 => Some("error"),
            50 => Some("fatal"),
            _ => None,
        },
        _ => None,
    }
}

/// Sets `level` of `object` to its canonical name, or to `default` when absent or invalid;
/// returns the invalid value sent. A canonical level is left untouched, so the common case
/// allocates nothing.
pub(super) fn set_level(
    object: &mut Map<String, Value>,
    default: &'static str,
) -> Result<(), Value> {
    let Some(slot) = object.get_mut("level") else {
        object.insert("level".to_owned(), Value::String(default.to_owned()));
        return Ok(());
    };
    let level = parse_level(slot);
    if let (Some(level), Value::String(sent)) = (level, &*slot)
        && sent == level
    {
        return Ok(());
    }
    let sent = std::mem::replace(slot, Value::String(level.unwrap_or(default).to_owned()));
    match (level, sent) {
        (None, rejected) if !rejected.is_null() => Err(rejected),
        _ => Ok(()),
    }
}

fn level(event: &mut Map<String, Value>, kind: EventItemKind, errors: &mut ProcessingErrors) {
    let default = match kind {
        EventItemKind::Transaction => "info",
        _ => "error",
    };
    if let Err(rejected) = set_level(event, default) {
        errors.invalid("level", Invalid("a level"), Some(&rejected));
    }
}

/// Trims the lenient string at `key`; removes it when empty, and with a note when `valid`
/// rejects it.
fn validated(
    event: &mut Map<String, Value>,
    key: &str,
    errors: &mut ProcessingErrors,
    valid: fn(&str) -> Result<(), Invalid>,
) {
    let Some(text) = string(event, key, errors) else {
        return;
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return;
    }
    match valid(trimmed) {
        Ok(()) => {
            let value = if trimmed.len() == text.len() {
                text
            } else {
                trimmed.to_owned()
            };
            event.insert(key.to_owned(), Value::String(value));
        }
        Err(reason) => errors.invalid(key, reason, Some(&Value::String(text))),
    }
}

/// Sentry's release rules: no line breaks, tabs or slashes, not `.`, `..` or `latest`.
pub(super) fn valid_release(release: &str) -> Result<(), Invalid> {
    const REASON: Invalid = Invalid("a valid release name");
    let bad_char = release.contains(['\n', '\r', '\t', '\x0c', '/', '\\']);
    let reserved = matches!(release, "." | "..") || release.eq_ignore_ascii_case("latest");
    if bad_char || reserved || release.chars().count() > RELEASE_CHARS_MAX {
        return Err(REASON);
    }
    Ok(())
}

/// Sentry's environment rules: at most 64 characters, no line breaks or slashes.
pub(super) fn valid_environment(environment: &str) -> Result<(), Invalid> {
    if environment.contains(['\n', '\r', '\x0c', '/'])
        || environment.chars().count() > ENVIRONMENT_CHARS_MAX
    {
        return Err(Invalid("a valid environment name"));
    }
    Ok(())
}

/// Sentry's dist rules: at most 64 characters of `a-zA-Z0-9_.-`.
fn valid_dist(dist: &str) -> Result<(), Invalid> {
    let allowed = dist
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !allowed || dist.len() > DIST_CHARS_MAX {
        return Err(Invalid("a valid dist"));
    }
    Ok(())
}

/// Keeps a logger name of at most 64 characters. A longer one keeps its end (the most
/// specific part), starting at a dot where possible, marked with a leading `*` as Relay does.
fn logger(event: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    let Some(name) = string(event, "logger", errors) else {
        return;
    };
    let name = name.trim();
    if name.is_empty() {
        return;
    }
    if name.contains(['\n', '\r']) {
        errors.invalid("logger", Invalid("a logger name without line breaks"), None);
        return;
    }
    let count = name.chars().count();
    let kept = if count <= LOGGER_CHARS_MAX {
        name.to_owned()
    } else {
        let skip = count - (LOGGER_CHARS_MAX - 1);
        let start = name.char_indices().nth(skip).map_or(name.len(), |(i, _)| i);
        let tail = &name[start..];
        let tail = match tail.find('.') {
            Some(dot) if dot + 1 < tail.len() => &tail[dot + 1..],
            _ => tail,
        };
        format!("*{tail}")
    };
    event.insert("logger".to_owned(), Value::String(kept));
}

fn fingerprint(event: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    let Some(value) = event.remove("fingerprint") else {
        return;
    };
    let parts = match value {
        Value::Null => return,
        Value::Array(parts) => parts
            .into_iter()
            .map(into_lenient_string)
            .collect::<Option<Vec<_>>>(),
        _ => None,
    };
    match parts {
        Some(parts) if !parts.is_empty() => {
            event.insert(
                "fingerprint".to_owned(),
                parts.into_iter().map(Value::String).collect(),
            );
        }
        Some(_) => {}
        None => errors.invalid("fingerprint", Invalid("a list of strings"), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Runs `prepare` and `normalize` on `payload`; returns the event and the noted names.
    fn check(payload: Value, kind: EventItemKind) -> (Value, Vec<String>) {
        let Value::Object(mut event) = payload else {
            panic!("object")
        };
        let mut errors = ProcessingErrors::default();
        prepare(&mut event);
        normalize(&mut event, kind, &mut errors);
        errors.write_into(&mut event);
        let names = event
            .remove("errors")
            .and_then(|e| e.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e["name"].as_str().map(str::to_owned))
            .collect();
        (Value::Object(event), names)
    }

    fn check_event(payload: Value) -> (Value, Vec<String>) {
        check(payload, EventItemKind::Event)
    }

    #[test]
    fn missing_platform_and_level_get_defaults() {
        let (event, errors) = check_event(json!({}));
        assert_eq!(event, json!({"platform": "other", "level": "error"}));
        assert!(errors.is_empty());
        let (event, _) = check(json!({}), EventItemKind::Transaction);
        assert_eq!(event["level"], "info");
    }

    #[test]
    fn levels_accept_aliases_and_python_numbers() {
        for (input, expected) in [
            (json!("log"), "info"),
            (json!("critical"), "fatal"),
            (json!("warn"), "warning"),
            (json!("WARNING"), "warning"),
            (json!(10), "debug"),
            (json!(20), "info"),
            (json!(30), "warning"),
            (json!(40), "error"),
            (json!(50), "fatal"),
        ] {
            let (event, errors) = check_event(json!({"level": input}));
            assert_eq!(event["level"], expected, "input: {input}");
            assert!(errors.is_empty());
        }
        let (event, errors) = check_event(json!({"level": "loud"}));
        assert_eq!(
            (event["level"].as_str(), errors),
            (Some("error"), vec!["level".to_owned()])
        );
    }

    #[test]
    fn platform_must_be_an_identifier() {
        assert_eq!(
            check_event(json!({"platform": "python"})).0["platform"],
            "python"
        );
        let (event, errors) = check_event(json!({"platform": "Not A Platform"}));
        assert_eq!(
            (event["platform"].as_str(), errors),
            (Some("other"), vec!["platform".to_owned()])
        );
    }

    #[test]
    fn releases_are_trimmed_stringified_and_validated() {
        assert_eq!(
            check_event(json!({"release": " app@1.0 "})).0["release"],
            "app@1.0"
        );
        assert_eq!(check_event(json!({"release": 42})).0["release"], "42");
        for bad in ["a/b", "a\\b", "a\nb", "a\tb", ".", "..", "latest", "Latest"] {
            let (event, errors) = check_event(json!({"release": bad}));
            assert!(event.get("release").is_none(), "release {bad:?} kept");
            assert_eq!(errors, ["release"]);
        }
        let (event, errors) = check_event(json!({"release": " "}));
        assert!(event.get("release").is_none() && errors.is_empty());
    }

    #[test]
    fn release_length_limit() {
        let at_limit = "r".repeat(RELEASE_CHARS_MAX);
        assert_eq!(
            check_event(json!({"release": at_limit})).0["release"],
            json!(at_limit)
        );
        let over = "r".repeat(RELEASE_CHARS_MAX + 1);
        assert_eq!(check_event(json!({"release": over})).1, ["release"]);
    }

    #[test]
    fn environments_are_validated() {
        assert_eq!(
            check_event(json!({"environment": "prod"})).0["environment"],
            "prod"
        );
        assert_eq!(
            check_event(json!({"environment": "a/b"})).1,
            ["environment"]
        );
        let at_limit = "e".repeat(ENVIRONMENT_CHARS_MAX);
        assert_eq!(
            check_event(json!({"environment": at_limit})).0["environment"],
            json!(at_limit)
        );
        let over = "e".repeat(ENVIRONMENT_CHARS_MAX + 1);
        assert_eq!(check_event(json!({"environment": over})).1, ["environment"]);
        assert!(
            check_event(json!({"environment": ""}))
                .0
                .get("environment")
                .is_none()
        );
    }

    #[test]
    fn dists_are_trimmed_and_validated() {
        assert_eq!(check_event(json!({"dist": " 42 "})).0["dist"], "42");
        assert_eq!(check_event(json!({"dist": "a b"})).1, ["dist"]);
        let at_limit = "d".repeat(DIST_CHARS_MAX);
        assert_eq!(
            check_event(json!({"dist": at_limit})).0["dist"],
            json!(at_limit)
        );
        let over = "d".repeat(DIST_CHARS_MAX + 1);
        assert_eq!(check_event(json!({"dist": over})).1, ["dist"]);
    }

    #[test]
    fn long_loggers_keep_their_end() {
        let at_limit = "l".repeat(LOGGER_CHARS_MAX);
        assert_eq!(
            check_event(json!({"logger": at_limit})).0["logger"],
            json!(at_limit)
        );
        let long = format!("{}.module.name", "package".repeat(10));
        let (event, _) = check_event(json!({"logger": long}));
        let kept = event["logger"].as_str().expect("logger");
        assert_eq!(
            kept, "*module.name",
            "cut after the first dot of the kept end"
        );
        assert!(kept.chars().count() <= LOGGER_CHARS_MAX);
        assert_eq!(check_event(json!({"logger": "a\nb"})).1, ["logger"]);
    }

    #[test]
    fn culprit_is_cut_at_its_limit() {
        let at_limit = "c".repeat(CULPRIT_CHARS_MAX);
        assert_eq!(
            check_event(json!({"culprit": at_limit})).0["culprit"],
            json!(at_limit)
        );
        let over = "c".repeat(CULPRIT_CHARS_MAX + 1);
        let cut = check_event(json!({"culprit": over})).0["culprit"]
            .as_str()
            .map(|c| c.chars().count());
        assert_eq!(cut, Some(CULPRIT_CHARS_MAX));
    }

    #[test]
    fn fingerprints_stringify_scalars() {
        let (event, _) = check_event(json!({"fingerprint": ["{{ default }}", 1, true]}));
        assert_eq!(event["fingerprint"], json!(["{{ default }}", "1", "True"]));
        assert_eq!(check_event(json!({"fingerprint": [{}]})).1, ["fingerprint"]);
        assert!(
            check_event(json!({"fingerprint": []}))
                .0
                .get("fingerprint")
                .is_none()
        );
    }

    #[test]
    fn legacy_aliases_are_renamed_and_canonical_keys_win() {
        let (event, _) = check_event(json!({
            "sentry.interfaces.User": {"id": "1"},
            "sentry.interfaces.Http": {"url": "old"}, "request": {"url": "new"},
        }));
        assert_eq!(event["user"], json!({"id": "1"}));
        assert_eq!(event["request"], json!({"url": "new"}));
        assert!(event.get("sentry.interfaces.Http").is_none());
    }

    #[test]
    fn server_keys_from_clients_are_dropped_and_unknown_keys_kept() {
        let (event, _) =
            check_event(json!({"hashes": ["x"], "title": "forged", "_meta": {}, "my_key": 1}));
        assert_eq!(
            event,
            json!({"my_key": 1, "platform": "other", "level": "error"})
        );
    }

    #[test]
    fn non_object_bags_are_dropped_with_a_note() {
        let (event, errors) =
            check_event(json!({"extra": [1], "modules": {"a": "1"}, "sdk": null}));
        assert!(event.get("extra").is_none() && event.get("sdk").is_none());
        assert_eq!(event["modules"], json!({"a": "1"}));
        assert_eq!(errors, ["extra"]);
    }
}
