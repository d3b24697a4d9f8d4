//! The order of the processing passes: normalize, user agent, scrub, group, derive; then the derived
//! fields are written into the payload so the stored JSON describes itself.

use super::derive::{Derived, derive};
use super::group::{GroupingRules, group};
use super::normalize::{Normalized, normalize};
use super::scrub::scrub_event;
use super::user_agent::normalize_user_agent;
use super::{EventItemKind, ProcessedEvent, ProjectConfig, RequestMeta};
use crate::event::str_field;
use serde_json::{Map, Value};

/// Why an event could not be processed. The caller drops it with an `invalid` outcome; the
/// HTTP answer is unaffected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessError {
    /// The payload is not a JSON object.
    #[error("event payload is not a json object")]
    NotAnObject,
    /// A transaction lacks `start_timestamp`, `timestamp` or a valid trace context.
    #[error("invalid transaction: {0}")]
    InvalidTransaction(String),
}

/// Processes one event payload: normalizes it, infers user-agent contexts, groups it and
/// derives title, culprit, metadata and tags.
///
/// The payload is taken by value and changed in place; the returned
/// [`ProcessedEvent::payload`] is the normalized event with `type`, `title`, `culprit`,
/// `metadata`, `tags` (a pair list), `grouping_config` and `hashes` written in.
pub fn process(
    payload: Value,
    kind: EventItemKind,
    config: &ProjectConfig,
    meta: &RequestMeta,
) -> Result<ProcessedEvent, ProcessError> {
    let Value::Object(mut event) = payload else {
        return Err(ProcessError::NotAnObject);
    };
    let Normalized {
        event_id,
        event_type,
        timestamp,
    } = normalize(&mut event, kind, meta)?;
    normalize_user_agent(&mut event);
    // Before grouping and derivation, so no hash, title or tag carries what was scrubbed.
    scrub_event(&mut event, &config.scrubbing);

    let rules = GroupingRules {
        enhancements: config.grouping_enhancements.clone(),
        fingerprinting: config.fingerprinting_rules.clone(),
    };
    let payload = Value::Object(event);
    let grouping = group(&payload, &rules);
    let Value::Object(mut event) = payload else {
        return Err(ProcessError::NotAnObject);
    };
    let Derived {
        title,
        culprit,
        metadata,
        tags,
        user_ident,
    } = derive(&event, event_type, &grouping);

    let column = |event: &Map<String, Value>, key: &str| str_field(event, key).map(str::to_owned);
    let level = column(&event, "level").unwrap_or_else(|| "error".to_owned());
    let platform = column(&event, "platform").unwrap_or_else(|| "other".to_owned());
    let environment = column(&event, "environment");
    let release = column(&event, "release");
    let transaction = column(&event, "transaction");
    let trace_id = event
        .get("contexts")
        .and_then(|contexts| contexts.get("trace"))
        .and_then(|trace| trace.get("trace_id"))
        .and_then(Value::as_str)
        .map(str::to_owned);

    let tag_pairs = tags
        .iter()
        .map(|(key, value)| {
            Value::Array(vec![
                Value::String(key.clone()),
                Value::String(value.clone()),
            ])
        })
        .collect();
    event.insert("tags".to_owned(), Value::Array(tag_pairs));
    event.insert("title".to_owned(), Value::String(title.clone()));
    event.insert("culprit".to_owned(), Value::String(culprit.clone()));
    event.insert("metadata".to_owned(), Value::Object(metadata.clone()));
    let grouping_config =
        Map::from_iter([("id".to_owned(), Value::String(grouping.config.clone()))]);
    event.insert("grouping_config".to_owned(), Value::Object(grouping_config));
    if let Some(id) = grouping.main_exception_id {
        event.insert("main_exception_id".to_owned(), Value::from(id));
    }
    event.insert(
        "hashes".to_owned(),
        grouping.hashes.iter().cloned().map(Value::String).collect(),
    );

    Ok(ProcessedEvent {
        event_id,
        payload: Value::Object(event),
        event_type: event_type.as_str().to_owned(),
        timestamp,
        received_at: meta.received_at,
        level,
        platform,
        environment,
        release,
        transaction,
        trace_id,
        title,
        culprit,
        metadata: Value::Object(metadata),
        tags,
        user_ident,
        grouping,
    })
}

#[cfg(test)]
mod tests;
