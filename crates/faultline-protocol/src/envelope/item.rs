//! Envelope items: their types (§4.4), headers (§4.3) and data categories (§5.4).

use serde_json::{Map, Value};

use super::container::ContainerKind;
use crate::outcome::DataCategory;

/// The `type` of an envelope item.
///
/// Types this server does not know are kept as [`ItemType::Unknown`] and accepted, so that a
/// newer SDK never has its whole envelope rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ItemType {
    /// `event`: an error or message event.
    Event,
    /// `transaction`: a transaction event.
    Transaction,
    /// `attachment`: a file, minidump or crash report.
    Attachment,
    /// `session`: one session update.
    Session,
    /// `sessions`: pre-aggregated sessions.
    Sessions,
    /// `client_report`: the SDK's counts of discarded data.
    ClientReport,
    /// `check_in`: a cron check-in.
    CheckIn,
    /// `log`: a container of logs.
    Log,
    /// `trace_metric`: a container of trace metrics.
    TraceMetric,
    /// `span`: a v2 span container, or one legacy standalone span.
    Span,
    /// `profile`: a transaction-bound profile.
    Profile,
    /// `profile_chunk` (or its alias `profile_chunk_ui`): a continuous-profiling chunk.
    ProfileChunk,
    /// `replay_event`: replay metadata.
    ReplayEvent,
    /// `replay_recording`: an rrweb recording segment.
    ReplayRecording,
    /// `replay_video`: a mobile replay video segment.
    ReplayVideo,
    /// `feedback`: a user feedback event.
    Feedback,
    /// `user_report`: a legacy user report.
    UserReport,
    /// `raw_security`: a browser security report as the browser sent it.
    RawSecurity,
    /// `security`: a normalised security event (reserved).
    Security,
    /// `nel`: one Network Error Logging report.
    Nel,
    /// `form_data`: multipart text fields (reserved).
    FormData,
    /// `unreal_report`: an Unreal Engine crash container (reserved).
    UnrealReport,
    /// `statsd`: deprecated custom metrics.
    Statsd,
    /// `metric_buckets`: deprecated pre-aggregated metrics.
    MetricBuckets,
    /// `integration`: Relay-internal; rejected from clients.
    Integration,
    /// `otel_log`: removed; accepted and ignored.
    OtelLog,
    /// `otel_span`: removed; accepted and ignored.
    OtelSpan,
    /// `otel_traces_data`: removed; accepted and ignored.
    OtelTracesData,
    /// `metric_meta`: removed; accepted and ignored.
    MetricMeta,
    /// Any other type, kept as sent.
    Unknown(String),
}

/// Platforms whose profile chunks count as `profile_chunk_ui` (Relay's UI profile platforms).
const UI_PROFILE_PLATFORMS: [&str; 3] = ["cocoa", "android", "javascript"];

impl ItemType {
    /// Returns the type of an item `type` header value.
    pub fn from_name(name: &str) -> ItemType {
        match name {
            "event" => Self::Event,
            "transaction" => Self::Transaction,
            "attachment" => Self::Attachment,
            "session" => Self::Session,
            "sessions" => Self::Sessions,
            "client_report" => Self::ClientReport,
            "check_in" => Self::CheckIn,
            "log" => Self::Log,
            "trace_metric" => Self::TraceMetric,
            "span" => Self::Span,
            "profile" => Self::Profile,
            "profile_chunk" | "profile_chunk_ui" => Self::ProfileChunk,
            "replay_event" => Self::ReplayEvent,
            "replay_recording" => Self::ReplayRecording,
            "replay_video" => Self::ReplayVideo,
            "feedback" => Self::Feedback,
            "user_report" => Self::UserReport,
            "raw_security" => Self::RawSecurity,
            "security" => Self::Security,
            "nel" => Self::Nel,
            "form_data" => Self::FormData,
            "unreal_report" => Self::UnrealReport,
            "statsd" => Self::Statsd,
            "metric_buckets" => Self::MetricBuckets,
            "integration" => Self::Integration,
            "otel_log" => Self::OtelLog,
            "otel_span" => Self::OtelSpan,
            "otel_traces_data" => Self::OtelTracesData,
            "metric_meta" => Self::MetricMeta,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// Returns the wire name of the type.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Event => "event",
            Self::Transaction => "transaction",
            Self::Attachment => "attachment",
            Self::Session => "session",
            Self::Sessions => "sessions",
            Self::ClientReport => "client_report",
            Self::CheckIn => "check_in",
            Self::Log => "log",
            Self::TraceMetric => "trace_metric",
            Self::Span => "span",
            Self::Profile => "profile",
            Self::ProfileChunk => "profile_chunk",
            Self::ReplayEvent => "replay_event",
            Self::ReplayRecording => "replay_recording",
            Self::ReplayVideo => "replay_video",
            Self::Feedback => "feedback",
            Self::UserReport => "user_report",
            Self::RawSecurity => "raw_security",
            Self::Security => "security",
            Self::Nel => "nel",
            Self::FormData => "form_data",
            Self::UnrealReport => "unreal_report",
            Self::Statsd => "statsd",
            Self::MetricBuckets => "metric_buckets",
            Self::Integration => "integration",
            Self::OtelLog => "otel_log",
            Self::OtelSpan => "otel_span",
            Self::OtelTracesData => "otel_traces_data",
            Self::MetricMeta => "metric_meta",
            Self::Unknown(name) => name,
        }
    }

