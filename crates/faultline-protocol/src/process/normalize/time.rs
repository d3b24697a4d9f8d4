//! Identity and time (ingest-protocol.md §12 points 1-5): `event_id`, `received`, clock-drift
//! correction from `sent_at`, and resetting timestamps too far in the future or past.
//!
//! Every timestamp of the event moves together: the event's `timestamp` and
//! `start_timestamp`, its breadcrumbs and its spans, so durations and ordering survive a shift.

use super::ProcessingErrors;
use crate::event::{Invalid, timestamp, timestamp_rfc3339, timestamp_value, uuid_simple};
use crate::limits::{CLOCK_DRIFT_SECS_MIN, TIMESTAMP_FUTURE_SECS_MAX, TIMESTAMP_PAST_SECS_MAX};
use crate::process::{EventItemKind, ProcessError, RequestMeta};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

/// Sets `event_id`: the envelope header's wins, then the payload's, else a fresh UUID v4.
/// Returns it as 32 lowercase hex characters.
pub(super) fn event_id(
    event: &mut Map<String, Value>,
    meta: &RequestMeta,
    errors: &mut ProcessingErrors,
) -> String {
    let from_payload = match event.get("event_id") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let parsed = value.as_str().and_then(uuid_simple);
            if parsed.is_none() {
                errors.invalid("event_id", Invalid("a uuid"), Some(value));
            }
            parsed
        }
    };
    let id = meta
        .envelope_event_id
        .as_deref()
        .and_then(uuid_simple)
        .or(from_payload)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    event.insert("event_id".to_owned(), Value::String(id.clone()));
    id
}

/// Normalizes every timestamp of the event and sets `received`. Returns the event timestamp
/// after correction.
///
/// Transactions without a valid `start_timestamp` and `timestamp`, or ending before they
/// start, are invalid.
pub(super) fn normalize_timestamps(
    event: &mut Map<String, Value>,
    kind: EventItemKind,
    meta: &RequestMeta,
    errors: &mut ProcessingErrors,
) -> Result<DateTime<Utc>, ProcessError> {
    let received = meta.received_at;
    let sent = read(event, "timestamp", errors);
    let start = read(event, "start_timestamp", errors);
    if kind == EventItemKind::Transaction {
        check_transaction_times(sent, start)?;
    }

    let mut shift = Duration::zero();
    if let Some(sent_at) = meta.sent_at {
        let drift = received - sent_at;
        if drift.num_seconds().abs() >= CLOCK_DRIFT_SECS_MIN {
            shift = drift;
            errors.push(json!({
                "type": "clock_drift", "name": "timestamp",
                "sdk_time": timestamp_rfc3339(sent_at), "server_time": timestamp_rfc3339(received),
            }));
        }
    }
    if let Some(corrected) = sent.map(|time| time + shift) {
        let kind = if corrected > received + Duration::seconds(TIMESTAMP_FUTURE_SECS_MAX) {
            Some("future_timestamp")
        } else if corrected < received - Duration::seconds(TIMESTAMP_PAST_SECS_MAX) {
            Some("past_timestamp")
        } else {
            None
        };
        if let Some(kind) = kind {
            shift += received - corrected;
            errors.push(json!({
                "type": kind, "name": "timestamp",
                "sdk_time": timestamp_rfc3339(corrected), "server_time": timestamp_rfc3339(received),
            }));
        }
    }

    let time = sent.map_or(received, |time| time + shift);
    event.insert("timestamp".to_owned(), timestamp_value(time));
    if let Some(start) = start {
        event.insert("start_timestamp".to_owned(), timestamp_value(start + shift));
    }
    event.insert("received".to_owned(), timestamp_value(received));
    shift_breadcrumbs(event, shift, errors);
    shift_spans(event, shift, errors);
    Ok(time)
}

fn check_transaction_times(
    end: Option<DateTime<Utc>>,
    start: Option<DateTime<Utc>>,
) -> Result<(), ProcessError> {
    let invalid = |reason: &str| Err(ProcessError::InvalidTransaction(reason.to_owned()));
    match (start, end) {
        (None, _) => invalid("missing or invalid start_timestamp"),
        (_, None) => invalid("missing or invalid timestamp"),
        (Some(start), Some(end)) if end < start => invalid("timestamp is before start_timestamp"),
        _ => Ok(()),
    }
}

