//! Per-envelope item budgets (§6): how many items of a group an envelope may carry, how large
//! each may be and how large they may be together. Exceeding any rejects the whole envelope
//! with HTTP 413, as Relay does since 26.1.0.

use super::item::{Item, ItemType};
use super::parse::Envelope;
use crate::limits::{
    ATTACHMENT_ITEM_BYTES_MAX, ATTACHMENT_ITEMS_BYTES_MAX, ATTACHMENT_ITEMS_MAX,
    CHECK_IN_ITEM_BYTES_MAX, CHECK_IN_ITEMS_MAX, CLIENT_REPORT_ITEM_BYTES_MAX,
    CLIENT_REPORT_ITEMS_BYTES_MAX, CLIENT_REPORT_ITEMS_MAX, EVENT_ITEM_BYTES_MAX,
    EVENT_ITEMS_BYTES_MAX, EVENT_ITEMS_MAX, LOG_BYTES_MAX, LOG_CONTAINERS_BYTES_MAX,
    LOG_CONTAINERS_MAX, METRIC_ITEM_BYTES_MAX, METRIC_ITEMS_MAX, PROFILE_ITEM_BYTES_MAX,
    PROFILE_ITEMS_BYTES_MAX, PROFILE_ITEMS_MAX, REPLAY_RECORDING_ITEM_BYTES_MAX,
    REPLAY_RECORDING_ITEMS_MAX, REPLAY_VIDEO_ITEM_BYTES_MAX, REPLAY_VIDEO_ITEMS_MAX,
    SESSION_ITEM_BYTES_MAX, SESSION_ITEMS_BYTES_MAX, SESSION_ITEMS_MAX, SPAN_BYTES_MAX,
    SPAN_CONTAINERS_MAX, SPAN_ITEMS_BYTES_MAX, SPAN_ITEMS_MAX, TRACE_METRIC_BYTES_MAX,
    TRACE_METRIC_CONTAINERS_BYTES_MAX, TRACE_METRIC_CONTAINERS_MAX,
};

/// An envelope that exceeds an item budget (an HTTP 413).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct SizeLimitError {
    /// The type of the item that broke the budget.
    pub item_type: String,
    /// The whole message for the response body, Relay's wording plus which limit, e.g.
    /// `envelope exceeded size limits for type 'event': 2 items, at most 1`.
    pub detail: String,
}

/// The budget groups of §6. Items of one group share its count and total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Event,
    Attachment,
    Session,
    ClientReport,
    Profile,
    CheckIn,
    ReplayRecording,
    ReplayVideo,
    Log,
    TraceMetric,
    SpanContainer,
    Span,
    Metric,
}

/// The limits of one group.
struct Budget {
    /// Largest item; for containers, the largest average entry (payload / `item_count`).
    item_bytes_max: usize,
    items_max: usize,
    total_bytes_max: usize,
}

/// Number of groups, for the per-group counters.
const GROUPS: usize = Group::Metric as usize + 1;

impl Group {
    fn of(item: &Item<'_>) -> Option<Group> {
        let group = match item.ty {
            ItemType::Event
            | ItemType::Transaction
            | ItemType::Security
            | ItemType::RawSecurity
            | ItemType::ReplayEvent
            | ItemType::Feedback
            | ItemType::FormData => Self::Event,
            ItemType::Attachment | ItemType::UnrealReport | ItemType::UserReport => {
                Self::Attachment
            }
            ItemType::Session | ItemType::Sessions => Self::Session,
            ItemType::ClientReport => Self::ClientReport,
            ItemType::Profile | ItemType::ProfileChunk => Self::Profile,
            ItemType::CheckIn => Self::CheckIn,
            ItemType::ReplayRecording => Self::ReplayRecording,
            ItemType::ReplayVideo => Self::ReplayVideo,
            ItemType::Log => Self::Log,
            ItemType::TraceMetric => Self::TraceMetric,
            ItemType::Span if item.container_kind().is_some() => Self::SpanContainer,
            ItemType::Span => Self::Span,
            ItemType::Statsd | ItemType::MetricBuckets => Self::Metric,
            _ => return None,
        };
        Some(group)
    }

