//! Every limit on something that grows, in one place. Units come last in the name.
//! Each limit is tested at `max` and `max + 1` next to the code that enforces it.

// ---- Request and envelope limits (ingest) ----
//
// Relay's defaults (ingest-protocol.md §6). Request limits apply to the decompressed body;
// per-item limits are checked by `envelope::check_size_limits` after parsing. A "group"
// shares one budget: its items together may not exceed the group's count and byte totals.

/// Largest envelope body after decompression.
pub const ENVELOPE_BYTES_MAX: usize = 200 * 1024 * 1024;
/// Largest store-endpoint (and security-report) body after decompression.
pub const STORE_BODY_BYTES_MAX: usize = 1024 * 1024;
/// Largest body of the legacy attachment and minidump upload endpoints after decompression.
pub const ATTACHMENT_UPLOAD_BYTES_MAX: usize = 200 * 1024 * 1024;
/// Largest body of the cron HTTP check-in endpoint.
pub const CRON_BODY_BYTES_MAX: usize = 1024 * 1024;
/// Most items in one envelope, whatever their type. Relay has no such cap, but unknown item
/// types are not budgeted, so without it a 200 MiB body of tiny items would allocate millions
/// of headers. The largest legitimate mix (100 sessions, 100 client reports, 30 attachments,
/// 25 spans and one of each single item) stays far below it.
pub const ENVELOPE_ITEMS_MAX: usize = 1000;
/// Largest explicit item `length`: the protocol bounds it to an unsigned 32-bit integer.
pub const ITEM_LENGTH_BYTES_MAX: u64 = u32::MAX as u64;

/// Largest single item of the event group (`event`, `transaction`, `security`,
/// `raw_security`, `replay_event`, `feedback`, `form_data`).
pub const EVENT_ITEM_BYTES_MAX: usize = 1024 * 1024;
/// Most items of the event group in one envelope.
pub const EVENT_ITEMS_MAX: usize = 1;
/// Largest total of the event group in one envelope.
pub const EVENT_ITEMS_BYTES_MAX: usize = 1024 * 1024;

/// Largest single item of the attachment group (`attachment`, `unreal_report`, `user_report`).
pub const ATTACHMENT_ITEM_BYTES_MAX: usize = 200 * 1024 * 1024;
/// Most items of the attachment group in one envelope.
pub const ATTACHMENT_ITEMS_MAX: usize = 30;
/// Largest total of the attachment group in one envelope.
pub const ATTACHMENT_ITEMS_BYTES_MAX: usize = 200 * 1024 * 1024;

/// Largest single `session` or `sessions` item.
pub const SESSION_ITEM_BYTES_MAX: usize = 10 * 1024 * 1024;
/// Most `session` and `sessions` items in one envelope.
pub const SESSION_ITEMS_MAX: usize = 100;
/// Largest total of `session` and `sessions` items in one envelope.
pub const SESSION_ITEMS_BYTES_MAX: usize = 10 * 1024 * 1024;

/// Largest single `client_report` item.
pub const CLIENT_REPORT_ITEM_BYTES_MAX: usize = 100 * 1024;
/// Most `client_report` items in one envelope.
pub const CLIENT_REPORT_ITEMS_MAX: usize = 100;
/// Largest total of `client_report` items in one envelope.
pub const CLIENT_REPORT_ITEMS_BYTES_MAX: usize = 100 * 1024;
/// Longest discard reason in a client report; longer reasons are ignored, as Relay does.
pub const CLIENT_REPORT_REASON_CHARS_MAX: usize = 200;

/// Largest single `profile` or `profile_chunk` item.
pub const PROFILE_ITEM_BYTES_MAX: usize = 50 * 1024 * 1024;
/// Most `profile` and `profile_chunk` items in one envelope.
pub const PROFILE_ITEMS_MAX: usize = 1;
/// Largest total of `profile` and `profile_chunk` items in one envelope.
pub const PROFILE_ITEMS_BYTES_MAX: usize = 50 * 1024 * 1024;

/// Largest `check_in` item.
pub const CHECK_IN_ITEM_BYTES_MAX: usize = 100 * 1024;
/// Most `check_in` items in one envelope.
pub const CHECK_IN_ITEMS_MAX: usize = 1;

/// Largest `replay_recording` item as sent (usually zlib-compressed).
pub const REPLAY_RECORDING_ITEM_BYTES_MAX: usize = 10 * 1024 * 1024;
/// Largest `replay_recording` payload after decompression.
pub const REPLAY_RECORDING_DECOMPRESSED_BYTES_MAX: usize = 100 * 1024 * 1024;
/// Most `replay_recording` items in one envelope.
pub const REPLAY_RECORDING_ITEMS_MAX: usize = 1;