    /// Returns the data category rate limits and outcomes count this type as (§5.4), or
    /// `None` for types that are never limited (client reports, internal and removed types).
    pub fn category(&self) -> Option<DataCategory> {
        let category = match self {
            Self::Event | Self::UnrealReport => DataCategory::Error,
            Self::Transaction => DataCategory::Transaction,
            Self::Attachment => DataCategory::Attachment,
            Self::Session | Self::Sessions => DataCategory::Session,
            Self::CheckIn => DataCategory::Monitor,
            Self::Log => DataCategory::LogItem,
            Self::TraceMetric => DataCategory::TraceMetric,
            Self::Span => DataCategory::Span,
            Self::Profile => DataCategory::Profile,
            Self::ProfileChunk => DataCategory::ProfileChunk,
            Self::ReplayEvent | Self::ReplayRecording | Self::ReplayVideo => DataCategory::Replay,
            Self::Feedback | Self::UserReport => DataCategory::Feedback,
            Self::RawSecurity | Self::Security => DataCategory::Security,
            Self::ClientReport
            | Self::Nel
            | Self::FormData
            | Self::Statsd
            | Self::MetricBuckets
            | Self::Integration
            | Self::OtelLog
            | Self::OtelSpan
            | Self::OtelTracesData
            | Self::MetricMeta
            | Self::Unknown(_) => return None,
        };
        Some(category)
    }

    /// Returns whether an item of this type belongs to an event and so needs the envelope's
    /// `event_id` (one is assigned when absent, §4.2).
    pub fn requires_event(&self) -> bool {
        matches!(
            self,
            Self::Event
                | Self::Transaction
                | Self::Attachment
                | Self::UserReport
                | Self::Feedback
                | Self::ReplayEvent
                | Self::Profile
                | Self::RawSecurity
                | Self::Security
                | Self::FormData
                | Self::UnrealReport
        )
    }
}

impl std::fmt::Display for ItemType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One envelope item: its headers and a payload borrowed from the request body.
///
/// ```json
/// {"type":"attachment","length":6,"filename":"note.txt","content_type":"text/plain"}
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Item<'a> {
    /// Every item header as sent, `type` and `length` included.
    pub headers: Map<String, Value>,
    /// The parsed `type` header.
    pub ty: ItemType,
    /// The payload bytes.
    pub payload: &'a [u8],
}

