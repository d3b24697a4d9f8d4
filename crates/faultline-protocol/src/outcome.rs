//! Data categories, outcomes, the `X-Sentry-Rate-Limits` header and client reports.
//!
//! This module owns the names that travel back to SDKs and into counters: the data
//! categories of ingest-protocol.md §5.3 (what a rate limit or a client report counts), the
//! [`Outcome`] of every item (accepted, or why it was dropped), the exact header format SDKs
//! parse to back off (§5.2), and the lenient reading of `client_report` items (§10).

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::limits::CLIENT_REPORT_REASON_CHARS_MAX;

/// What a rate limit, an outcome or a client report counts.
///
/// The names are Sentry's (`error`, not `event`; `monitor`, not `check_in`). Names this server
/// never needs (billing-only categories) read as [`DataCategory::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataCategory {
    /// `default`: legacy name for message events; effectively unused.
    Default,
    /// `error`: error and message events.
    Error,
    /// `transaction`: transaction events.
    Transaction,
    /// `security`: CSP and other browser security reports.
    Security,
    /// `attachment`: attachment bytes.
    Attachment,
    /// `attachment_item`: attachment count.
    AttachmentItem,
    /// `session`: release-health sessions.
    Session,
    /// `profile`: transaction-bound profiles.
    Profile,
    /// `profile_chunk`: continuous-profiling chunks of backend platforms.
    ProfileChunk,
    /// `profile_chunk_ui`: continuous-profiling chunks of UI platforms.
    ProfileChunkUi,
    /// `replay`: session replays.
    Replay,
    /// `monitor`: cron check-ins.
    Monitor,
    /// `span`: spans.
    Span,
    /// `log_item`: log count.
    LogItem,
    /// `log_byte`: log bytes.
    LogByte,
    /// `trace_metric`: trace metric count.
    TraceMetric,
    /// `trace_metric_byte`: trace metric bytes.
    TraceMetricByte,
    /// `feedback`: user feedback and user reports.
    Feedback,
    /// `internal`: client reports; never rate limited by a category-specific limit.
    Internal,
    /// Any other name.
    Unknown,
}

impl DataCategory {
    /// Every category, in declaration order.
    pub const ALL: [DataCategory; 20] = [
        Self::Default,
        Self::Error,
        Self::Transaction,
        Self::Security,
        Self::Attachment,
        Self::AttachmentItem,
        Self::Session,
        Self::Profile,
        Self::ProfileChunk,
        Self::ProfileChunkUi,
        Self::Replay,
        Self::Monitor,
        Self::Span,
        Self::LogItem,
        Self::LogByte,
        Self::TraceMetric,
        Self::TraceMetricByte,
        Self::Feedback,
        Self::Internal,
        Self::Unknown,
    ];

    /// Returns the wire name of the category.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Error => "error",
            Self::Transaction => "transaction",
            Self::Security => "security",
            Self::Attachment => "attachment",
            Self::AttachmentItem => "attachment_item",
            Self::Session => "session",
            Self::Profile => "profile",
            Self::ProfileChunk => "profile_chunk",
            Self::ProfileChunkUi => "profile_chunk_ui",
            Self::Replay => "replay",
            Self::Monitor => "monitor",
            Self::Span => "span",
            Self::LogItem => "log_item",
            Self::LogByte => "log_byte",
            Self::TraceMetric => "trace_metric",
            Self::TraceMetricByte => "trace_metric_byte",
            Self::Feedback => "feedback",
            Self::Internal => "internal",
            Self::Unknown => "unknown",
        }
    }

    /// Returns the category with this wire name, or [`DataCategory::Unknown`].
    pub fn from_name(name: &str) -> DataCategory {
        Self::ALL
            .into_iter()
            .find(|category| category.as_str() == name)
            .unwrap_or(Self::Unknown)
    }
}

impl std::fmt::Display for DataCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What became of an item: accepted, or the reason it was dropped.
///
/// Every drop has one (STYLE.md §10); the store counts them per project and `/metrics`
/// exposes them. The string carried by a variant is a short machine-readable reason such as
/// `"release-version"` or `"envelope_too_large"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Stored.
    Accepted,
    /// Dropped by an inbound filter (answered 200).
    Filtered(String),
    /// Dropped by a rate limit or quota; the string names the limit.
    RateLimited(String),
    /// Dropped because it could not be read or failed validation.
    Invalid(String),
    /// Dropped because it exceeded a size limit.
    TooLarge(String),
    /// Dropped because the writer queue was full.
    QueueFull,
    /// Dropped by the SDK before sending, as reported in a client report.
    ClientDiscard(String),
}