/// Reads the timestamp at `key`, removing it with a note when invalid.
fn read(
    event: &mut Map<String, Value>,
    key: &str,
    errors: &mut ProcessingErrors,
) -> Option<DateTime<Utc>> {
    let value = event.get(key)?;
    match timestamp(value) {
        Ok(time) => time,
        Err(reason) => {
            errors.invalid(key, reason, Some(value));
            event.remove(key);
            None
        }
    }
}

/// Rewrites the timestamp at `key` as float seconds moved by `shift`. A `null` is removed; an
/// invalid value is removed and its reason returned.
fn shift_field(object: &mut Map<String, Value>, key: &str, shift: Duration) -> Result<(), Invalid> {
    let Some(value) = object.get_mut(key) else {
        return Ok(());
    };
    match timestamp(value) {
        Ok(Some(time)) => {
            *value = timestamp_value(time + shift);
            Ok(())
        }
        Ok(None) => {
            object.remove(key);
            Ok(())
        }
        Err(reason) => {
            object.remove(key);
            Err(reason)
        }
    }
}

fn shift_breadcrumbs(
    event: &mut Map<String, Value>,
    shift: Duration,
    errors: &mut ProcessingErrors,
) {
    let Some(Value::Array(crumbs)) = event
        .get_mut("breadcrumbs")
        .and_then(|b| b.get_mut("values"))
    else {
        return;
    };
    for (i, crumb) in crumbs.iter_mut().enumerate() {
        if let Value::Object(crumb) = crumb
            && let Err(reason) = shift_field(crumb, "timestamp", shift)
        {
            errors.invalid(format!("breadcrumbs.values.{i}.timestamp"), reason, None);
        }
    }
}

