//! Whole-pipeline cases: the ingest checklist (ingest-protocol.md §13 points 36-46) at the
//! function level, and real sentry-python events from the bench workload.

use super::*;
use crate::event::timestamp;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

const WORKLOAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/bench/workload/envelopes"
);
const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/// 2026-05-01T10:00:00Z.
fn received() -> DateTime<Utc> {
    DateTime::from_timestamp(1_777_629_600, 0).expect("valid")
}

fn meta() -> RequestMeta {
    RequestMeta {
        received_at: received(),
        sent_at: None,
        envelope_event_id: Some("0123456789abcdef0123456789abcdef".to_owned()),
        client_ip: "198.51.100.7".parse().ok(),
        user_agent: None,
    }
}

fn run_with(payload: Value, kind: EventItemKind, meta: &RequestMeta) -> ProcessedEvent {
    process(payload, kind, &ProjectConfig::default(), meta).expect("processed")
}

fn run(payload: Value) -> ProcessedEvent {
    run_with(payload, EventItemKind::Event, &meta())
}

fn error_types(event: &ProcessedEvent) -> Vec<&str> {
    event.payload["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default()
}

fn tag<'a>(event: &'a ProcessedEvent, key: &str) -> Option<&'a str> {
    event
        .tags
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// §13.36
#[test]
fn every_timestamp_form_is_stored_as_the_same_instant() {
    let forms = [
        json!(1777629600),
        json!(1777629600.25),
        json!("2026-05-01T10:00:00Z"),
        json!("2026-05-01T10:00:00.250000+00:00"),
        json!("2026-05-01T10:00:00"),
    ];
    let expected = [0, 250_000, 0, 250_000, 0];
    for (form, micros) in forms.into_iter().zip(expected) {
        let event = run(json!({"message": "t", "timestamp": form}));
        let instant = received() + Duration::microseconds(micros);
        assert_eq!(event.timestamp, instant, "form: {form}");
        assert_eq!(timestamp(&event.payload["timestamp"]), Ok(Some(instant)));
    }
}

/// §13.37
#[test]
fn tags_and_values_containers_accept_every_shape() {
    let exception = json!({"type": "ValueError", "value": "bad"});
    let crumb = json!({"message": "m"});
    let thread = json!({"id": 1});
    let shapes = [
        (
            json!({"a": "1"}),
            json!({"values": [exception]}),
            json!({"values": [crumb]}),
            json!({"values": [thread]}),
        ),
        (
            json!([["a", "1"]]),
            json!([exception]),
            json!([crumb]),
            json!([thread]),
        ),
        (
            json!([["a", "1"]]),
            exception.clone(),
            crumb.clone(),
            thread.clone(),
        ),
    ];
    for (tags, exceptions, crumbs, threads) in shapes {
        let event = run(
            json!({"tags": tags, "exception": exceptions, "breadcrumbs": crumbs, "threads": threads}),
        );
        assert_eq!(tag(&event, "a"), Some("1"));
        assert_eq!(event.title, "ValueError: bad");
        assert_eq!(event.payload["breadcrumbs"]["values"][0]["message"], "m");
        assert_eq!(event.payload["threads"]["values"][0]["id"], 1);
        assert_eq!(event.event_type, "error");
    }
}

/// §13.38
#[test]
fn messages_become_logentry_formatted() {
    let event = run(json!({"message": "hi"}));
    assert_eq!(event.payload["logentry"]["formatted"], "hi");
    assert_eq!(
        (event.title.as_str(), event.event_type.as_str()),
        ("hi", "default")
    );
    let event = run(json!({"logentry": {"message": "hello %s", "params": ["bob"]}}));
    assert_eq!(event.payload["logentry"]["formatted"], "hello bob");
    assert_eq!(event.title, "hello bob");
}