impl Outcome {
    /// Returns the outcome's name as counted in metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Filtered(_) => "filtered",
            Self::RateLimited(_) => "rate_limited",
            Self::Invalid(_) => "invalid",
            Self::TooLarge(_) => "too_large",
            Self::QueueFull => "queue_full",
            Self::ClientDiscard(_) => "client_discard",
        }
    }

    /// Returns the reason of a drop, if the outcome carries one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Accepted | Self::QueueFull => None,
            Self::Filtered(reason)
            | Self::RateLimited(reason)
            | Self::Invalid(reason)
            | Self::TooLarge(reason)
            | Self::ClientDiscard(reason) => Some(reason),
        }
    }
}

/// Whom a rate limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitScope {
    /// Every project of the organization.
    Organization,
    /// One project.
    Project,
    /// One DSN key.
    Key,
}

impl RateLimitScope {
    /// Returns the wire name of the scope.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Project => "project",
            Self::Key => "key",
        }
    }
}

/// One active rate limit, as announced to SDKs.
///
/// Rendered by [`format_rate_limits`] as `60:error;default;security:project:quota_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// The limited categories; empty means all of them.
    pub categories: Vec<DataCategory>,
    /// Whom the limit applies to.
    pub scope: RateLimitScope,
    /// Seconds until the limit lifts.
    pub retry_after_secs: u64,
    /// A machine-readable reason (a quota id); SDKs ignore it.
    pub reason: Option<String>,
}

/// Formats the `X-Sentry-Rate-Limits` header value for `limits` (spec §5.2).
///
/// Seconds are integers (Python skips `60.0`), the scope field is always present (the Rust SDK
/// ignores limits with fewer than three fields) and limits are separated by `, `. Reason
/// characters outside `[A-Za-z0-9_.-]` are dropped so a reason can never split the header.
pub fn format_rate_limits(limits: &[RateLimit]) -> String {
    let mut header = String::new();
    for (index, limit) in limits.iter().enumerate() {
        if index > 0 {
            header.push_str(", ");
        }
        header.push_str(&limit.retry_after_secs.to_string());
        header.push(':');
        for (index, category) in limit.categories.iter().enumerate() {
            if index > 0 {
                header.push(';');
            }
            header.push_str(category.as_str());
        }
        header.push(':');
        header.push_str(limit.scope.as_str());
        if let Some(reason) = &limit.reason {
            header.push(':');
            header.extend(
                reason
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')),
            );
        }
    }
    header
}

/// Returns the `Retry-After` value for `limits`: the longest of them, or `None` if empty.
pub fn retry_after_secs(limits: &[RateLimit]) -> Option<u64> {
    limits.iter().map(|limit| limit.retry_after_secs).max()
}

/// One count of a client report: `quantity` items of `category` dropped for `reason`.
///
/// ```json
/// {"reason": "ratelimit_backoff", "category": "error", "quantity": 3}
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscardedEvents {
    /// Why the SDK (or an upstream Relay) dropped them, e.g. `sample_rate`.
    pub reason: String,
    /// The data category name (§5.3), kept as sent.
    pub category: String,
    /// How many were dropped.
    pub quantity: u64,
}

/// A `client_report` item, read leniently.
///
/// ```json
/// {"timestamp": 1777630800.5,
///  "discarded_events": [{"reason": "sample_rate", "category": "transaction", "quantity": 40}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientReport {
    /// When the SDK wrote the report, if it said so (RFC 3339 string or epoch seconds).
    pub timestamp: Option<DateTime<Utc>>,
    /// The counts, from `discarded_events` and the Relay-only lists.
    pub discarded: Vec<DiscardedEvents>,
}

/// The lists of counts a client report may carry. `discarded_events` is what SDKs send; the
/// others are reserved for Relays but read the same way.
const CLIENT_REPORT_LISTS: [&str; 4] = [
    "discarded_events",
    "rate_limited_events",
    "filtered_events",
    "filtered_sampling_events",
];

