//! Normalization: turns a payload as an SDK sent it into the canonical event Sentry's UI and
//! search assume (ingest-protocol.md §7 and §12), in place.
//!
//! Lenient in, annotated out: a malformed optional field is dropped and a note is added to
//! the event's `errors`; only a transaction missing what makes it a transaction is rejected.
//! Unknown keys are kept. One submodule per concern:
//!
//! - `fields`: legacy aliases, server-only keys, platform, level, release, environment, dist,
//!   logger, culprit, fingerprint.
//! - `time`: `event_id`, `received`, clock drift, future and past timestamps.
//! - `logentry`: `message` → `logentry`, params formatting.
//! - `interfaces`: exceptions, stack traces, threads, breadcrumbs, measurements.
//! - `contexts`: context types, trace ids, display fields.
//! - `request`, `user` (with IP inference), `tags`, `transaction`.

mod contexts;
mod errors;
mod fields;
mod interfaces;
mod logentry;
mod request;
mod tags;
mod time;
mod transaction;
mod user;

pub(crate) use contexts::fill_display;
pub use errors::ProcessingErrors;

use crate::process::{EventItemKind, ProcessError, RequestMeta};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The type of an event, as Sentry names it (`event.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// An event with at least one exception.
    Error,
    /// Any other event: a message, or an event with only a stack trace.
    Default,
    Transaction,
    /// Content-Security-Policy report.
    Csp,
    /// HTTP Public Key Pinning report.
    Hpkp,
    /// Certificate Transparency report.
    ExpectCt,
    /// OCSP stapling report.
    ExpectStaple,
    /// Network Error Logging report.
    Nel,
}

impl EventType {
    /// Returns the name stored in `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Error => "error",
            EventType::Default => "default",
            EventType::Transaction => "transaction",
            EventType::Csp => "csp",
            EventType::Hpkp => "hpkp",
            EventType::ExpectCt => "expectct",
            EventType::ExpectStaple => "expectstaple",
            EventType::Nel => "nel",
        }
    }

    /// Returns true for the browser security reports (CSP, HPKP, Expect-CT, Expect-Staple, NEL).
    pub fn is_security(self) -> bool {
        matches!(
            self,
            EventType::Csp
                | EventType::Hpkp
                | EventType::ExpectCt
                | EventType::ExpectStaple
                | EventType::Nel
        )
    }
}

/// What normalization established about an event, besides the normalized payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// 32 lowercase hex characters.
    pub event_id: String,
    pub event_type: EventType,
    /// The event timestamp after correction, also written to the payload as float seconds.
    pub timestamp: DateTime<Utc>,
}

/// Normalizes an event payload in place.
///
/// Fails only for a transaction without `start_timestamp`, `timestamp` (or ending before it
/// starts) or a trace context with valid `trace_id` and `span_id`.
pub fn normalize(
    event: &mut Map<String, Value>,
    kind: EventItemKind,
    meta: &RequestMeta,
) -> Result<Normalized, ProcessError> {
    let mut errors = ProcessingErrors::default();
    fields::prepare(event);
    let event_id = time::event_id(event, meta, &mut errors);
    interfaces::normalize(event, &mut errors);
    let timestamp = time::normalize_timestamps(event, kind, meta, &mut errors)?;
    logentry::normalize(event, &mut errors);
    // Tags run before the fields: an `environment` tag becomes the environment, which is then
    // validated like a sent one.
    tags::normalize(event, &mut errors);
    fields::normalize(event, kind, &mut errors);
    contexts::normalize(event, &mut errors);
    let user_agent = (kind == EventItemKind::Security)
        .then_some(meta.user_agent.as_deref())
        .flatten();
    request::normalize(event, user_agent, &mut errors);
    user::normalize(event, kind, meta, &mut errors);
    let event_type = event_type(event, kind);
    if event_type == EventType::Transaction {
        transaction::normalize(event)?;
    } else {
        interfaces::drop_transaction_only(event);
    }
    event.insert(
        "type".to_owned(),
        Value::String(event_type.as_str().to_owned()),
    );
    errors.write_into(event);
    Ok(Normalized {
        event_id,
        event_type,
        timestamp,
    })
}

