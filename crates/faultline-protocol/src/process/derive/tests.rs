use super::*;
use serde_json::json;

fn grouping(title: Option<&str>) -> GroupingResult {
    let mut result = crate::process::group::group(&json!({"message": "x"}), &Default::default());
    result.title = title.map(str::to_owned);
    result.main_exception_id = None;
    result
}

/// Derives from an already normalized event.
fn check(event_type: EventType, event: Value) -> Derived {
    let Value::Object(event) = event else {
        panic!("object")
    };
    derive(&event, event_type, &grouping(None))
}

fn error(exceptions: Value) -> Derived {
    check(
        EventType::Error,
        json!({"platform": "python", "exception": {"values": exceptions}}),
    )
}

fn frame(module: &str, function: &str, in_app: bool) -> Value {
    json!({"module": module, "filename": format!("{module}.py"), "function": function, "in_app": in_app})
}

#[test]
fn error_title_is_type_and_value_of_the_raised_exception() {
    let derived = error(
        json!([{"type": "KeyError", "value": "cause"}, {"type": "ValueError", "value": "bad\nsecond"}]),
    );
    assert_eq!(derived.title, "ValueError: bad");
    assert_eq!(derived.metadata["type"], "ValueError");
    assert_eq!(derived.metadata["value"], "bad\nsecond");
}

#[test]
fn error_title_without_value_or_type() {
    assert_eq!(
        error(json!([{"type": "StopIteration"}])).title,
        "StopIteration"
    );
    // Sentry names an untyped exception `Error`.
    assert_eq!(error(json!([{"value": "oops"}])).title, "Error: oops");
}

#[test]
fn synthetic_exceptions_are_titled_by_their_function() {
    let derived = error(
        json!([{"type": "SIGSEGV", "value": "x", "mechanism": {"type": "signal", "synthetic": true},
        "stacktrace": {"frames": [frame("app", "crash_here", true)]}}]),
    );
    assert_eq!(derived.title, "crash_here");
    assert!(derived.metadata.get("type").is_none());
    assert_eq!(derived.culprit, "");
}

#[test]
fn main_exception_id_picks_the_titled_exception() {
    let exceptions = json!({"values": [
        {"type": "Inner", "value": "i", "mechanism": {"type": "chained", "exception_id": 1}},
        {"type": "ExceptionGroup", "value": "g", "mechanism": {"type": "generic", "exception_id": 0}},
    ]});
    let derived = check(
        EventType::Error,
        json!({"main_exception_id": 1, "exception": exceptions}),
    );
    assert_eq!(derived.title, "Inner: i");
    let Value::Object(event) = json!({"exception": exceptions}) else {
        panic!()
    };
    let mut from_grouping = grouping(None);
    from_grouping.main_exception_id = Some(1);
    assert_eq!(
        derive(&event, EventType::Error, &from_grouping).title,
        "Inner: i"
    );
    assert_eq!(
        derive(&event, EventType::Error, &grouping(None)).title,
        "ExceptionGroup: g"
    );
}

#[test]
fn long_values_are_cut_in_titles_and_metadata() {
    let value = "v".repeat(TITLE_VALUE_CHARS_MAX + 1);
    let derived = error(json!([{"type": "E", "value": value}]));
    assert_eq!(
        derived.title,
        format!("E: {}...", "v".repeat(TITLE_VALUE_CHARS_MAX - 3))
    );
    let at_limit = "v".repeat(TITLE_VALUE_CHARS_MAX);
    assert_eq!(
        error(json!([{"type": "E", "value": at_limit}])).title,
        format!("E: {at_limit}")
    );
    let ty_at_limit = "T".repeat(METADATA_TYPE_CHARS_MAX);
    assert_eq!(
        error(json!([{"type": ty_at_limit}])).metadata["type"],
        json!(ty_at_limit)
    );
    let ty_over = "T".repeat(METADATA_TYPE_CHARS_MAX + 1);
    let kept = error(json!([{"type": ty_over}])).metadata["type"]
        .as_str()
        .map(|t| t.chars().count());
    assert_eq!(kept, Some(METADATA_TYPE_CHARS_MAX));
    let value_at_limit = "v".repeat(METADATA_VALUE_CHARS_MAX);
    let kept = error(json!([{"type": "E", "value": value_at_limit}])).metadata["value"].clone();
    assert_eq!(kept, json!(value_at_limit));
    let huge = "v".repeat(METADATA_VALUE_CHARS_MAX + 1);
    let kept = error(json!([{"type": "E", "value": huge}])).metadata["value"]
        .as_str()
        .map(|v| v.chars().count());
    assert_eq!(kept, Some(METADATA_VALUE_CHARS_MAX));
}