/// Shifts span timestamps; spans whose timestamps are invalid are dropped, as Relay drops
/// spans with negative or unreadable times.
fn shift_spans(event: &mut Map<String, Value>, shift: Duration, errors: &mut ProcessingErrors) {
    let Some(Value::Array(spans)) = event.get_mut("spans") else {
        return;
    };
    let mut index = 0;
    spans.retain_mut(|span| {
        let i = index;
        index += 1;
        let Value::Object(span) = span else {
            errors.invalid(format!("spans.{i}"), Invalid("an object"), None);
            return false;
        };
        let valid = shift_field(span, "start_timestamp", shift)
            .and_then(|()| shift_field(span, "timestamp", shift));
        if let Err(reason) = valid {
            errors.invalid(format!("spans.{i}"), reason, None);
        }
        valid.is_ok()
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RECEIVED_MICROS: i64 = 1_777_629_600_000_000; // 2026-05-01T10:00:00Z

    fn received() -> DateTime<Utc> {
        DateTime::from_timestamp_micros(RECEIVED_MICROS).expect("valid")
    }

    fn meta(sent_at_offset_secs: Option<i64>) -> RequestMeta {
        RequestMeta {
            received_at: received(),
            sent_at: sent_at_offset_secs.map(|secs| received() + Duration::seconds(secs)),
            envelope_event_id: None,
            client_ip: None,
            user_agent: None,
        }
    }

    /// Runs the pass on `payload` and returns the event and its error types.
    fn check(payload: Value, kind: EventItemKind, meta: &RequestMeta) -> (Value, Vec<String>) {
        let Value::Object(mut event) = payload else {
            panic!("test payload must be an object")
        };
        let mut errors = ProcessingErrors::default();
        normalize_timestamps(&mut event, kind, meta, &mut errors).expect("valid event");
        errors.write_into(&mut event);
        let types = event
            .get("errors")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|e| e["type"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        (Value::Object(event), types)
    }

    fn secs(value: &Value) -> f64 {
        value.as_f64().expect("a float timestamp")
    }

    #[test]
    fn missing_timestamp_becomes_received() {
        let (event, errors) = check(json!({}), EventItemKind::Event, &meta(None));
        assert_eq!(event["timestamp"], json!(1777629600.0));
        assert_eq!(event["received"], json!(1777629600.0));
        assert!(errors.is_empty());
    }

    #[test]
    fn every_timestamp_form_is_stored_as_the_same_float() {
        for form in [
            json!(1777629590),
            json!("2026-05-01T09:59:50Z"),
            json!("2026-05-01T09:59:50"),
        ] {
            let (event, _) = check(
                json!({"timestamp": form}),
                EventItemKind::Event,
                &meta(None),
            );
            assert_eq!(event["timestamp"], json!(1777629590.0));
        }
    }

    #[test]
    fn clock_drift_of_two_hours_moves_every_timestamp() {
        let payload = json!({
            "timestamp": "2026-05-01T08:00:00Z",
            "breadcrumbs": {"values": [{"timestamp": "2026-05-01T07:59:00Z"}]},
        });
        let (event, errors) = check(payload, EventItemKind::Event, &meta(Some(-2 * 3600)));
        assert_eq!(secs(&event["timestamp"]), 1777629600.0);
        assert_eq!(
            secs(&event["breadcrumbs"]["values"][0]["timestamp"]),
            1777629540.0
        );
        assert_eq!(errors, ["clock_drift"]);
        assert_eq!(
            event["errors"][0]["sdk_time"],
            "2026-05-01T08:00:00.000000Z"
        );
        assert_eq!(
            event["errors"][0]["server_time"],
            "2026-05-01T10:00:00.000000Z"
        );
    }

    #[test]
    fn clock_drift_limit_is_inclusive() {
        let at_limit = 1_777_629_600 - CLOCK_DRIFT_SECS_MIN;
        let (event, errors) = check(
            json!({"timestamp": at_limit}),
            EventItemKind::Event,
            &meta(Some(-CLOCK_DRIFT_SECS_MIN)),
        );
        assert_eq!(errors, ["clock_drift"]);
        assert_eq!(event["timestamp"], json!(1777629600.0));
        let below = 1_777_629_600 - (CLOCK_DRIFT_SECS_MIN - 1);
        let (event, errors) = check(
            json!({"timestamp": below}),
            EventItemKind::Event,
            &meta(Some(-(CLOCK_DRIFT_SECS_MIN - 1))),
        );
        assert!(errors.is_empty());
        assert_eq!(event["timestamp"], json!(below as f64));
    }

    #[test]
    fn small_drift_of_five_minutes_changes_nothing() {
        let (event, errors) = check(
            json!({"timestamp": 1777629300}),
            EventItemKind::Event,
            &meta(Some(-300)),
        );
        assert_eq!(event["timestamp"], json!(1777629300.0));
        assert!(errors.is_empty());
    }

    #[test]
    fn timestamp_forty_days_old_becomes_received() {
        let old = 1_777_629_600 - 40 * 86_400;
        let payload =
            json!({"timestamp": old, "breadcrumbs": {"values": [{"timestamp": old - 10}]}});
        let (event, errors) = check(payload, EventItemKind::Event, &meta(None));
        assert_eq!(event["timestamp"], json!(1777629600.0));
        assert_eq!(
            event["breadcrumbs"]["values"][0]["timestamp"],
            json!(1777629590.0)
        );
        assert_eq!(errors, ["past_timestamp"]);
    }

    #[test]
    fn past_limit_is_thirty_days() {
        let at_limit = 1_777_629_600 - TIMESTAMP_PAST_SECS_MAX;
        let (event, errors) = check(
            json!({"timestamp": at_limit}),
            EventItemKind::Event,
            &meta(None),
        );
        assert!(errors.is_empty());
        assert_eq!(secs(&event["timestamp"]), at_limit as f64);
        let (_, errors) = check(
            json!({"timestamp": at_limit - 1}),
            EventItemKind::Event,
            &meta(None),
        );
        assert_eq!(errors, ["past_timestamp"]);
    }

    #[test]
    fn future_limit_is_sixty_seconds() {
        let at_limit = 1_777_629_600 + TIMESTAMP_FUTURE_SECS_MAX;
        let (_, errors) = check(
            json!({"timestamp": at_limit}),
            EventItemKind::Event,
            &meta(None),
        );
        assert!(errors.is_empty());
        let (event, errors) = check(
            json!({"timestamp": at_limit + 1}),
            EventItemKind::Event,
            &meta(None),
        );
        assert_eq!(errors, ["future_timestamp"]);
        assert_eq!(event["timestamp"], json!(1777629600.0));
    }

    #[test]
    fn invalid_timestamp_is_dropped_with_a_note_and_replaced() {
        let (event, errors) = check(
            json!({"timestamp": "soon"}),
            EventItemKind::Event,
            &meta(None),
        );
        assert_eq!(event["timestamp"], json!(1777629600.0));
        assert_eq!(errors, ["invalid_data"]);
    }

    #[test]
    fn invalid_breadcrumb_timestamp_is_removed_with_a_note() {
        let payload = json!({"breadcrumbs": {"values": [{"timestamp": "x", "message": "m"}]}});
        let (event, errors) = check(payload, EventItemKind::Event, &meta(None));
        assert_eq!(event["breadcrumbs"]["values"][0], json!({"message": "m"}));
        assert_eq!(errors, ["invalid_data"]);
    }

    fn transaction_error(payload: Value) -> Option<ProcessError> {
        let Value::Object(mut event) = payload else {
            panic!("object")
        };
        normalize_timestamps(
            &mut event,
            EventItemKind::Transaction,
            &meta(None),
            &mut ProcessingErrors::default(),
        )
        .err()
    }

    #[test]
    fn transactions_need_ordered_start_and_end() {
        assert!(transaction_error(json!({"timestamp": 1777629600})).is_some());
        assert!(transaction_error(json!({"start_timestamp": 1777629600})).is_some());
        assert!(
            transaction_error(json!({"start_timestamp": -5, "timestamp": 1777629600})).is_some()
        );
        assert!(
            transaction_error(json!({"start_timestamp": 1777629601, "timestamp": 1777629600}))
                .is_some()
        );
        assert!(
            transaction_error(json!({"start_timestamp": 1777629600, "timestamp": 1777629600}))
                .is_none()
        );
    }

    #[test]
    fn transaction_spans_shift_with_the_event_and_bad_spans_are_dropped() {
        let payload = json!({
            "start_timestamp": "2026-05-01T07:59:59Z", "timestamp": "2026-05-01T08:00:00Z",
            "spans": [{"start_timestamp": "2026-05-01T07:59:59.5Z", "timestamp": 1777622400}, {"start_timestamp": -1}, 3],
        });
        let (event, errors) = check(payload, EventItemKind::Transaction, &meta(Some(-2 * 3600)));
        assert_eq!(event["start_timestamp"], json!(1777629599.0));
        assert_eq!(
            event["spans"],
            json!([{"start_timestamp": 1777629599.5, "timestamp": 1777629600.0}])
        );
        assert_eq!(errors, ["clock_drift", "invalid_data", "invalid_data"]);
    }

    #[test]
    fn envelope_event_id_wins_and_ids_are_normalized() {
        let mut errors = ProcessingErrors::default();
        let mut event = Map::new();
        event.insert(
            "event_id".into(),
            json!("AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA"),
        );
        let mut with_header = meta(None);
        with_header.envelope_event_id = Some("0123456789abcdef0123456789abcdef".into());
        assert_eq!(
            event_id(&mut event, &with_header, &mut errors),
            "0123456789abcdef0123456789abcdef"
        );
        assert_eq!(
            event_id(&mut event, &meta(None), &mut errors),
            "0123456789abcdef0123456789abcdef"
        );
        event.insert(
            "event_id".into(),
            json!("AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA"),
        );
        assert_eq!(
            event_id(&mut event, &meta(None), &mut errors),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn missing_or_invalid_event_id_gets_a_fresh_one() {
        let mut errors = ProcessingErrors::default();
        let mut event = Map::new();
        event.insert("event_id".into(), json!("nope"));
        let id = event_id(&mut event, &meta(None), &mut errors);
        assert_eq!(id.len(), 32);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(errors.len(), 1);
        let other = event_id(&mut Map::new(), &meta(None), &mut errors);
        assert_ne!(id, other);
    }
}
