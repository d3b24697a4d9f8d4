//! Contexts (ingest-protocol.md §7.5, §8.2, §12 point 13): every context gets a `type`, the
//! trace context's ids are validated, and the display fields Sentry derives tags from
//! (`browser.browser`, `os.os`, `runtime.runtime`) are filled in, as Relay does.

use super::ProcessingErrors;
use crate::event::{Invalid, hex_id};
use serde_json::{Map, Value};

/// Normalizes `contexts` in place (its object shape was checked by `fields`).
pub(super) fn normalize(event: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    let Some(Value::Object(contexts)) = event.get_mut("contexts") else {
        return;
    };
    contexts.retain(|key, context| match context {
        Value::Object(_) => true,
        Value::Null => false,
        _ => {
            errors.invalid(format!("contexts.{key}"), Invalid("an object"), None);
            false
        }
    });
    for (key, context) in contexts.iter_mut() {
        let Value::Object(context) = context else {
            continue;
        };
        if !context.get("type").is_some_and(Value::is_string) {
            context.insert("type".to_owned(), Value::String(key.clone()));
        }
        match context.get("type").and_then(Value::as_str) {
            Some("trace") => normalize_trace(context, key, errors),
            Some("os") => normalize_os(context),
            Some("browser") => fill_display(context, "browser"),
            Some("runtime") => fill_display(context, "runtime"),
            _ => {}
        }
    }
    if contexts.is_empty() {
        event.remove("contexts");
    }
}

/// Validates `trace_id` (32 hex) and `span_id` / `parent_span_id` (16 hex), removing invalid
/// ones with a note, and defaults `status` to `unknown` as Relay does.
fn normalize_trace(trace: &mut Map<String, Value>, key: &str, errors: &mut ProcessingErrors) {
    for (field, len) in [("trace_id", 32), ("span_id", 16), ("parent_span_id", 16)] {
        let Some(value) = trace.get(field) else {
            continue;
        };
        // SDKs almost always send canonical ids: those are kept without a copy.
        if value.as_str().is_some_and(|id| is_canonical_hex(id, len)) {
            continue;
        }
        match value.as_str().and_then(|id| hex_id(id, len)) {
            Some(id) => {
                trace.insert(field.to_owned(), Value::String(id));
            }
            None => {
                if !value.is_null() {
                    errors.invalid(
                        format!("contexts.{key}.{field}"),
                        Invalid("a hex id"),
                        Some(value),
                    );
                }
                trace.remove(field);
            }
        }
    }
    if !trace.get("status").is_some_and(Value::is_string) {
        trace.insert("status".to_owned(), Value::String("unknown".to_owned()));
    }
}

fn is_canonical_hex(id: &str, len: usize) -> bool {
    id.len() == len
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && id.bytes().any(|b| b != b'0')
}

/// Sets `field` to `"{name} {version}"` (or the name alone) when it is missing: the value the
/// `browser`, `os` and `runtime` tags show.
pub(crate) fn fill_display(context: &mut Map<String, Value>, field: &str) {
    if context.get(field).is_some_and(Value::is_string) {
        return;
    }
    let name = context
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    let version = context
        .get("version")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty());
    let display = match (name, version) {
        (Some(name), Some(version)) => format!("{name} {version}"),
        (Some(name), None) => name.to_owned(),
        _ => return,
    };
    context.insert(field.to_owned(), Value::String(display));
}

/// Parses `raw_description` into `name` / `version` (/ `build`, `kernel_version`) when both
/// are missing, for the common shapes .NET, Unity and Unreal send.
fn normalize_os(os: &mut Map<String, Value>) {
    let has_name = os.get("name").is_some_and(Value::is_string);
    let has_version = os.get("version").is_some_and(Value::is_string);
    if !has_name
        && !has_version
        && let Some(raw) = os.get("raw_description").and_then(Value::as_str)
        && let Some(parsed) = parse_os_description(raw)
    {
        for (field, value) in [
            ("name", Some(parsed.name)),
            ("version", parsed.version),
            ("build", parsed.build),
            ("kernel_version", parsed.kernel_version),
        ] {
            if let Some(value) = value
                && os.get(field).is_none_or(Value::is_null)
            {
                os.insert(field.to_owned(), Value::String(value));
            }
        }
    }
    fill_display(os, "os");
}

#[derive(Debug, PartialEq)]
struct OsDescription {
    name: String,
    version: Option<String>,
    build: Option<String>,
    kernel_version: Option<String>,
}

fn is_version(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.as_bytes()[0].is_ascii_digit()
}

