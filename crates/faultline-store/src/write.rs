//! Write requests: what the ingest path hands the store ([`WriteOp`]), and their encoded form
//! (payloads serialized and zstd-compressed, columns extracted) that the writer executes.
//!
//! Encoding runs on the caller's side of the queue, so the single writer thread spends its time
//! on SQL only; it also checks, with `assert!`, the invariants that processing promises about
//! data crossing into storage.

use chrono::{DateTime, Utc};
use faultline_protocol::process::ProcessedEvent;
use serde_json::Value;

use crate::codec::{self, micros};
use crate::limits::EMAIL_BYTES_MAX;

/// One row-level write. A request is a `Vec<WriteOp>` that commits atomically with its batch.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// A processed error/default/security event: inserted into events, filed under an issue
    /// through its grouphashes (created when none matches), and counted in the issue's
    /// counters, users, tag values and hourly buckets, all in the same transaction. A new
    /// event on a resolved issue reopens it as a regression. A duplicate `event_id` in the
    /// same project is ignored and not counted again.
    Event {
        project_id: i64,
        event: ProcessedEvent,
    },
    /// A processed transaction: stored with its indexed columns and compressed payload; no issue.
    Transaction {
        project_id: i64,
        event: ProcessedEvent,
    },
    /// Any other envelope item, kept as received until its own feature processes it
    /// (attachments, sessions, check-ins, logs, client reports, replays, profiles, unknown).
    RawItem {
        project_id: i64,
        event_id: Option<String>,
        item_type: String,
        headers: Value,
        payload: Vec<u8>,
        received_at: DateTime<Utc>,
    },
    /// A counted outcome (accepted items too), summed per project / hour / category /
    /// outcome / reason.
    Outcome {
        project_id: i64,
        category: String,
        outcome: String,
        reason: Option<String>,
        quantity: u64,
        timestamp: DateTime<Utc>,
    },
}

/// What a committed write reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteReceipt {
    /// Rows (write ops) in the transaction that committed this request, this one's included.
    pub batch_rows: usize,
}

/// A [`WriteOp`] ready for the writer.
#[derive(Debug)]
pub(crate) enum EncodedOp {
    Event(EncodedEvent),
    Transaction(EncodedTransaction),
    RawItem(EncodedRawItem),
    Outcome(EncodedOutcome),
}

/// The columns of an event row plus what filing it under an issue needs.
#[derive(Debug)]
pub(crate) struct EncodedEvent {
    pub(crate) project_id: i64,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) timestamp_us: i64,
    pub(crate) received_us: i64,
    pub(crate) level: String,
    pub(crate) platform: String,
    pub(crate) environment: Option<String>,
    pub(crate) release: Option<String>,
    pub(crate) transaction: Option<String>,
    pub(crate) trace_id: Option<String>,
    pub(crate) title: String,
    pub(crate) culprit: String,
    pub(crate) metadata_json: String,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) user_ident: Option<String>,
    /// The user's e-mail address when the event carried one (after scrubbing), whatever
    /// identifies the user; at most `EMAIL_BYTES_MAX` bytes, else `None`.
    pub(crate) user_email: Option<String>,
    pub(crate) grouping_config: String,
    /// Primary hash first, then the other hashes in order, without repeats.
    pub(crate) hashes: Vec<String>,
    /// Serialized JSON until [`compress_payloads`] runs, zstd after.
    pub(crate) payload: Vec<u8>,
}

/// The columns of a transaction row.
#[derive(Debug)]
pub(crate) struct EncodedTransaction {
    pub(crate) project_id: i64,
    pub(crate) event_id: String,
    pub(crate) trace_id: Option<String>,
    pub(crate) transaction: Option<String>,
    pub(crate) op: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) timestamp_us: i64,
    pub(crate) duration_us: Option<i64>,
    pub(crate) received_us: i64,
    pub(crate) environment: Option<String>,
    pub(crate) release: Option<String>,
    pub(crate) platform: String,
    /// Serialized JSON until [`compress_payloads`] runs, zstd after.
    pub(crate) payload: Vec<u8>,
}

/// The columns of a raw item row.
#[derive(Debug)]
pub(crate) struct EncodedRawItem {
    pub(crate) project_id: i64,
    pub(crate) event_id: Option<String>,
    pub(crate) item_type: String,
    pub(crate) headers_json: String,
    pub(crate) payload_size_bytes: i64,
    pub(crate) received_us: i64,
    /// As received until [`compress_payloads`] runs, zstd after.
    pub(crate) payload: Vec<u8>,
}

