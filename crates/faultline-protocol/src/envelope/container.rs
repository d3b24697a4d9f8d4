//! Item containers: `log`, `trace_metric` and v2 `span` items carrying many entries (§4.5).
//!
//! ```text
//! {"type":"log","item_count":2,"content_type":"application/vnd.sentry.items.log+json"}
//! {"version":2,"items":[{...},{...}]}
//! ```
//!
//! A container whose type, content type or `item_count` disagree with its `items` is dropped
//! as invalid; the request itself still succeeds.

use serde::Deserialize;
use serde_json::Value;

use super::item::{Item, ItemType};

/// What a container holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// Logs (`log` items).
    Log,
    /// Trace metrics (`trace_metric` items).
    TraceMetric,
    /// Streamed v2 spans (`span` items with the v2 content type).
    Span,
}

impl ContainerKind {
    /// Returns the item type carrying this kind of container.
    pub fn item_type(&self) -> ItemType {
        match self {
            Self::Log => ItemType::Log,
            Self::TraceMetric => ItemType::TraceMetric,
            Self::Span => ItemType::Span,
        }
    }

    /// Returns the content type a container of this kind must declare.
    pub fn content_type(&self) -> &'static str {
        match self {
            Self::Log => "application/vnd.sentry.items.log+json",
            Self::TraceMetric => "application/vnd.sentry.items.trace-metric+json",
            Self::Span => "application/vnd.sentry.items.span.v2+json",
        }
    }

    /// Returns whether `content_type` names this kind's media type (case-insensitive,
    /// parameters such as `; charset=utf-8` ignored).
    pub fn matches_content_type(&self, content_type: &str) -> bool {
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        media_type.eq_ignore_ascii_case(self.content_type())
    }
}

/// Why a container item is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    /// The item is not of a container type.
    #[error("item of type '{0}' is not a container")]
    NotAContainer(String),
    /// The `content_type` header is not the one of the container's kind.
    #[error("expected content type {expected} but got {actual:?}")]
    ContentTypeMismatch {
        /// The required content type.
        expected: &'static str,
        /// The content type sent.
        actual: Option<String>,
    },
    /// `item_count` is missing or differs from the number of entries.
    #[error("container declared item_count {declared:?} but holds {actual} items")]
    ItemCountMismatch {
        /// The `item_count` header, if it was an integer.
        declared: Option<u64>,
        /// The number of entries in `items`.
        actual: usize,
    },
    /// The payload is not a JSON object with an `items` array.
    #[error("invalid container payload: {0}")]
    InvalidPayload(String),
}

/// A parsed container payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// What the container holds.
    pub kind: ContainerKind,
    /// The entries, unparsed.
    pub items: Vec<Value>,
    /// The optional `ingest_settings` object (browser SDKs: IP and user-agent inference).
    pub ingest_settings: Option<Value>,
}

/// The payload shape; other top-level keys (such as `version`) are ignored.
#[derive(Deserialize)]
struct Payload {
    items: Vec<Value>,
    #[serde(default)]
    ingest_settings: Option<Value>,
}

/// Parses and validates a container item: its type and content type must name the same
/// kind and `item_count` must equal the number of `items`.
pub fn parse_container(item: &Item<'_>) -> Result<Container, ContainerError> {
    let kind = match item.ty {
        ItemType::Log => ContainerKind::Log,
        ItemType::TraceMetric => ContainerKind::TraceMetric,
        ItemType::Span => ContainerKind::Span,
        _ => return Err(ContainerError::NotAContainer(item.ty.as_str().to_owned())),
    };
    let content_type = item.content_type();
    if !content_type.is_some_and(|content_type| kind.matches_content_type(content_type)) {
        return Err(ContainerError::ContentTypeMismatch {
            expected: kind.content_type(),
            actual: content_type.map(str::to_owned),
        });
    }
    let payload: Payload = serde_json::from_slice(item.payload)
        .map_err(|error| ContainerError::InvalidPayload(error.to_string()))?;
    let declared = item.item_count();
    if declared != Some(payload.items.len() as u64) {
        return Err(ContainerError::ItemCountMismatch {
            declared,
            actual: payload.items.len(),
        });
    }
    Ok(Container {
        kind,
        items: payload.items,
        ingest_settings: payload.ingest_settings,
    })
}