    fn budget(self) -> Budget {
        let (item_bytes_max, items_max, total_bytes_max) = match self {
            Self::Event => (EVENT_ITEM_BYTES_MAX, EVENT_ITEMS_MAX, EVENT_ITEMS_BYTES_MAX),
            Self::Attachment => (
                ATTACHMENT_ITEM_BYTES_MAX,
                ATTACHMENT_ITEMS_MAX,
                ATTACHMENT_ITEMS_BYTES_MAX,
            ),
            Self::Session => (
                SESSION_ITEM_BYTES_MAX,
                SESSION_ITEMS_MAX,
                SESSION_ITEMS_BYTES_MAX,
            ),
            Self::ClientReport => (
                CLIENT_REPORT_ITEM_BYTES_MAX,
                CLIENT_REPORT_ITEMS_MAX,
                CLIENT_REPORT_ITEMS_BYTES_MAX,
            ),
            Self::Profile => (
                PROFILE_ITEM_BYTES_MAX,
                PROFILE_ITEMS_MAX,
                PROFILE_ITEMS_BYTES_MAX,
            ),
            Self::CheckIn => (
                CHECK_IN_ITEM_BYTES_MAX,
                CHECK_IN_ITEMS_MAX,
                CHECK_IN_ITEM_BYTES_MAX,
            ),
            Self::ReplayRecording => (
                REPLAY_RECORDING_ITEM_BYTES_MAX,
                REPLAY_RECORDING_ITEMS_MAX,
                REPLAY_RECORDING_ITEM_BYTES_MAX,
            ),
            Self::ReplayVideo => (
                REPLAY_VIDEO_ITEM_BYTES_MAX,
                REPLAY_VIDEO_ITEMS_MAX,
                REPLAY_VIDEO_ITEM_BYTES_MAX,
            ),
            Self::Log => (LOG_BYTES_MAX, LOG_CONTAINERS_MAX, LOG_CONTAINERS_BYTES_MAX),
            Self::TraceMetric => (
                TRACE_METRIC_BYTES_MAX,
                TRACE_METRIC_CONTAINERS_MAX,
                TRACE_METRIC_CONTAINERS_BYTES_MAX,
            ),
            Self::SpanContainer => (SPAN_BYTES_MAX, SPAN_CONTAINERS_MAX, SPAN_ITEMS_BYTES_MAX),
            Self::Span => (SPAN_BYTES_MAX, SPAN_ITEMS_MAX, SPAN_ITEMS_BYTES_MAX),
            Self::Metric => (
                METRIC_ITEM_BYTES_MAX,
                METRIC_ITEMS_MAX,
                METRIC_ITEM_BYTES_MAX,
            ),
        };
        Budget {
            item_bytes_max,
            items_max,
            total_bytes_max,
        }
    }

    /// Returns whether items of this group are containers whose size is judged per entry.
    fn is_averaged(self) -> bool {
        matches!(self, Self::Log | Self::TraceMetric | Self::SpanContainer)
    }

    /// Returns the slot whose total bytes this group adds to: v2 span containers and legacy
    /// spans share one span budget.
    fn total_slot(self) -> usize {
        match self {
            Self::SpanContainer => Self::Span as usize,
            other => other as usize,
        }
    }
}

