//! Fields Sentry derives when it saves an event, which its UI and search rely on: `title`,
//! `culprit`, issue `metadata`, the tag list and the user identity.
//!
//! They follow Sentry's event manager: the title of an error is `Type: value` of its main
//! exception (the one raised, last in the list), the culprit the transaction name or else the
//! crash frame (`module in function`), and the tags the event's own plus those derived from
//! its attributes, contexts and exception mechanism. Runs on a normalized event.

mod tags;

pub use tags::derive_tags;

use crate::event::{str_field, truncate_chars};
use crate::limits::{
    CULPRIT_CHARS_MAX, METADATA_TYPE_CHARS_MAX, METADATA_VALUE_CHARS_MAX, TITLE_VALUE_CHARS_MAX,
};
use crate::process::group::GroupingResult;
use crate::process::normalize::{EventType, values};
use serde_json::{Map, Value};

/// What derivation adds to an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub title: String,
    pub culprit: String,
    /// Issue metadata, e.g. `{"type": "KeyError", "value": "'x'", "filename": "app.py",
    /// "function": "view", "in_app_frame_mix": "in-app-only"}` or `{"title": "a message"}`.
    pub metadata: Map<String, Value>,
    /// Tags as Sentry stores them: unique keys, sorted by Sentry's internal key.
    pub tags: Vec<(String, String)>,
    /// The `user` tag value (`id:42`, `username:..`, `email:..`, `ip:..`), if any.
    pub user_ident: Option<String>,
}

/// Function names Sentry does not accept as a crash location.
const UNUSABLE_FUNCTIONS: [&str; 2] = ["<redacted>", "<unknown>"];

/// Derives title, culprit, metadata and tags of a normalized event.
pub fn derive(
    event: &Map<String, Value>,
    event_type: EventType,
    grouping: &GroupingResult,
) -> Derived {
    let mut metadata = match event_type {
        EventType::Error => error_metadata(event, grouping.main_exception_id),
        EventType::Transaction => transaction_metadata(event),
        ty if ty.is_security() => security_metadata(event, ty),
        _ => default_metadata(event),
    };
    if let Some(title) = &grouping.title {
        metadata.insert("title".to_owned(), Value::String(title.clone()));
    }
    let title = match metadata.get("title").and_then(Value::as_str) {
        Some(title) => title.to_owned(),
        None if event_type == EventType::Error => error_title(&metadata),
        None if event_type.is_security() => str_field(&metadata, "message")
            .unwrap_or("<untitled>")
            .to_owned(),
        None => "<untitled>".to_owned(),
    };
    let (tags, user_ident) = derive_tags(event);
    Derived {
        title,
        culprit: culprit(event),
        metadata,
        tags,
        user_ident,
    }
}

/// Returns the exception titles and metadata come from: the one whose `mechanism.exception_id`
/// is the main exception id (grouping's, else the event's), else the last (the one raised).
fn main_exception(
    event: &Map<String, Value>,
    grouping_main_id: Option<i64>,
) -> Option<&Map<String, Value>> {
    let exceptions = values(event, "exception");
    let main_id = grouping_main_id.map(Value::from).or_else(|| {
        event
            .get("main_exception_id")
            .filter(|id| !id.is_null())
            .cloned()
    });
    main_id
        .as_ref()
        .and_then(|id| {
            exceptions
                .iter()
                .find(|e| e.get("mechanism").and_then(|m| m.get("exception_id")) == Some(id))
        })
        .or_else(|| exceptions.last())
        .and_then(Value::as_object)
}