/// Validates a container item (log / trace_metric / span v2) and returns its item count.
pub fn validate_container(item: &Item<'_>) -> Result<usize, ContainerError> {
    parse_container(item).map(|container| container.items.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;

    const LOG: &str = "application/vnd.sentry.items.log+json";

    fn check(body: &str) -> Result<usize, ContainerError> {
        let envelope = Envelope::parse(body.as_bytes()).expect("valid framing");
        validate_container(&envelope.items[0])
    }

    #[test]
    fn log_container_with_matching_count_is_valid() {
        let body = format!(
            "{{}}\n{{\"type\":\"log\",\"item_count\":2,\"content_type\":\"{LOG}\"}}\n\
             {{\"version\":2,\"items\":[{{\"body\":\"a\"}},{{\"body\":\"b\"}}]}}"
        );
        assert_eq!(check(&body), Ok(2));
    }

    #[test]
    fn log_container_with_wrong_item_count_is_invalid() {
        // Checklist 24: item_count 2 but three entries.
        let body = format!(
            "{{}}\n{{\"type\":\"log\",\"item_count\":2,\"content_type\":\"{LOG}\"}}\n\
             {{\"items\":[{{}},{{}},{{}}]}}"
        );
        assert_eq!(
            check(&body),
            Err(ContainerError::ItemCountMismatch {
                declared: Some(2),
                actual: 3
            })
        );
    }

    #[test]
    fn missing_item_count_is_invalid() {
        let body =
            format!("{{}}\n{{\"type\":\"log\",\"content_type\":\"{LOG}\"}}\n{{\"items\":[]}}");
        assert_eq!(
            check(&body),
            Err(ContainerError::ItemCountMismatch {
                declared: None,
                actual: 0
            })
        );
    }

    #[test]
    fn content_type_must_match_the_kind() {
        let wrong = "{}\n{\"type\":\"log\",\"item_count\":0,\"content_type\":\"application/json\"}\n{\"items\":[]}";
        assert!(matches!(
            check(wrong),
            Err(ContainerError::ContentTypeMismatch { .. })
        ));
        let missing = "{}\n{\"type\":\"trace_metric\",\"item_count\":0}\n{\"items\":[]}";
        assert_eq!(
            check(missing),
            Err(ContainerError::ContentTypeMismatch {
                expected: "application/vnd.sentry.items.trace-metric+json",
                actual: None
            })
        );
        let with_params = format!(
            "{{}}\n{{\"type\":\"log\",\"item_count\":0,\"content_type\":\"{} ; charset=utf-8\"}}\n{{\"items\":[]}}",
            LOG.to_uppercase()
        );
        assert_eq!(check(&with_params), Ok(0));
    }

    #[test]
    fn span_v2_container_and_ingest_settings() {
        let body = "{}\n{\"type\":\"span\",\"item_count\":1,\"content_type\":\"application/vnd.sentry.items.span.v2+json\"}\n\
             {\"ingest_settings\":{\"infer_ip\":\"auto\"},\"items\":[{\"span_id\":\"a\"}]}";
        let envelope = Envelope::parse(body.as_bytes()).expect("valid framing");
        let container = parse_container(&envelope.items[0]).expect("valid container");
        assert_eq!(container.kind, ContainerKind::Span);
        assert_eq!(container.items.len(), 1);
        assert_eq!(
            container.ingest_settings,
            Some(serde_json::json!({"infer_ip":"auto"}))
        );
    }

    #[test]
    fn malformed_payloads_are_invalid() {
        for payload in ["[]", "{}", "{\"items\":{}}", "not json"] {
            let body = format!(
                "{{}}\n{{\"type\":\"log\",\"item_count\":0,\"content_type\":\"{LOG}\"}}\n{payload}"
            );
            assert!(
                matches!(check(&body), Err(ContainerError::InvalidPayload(_))),
                "{payload}"
            );
        }
    }

    #[test]
    fn other_items_are_not_containers() {
        assert_eq!(
            check("{}\n{\"type\":\"event\"}\n{}"),
            Err(ContainerError::NotAContainer("event".into()))
        );
    }
}