/// §13.39
#[test]
fn platform_and_level_defaults() {
    let event = run(json!({"message": "x"}));
    assert_eq!(
        (event.platform.as_str(), event.level.as_str()),
        ("other", "error")
    );
    assert_eq!(
        (
            event.payload["platform"].as_str(),
            event.payload["level"].as_str()
        ),
        (Some("other"), Some("error"))
    );
    let transaction = run_with(transaction_payload(), EventItemKind::Transaction, &meta());
    assert_eq!(transaction.level, "info");
}

/// §13.40
#[test]
fn auto_ip_is_the_client_ip_and_never_keeps_none() {
    let event = run(json!({"user": {"ip_address": "{{auto}}"}}));
    assert_eq!(event.payload["user"]["ip_address"], "198.51.100.7");
    assert_eq!(event.user_ident.as_deref(), Some("ip:198.51.100.7"));
    let event = run(
        json!({"user": {"ip_address": "{{auto}}"}, "platform": "javascript",
        "sdk": {"name": "sentry.javascript.browser", "settings": {"infer_ip": "never"}}}),
    );
    assert!(event.payload.get("user").is_none());
    assert_eq!(event.user_ident, None);
}

/// §13.41
#[test]
fn desktop_chrome_user_agent_gives_browser_and_os_contexts() {
    let request = json!({"headers": {"User-Agent": CHROME_WINDOWS}});
    let python = run(json!({"platform": "python", "request": request}));
    assert_eq!(python.payload["contexts"]["browser"]["name"], "Chrome");
    assert_eq!(python.payload["contexts"]["client_os"]["name"], "Windows");
    assert!(python.payload["contexts"].get("os").is_none());
    assert_eq!(tag(&python, "browser"), Some("Chrome 120.0.0"));
    assert_eq!(tag(&python, "browser.name"), Some("Chrome"));
    assert_eq!(tag(&python, "client_os.name"), Some("Windows"));
    let javascript = run(json!({"platform": "javascript", "request": request}));
    assert_eq!(javascript.payload["contexts"]["os"]["name"], "Windows");
    assert_eq!(tag(&javascript, "os"), Some("Windows >=10"));
    assert_eq!(tag(&javascript, "os.name"), Some("Windows"));
}

/// §13.42
#[test]
fn two_hour_clock_drift_is_corrected_and_five_minutes_is_not() {
    let sent = received() - Duration::hours(2);
    let drifted = RequestMeta {
        sent_at: Some(sent),
        ..meta()
    };
    let event = run_with(
        json!({"message": "x", "timestamp": sent.timestamp()}),
        EventItemKind::Event,
        &drifted,
    );
    assert_eq!(event.timestamp, received());
    assert_eq!(error_types(&event), ["clock_drift"]);
    let near = received() - Duration::minutes(5);
    let latency = RequestMeta {
        sent_at: Some(near),
        ..meta()
    };
    let event = run_with(
        json!({"message": "x", "timestamp": near.timestamp()}),
        EventItemKind::Event,
        &latency,
    );
    assert_eq!(event.timestamp, near);
    assert!(error_types(&event).is_empty());
}

/// §13.43
#[test]
fn forty_day_old_event_is_stored_at_received_with_an_error() {
    let old = received() - Duration::days(40);
    let event = run(json!({"message": "x", "timestamp": old.timestamp()}));
    assert_eq!(
        (event.timestamp, event.received_at),
        (received(), received())
    );
    assert_eq!(error_types(&event), ["past_timestamp"]);
}

fn transaction_payload() -> Value {
    json!({
        "type": "transaction", "transaction": "GET /orders", "start_timestamp": 1777629599.5, "timestamp": 1777629600,
        "contexts": {"trace": {"trace_id": "0a8a5743d810400ba01984432aae27b1", "span_id": "87ab514c794cfd84", "op": "http.server"}},
        "spans": [{"span_id": "9fad25cf38fa9233", "start_timestamp": 1777629599.6, "timestamp": 1777629599.9, "op": "db"}],
    })
}