#[test]
fn crash_frame_is_the_last_in_app_frame() {
    let derived = error(json!([{"type": "E", "stacktrace": {"frames": [
        frame("app.views", "view", true), frame("app.models", "save", true), frame("lib.db", "execute", false),
    ]}}]));
    assert_eq!(derived.metadata["filename"], "app.models.py");
    assert_eq!(derived.metadata["function"], "save");
    assert_eq!(derived.metadata["in_app_frame_mix"], "mixed");
    assert_eq!(derived.culprit, "app.models in save");
}

#[test]
fn without_in_app_frames_the_last_frame_is_used() {
    let derived = error(json!([{"type": "E", "stacktrace": {"frames": [
        frame("lib.a", "first", false), json!({"filename": "b.py", "function": "<unknown>"}), json!({"filename": "c.py"}),
    ]}}]));
    assert_eq!(derived.metadata["function"], "first");
    assert_eq!(derived.metadata["in_app_frame_mix"], "system-only");
    assert_eq!(derived.culprit, "c.py in ?");
}

#[test]
fn culprit_prefers_sent_culprit_then_transaction() {
    let stack = json!({"frames": [frame("app", "f", true)]});
    let event = |extra: Value| {
        let mut event = json!({"platform": "python", "exception": {"values": [{"type": "E", "stacktrace": stack}]}});
        for (key, value) in extra.as_object().expect("object") {
            event[key] = value.clone();
        }
        check(EventType::Error, event).culprit
    };
    assert_eq!(event(json!({})), "app in f");
    assert_eq!(event(json!({"transaction": "/api/orders"})), "/api/orders");
    assert_eq!(
        event(json!({"transaction": "/api/orders", "culprit": "sent"})),
        "sent"
    );
}

#[test]
fn culprit_formats_follow_the_platform() {
    let js = check(
        EventType::Error,
        json!({"platform": "javascript", "exception": {"values": [{"type": "E",
        "stacktrace": {"frames": [{"filename": "app.js", "function": "onClick", "in_app": true}]}}]}}),
    );
    assert_eq!(js.culprit, "onClick(app.js)");
    let native = check(
        EventType::Error,
        json!({"platform": "native", "exception": {"values": [{"type": "E",
        "stacktrace": {"frames": [{"function": "main", "in_app": true}]}}]}}),
    );
    assert_eq!(native.culprit, "main");
}

#[test]
fn culprit_falls_back_to_the_request_url_and_is_cut() {
    let derived = check(
        EventType::Default,
        json!({"request": {"url": "https://x.test/p"}}),
    );
    assert_eq!(derived.culprit, "https://x.test/p");
    let long = "t".repeat(CULPRIT_CHARS_MAX + 1);
    let cut = check(EventType::Default, json!({"transaction": long})).culprit;
    assert_eq!(cut.chars().count(), CULPRIT_CHARS_MAX);
    let at_limit = "t".repeat(CULPRIT_CHARS_MAX);
    assert_eq!(
        check(EventType::Default, json!({"transaction": at_limit})).culprit,
        at_limit
    );
}

#[test]
fn message_titles_use_the_first_line() {
    let derived = check(
        EventType::Default,
        json!({"logentry": {"formatted": "  hello\nworld "}}),
    );
    assert_eq!(derived.title, "hello");
    assert_eq!(Value::Object(derived.metadata), json!({"title": "hello"}));
    let long = "m".repeat(TITLE_VALUE_CHARS_MAX + 1);
    let cut = check(EventType::Default, json!({"logentry": {"formatted": long}})).title;
    assert_eq!(cut.chars().count(), TITLE_VALUE_CHARS_MAX);
    assert!(cut.ends_with("..."));
    assert_eq!(
        check(EventType::Default, json!({})).title,
        "<unlabeled event>"
    );
}

#[test]
fn transactions_are_titled_by_name() {
    let derived = check(
        EventType::Transaction,
        json!({"transaction": "GET /orders"}),
    );
    assert_eq!(
        (derived.title.as_str(), derived.culprit.as_str()),
        ("GET /orders", "GET /orders")
    );
}