impl Item<'_> {
    /// Returns a string item header.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.as_str()
    }

    /// Returns the `content_type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header_str("content_type")
    }

    /// Returns the `filename` header of an attachment.
    pub fn filename(&self) -> Option<&str> {
        self.header_str("filename")
    }

    /// Returns the `attachment_type` header (`event.attachment` when absent is the caller's
    /// default to apply).
    pub fn attachment_type(&self) -> Option<&str> {
        self.header_str("attachment_type")
    }

    /// Returns the `platform` header (profile chunks).
    pub fn platform(&self) -> Option<&str> {
        self.header_str("platform")
    }

    /// Returns the `item_count` header of a container, if it is a non-negative integer.
    pub fn item_count(&self) -> Option<u64> {
        self.headers.get("item_count")?.as_u64()
    }

    /// Returns the container kind when this item is a `log`, `trace_metric` or v2 `span`
    /// container. A `span` without the v2 content type is a legacy standalone span.
    pub fn container_kind(&self) -> Option<ContainerKind> {
        match self.ty {
            ItemType::Log => Some(ContainerKind::Log),
            ItemType::TraceMetric => Some(ContainerKind::TraceMetric),
            ItemType::Span => self
                .content_type()
                .filter(|content_type| ContainerKind::Span.matches_content_type(content_type))
                .map(|_| ContainerKind::Span),
            _ => None,
        }
    }

    /// Returns the data category of this item: that of its type, except that profile chunks
    /// of UI platforms (or sent as `profile_chunk_ui`) count as `profile_chunk_ui`.
    pub fn category(&self) -> Option<DataCategory> {
        if self.ty == ItemType::ProfileChunk {
            let ui_alias = self.header_str("type") == Some("profile_chunk_ui");
            let ui_platform = self
                .platform()
                .is_some_and(|platform| UI_PROFILE_PLATFORMS.contains(&platform));
            if ui_alias || ui_platform {
                return Some(DataCategory::ProfileChunkUi);
            }
        }
        self.ty.category()
    }

    /// Returns what this item counts against rate limits and outcomes, read from the headers
    /// alone: attachments count bytes (at least 1) and one `attachment_item`; containers count
    /// `item_count` entries (and bytes for logs and trace metrics); everything else counts 1 in
    /// its category. The spans inside a transaction are not counted here: that needs its payload.
    pub fn quantities(&self) -> Vec<(DataCategory, u64)> {
        let bytes = self.payload.len() as u64;
        let entries = self.item_count().unwrap_or(1);
        match self.ty {
            ItemType::Attachment => vec![
                (DataCategory::Attachment, bytes.max(1)),
                (DataCategory::AttachmentItem, 1),
            ],
            ItemType::Log => vec![
                (DataCategory::LogItem, entries),
                (DataCategory::LogByte, bytes),
            ],
            ItemType::TraceMetric => vec![
                (DataCategory::TraceMetric, entries),
                (DataCategory::TraceMetricByte, bytes),
            ],
            ItemType::Span => vec![(DataCategory::Span, entries)],
            _ => self
                .category()
                .map(|category| vec![(category, 1)])
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [&str; 29] = [
        "event",
        "transaction",
        "attachment",
        "session",
        "sessions",
        "client_report",
        "check_in",
        "log",
        "trace_metric",
        "span",
        "profile",
        "profile_chunk",
        "replay_event",
        "replay_recording",
        "replay_video",
        "feedback",
        "user_report",
        "raw_security",
        "security",
        "nel",
        "form_data",
        "unreal_report",
        "statsd",
        "metric_buckets",
        "integration",
        "otel_log",
        "otel_span",
        "otel_traces_data",
        "metric_meta",
    ];

    fn item(headers: Value, payload: &[u8]) -> Item<'_> {
        let Value::Object(headers) = headers else {
            panic!("headers must be an object");
        };
        let ty = ItemType::from_name(headers["type"].as_str().unwrap_or_default());
        Item {
            headers,
            ty,
            payload,
        }
    }

    #[test]
    fn type_names_round_trip() {
        for name in KNOWN {
            let ty = ItemType::from_name(name);
            assert!(!matches!(ty, ItemType::Unknown(_)), "{name}");
            assert_eq!(ty.as_str(), name);
        }
        let future = ItemType::from_name("future_thing");
        assert_eq!(future, ItemType::Unknown("future_thing".into()));
        assert_eq!(future.to_string(), "future_thing");
        assert_eq!(
            ItemType::from_name("profile_chunk_ui"),
            ItemType::ProfileChunk
        );
    }

    #[test]
    fn categories_follow_spec_5_4() {
        let cases = [
            ("event", Some(DataCategory::Error)),
            ("unreal_report", Some(DataCategory::Error)),
            ("transaction", Some(DataCategory::Transaction)),
            ("attachment", Some(DataCategory::Attachment)),
            ("session", Some(DataCategory::Session)),
            ("sessions", Some(DataCategory::Session)),
            ("check_in", Some(DataCategory::Monitor)),
            ("log", Some(DataCategory::LogItem)),
            ("trace_metric", Some(DataCategory::TraceMetric)),
            ("span", Some(DataCategory::Span)),
            ("profile", Some(DataCategory::Profile)),
            ("profile_chunk", Some(DataCategory::ProfileChunk)),
            ("replay_event", Some(DataCategory::Replay)),
            ("replay_recording", Some(DataCategory::Replay)),
            ("replay_video", Some(DataCategory::Replay)),
            ("feedback", Some(DataCategory::Feedback)),
            ("user_report", Some(DataCategory::Feedback)),
            ("raw_security", Some(DataCategory::Security)),
            ("client_report", None),
            ("statsd", None),
            ("future_thing", None),
        ];
        for (name, category) in cases {
            assert_eq!(ItemType::from_name(name).category(), category, "{name}");
        }
    }

    #[test]
    fn event_bound_types_require_an_event_id() {
        let bound = [
            "event",
            "transaction",
            "attachment",
            "user_report",
            "feedback",
            "replay_event",
            "profile",
            "raw_security",
            "security",
            "form_data",
            "unreal_report",
        ];
        for name in KNOWN {
            let ty = ItemType::from_name(name);
            assert_eq!(ty.requires_event(), bound.contains(&name), "{name}");
        }
        assert!(!ItemType::from_name("future_thing").requires_event());
    }

    #[test]
    fn ui_profile_chunks_count_as_profile_chunk_ui() {
        let ui = item(
            serde_json::json!({"type":"profile_chunk","platform":"cocoa"}),
            b"",
        );
        assert_eq!(ui.category(), Some(DataCategory::ProfileChunkUi));
        let alias = item(serde_json::json!({"type":"profile_chunk_ui"}), b"");
        assert_eq!(alias.category(), Some(DataCategory::ProfileChunkUi));
        let backend = item(
            serde_json::json!({"type":"profile_chunk","platform":"python"}),
            b"",
        );
        assert_eq!(backend.category(), Some(DataCategory::ProfileChunk));
    }

    #[test]
    fn quantities_count_bytes_and_entries() {
        let attachment = item(serde_json::json!({"type":"attachment"}), b"hello");
        assert_eq!(
            attachment.quantities(),
            [
                (DataCategory::Attachment, 5),
                (DataCategory::AttachmentItem, 1)
            ]
        );
        let empty = item(serde_json::json!({"type":"attachment"}), b"");
        assert_eq!(empty.quantities()[0], (DataCategory::Attachment, 1));
        let log = item(
            serde_json::json!({"type":"log","item_count":3}),
            b"0123456789",
        );
        assert_eq!(
            log.quantities(),
            [(DataCategory::LogItem, 3), (DataCategory::LogByte, 10)]
        );
        let metric = item(
            serde_json::json!({"type":"trace_metric","item_count":2}),
            b"xy",
        );
        assert_eq!(
            metric.quantities(),
            [
                (DataCategory::TraceMetric, 2),
                (DataCategory::TraceMetricByte, 2)
            ]
        );
        let span = item(serde_json::json!({"type":"span"}), b"{}");
        assert_eq!(span.quantities(), [(DataCategory::Span, 1)]);
        let event = item(serde_json::json!({"type":"event"}), b"{}");
        assert_eq!(event.quantities(), [(DataCategory::Error, 1)]);
        let report = item(serde_json::json!({"type":"client_report"}), b"{}");
        assert_eq!(report.quantities(), []);
    }

    #[test]
    fn header_accessors() {
        let attachment = item(
            serde_json::json!({"type":"attachment","filename":"a.txt","content_type":"text/plain",
                "attachment_type":"event.minidump","item_count":-1}),
            b"",
        );
        assert_eq!(attachment.filename(), Some("a.txt"));
        assert_eq!(attachment.content_type(), Some("text/plain"));
        assert_eq!(attachment.attachment_type(), Some("event.minidump"));
        assert_eq!(attachment.item_count(), None);
        assert_eq!(attachment.container_kind(), None);
    }

    #[test]
    fn span_is_a_container_only_with_the_v2_content_type() {
        let legacy = item(serde_json::json!({"type":"span"}), b"");
        assert_eq!(legacy.container_kind(), None);
        let v2 = item(
            serde_json::json!({"type":"span","content_type":"application/vnd.sentry.items.span.v2+json"}),
            b"",
        );
        assert_eq!(v2.container_kind(), Some(ContainerKind::Span));
        let log = item(serde_json::json!({"type":"log"}), b"");
        assert_eq!(log.container_kind(), Some(ContainerKind::Log));
    }
}