/// §13.44
#[test]
fn transactions_without_start_or_trace_id_are_invalid() {
    let config = ProjectConfig::default();
    let mut no_start = transaction_payload();
    no_start
        .as_object_mut()
        .map(|t| t.remove("start_timestamp"));
    let mut no_trace_id = transaction_payload();
    no_trace_id["contexts"]["trace"]
        .as_object_mut()
        .map(|t| t.remove("trace_id"));
    for payload in [no_start, no_trace_id] {
        let result = process(payload, EventItemKind::Transaction, &config, &meta());
        assert!(
            matches!(result, Err(ProcessError::InvalidTransaction(_))),
            "{result:?}"
        );
    }
    let valid = run_with(transaction_payload(), EventItemKind::Transaction, &meta());
    assert_eq!(valid.event_type, "transaction");
    assert_eq!(
        (valid.title.as_str(), valid.culprit.as_str()),
        ("GET /orders", "GET /orders")
    );
    assert_eq!(
        valid.trace_id.as_deref(),
        Some("0a8a5743d810400ba01984432aae27b1")
    );
    assert_eq!(valid.transaction.as_deref(), Some("GET /orders"));
}

/// §13.45
#[test]
fn null_optional_fields_are_accepted() {
    let event = run(json!({
        "exception": {"values": [{"type": "E", "value": "v", "module": null, "mechanism": null,
            "stacktrace": {"frames": [{"function": "f", "module": null, "lineno": null, "vars": null}]}}]},
        "contexts": {"trace": {"trace_id": "0a8a5743d810400ba01984432aae27b1", "span_id": "87ab514c794cfd84",
            "parent_span_id": null}},
        "release": null, "environment": null, "user": null, "request": null, "tags": null, "breadcrumbs": null,
        "logentry": null, "timestamp": null, "platform": null, "level": null, "sdk": null, "extra": null,
    }));
    assert!(
        error_types(&event).is_empty(),
        "{:?}",
        event.payload["errors"]
    );
    assert_eq!(event.title, "E: v");
}

/// §13.46
#[test]
fn unknown_top_level_keys_are_kept() {
    let event = run(json!({"message": "x", "brand_new_field": {"nested": [1, 2]}, "another": 3}));
    assert_eq!(event.payload["brand_new_field"], json!({"nested": [1, 2]}));
    assert_eq!(event.payload["another"], 3);
    assert!(error_types(&event).is_empty());
}

#[test]
fn non_objects_are_rejected() {
    let result = process(
        json!([1]),
        EventItemKind::Event,
        &ProjectConfig::default(),
        &meta(),
    );
    assert_eq!(result.err(), Some(ProcessError::NotAnObject));
    assert_eq!(
        ProcessError::NotAnObject.to_string(),
        "event payload is not a json object"
    );
}

#[test]
fn payload_describes_itself() {
    let event = run(json!({"exception": [{"type": "E", "value": "v"}], "tags": {"a": "b"}}));
    let payload = &event.payload;
    assert_eq!(payload["event_id"], "0123456789abcdef0123456789abcdef");
    assert_eq!(payload["type"], "error");
    assert_eq!(payload["title"], "E: v");
    assert_eq!(payload["metadata"], event.metadata);
    assert_eq!(
        payload["grouping_config"]["id"],
        event.grouping.config.as_str()
    );
    assert_eq!(payload["hashes"], json!(event.grouping.hashes));
    assert_eq!(payload["received"], json!(1777629600.0));
    assert_eq!(payload["tags"], json!([["a", "b"], ["level", "error"]]));
    assert_eq!(
        event.tags,
        [
            ("a".to_owned(), "b".to_owned()),
            ("level".to_owned(), "error".to_owned())
        ]
    );
}