/// One outcome count, keyed by its hourly bucket.
#[derive(Debug)]
pub(crate) struct EncodedOutcome {
    pub(crate) project_id: i64,
    pub(crate) hour_secs: i64,
    pub(crate) category: String,
    pub(crate) outcome: String,
    /// `""` for no reason: the column is part of a primary key and so not nullable.
    pub(crate) reason: String,
    pub(crate) quantity: i64,
}

/// Returns the ops with columns extracted and payloads serialized (not yet compressed), and
/// the total payload bytes to compress.
///
/// Panics when processing broke one of its promises about an event (a bad `event_id`, no
/// primary hash): that is a bug upstream, and failing this request is better than storing
/// an event no query can find.
pub(crate) fn serialize(ops: Vec<WriteOp>) -> (Vec<EncodedOp>, usize) {
    let mut payload_bytes = 0;
    let encoded: Vec<EncodedOp> = ops
        .into_iter()
        .map(|op| {
            let op = serialize_op(op);
            payload_bytes += match &op {
                EncodedOp::Event(event) => event.payload.len(),
                EncodedOp::Transaction(transaction) => transaction.payload.len(),
                EncodedOp::RawItem(item) => item.payload.len(),
                EncodedOp::Outcome(_) => 0,
            };
            op
        })
        .collect();
    (encoded, payload_bytes)
}

/// Replaces every payload with its zstd compression (CPU-bound: large requests call this on
/// the blocking pool).
pub(crate) fn compress_payloads(ops: &mut [EncodedOp]) {
    for op in ops {
        let payload = match op {
            EncodedOp::Event(event) => &mut event.payload,
            EncodedOp::Transaction(transaction) => &mut transaction.payload,
            EncodedOp::RawItem(item) => &mut item.payload,
            EncodedOp::Outcome(_) => continue,
        };
        *payload = codec::compress(payload);
    }
}

fn serialize_op(op: WriteOp) -> EncodedOp {
    match op {
        WriteOp::Event { project_id, event } => {
            EncodedOp::Event(serialize_event(project_id, event))
        }
        WriteOp::Transaction { project_id, event } => {
            EncodedOp::Transaction(serialize_transaction(project_id, event))
        }
        WriteOp::RawItem {
            project_id,
            event_id,
            item_type,
            headers,
            payload,
            received_at,
        } => {
            assert!(project_id > 0, "raw item for project id {project_id}");
            EncodedOp::RawItem(EncodedRawItem {
                project_id,
                event_id,
                item_type,
                headers_json: headers.to_string(),
                payload_size_bytes: i64::try_from(payload.len()).unwrap_or(i64::MAX),
                received_us: micros(received_at),
                payload,
            })
        }
        WriteOp::Outcome {
            project_id,
            category,
            outcome,
            reason,
            quantity,
            timestamp,
        } => EncodedOp::Outcome(EncodedOutcome {
            project_id,
            hour_secs: codec::hour_start_secs(micros(timestamp)),
            category,
            outcome,
            reason: reason.unwrap_or_default(),
            quantity: codec::to_column(quantity),
        }),
    }
}

/// Asserts what processing promises about an event that is about to be stored.
fn assert_event_invariants(project_id: i64, event: &ProcessedEvent) {
    assert!(project_id > 0, "event for project id {project_id}");
    assert!(
        event.event_id.len() == 32
            && event
                .event_id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "event_id is not 32 lowercase hex characters: {:?}",
        event.event_id
    );
}

fn serialize_event(project_id: i64, event: ProcessedEvent) -> EncodedEvent {
    assert_event_invariants(project_id, &event);
    let grouping = event.grouping;
    assert!(
        !grouping.primary_hash.is_empty(),
        "event {} has no primary hash",
        event.event_id
    );
    let mut hashes = Vec::with_capacity(grouping.hashes.len() + 1);
    hashes.push(grouping.primary_hash);
    for hash in grouping.hashes {
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }
    let user_email = event
        .payload
        .pointer("/user/email")
        .and_then(Value::as_str)
        .filter(|email| !email.is_empty() && email.len() <= EMAIL_BYTES_MAX)
        .map(str::to_owned);
    EncodedEvent {
        project_id,
        event_id: event.event_id,
        event_type: event.event_type,
        timestamp_us: micros(event.timestamp),
        received_us: micros(event.received_at),
        level: event.level,
        platform: event.platform,
        environment: event.environment,
        release: event.release,
        transaction: event.transaction,
        trace_id: event.trace_id,
        title: event.title,
        culprit: event.culprit,
        metadata_json: event.metadata.to_string(),
        tags: event.tags,
        user_ident: event.user_ident,
        user_email,
        grouping_config: grouping.config,
        hashes,
        payload: json_bytes(&event.payload),
    }
}