/// Infers the event type: the item kind decides transactions; security reports are named by
/// their report key; others are `error` when they carry an exception, else `default`.
fn event_type(event: &Map<String, Value>, kind: EventItemKind) -> EventType {
    match kind {
        EventItemKind::Transaction => EventType::Transaction,
        EventItemKind::Security => {
            const REPORTS: [(&str, EventType); 5] = [
                ("csp", EventType::Csp),
                ("hpkp", EventType::Hpkp),
                ("expectct", EventType::ExpectCt),
                ("expectstaple", EventType::ExpectStaple),
                ("nel", EventType::Nel),
            ];
            let sent = event.get("type").and_then(Value::as_str);
            REPORTS
                .iter()
                .find(|(name, _)| {
                    sent == Some(name) || event.get(*name).is_some_and(Value::is_object)
                })
                .map_or(EventType::Default, |(_, ty)| *ty)
        }
        EventItemKind::Event => {
            let has_exception = event
                .get("exception")
                .and_then(|e| e.get("values"))
                .and_then(Value::as_array)
                .is_some_and(|values| !values.is_empty());
            if has_exception {
                EventType::Error
            } else {
                EventType::Default
            }
        }
    }
}

/// Returns the entries of a normalized "values" container (`exception`, `threads`,
/// `breadcrumbs`), or an empty slice.
pub fn values<'a>(event: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    event
        .get(key)
        .and_then(|container| container.get("values"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta() -> RequestMeta {
        RequestMeta {
            received_at: DateTime::from_timestamp(1_777_629_600, 0).expect("valid"),
            sent_at: None,
            envelope_event_id: Some("0123456789abcdef0123456789abcdef".to_owned()),
            client_ip: "198.51.100.7".parse().ok(),
            user_agent: Some("Mozilla/5.0".to_owned()),
        }
    }

    fn check(payload: Value, kind: EventItemKind) -> (Value, Normalized) {
        let Value::Object(mut event) = payload else {
            panic!("object")
        };
        let normalized = normalize(&mut event, kind, &meta()).expect("valid");
        (Value::Object(event), normalized)
    }

    #[test]
    fn minimal_error_and_message_events() {
        let (event, normalized) = check(
            json!({"exception": {"values": [{"type": "ValueError", "value": "bad"}]}}),
            EventItemKind::Event,
        );
        assert_eq!(normalized.event_type, EventType::Error);
        assert_eq!(event["type"], "error");
        assert_eq!(event["event_id"], "0123456789abcdef0123456789abcdef");
        assert_eq!(
            (event["platform"].as_str(), event["level"].as_str()),
            (Some("other"), Some("error"))
        );
        let (event, normalized) = check(json!({"message": "hi"}), EventItemKind::Event);
        assert_eq!(normalized.event_type, EventType::Default);
        assert_eq!(event["logentry"], json!({"formatted": "hi"}));
    }

    #[test]
    fn unknown_keys_and_nulls_are_accepted() {
        let (event, _) = check(
            json!({"future_field": {"x": 1}, "module": null, "release": null, "user": null,
            "contexts": {"trace": {"parent_span_id": null}}}),
            EventItemKind::Event,
        );
        assert_eq!(event["future_field"], json!({"x": 1}));
        assert!(event.get("errors").is_none(), "{event}");
    }

    #[test]
    fn measurements_only_stay_on_transactions() {
        let (event, _) = check(
            json!({"measurements": {"lcp": {"value": 1}}}),
            EventItemKind::Event,
        );
        assert!(event.get("measurements").is_none());
    }

    #[test]
    fn security_reports_get_their_type_user_agent_and_ip() {
        let (event, normalized) = check(
            json!({"csp": {"effective_directive": "script-src"}}),
            EventItemKind::Security,
        );
        assert_eq!(normalized.event_type, EventType::Csp);
        assert_eq!(
            event["request"]["headers"],
            json!([["User-Agent", "Mozilla/5.0"]])
        );
        assert_eq!(event["user"]["ip_address"], "198.51.100.7");
    }

    #[test]
    fn transactions_are_validated_and_defaulted() {
        let payload = json!({"type": "transaction", "start_timestamp": 1777629599, "timestamp": 1777629600,
            "contexts": {"trace": {"trace_id": "0a8a5743d810400ba01984432aae27b1", "span_id": "87ab514c794cfd84"}},
            "measurements": {"lcp": {"value": 1}}});
        let (event, normalized) = check(payload.clone(), EventItemKind::Transaction);
        assert_eq!(normalized.event_type, EventType::Transaction);
        assert_eq!(
            (event["level"].as_str(), event["type"].as_str()),
            (Some("info"), Some("transaction"))
        );
        assert_eq!(event["measurements"], json!({"lcp": {"value": 1}}));
        let mut no_trace = payload;
        no_trace["contexts"]["trace"]["trace_id"] = json!("nope");
        let Value::Object(mut event) = no_trace else {
            panic!()
        };
        assert!(matches!(
            normalize(&mut event, EventItemKind::Transaction, &meta()),
            Err(ProcessError::InvalidTransaction(_))
        ));
    }
}