fn parse_os_description(raw: &str) -> Option<OsDescription> {
    let raw = raw.trim();
    let words: Vec<&str> = raw.split_whitespace().collect();
    // "Microsoft Windows 10.0.19045", "Microsoft Windows NT 10.0.19045.0", "Windows 10 (10.0.19045)".
    if let Some(at) = words.iter().position(|w| *w == "Windows") {
        let version = words[at + 1..]
            .iter()
            .map(|w| w.trim_matches(|c| c == '(' || c == ')'))
            .find(|w| is_version(w) && w.split('.').count() >= 3)?;
        let build = version.split('.').nth(2)?;
        let marketing = match build.parse::<u32>().ok()? {
            2600..=3790 => "XP",
            6002 => "Vista",
            7601 => "7",
            9200 => "8",
            9600 => "8.1",
            10240..=19045 => "10",
            22000..=29999 => "11",
            _ => version,
        };
        return Some(OsDescription {
            name: "Windows".to_owned(),
            version: Some(marketing.to_owned()),
            build: Some(build.to_owned()),
            kernel_version: None,
        });
    }
    match words.as_slice() {
        // "Mac OS X 14.1.0 (23B74)" (Unreal on macOS).
        ["Mac", "OS", "X", version, rest @ ..] if is_version(version) => Some(OsDescription {
            name: "macOS".to_owned(),
            version: Some((*version).to_owned()),
            build: rest
                .first()
                .map(|b| b.trim_matches(|c| c == '(' || c == ')').to_owned()),
            kernel_version: None,
        }),
        // "iOS 17.1", "iPadOS 17.1", "Android 14", a marketing "Name 1.2".
        [name, version] if is_version(version) && name.bytes().all(|b| b.is_ascii_alphabetic()) => {
            let kernel = matches!(*name, "Darwin" | "Linux");
            Some(OsDescription {
                name: (*name).to_owned(),
                version: (!kernel).then(|| (*version).to_owned()),
                build: None,
                kernel_version: kernel.then(|| (*version).to_owned()),
            })
        }
        // "Linux 6.1.0-13-amd64 #1 SMP ..." / "Darwin 23.1.0 Darwin Kernel ..." (uname).
        [name @ ("Linux" | "Darwin"), kernel, ..] => Some(OsDescription {
            name: (*name).to_owned(),
            version: None,
            build: None,
            kernel_version: Some(kernel.split('-').next().unwrap_or(kernel).to_owned()),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(contexts: Value) -> (Value, usize) {
        let mut event = Map::from_iter([("contexts".to_owned(), contexts)]);
        let mut errors = ProcessingErrors::default();
        normalize(&mut event, &mut errors);
        (
            event.remove("contexts").unwrap_or(Value::Null),
            errors.len(),
        )
    }

    #[test]
    fn contexts_get_their_key_as_type() {
        let (contexts, _) =
            check(json!({"os": {"name": "Linux"}, "cart": {"id": 1}, "gpu0": {"type": "gpu"}}));
        assert_eq!(contexts["os"]["type"], "os");
        assert_eq!(contexts["cart"], json!({"id": 1, "type": "cart"}));
        assert_eq!(contexts["gpu0"]["type"], "gpu");
    }

    #[test]
    fn non_object_contexts_are_dropped_and_nulls_ignored() {
        let (contexts, errors) = check(json!({"a": 1, "b": null, "c": {}}));
        assert_eq!((contexts, errors), (json!({"c": {"type": "c"}}), 1));
        assert_eq!(check(json!({"a": null})).0, Value::Null);
    }

    #[test]
    fn trace_ids_are_validated_and_lowercased() {
        let (contexts, errors) = check(json!({"trace": {
            "trace_id": "0A8A5743D810400BA01984432AAE27B1", "span_id": "87ab514c794cfd84",
            "parent_span_id": null, "op": "http.server",
        }}));
        assert_eq!(
            contexts["trace"],
            json!({
                "trace_id": "0a8a5743d810400ba01984432aae27b1", "span_id": "87ab514c794cfd84",
                "op": "http.server", "type": "trace", "status": "unknown",
            })
        );
        assert_eq!(errors, 0);
        let (contexts, errors) =
            check(json!({"trace": {"trace_id": "abc", "span_id": "0000000000000000"}}));
        assert_eq!(
            contexts["trace"],
            json!({"type": "trace", "status": "unknown"})
        );
        assert_eq!(errors, 2);
    }

    #[test]
    fn display_fields_are_filled() {
        let (contexts, _) = check(json!({
            "browser": {"name": "Chrome", "version": "120.0.0"},
            "runtime": {"name": "CPython", "version": "3.11.7"},
            "os": {"name": "Linux"},
            "client_os": {"type": "os", "name": "Windows", "version": ">=10", "os": "kept"},
        }));
        assert_eq!(contexts["browser"]["browser"], "Chrome 120.0.0");
        assert_eq!(contexts["runtime"]["runtime"], "CPython 3.11.7");
        assert_eq!(contexts["os"]["os"], "Linux");
        assert_eq!(contexts["client_os"]["os"], "kept");
    }

    fn os(raw: &str) -> Value {
        check(json!({"os": {"raw_description": raw}})).0["os"].clone()
    }

    #[test]
    fn os_descriptions_are_parsed() {
        assert_eq!(
            os("Microsoft Windows 10.0.19045"),
            json!({
                "raw_description": "Microsoft Windows 10.0.19045", "type": "os",
                "name": "Windows", "version": "10", "build": "19045", "os": "Windows 10",
            })
        );
        assert_eq!(os("Microsoft Windows NT 10.0.22631.0")["version"], "11");
        assert_eq!(os("Darwin 23.1.0")["kernel_version"], "23.1.0");
        assert_eq!(os("Mac OS X 14.1.0 (23B74)")["build"], "23B74");
        assert_eq!(os("iOS 17.1")["os"], "iOS 17.1");
        assert_eq!(os("Linux 6.1.0-13-amd64 #1 SMP")["kernel_version"], "6.1.0");
        assert_eq!(os("something odd")["name"], Value::Null);
    }
}