fn serialize_transaction(project_id: i64, event: ProcessedEvent) -> EncodedTransaction {
    assert_event_invariants(project_id, &event);
    let trace = event.payload.pointer("/contexts/trace");
    let trace_str = |key: &str| {
        trace
            .and_then(|t| t.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let timestamp_us = micros(event.timestamp);
    let duration_us = event
        .payload
        .get("start_timestamp")
        .and_then(timestamp_us_of)
        .map(|start_us| timestamp_us.saturating_sub(start_us).max(0));
    EncodedTransaction {
        project_id,
        event_id: event.event_id,
        trace_id: event.trace_id,
        transaction: event.transaction,
        op: trace_str("op"),
        status: trace_str("status"),
        timestamp_us,
        duration_us,
        received_us: micros(event.received_at),
        environment: event.environment,
        release: event.release,
        platform: event.platform,
        payload: json_bytes(&event.payload),
    }
}

/// Returns the microseconds of a protocol timestamp: epoch seconds (number) or RFC 3339.
fn timestamp_us_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => {
            let secs = number.as_f64()?;
            // Rounds to whole microseconds; f64 keeps ~0.2 µs precision for current epochs.
            let us = (secs * 1_000_000.0).round();
            (us.is_finite() && us.abs() < 9.0e18).then_some(us as i64)
        }
        Value::String(text) => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_micros()),
        _ => None,
    }
}

/// Initial capacity of a payload's serialization buffer: most events fit, so the buffer is
/// rarely regrown and copied.
const PAYLOAD_BUFFER_BYTES: usize = 8 * 1024;

fn json_bytes(value: &Value) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(PAYLOAD_BUFFER_BYTES);
    // Serializing a `Value` into a `Vec` cannot fail: its keys are strings and the writer
    // is infallible, so this error branch is unreachable.
    if serde_json::to_writer(&mut bytes, value).is_err() {
        bytes.clear();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_read_as_numbers_or_rfc3339() {
        assert_eq!(timestamp_us_of(&json!(1.5)), Some(1_500_000));
        assert_eq!(
            timestamp_us_of(&json!("1970-01-01T00:00:02Z")),
            Some(2_000_000)
        );
        assert_eq!(timestamp_us_of(&json!("yesterday")), None);
        assert_eq!(timestamp_us_of(&json!(1e300)), None);
        assert_eq!(timestamp_us_of(&json!(null)), None);
    }

    #[test]
    fn outcome_without_reason_keys_on_empty_string() {
        let time = DateTime::from_timestamp(7_300, 0).unwrap_or_default();
        let op = WriteOp::Outcome {
            project_id: 1,
            category: "error".into(),
            outcome: "accepted".into(),
            reason: None,
            quantity: 3,
            timestamp: time,
        };
        let (ops, payload_bytes) = serialize(vec![op]);
        assert_eq!(payload_bytes, 0);
        match &ops[..] {
            [EncodedOp::Outcome(outcome)] => {
                assert_eq!(outcome.reason, "");
                assert_eq!(outcome.hour_secs, 7_200);
                assert_eq!(outcome.quantity, 3);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn raw_item_payload_is_compressed_in_place() {
        let op = WriteOp::RawItem {
            project_id: 1,
            event_id: None,
            item_type: "attachment".into(),
            headers: json!({"type": "attachment"}),
            payload: vec![b'a'; 10_000],
            received_at: Utc::now(),
        };
        let (mut ops, payload_bytes) = serialize(vec![op]);
        assert_eq!(payload_bytes, 10_000);
        compress_payloads(&mut ops);
        match &ops[..] {
            [EncodedOp::RawItem(item)] => {
                assert_eq!(item.payload_size_bytes, 10_000);
                assert_eq!(
                    codec::decompress(&item.payload).ok(),
                    Some(vec![b'a'; 10_000])
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