/// Largest `replay_video` item.
pub const REPLAY_VIDEO_ITEM_BYTES_MAX: usize = 10 * 1024 * 1024;
/// Most `replay_video` items in one envelope.
pub const REPLAY_VIDEO_ITEMS_MAX: usize = 1;

/// Largest average size of one log in a `log` container (payload bytes / `item_count`).
pub const LOG_BYTES_MAX: usize = 2 * 1024 * 1024;
/// Most `log` containers in one envelope.
pub const LOG_CONTAINERS_MAX: usize = 1;
/// Largest total of `log` containers in one envelope.
pub const LOG_CONTAINERS_BYTES_MAX: usize = 12 * 1024 * 1024;

/// Largest average size of one metric in a `trace_metric` container.
pub const TRACE_METRIC_BYTES_MAX: usize = 1024 * 1024;
/// Most `trace_metric` containers in one envelope.
pub const TRACE_METRIC_CONTAINERS_MAX: usize = 1;
/// Largest total of `trace_metric` containers in one envelope.
pub const TRACE_METRIC_CONTAINERS_BYTES_MAX: usize = 12 * 1024 * 1024;

/// Largest span: a legacy standalone `span` item, or the average span of a v2 container.
pub const SPAN_BYTES_MAX: usize = 10 * 1024 * 1024;
/// Most v2 `span` containers in one envelope.
pub const SPAN_CONTAINERS_MAX: usize = 1;
/// Most legacy standalone `span` items in one envelope.
pub const SPAN_ITEMS_MAX: usize = 25;
/// Largest total of all `span` items (containers and standalone) in one envelope.
pub const SPAN_ITEMS_BYTES_MAX: usize = 12 * 1024 * 1024;

/// Largest `statsd` or `metric_buckets` item (deprecated custom metrics).
pub const METRIC_ITEM_BYTES_MAX: usize = 1024 * 1024;
/// Most `statsd` and `metric_buckets` items in one envelope.
pub const METRIC_ITEMS_MAX: usize = 1;

// ---- Field limits (normalize) ----
//
// Relay's field limits (ingest-protocol.md §6) and timestamp windows (§12). Strings over a
// limit are cut with `...`, not rejected; the few fields that must be valid identifiers
// (`environment`, `dist`, `release`) are dropped with a processing error instead.

/// Longest tag key; longer keys are cut.
pub const TAG_KEY_CHARS_MAX: usize = 200;
/// Longest tag value; longer values are cut (Relay trims them since 25.10.0).
pub const TAG_VALUE_CHARS_MAX: usize = 200;
/// Longest `logentry.formatted` / `logentry.message`; longer ones are cut.
pub const MESSAGE_CHARS_MAX: usize = 8192;
/// Longest `culprit`; longer ones are cut.
pub const CULPRIT_CHARS_MAX: usize = 200;
/// Longest `logger`; a longer one keeps its end, marked with a leading `*`.
pub const LOGGER_CHARS_MAX: usize = 64;
/// Longest `release`; a longer one is dropped.
pub const RELEASE_CHARS_MAX: usize = 200;
/// Longest `environment`; a longer one is dropped.
pub const ENVIRONMENT_CHARS_MAX: usize = 64;
/// Longest `dist`; a longer one is dropped.
pub const DIST_CHARS_MAX: usize = 64;
/// Longest exception value or message line shown in a title (Sentry's `truncatechars(.., 100)`).
pub const TITLE_VALUE_CHARS_MAX: usize = 100;
/// Longest exception `value` kept in issue metadata (Sentry trims it to 1024).
pub const METADATA_VALUE_CHARS_MAX: usize = 1024;
/// Longest exception `type` kept in issue metadata (Sentry trims it to 128).
pub const METADATA_TYPE_CHARS_MAX: usize = 128;
/// Most processing errors recorded on one event: a payload with thousands of bad tags must
/// not grow by thousands of notes.
pub const EVENT_ERRORS_MAX: usize = 50;
/// Smallest difference between `sent_at` and the receive time treated as a wrong client clock
/// (Relay's `MINIMUM_CLOCK_DRIFT`); smaller ones are network latency and left alone.
pub const CLOCK_DRIFT_SECS_MIN: i64 = 55 * 60;
/// Furthest an event timestamp may lie after its receive time before it is reset to it.
pub const TIMESTAMP_FUTURE_SECS_MAX: i64 = 60;
/// Furthest an event timestamp may lie before its receive time before it is reset to it.
pub const TIMESTAMP_PAST_SECS_MAX: i64 = 30 * 24 * 60 * 60;
/// Longest user agent parsed; only its start is looked at, so one client sending megabytes of
/// header cannot make every parse slow.
pub const USER_AGENT_BYTES_MAX: usize = 512;
/// Distinct user agents whose parse results are cached (least recently used goes first).
pub const USER_AGENT_CACHE_ENTRIES_MAX: usize = 4096;