fn error_metadata(
    event: &Map<String, Value>,
    main_exception_id: Option<i64>,
) -> Map<String, Value> {
    let mut metadata = Map::new();
    let Some(exception) = main_exception(event, main_exception_id) else {
        return metadata;
    };
    let value = exception
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let value = truncate_chars(value, METADATA_VALUE_CHARS_MAX);
    metadata.insert("value".to_owned(), Value::String(value.into_owned()));
    // Synthetic exceptions (a crash signal, a generic "Error" wrapper) name nothing useful.
    let synthetic = exception
        .get("mechanism")
        .and_then(|m| m.get("synthetic"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !synthetic {
        let ty = exception
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("Error");
        metadata.insert(
            "type".to_owned(),
            Value::String(truncate_chars(ty, METADATA_TYPE_CHARS_MAX).into_owned()),
        );
    }
    if let Some(frame) = crash_frame(event) {
        let filename = str_field(frame, "filename").or_else(|| str_field(frame, "abs_path"));
        if let Some(filename) = filename {
            metadata.insert("filename".to_owned(), Value::String(filename.to_owned()));
        }
        if let Some(function) = str_field(frame, "function") {
            metadata.insert("function".to_owned(), Value::String(function.to_owned()));
        }
    }
    if let Some(mix) = in_app_frame_mix(event) {
        metadata.insert("in_app_frame_mix".to_owned(), Value::String(mix.to_owned()));
    }
    metadata
}

/// `Type: first line of value`, `Type` alone without a value, else the crash function.
fn error_title(metadata: &Map<String, Value>) -> String {
    let value = str_field(metadata, "value")
        .map(first_line)
        .filter(|line| !line.is_empty());
    match (str_field(metadata, "type"), value) {
        (Some(ty), Some(value)) => {
            format!("{ty}: {}", truncate_chars(value, TITLE_VALUE_CHARS_MAX))
        }
        (Some(ty), None) => ty.to_owned(),
        (None, _) => str_field(metadata, "function")
            .unwrap_or("<unknown>")
            .to_owned(),
    }
}

fn first_line(text: &str) -> &str {
    text.split(['\n', '\r']).next().unwrap_or_default()
}

fn default_metadata(event: &Map<String, Value>) -> Map<String, Value> {
    let message = event
        .get("logentry")
        .and_then(Value::as_object)
        .and_then(|entry| str_field(entry, "formatted").or_else(|| str_field(entry, "message")))
        .map(str::trim)
        .filter(|message| !message.is_empty());
    let title = match message {
        Some(message) => truncate_chars(first_line(message), TITLE_VALUE_CHARS_MAX).into_owned(),
        None => "<unlabeled event>".to_owned(),
    };
    Map::from_iter([("title".to_owned(), Value::String(title))])
}

fn transaction_metadata(event: &Map<String, Value>) -> Map<String, Value> {
    let name = str_field(event, "transaction")
        .unwrap_or("<unlabeled transaction>")
        .trim();
    Map::from_iter([
        ("title".to_owned(), Value::String(name.to_owned())),
        ("location".to_owned(), Value::String(name.to_owned())),
    ])
}

/// Sentry's security report metadata: the report's message, and the CSP directive and
/// blocked URI, or the origin of an HPKP / Expect-CT / Expect-Staple report.
fn security_metadata(event: &Map<String, Value>, ty: EventType) -> Map<String, Value> {
    let mut metadata = Map::new();
    let message = event
        .get("logentry")
        .and_then(Value::as_object)
        .and_then(|entry| str_field(entry, "formatted").or_else(|| str_field(entry, "message")))
        .map(str::trim)
        .unwrap_or_default();
    metadata.insert("message".to_owned(), Value::String(message.to_owned()));
    let report = event.get(ty.as_str()).and_then(Value::as_object);
    let field = |key: &str| {
        report
            .and_then(|report| str_field(report, key))
            .map(str::to_owned)
    };
    let fields: &[(&str, Option<String>)] = match ty {
        EventType::Csp => &[
            (
                "directive",
                field("effective_directive").or_else(|| field("violated_directive")),
            ),
            ("uri", field("blocked_uri")),
        ],
        EventType::Hpkp | EventType::ExpectCt | EventType::ExpectStaple => {
            let origin = field("hostname").map(|host| match report.and_then(|r| r.get("port")) {
                Some(port @ Value::Number(_)) => format!("{host}:{port}"),
                _ => host,
            });
            &[("origin", origin)]
        }
        _ => &[],
    };
    for (key, value) in fields {
        if let Some(value) = value {
            metadata.insert((*key).to_owned(), Value::String(value.clone()));
        }
    }
    metadata
}

/// Returns the frame Sentry names as the crash location: in the last exception's stack trace
/// (else the top-level one, else a lone thread's), the last in-app frame with a usable
/// function, else the last frame with one.
fn crash_frame(event: &Map<String, Value>) -> Option<&Map<String, Value>> {
    let frames = crash_frames(event)?;
    let usable = |frame: &&Map<String, Value>| {
        str_field(frame, "function").is_some_and(|function| !UNUSABLE_FUNCTIONS.contains(&function))
    };
    let mut fallback = None;
    for frame in frames
        .iter()
        .rev()
        .filter_map(Value::as_object)
        .filter(usable)
    {
        if frame.get("in_app").and_then(Value::as_bool) == Some(true) {
            return Some(frame);
        }
        fallback = fallback.or(Some(frame));
    }
    fallback
}

fn frames_of(stacktrace: Option<&Value>) -> Option<&Vec<Value>> {
    stacktrace?
        .get("frames")?
        .as_array()
        .filter(|frames| !frames.is_empty())
}

fn crash_frames(event: &Map<String, Value>) -> Option<&Vec<Value>> {
    let exceptions = values(event, "exception");
    frames_of(exceptions.last().and_then(|e| e.get("stacktrace")))
        .or_else(|| frames_of(event.get("stacktrace")))
        .or_else(|| match values(event, "threads") {
            [thread] => frames_of(thread.get("stacktrace")),
            _ => None,
        })
}

/// Classifies all frames of the event as `in-app-only`, `system-only` or `mixed`; frames
/// without `in_app` count as system frames, as Sentry defaults them.
fn in_app_frame_mix(event: &Map<String, Value>) -> Option<&'static str> {
    let exception_traces = values(event, "exception")
        .iter()
        .map(|e| e.get("stacktrace"));
    let thread_traces = values(event, "threads").iter().map(|t| t.get("stacktrace"));
    let traces = exception_traces
        .chain(thread_traces)
        .chain([event.get("stacktrace")]);
    let (mut in_app, mut system) = (false, false);
    for frame in traces.filter_map(frames_of).flatten() {
        if frame.get("in_app").and_then(Value::as_bool) == Some(true) {
            in_app = true;
        } else {
            system = true;
        }
    }
    match (in_app, system) {
        (true, true) => Some("mixed"),
        (true, false) => Some("in-app-only"),
        (false, true) => Some("system-only"),
        (false, false) => None,
    }
}

/// Sentry's culprit: the sent `culprit`, else the transaction name, else the crash frame of
/// the last stack trace (`module in function`), else the request URL.
fn culprit(event: &Map<String, Value>) -> String {
    let culprit = str_field(event, "culprit")
        .or_else(|| str_field(event, "transaction"))
        .map(str::to_owned)
        .or_else(|| frame_culprit(event))
        .filter(|culprit| !culprit.is_empty())
        .or_else(|| {
            let request = event.get("request")?.as_object()?;
            str_field(request, "url").map(str::to_owned)
        })
        .unwrap_or_default();
    truncate_chars(&culprit, CULPRIT_CHARS_MAX).into_owned()
}

fn frame_culprit(event: &Map<String, Value>) -> Option<String> {
    let platform = str_field(event, "platform").unwrap_or("other");
    let exceptions = values(event, "exception");
    let frames = if let Some(last) = exceptions.last() {
        let synthetic = last
            .get("mechanism")
            .and_then(|m| m.get("synthetic"))
            .and_then(Value::as_bool);
        if synthetic == Some(true) {
            return None;
        }
        exceptions
            .iter()
            .rev()
            .find_map(|e| frames_of(e.get("stacktrace")))?
    } else {
        frames_of(event.get("stacktrace"))?
    };
    let mut fallback = None;
    for frame in frames.iter().rev().filter_map(Value::as_object) {
        if frame.get("in_app").and_then(Value::as_bool) == Some(true) {
            let culprit = frame_location(frame, platform);
            if !culprit.is_empty() {
                return Some(culprit);
            }
        } else if fallback.is_none() {
            fallback = Some(frame_location(frame, platform));
        }
    }
    fallback
}

/// Sentry's `get_frame_culprit`: `function` for native frames, `function(file)` for
/// JavaScript, else `module in function` (the file when there is no module).
fn frame_location(frame: &Map<String, Value>, event_platform: &str) -> String {
    let platform = str_field(frame, "platform").unwrap_or(event_platform);
    let function = str_field(frame, "function").unwrap_or("?");
    if matches!(platform, "objc" | "cocoa" | "native") {
        return function.to_owned();
    }
    let Some(location) = str_field(frame, "module").or_else(|| str_field(frame, "filename")) else {
        return String::new();
    };
    if matches!(platform, "javascript" | "node") {
        format!("{function}({location})")
    } else {
        format!("{location} in {function}")
    }
}

#[cfg(test)]
mod tests;