impl ClientReport {
    /// Parses a client report payload. Only a payload that is not a JSON object is an error;
    /// malformed entries (missing fields, negative quantities, over-long reasons) are skipped,
    /// as are zero quantities.
    pub fn parse(payload: &[u8]) -> Result<ClientReport, serde_json::Error> {
        let report: serde_json::Map<String, Value> = serde_json::from_slice(payload)?;
        let timestamp = report.get("timestamp").and_then(read_timestamp);
        let discarded = CLIENT_REPORT_LISTS
            .iter()
            .filter_map(|list| report.get(*list)?.as_array())
            .flatten()
            .filter_map(read_discarded)
            .collect();
        Ok(ClientReport {
            timestamp,
            discarded,
        })
    }
}

/// Parses a client report payload (§10) leniently and returns its discarded counts.
pub fn parse_client_report(payload: &[u8]) -> Result<Vec<DiscardedEvents>, serde_json::Error> {
    ClientReport::parse(payload).map(|report| report.discarded)
}

fn read_discarded(entry: &Value) -> Option<DiscardedEvents> {
    let reason = entry.get("reason")?.as_str()?;
    if reason.is_empty() || reason.chars().count() > CLIENT_REPORT_REASON_CHARS_MAX {
        return None;
    }
    let category = entry.get("category")?.as_str()?;
    let quantity = match entry.get("quantity")? {
        Value::Number(number) => number.as_u64()?,
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    (quantity > 0).then(|| DiscardedEvents {
        reason: reason.to_owned(),
        category: category.to_owned(),
        quantity,
    })
}

fn read_timestamp(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(number) => {
            let secs = number.as_f64()?;
            if !secs.is_finite() || secs < 0.0 {
                return None;
            }
            let micros = (secs * 1_000_000.0).round();
            // i64 microseconds cover ±292 000 years; anything beyond is garbage.
            if micros >= i64::MAX as f64 {
                return None;
            }
            Utc.timestamp_micros(micros as i64).single()
        }
        Value::String(text) => DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|timestamp| timestamp.with_timezone(&Utc)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_names_round_trip() {
        for category in DataCategory::ALL {
            assert_eq!(DataCategory::from_name(category.as_str()), category);
        }
        assert_eq!(
            DataCategory::from_name("metric_bucket"),
            DataCategory::Unknown
        );
        assert_eq!(DataCategory::from_name("Error"), DataCategory::Unknown);
        assert_eq!(DataCategory::LogItem.to_string(), "log_item");
    }

    #[test]
    fn outcome_names_and_reasons() {
        let cases = [
            (Outcome::Accepted, "accepted", None),
            (
                Outcome::Filtered("localhost".into()),
                "filtered",
                Some("localhost"),
            ),
            (
                Outcome::RateLimited("q1".into()),
                "rate_limited",
                Some("q1"),
            ),
            (Outcome::Invalid("json".into()), "invalid", Some("json")),
            (
                Outcome::TooLarge("event".into()),
                "too_large",
                Some("event"),
            ),
            (Outcome::QueueFull, "queue_full", None),
            (
                Outcome::ClientDiscard("sample_rate".into()),
                "client_discard",
                Some("sample_rate"),
            ),
        ];
        for (outcome, name, reason) in cases {
            assert_eq!(outcome.name(), name);
            assert_eq!(outcome.reason(), reason);
        }
    }

    fn limit(secs: u64, categories: &[DataCategory], scope: RateLimitScope) -> RateLimit {
        RateLimit {
            categories: categories.to_vec(),
            scope,
            retry_after_secs: secs,
            reason: None,
        }
    }

    #[test]
    fn rate_limit_header_matches_checklist_28() {
        let limits = [limit(
            60,
            &[
                DataCategory::Error,
                DataCategory::Default,
                DataCategory::Security,
            ],
            RateLimitScope::Project,
        )];
        assert_eq!(
            format_rate_limits(&limits),
            "60:error;default;security:project"
        );
        assert_eq!(retry_after_secs(&limits), Some(60));
    }

    #[test]
    fn rate_limit_header_all_categories_and_reason() {
        let mut all = limit(3600, &[], RateLimitScope::Organization);
        all.reason = Some("usage_exceeded".into());
        assert_eq!(
            format_rate_limits(&[all]),
            "3600::organization:usage_exceeded"
        );
    }

    #[test]
    fn rate_limit_header_joins_limits_with_comma_space() {
        let mut first = limit(
            120,
            &[DataCategory::Error, DataCategory::Default],
            RateLimitScope::Project,
        );
        first.reason = Some("pq".into());
        let second = limit(30, &[DataCategory::Session], RateLimitScope::Key);
        let limits = [first, second];
        assert_eq!(
            format_rate_limits(&limits),
            "120:error;default:project:pq, 30:session:key"
        );
        assert_eq!(retry_after_secs(&limits), Some(120));
        assert_eq!(retry_after_secs(&[]), None);
        assert_eq!(format_rate_limits(&[]), "");
    }

    #[test]
    fn rate_limit_reason_cannot_break_the_header() {
        let mut evil = limit(1, &[DataCategory::Error], RateLimitScope::Key);
        evil.reason = Some("a, 99::org:x;\r\nb".into());
        assert_eq!(format_rate_limits(&[evil]), "1:error:key:a99orgxb");
    }

    #[test]
    fn rate_limit_header_always_has_three_integer_fields() {
        let header = format_rate_limits(&[limit(0, &[], RateLimitScope::Key)]);
        let fields: Vec<&str> = header.split(':').collect();
        assert_eq!(fields, ["0", "", "key"]);
    }

    #[test]
    fn client_report_counts_every_list() {
        let payload = br#"{"timestamp":1777630800.5,
            "discarded_events":[
                {"reason":"ratelimit_backoff","category":"error","quantity":3},
                {"reason":"sample_rate","category":"transaction","quantity":40}],
            "rate_limited_events":[{"reason":"q","category":"span","quantity":2}],
            "filtered_events":[{"reason":"release-version","category":"error","quantity":1}],
            "filtered_sampling_events":[{"reason":"Sampled:1","category":"transaction","quantity":5}]}"#;
        let report = ClientReport::parse(payload).expect("valid report");
        assert_eq!(
            report.timestamp,
            Utc.timestamp_micros(1_777_630_800_500_000).single()
        );
        let counts: Vec<(&str, &str, u64)> = report
            .discarded
            .iter()
            .map(|d| (d.reason.as_str(), d.category.as_str(), d.quantity))
            .collect();
        assert_eq!(
            counts,
            [
                ("ratelimit_backoff", "error", 3),
                ("sample_rate", "transaction", 40),
                ("q", "span", 2),
                ("release-version", "error", 1),
                ("Sampled:1", "transaction", 5),
            ]
        );
    }

    #[test]
    fn client_report_skips_malformed_entries() {
        let long_reason = "r".repeat(CLIENT_REPORT_REASON_CHARS_MAX + 1);
        let max_reason = "r".repeat(CLIENT_REPORT_REASON_CHARS_MAX);
        let payload = serde_json::json!({
            "timestamp": "not a time",
            "discarded_events": [
                {"reason": "a", "category": "error"},
                {"reason": "b", "category": "error", "quantity": -1},
                {"reason": "c", "category": "error", "quantity": 0},
                {"reason": "d", "category": 5, "quantity": 1},
                {"reason": "e", "category": "error", "quantity": "7"},
                {"reason": long_reason, "category": "error", "quantity": 1},
                {"reason": max_reason, "category": "error", "quantity": 1},
                "garbage",
            ],
            "filtered_events": {"not": "a list"},
        });
        let payload = serde_json::to_vec(&payload).expect("serializable");
        let report = ClientReport::parse(&payload).expect("object payload");
        assert_eq!(report.timestamp, None);
        let reasons: Vec<&str> = report.discarded.iter().map(|d| &d.reason[..1]).collect();
        assert_eq!(reasons, ["e", "r"]);
        assert_eq!(report.discarded[0].quantity, 7);
    }

    #[test]
    fn client_report_timestamp_as_rfc3339() {
        let report =
            ClientReport::parse(br#"{"timestamp":"2026-05-01T10:00:00Z"}"#).expect("valid");
        assert_eq!(
            report.timestamp.map(|t| t.to_rfc3339()),
            Some("2026-05-01T10:00:00+00:00".to_owned())
        );
        assert!(report.discarded.is_empty());
    }

    #[test]
    fn client_report_that_is_not_an_object_is_an_error() {
        assert!(parse_client_report(b"[1,2]").is_err());
        assert!(parse_client_report(b"").is_err());
        assert!(parse_client_report(b"{").is_err());
        assert_eq!(parse_client_report(b"{}").expect("empty object"), []);
    }
}