/// Checks the per-envelope item limits of spec §6 (the event/transaction/... budget: 1 item,
/// 1 MiB; 30 attachments; 100 sessions; etc.). Unknown item types are not checked.
pub fn check_size_limits(envelope: &Envelope<'_>) -> Result<(), SizeLimitError> {
    let mut counts = [0usize; GROUPS];
    let mut totals_bytes = [0usize; GROUPS];
    for item in &envelope.items {
        let Some(group) = Group::of(item) else {
            continue;
        };
        let budget = group.budget();
        let too_large = |limit: String| SizeLimitError {
            item_type: item.ty.as_str().to_owned(),
            detail: format!(
                "envelope exceeded size limits for type '{}': {limit}",
                item.ty.as_str()
            ),
        };
        let bytes = item.payload.len();
        if group.is_averaged() {
            let entries = item.item_count().unwrap_or(1).max(1);
            let allowed = (budget.item_bytes_max as u64).saturating_mul(entries);
            if bytes as u64 > allowed {
                return Err(too_large(format!(
                    "{bytes} bytes for {entries} entries, at most {} bytes per entry",
                    budget.item_bytes_max
                )));
            }
        } else if bytes > budget.item_bytes_max {
            return Err(too_large(format!(
                "item of {bytes} bytes, at most {}",
                budget.item_bytes_max
            )));
        }
        let count = &mut counts[group as usize];
        *count += 1;
        if *count > budget.items_max {
            return Err(too_large(format!(
                "{count} items, at most {}",
                budget.items_max
            )));
        }
        let total = &mut totals_bytes[group.total_slot()];
        *total = total.saturating_add(bytes);
        if *total > budget.total_bytes_max {
            return Err(too_large(format!(
                "{total} bytes in total, at most {}",
                budget.total_bytes_max
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::limits::{ENVELOPE_ITEMS_MAX, SPAN_ITEMS_BYTES_MAX};

    /// Builds an envelope from `(headers, payload length)` pairs without framing, so large
    /// payloads share one zeroed buffer.
    fn envelope<'a>(buffer: &'a [u8], items: &[(Value, usize)]) -> Envelope<'a> {
        let items = items
            .iter()
            .map(|(headers, len)| {
                let Value::Object(headers) = headers.clone() else {
                    panic!("headers must be an object");
                };
                let ty = ItemType::from_name(headers["type"].as_str().unwrap_or_default());
                Item {
                    headers,
                    ty,
                    payload: &buffer[..*len],
                }
            })
            .collect();
        Envelope {
            headers: Map::new(),
            items,
        }
    }

    fn of_type(name: &str, len: usize) -> (Value, usize) {
        (json!({ "type": name }), len)
    }

    fn check(items: &[(Value, usize)]) -> Result<(), SizeLimitError> {
        let largest = items.iter().map(|(_, len)| *len).max().unwrap_or(0);
        let buffer = vec![0u8; largest];
        check_size_limits(&envelope(&buffer, items))
    }

    fn rejected_type(items: &[(Value, usize)]) -> String {
        check(items).expect_err("over a limit").item_type
    }

    #[test]
    fn event_item_at_1_mib_passes_and_one_byte_more_is_too_large() {
        assert_eq!(check(&[of_type("event", EVENT_ITEM_BYTES_MAX)]), Ok(()));
        let error = check(&[of_type("event", EVENT_ITEM_BYTES_MAX + 1)]).expect_err("too large");
        assert_eq!(error.item_type, "event");
        assert_eq!(
            error.detail,
            format!(
                "envelope exceeded size limits for type 'event': item of {} bytes, at most {}",
                EVENT_ITEM_BYTES_MAX + 1,
                EVENT_ITEM_BYTES_MAX
            )
        );
        assert_eq!(error.to_string(), error.detail);
    }

    #[test]
    fn two_event_items_are_too_many() {
        assert_eq!(
            rejected_type(&[of_type("event", 2), of_type("event", 2)]),
            "event"
        );
        // One budget for the whole event group.
        assert_eq!(
            rejected_type(&[of_type("event", 2), of_type("transaction", 2)]),
            "transaction"
        );
        assert_eq!(
            rejected_type(&[of_type("feedback", 2), of_type("replay_event", 2)]),
            "replay_event"
        );
    }

    #[test]
    fn thirty_attachments_pass_and_31_are_too_many() {
        let at_limit = vec![of_type("attachment", 1); ATTACHMENT_ITEMS_MAX];
        assert_eq!(check(&at_limit), Ok(()));
        let mut over = at_limit.clone();
        over.push(of_type("user_report", 1));
        assert_eq!(rejected_type(&over), "user_report");
    }

    #[test]
    fn attachment_total_is_limited() {
        let half = ATTACHMENT_ITEMS_BYTES_MAX / 2;
        assert_eq!(
            check(&[of_type("attachment", half), of_type("attachment", half)]),
            Ok(())
        );
        assert_eq!(
            rejected_type(&[
                of_type("attachment", half),
                of_type("attachment", half),
                of_type("attachment", 1)
            ]),
            "attachment"
        );
    }

    #[test]
    fn sessions_at_limit_pass_and_one_more_is_too_many() {
        let mut items = vec![of_type("session", 10); SESSION_ITEMS_MAX - 1];
        items.push(of_type("sessions", 10));
        assert_eq!(check(&items), Ok(()));
        items.push(of_type("session", 10));
        assert_eq!(rejected_type(&items), "session");
        assert_eq!(check(&[of_type("session", SESSION_ITEM_BYTES_MAX)]), Ok(()));
        assert_eq!(
            rejected_type(&[of_type("sessions", SESSION_ITEM_BYTES_MAX + 1)]),
            "sessions"
        );
    }

    #[test]
    fn client_reports_at_limit_pass_and_one_more_is_too_many() {
        let items = vec![of_type("client_report", 1); CLIENT_REPORT_ITEMS_MAX];
        assert_eq!(check(&items), Ok(()));
        let mut over = items.clone();
        over.push(of_type("client_report", 1));
        assert_eq!(rejected_type(&over), "client_report");
        assert_eq!(
            check(&[of_type("client_report", CLIENT_REPORT_ITEM_BYTES_MAX)]),
            Ok(())
        );
        assert_eq!(
            rejected_type(&[of_type("client_report", CLIENT_REPORT_ITEM_BYTES_MAX + 1)]),
            "client_report"
        );
        let half = CLIENT_REPORT_ITEMS_BYTES_MAX / 2;
        assert_eq!(
            rejected_type(&[
                of_type("client_report", half),
                of_type("client_report", half + 1)
            ]),
            "client_report"
        );
    }

    #[test]
    fn single_item_groups_at_limit_pass_and_over_fail() {
        let cases = [
            ("check_in", CHECK_IN_ITEM_BYTES_MAX),
            ("profile", PROFILE_ITEM_BYTES_MAX),
            ("profile_chunk", PROFILE_ITEM_BYTES_MAX),
            ("replay_recording", REPLAY_RECORDING_ITEM_BYTES_MAX),
            ("replay_video", REPLAY_VIDEO_ITEM_BYTES_MAX),
            ("statsd", METRIC_ITEM_BYTES_MAX),
            ("metric_buckets", METRIC_ITEM_BYTES_MAX),
            ("raw_security", EVENT_ITEM_BYTES_MAX),
        ];
        for (name, max) in cases {
            assert_eq!(check(&[of_type(name, max)]), Ok(()), "{name}");
            assert_eq!(rejected_type(&[of_type(name, max + 1)]), name);
            assert_eq!(rejected_type(&[of_type(name, 1), of_type(name, 1)]), name);
        }
        assert_eq!(
            rejected_type(&[of_type("profile", 1), of_type("profile_chunk", 1)]),
            "profile_chunk"
        );
    }

    fn container(name: &str, item_count: u64, len: usize) -> (Value, usize) {
        (json!({ "type": name, "item_count": item_count }), len)
    }

    #[test]
    fn containers_are_judged_by_average_entry_size() {
        let cases = [
            ("log", LOG_BYTES_MAX),
            ("trace_metric", TRACE_METRIC_BYTES_MAX),
        ];
        for (name, max) in cases {
            assert_eq!(check(&[container(name, 1, max)]), Ok(()), "{name}");
            assert_eq!(rejected_type(&[container(name, 1, max + 1)]), name);
            // Five entries may carry five times the per-entry limit, up to the 12 MiB total.
            assert_eq!(check(&[container(name, 5, max * 5)]), Ok(()), "{name}");
            assert_eq!(rejected_type(&[container(name, 5, max * 5 + 1)]), name);
            assert_eq!(
                rejected_type(&[container(name, 1, 1), container(name, 1, 1)]),
                name
            );
        }
        assert_eq!(
            check(&[container("log", 100, LOG_CONTAINERS_BYTES_MAX)]),
            Ok(())
        );
        assert_eq!(
            rejected_type(&[container("log", 100, LOG_CONTAINERS_BYTES_MAX + 1)]),
            "log"
        );
        assert_eq!(
            rejected_type(&[container(
                "trace_metric",
                100,
                TRACE_METRIC_CONTAINERS_BYTES_MAX + 1
            )]),
            "trace_metric"
        );
        // A missing or zero item_count counts as one entry.
        assert_eq!(
            rejected_type(&[container("log", 0, LOG_BYTES_MAX + 1)]),
            "log"
        );
        assert_eq!(rejected_type(&[of_type("log", LOG_BYTES_MAX + 1)]), "log");
    }

    fn span_container(item_count: u64, len: usize) -> (Value, usize) {
        (
            json!({"type": "span", "item_count": item_count,
                   "content_type": "application/vnd.sentry.items.span.v2+json"}),
            len,
        )
    }

    #[test]
    fn spans_share_one_budget() {
        let legacy = vec![of_type("span", 10); SPAN_ITEMS_MAX];
        assert_eq!(check(&legacy), Ok(()));
        let mut over = legacy.clone();
        over.push(of_type("span", 10));
        assert_eq!(rejected_type(&over), "span");
        assert_eq!(check(&[of_type("span", SPAN_BYTES_MAX)]), Ok(()));
        assert_eq!(
            rejected_type(&[of_type("span", SPAN_BYTES_MAX + 1)]),
            "span"
        );

        assert_eq!(check(&[span_container(2, SPAN_ITEMS_BYTES_MAX)]), Ok(()));
        assert_eq!(
            rejected_type(&[span_container(2, SPAN_ITEMS_BYTES_MAX + 1)]),
            "span"
        );
        assert_eq!(
            rejected_type(&[span_container(1, 1), span_container(1, 1)]),
            "span"
        );
        let half = SPAN_ITEMS_BYTES_MAX / 2;
        assert_eq!(
            check(&[span_container(1, half), of_type("span", half)]),
            Ok(())
        );
        assert_eq!(
            rejected_type(&[span_container(1, half), of_type("span", half + 1)]),
            "span"
        );
    }

    #[test]
    fn unknown_and_ungrouped_items_are_not_checked() {
        let items = vec![of_type("future_thing", 1); ENVELOPE_ITEMS_MAX];
        assert_eq!(check(&items), Ok(()));
        assert_eq!(
            check(&[of_type("otel_span", EVENT_ITEM_BYTES_MAX * 2)]),
            Ok(())
        );
    }

    #[test]
    fn typical_mixed_envelope_passes() {
        let items = [
            of_type("event", 2000),
            of_type("attachment", 10),
            of_type("attachment", 10),
            of_type("session", 200),
            of_type("client_report", 100),
            container("log", 3, 900),
        ];
        assert_eq!(check(&items), Ok(()));
    }
}