/// Reads a bench workload envelope: its header and its event payload (the third line).
fn workload(name: &str) -> (Value, Value) {
    let path = format!("{WORKLOAD}/{name}.envelope");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut lines = text.lines();
    let header = serde_json::from_str(lines.next().expect("header line")).expect("header json");
    let payload = serde_json::from_str(lines.nth(1).expect("payload line")).expect("payload json");
    (header, payload)
}

/// Processes a workload event as the server would: envelope `event_id` and `sent_at`, and a
/// receive time 50 ms after it was sent.
fn run_workload(name: &str) -> ProcessedEvent {
    let (header, payload) = workload(name);
    let sent_at = timestamp(&header["sent_at"])
        .ok()
        .flatten()
        .expect("sent_at");
    let meta = RequestMeta {
        received_at: sent_at + Duration::milliseconds(50),
        sent_at: Some(sent_at),
        envelope_event_id: header["event_id"].as_str().map(str::to_owned),
        client_ip: "203.0.113.9".parse().ok(),
        user_agent: None,
    };
    run_with(payload, EventItemKind::Event, &meta)
}

/// The processed columns and the derived parts of the payload, for snapshots.
fn summary(event: &ProcessedEvent) -> Value {
    let payload = &event.payload;
    json!({
        "event_id": event.event_id, "event_type": event.event_type, "timestamp": event.timestamp.to_rfc3339(),
        "level": event.level, "platform": event.platform, "environment": event.environment,
        "release": event.release, "transaction": event.transaction, "trace_id": event.trace_id,
        "title": event.title, "culprit": event.culprit, "metadata": event.metadata, "tags": event.tags,
        "user_ident": event.user_ident,
        "payload": {
            "contexts": payload["contexts"], "user": payload["user"], "request": payload["request"],
            "logentry": payload["logentry"], "errors": payload["errors"], "timestamp": payload["timestamp"],
            "received": payload["received"],
        },
    })
}

#[test]
fn python_wsgi_error_from_an_iphone() {
    let event = run_workload("0000");
    assert_eq!(event.title, "KeyError: 'SKU-2004'");
    assert_eq!(event.culprit, "generic WSGI request");
    assert_eq!(tag(&event, "device"), Some("iPhone"));
    assert_eq!(tag(&event, "handled"), Some("no"));
    insta::assert_json_snapshot!("python_wsgi_error_from_an_iphone", summary(&event));
}

#[test]
fn python_chained_exceptions() {
    let event = run_workload("0007");
    assert_eq!(event.metadata["type"], "GatewayError");
    insta::assert_json_snapshot!("python_chained_exceptions", summary(&event));
}

#[test]
fn python_captured_message() {
    let event = run_workload("0008");
    assert_eq!(event.title, "Partner feed stark returned 35 malformed rows");
    assert_eq!(event.event_type, "default");
    insta::assert_json_snapshot!("python_captured_message", event.payload);
}

#[test]
fn python_logging_error_with_logentry() {
    let event = run_workload("0022");
    assert_eq!(
        event.payload["logentry"]["formatted"],
        "job partner-sync-stark failed"
    );
    assert_eq!(tag(&event, "logger"), Some("shop.tasks"));
    assert_eq!(tag(&event, "mechanism"), Some("logging"));
}

#[test]
fn every_workload_event_processes_without_notes() {
    let entries = std::fs::read_dir(WORKLOAD).expect("workload directory");
    let mut count = 0;
    for entry in entries {
        let path = entry.expect("entry").path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let event = run_workload(name);
        assert!(
            error_types(&event).is_empty(),
            "{name}: {:?}",
            event.payload["errors"]
        );
        assert!(
            !event.title.is_empty() && !event.title.starts_with('<'),
            "{name}: {}",
            event.title
        );
        assert!(
            event.tags.windows(2).all(|pair| pair[0].0 != pair[1].0),
            "{name}: duplicate tag keys"
        );
        count += 1;
    }
    assert!(count > 0, "no workload envelopes found in {WORKLOAD}");
}