#[test]
fn csp_reports_take_metadata_from_the_report() {
    let derived = check(
        EventType::Csp,
        json!({
            "logentry": {"formatted": "Blocked 'script' from 'evil.test'"},
            "csp": {"effective_directive": "script-src", "blocked_uri": "https://evil.test/x.js"},
            "culprit": "script-src 'self'",
        }),
    );
    assert_eq!(derived.title, "Blocked 'script' from 'evil.test'");
    assert_eq!(
        Value::Object(derived.metadata),
        json!({
            "message": "Blocked 'script' from 'evil.test'", "directive": "script-src", "uri": "https://evil.test/x.js",
        })
    );
    assert_eq!(derived.culprit, "script-src 'self'");
}

#[test]
fn fingerprint_rule_titles_override() {
    let Value::Object(event) = json!({"exception": {"values": [{"type": "E", "value": "v"}]}})
    else {
        panic!()
    };
    let derived = derive(&event, EventType::Error, &grouping(Some("Custom")));
    assert_eq!(derived.title, "Custom");
    assert_eq!(derived.metadata["title"], "Custom");
}

fn tags(event: Value) -> Vec<(String, String)> {
    let Value::Object(event) = event else {
        panic!("object")
    };
    derive_tags(&event).0
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn tags_are_derived_and_sorted_as_sentry_stores_them() {
    let derived = tags(json!({
        "level": "error", "environment": "prod", "release": "app@1", "dist": "7", "transaction": "/x",
        "logger": "app.log", "tags": [["zone", "b"], ["server_name", "web-1"], ["level", "sent"]],
        "user": {"id": "42", "email": "a@b.test"},
        "request": {"url": "https://x.test/p"},
        "contexts": {
            "browser": {"type": "browser", "name": "Chrome", "browser": "Chrome 120.0.0"},
            "client_os": {"type": "os", "name": "Windows", "os": "Windows >=10"},
            "runtime": {"type": "runtime", "name": "CPython", "runtime": "CPython 3.11.7"},
            "device": {"type": "device", "family": "iPhone", "model": "iPhone"},
            "trace": {"type": "trace", "trace_id": "x"},
        },
        "exception": {"values": [{"type": "E", "mechanism": {"type": "wsgi", "handled": false}}]},
    }));
    assert_eq!(
        derived,
        pairs(&[
            ("browser", "Chrome 120.0.0"),
            ("browser.name", "Chrome"),
            ("client_os", "Windows >=10"),
            ("client_os.name", "Windows"),
            ("device", "iPhone"),
            ("device.family", "iPhone"),
            ("environment", "prod"),
            ("handled", "no"),
            ("level", "error"),
            ("logger", "app.log"),
            ("mechanism", "wsgi"),
            ("runtime", "CPython 3.11.7"),
            ("runtime.name", "CPython"),
            ("dist", "7"),
            ("release", "app@1"),
            ("user", "id:42"),
            ("server_name", "web-1"),
            ("transaction", "/x"),
            ("url", "https://x.test/p"),
            ("zone", "b"),
        ])
    );
}

#[test]
fn user_identity_prefers_id_then_username_email_and_ip() {
    let ident = |user: Value| {
        let Value::Object(event) = json!({"user": user}) else {
            panic!()
        };
        tags::user_ident(&event)
    };
    assert_eq!(
        ident(json!({"id": "42", "email": "e"})).as_deref(),
        Some("id:42")
    );
    assert_eq!(
        ident(json!({"username": "u", "email": "e"})).as_deref(),
        Some("username:u")
    );
    assert_eq!(
        ident(json!({"email": "e", "ip_address": "1.2.3.4"})).as_deref(),
        Some("email:e")
    );
    assert_eq!(
        ident(json!({"ip_address": "1.2.3.4"})).as_deref(),
        Some("ip:1.2.3.4")
    );
    assert_eq!(ident(json!({"name": "n"})), None);
}

#[test]
fn dist_is_tagged_only_with_a_release_and_url_does_not_replace_a_sent_tag() {
    let derived =
        tags(json!({"dist": "7", "request": {"url": "https://x.test"}, "tags": [["url", "mine"]]}));
    assert_eq!(derived, pairs(&[("url", "mine")]));
}

#[test]
fn context_booleans_become_yes_and_no() {
    let derived =
        tags(json!({"contexts": {"os": {"type": "os", "name": "Android", "rooted": true}}}));
    assert_eq!(
        derived,
        pairs(&[("os.name", "Android"), ("os.rooted", "yes")])
    );
}
