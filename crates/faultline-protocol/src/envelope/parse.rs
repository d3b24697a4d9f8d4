//! Envelope framing (§4.1), envelope headers (§4.2) and legacy store bodies.
//!
//! The algorithm mirrors Relay's, because SDKs depend on its corners: each header is one JSON
//! value read by a streaming parser (leading whitespace allowed) and must be followed by `\n`
//! or the end of the body; a payload is exactly `length` bytes when the item says so and runs
//! to the next `\n` otherwise; an item header at the end of the body is an empty item.

use std::fmt;

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::item::{Item, ItemType};
use crate::decode::{self, ContentEncoding};
use crate::limits::{ENVELOPE_ITEMS_MAX, ITEM_LENGTH_BYTES_MAX, STORE_BODY_BYTES_MAX};

/// Why a body is not a well-formed envelope. All are HTTP 400 except where
/// [`EnvelopeError::status`] says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The body is empty.
    #[error("empty request body")]
    Empty,
    /// A header or length-delimited payload is followed by something other than `\n` or the
    /// end of the body.
    #[error("missing newline after header or payload")]
    MissingNewline,
    /// A header is not a JSON object (or has a duplicate key).
    #[error("invalid header json: {0}")]
    InvalidJson(String),
    /// The body ends where a header or `length` bytes of payload were expected.
    #[error("unexpected end of file")]
    UnexpectedEof,
    /// The envelope header `event_id` is not a UUID.
    #[error("invalid event_id in envelope header")]
    InvalidEventId,
    /// The envelope header `sent_at` is not a timestamp.
    #[error("invalid sent_at in envelope header")]
    InvalidSentAt,
    /// An item of an internal type (`integration`) came from a client.
    #[error("envelope contains internal items")]
    InternalItem,
    /// An item header without a string `type`.
    #[error("item header without a type")]
    MissingItemType,
    /// An item `length` that is not an integer in `0..=u32::MAX`.
    #[error("invalid item length")]
    InvalidItemLength,
    /// More than [`ENVELOPE_ITEMS_MAX`] items.
    #[error("envelope has more than {ENVELOPE_ITEMS_MAX} items")]
    TooManyItems,
    /// A store body that is neither JSON nor base64 of deflated JSON.
    #[error("invalid store body: {0}")]
    InvalidStoreBody(String),
    /// A base64 store body that inflates past [`STORE_BODY_BYTES_MAX`].
    #[error("store body exceeds {STORE_BODY_BYTES_MAX} bytes")]
    StoreBodyTooLarge,
}

impl EnvelopeError {
    /// Returns the HTTP status for this error: 413 for the size caps, 400 for the rest.
    pub fn status(&self) -> u16 {
        match self {
            Self::TooManyItems | Self::StoreBodyTooLarge => 413,
            _ => 400,
        }
    }
}

/// A parsed envelope whose item payloads borrow the request body.
///
/// ```json
/// {"event_id":"0123456789abcdef0123456789abcdef","sent_at":"2026-05-01T10:00:00Z","sdk":{"name":"sentry.python"}}
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<'a> {
    /// Every envelope header as sent; unknown keys are preserved.
    pub headers: Map<String, Value>,
    /// The items in body order.
    pub items: Vec<Item<'a>>,
}

impl<'a> Envelope<'a> {
    /// Parses framing exactly as spec §4.1: a streaming JSON header, `\n` or EOF after every
    /// header and payload, explicit `length` in bytes, implicit length to the next `\n`, an
    /// empty item at EOF. `{}` alone is valid; an empty body is [`EnvelopeError::Empty`].
    /// Rejects client `integration` items ([`EnvelopeError::InternalItem`]) and malformed
    /// `event_id` / `sent_at` headers.
    ///
    /// Trailing whitespace after the last item is skipped (Relay fails on a second trailing
    /// newline; no SDK sends one, and accepting it loses nothing).
    pub fn parse(body: &'a [u8]) -> Result<Envelope<'a>, EnvelopeError> {
        if body.is_empty() {
            return Err(EnvelopeError::Empty);
        }
        let (headers, mut offset) = parse_header(body, 0)?;
        let mut envelope = Envelope {
            headers,
            items: Vec::new(),
        };
        envelope.event_id()?;
        envelope.sent_at()?;
        while offset < body.len() && !body[offset..].iter().all(is_json_whitespace) {
            if envelope.items.len() == ENVELOPE_ITEMS_MAX {
                return Err(EnvelopeError::TooManyItems);
            }
            let (item, next) = parse_item(body, offset)?;
            envelope.items.push(item);
            offset = next;
        }
        Ok(envelope)
    }

    /// Parses a legacy store-endpoint body: a JSON event, or (when it does not start with `{`)
    /// base64 of zlib-deflated JSON. Returns the event, which must be a JSON object.
    pub fn from_store_body(body: &[u8]) -> Result<Value, EnvelopeError> {
        let trimmed = body.trim_ascii();
        if trimmed.is_empty() {
            return Err(EnvelopeError::Empty);
        }
        if trimmed.starts_with(b"{") {
            return parse_store_json(trimmed);
        }
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let compact: Vec<u8> = trimmed
            .iter()
            .copied()
            .filter(|byte| !byte.is_ascii_whitespace())
            .collect();
        let decoded = engine
            .decode(&compact)
            .map_err(|error| EnvelopeError::InvalidStoreBody(error.to_string()))?;
        // Some old clients base64-encode without compressing.
        if decoded.trim_ascii_start().starts_with(b"{") {
            return parse_store_json(&decoded);
        }
        let inflated = decode::decode(ContentEncoding::Deflate, &decoded, STORE_BODY_BYTES_MAX)
            .map_err(|error| match error {
                decode::DecodeError::TooLarge { .. } => EnvelopeError::StoreBodyTooLarge,
                decode::DecodeError::Corrupt(cause) => EnvelopeError::InvalidStoreBody(cause),
            })?;
        parse_store_json(&inflated)
    }

    /// Returns the header `event_id` normalized to 32 lowercase hex (hyphenated UUIDs
    /// accepted), `None` when absent or `null`.
    pub fn event_id(&self) -> Result<Option<String>, EnvelopeError> {
        match self.headers.get("event_id") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => normalize_event_id(text)
                .map(Some)
                .ok_or(EnvelopeError::InvalidEventId),
            Some(_) => Err(EnvelopeError::InvalidEventId),
        }
    }

    /// Returns whether any item belongs to an event and so needs an `event_id`.
    pub fn requires_event_id(&self) -> bool {
        self.items.iter().any(|item| item.ty.requires_event())
    }

    /// Returns the envelope's event id, first storing one from `generate` in the headers
    /// when the header has none and an item needs it (§4.2; Relay generates a UUID there).
    /// Returns `None` for envelopes without event-bound items and without a header id.
    pub fn ensure_event_id(
        &mut self,
        generate: impl FnOnce() -> String,
    ) -> Result<Option<String>, EnvelopeError> {
        if let Some(event_id) = self.event_id()? {
            return Ok(Some(event_id));
        }
        if !self.requires_event_id() {
            return Ok(None);
        }
        let event_id = normalize_event_id(&generate()).ok_or(EnvelopeError::InvalidEventId)?;
        self.headers
            .insert("event_id".to_owned(), Value::String(event_id.clone()));
        Ok(Some(event_id))
    }

    /// Returns the `dsn` header of a self-authenticating (tunnelled) envelope.
    pub fn dsn(&self) -> Option<&str> {
        self.headers.get("dsn")?.as_str()
    }

    /// Returns the `sent_at` header (RFC 3339; a zone-less time reads as UTC), `None` when
    /// absent or `null`.
    pub fn sent_at(&self) -> Result<Option<DateTime<Utc>>, EnvelopeError> {
        match self.headers.get("sent_at") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => parse_sent_at(text)
                .map(Some)
                .ok_or(EnvelopeError::InvalidSentAt),
            Some(_) => Err(EnvelopeError::InvalidSentAt),
        }
    }

    /// Returns the single `event` item, if any.
    pub fn event_item(&self) -> Option<&Item<'a>> {
        self.items.iter().find(|item| item.ty == ItemType::Event)
    }
}

/// Returns whether `byte` is whitespace in JSON's sense (not form feed or vertical tab).
fn is_json_whitespace(byte: &u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Returns `text` as 32 lowercase hex if it is a UUID in simple or hyphenated form.
fn normalize_event_id(text: &str) -> Option<String> {
    if text.len() != 32 && text.len() != 36 {
        return None;
    }
    let uuid = uuid::Uuid::try_parse(text).ok()?;
    Some(uuid.simple().to_string())
}

fn parse_sent_at(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(timestamp) = DateTime::parse_from_rfc3339(text) {
        return Some(timestamp.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

fn parse_store_json(json: &[u8]) -> Result<Value, EnvelopeError> {
    serde_json::from_slice::<Map<String, Value>>(json)
        .map(Value::Object)
        .map_err(|error| EnvelopeError::InvalidStoreBody(error.to_string()))
}

/// Reads one JSON header object at `offset` and returns it with the offset after its
/// terminating `\n` (or the end of the body).
fn parse_header(body: &[u8], offset: usize) -> Result<(Map<String, Value>, usize), EnvelopeError> {
    let slice = body.get(offset..).unwrap_or_default();
    let mut stream = serde_json::Deserializer::from_slice(slice).into_iter::<Headers>();
    let headers = match stream.next() {
        None => return Err(EnvelopeError::UnexpectedEof),
        Some(Err(error)) => return Err(EnvelopeError::InvalidJson(error.to_string())),
        Some(Ok(Headers(headers))) => headers,
    };
    let end = offset + stream.byte_offset();
    Ok((headers, require_termination(body, end)?))
}

/// Returns the offset after the `\n` at `end`, or `end` itself at the end of the body.
fn require_termination(body: &[u8], end: usize) -> Result<usize, EnvelopeError> {
    match body.get(end) {
        None => Ok(end),
        Some(b'\n') => Ok(end + 1),
        Some(_) => Err(EnvelopeError::MissingNewline),
    }
}

/// Reads one item at `offset` and returns it with the offset of the next one.
fn parse_item(body: &[u8], offset: usize) -> Result<(Item<'_>, usize), EnvelopeError> {
    let (headers, payload_start) = parse_header(body, offset)?;
    let ty = match headers.get("type") {
        Some(Value::String(name)) => ItemType::from_name(name),
        _ => return Err(EnvelopeError::MissingItemType),
    };
    if ty == ItemType::Integration {
        return Err(EnvelopeError::InternalItem);
    }
    let rest = body.get(payload_start..).unwrap_or_default();
    let (payload, next) = match item_length(&headers)? {
        Some(length) => {
            let payload = rest.get(..length).ok_or(EnvelopeError::UnexpectedEof)?;
            let next = require_termination(body, payload_start + length)?;
            (payload, next)
        }
        None => match rest.iter().position(|&byte| byte == b'\n') {
            Some(newline) => (&rest[..newline], payload_start + newline + 1),
            None => (rest, body.len()),
        },
    };
    let item = Item {
        headers,
        ty,
        payload,
    };
    Ok((item, next))
}

/// Returns the explicit `length` header; `null` means absent.
fn item_length(headers: &Map<String, Value>) -> Result<Option<usize>, EnvelopeError> {
    match headers.get("length") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_u64()
            .filter(|&length| length <= ITEM_LENGTH_BYTES_MAX)
            .and_then(|length| usize::try_from(length).ok())
            .map(Some)
            .ok_or(EnvelopeError::InvalidItemLength),
        Some(_) => Err(EnvelopeError::InvalidItemLength),
    }
}

/// A header object that rejects duplicate keys: a repeated `sent_at` or `length` is ambiguous
/// (Relay rejects it), and no JSON serializer emits duplicates.
struct Headers(Map<String, Value>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Headers, D::Error> {
        deserializer.deserialize_map(HeadersVisitor)
    }
}

struct HeadersVisitor;

impl<'de> Visitor<'de> for HeadersVisitor {
    type Value = Headers;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object of headers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Headers, A::Error> {
        let mut headers = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if headers.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate header `{key}`")));
            }
            let value = access.next_value()?;
            headers.insert(key, value);
        }
        Ok(Headers(headers))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// The minimal error envelope of the conformance checklist.
    const E: &str = "{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n{\"type\":\"event\"}\n{\"message\":\"hi\"}";
    const EVENT_ID: &str = "0123456789abcdef0123456789abcdef";

    fn check(body: &str) -> Envelope<'_> {
        Envelope::parse(body.as_bytes()).expect("valid envelope")
    }

    fn check_err(body: &str) -> EnvelopeError {
        Envelope::parse(body.as_bytes()).expect_err("invalid envelope")
    }

    fn payloads<'e>(envelope: &'e Envelope<'_>) -> Vec<&'e [u8]> {
        envelope.items.iter().map(|item| item.payload).collect()
    }

    #[test]
    fn minimal_error_envelope() {
        let envelope = check(E);
        assert_eq!(envelope.event_id(), Ok(Some(EVENT_ID.to_owned())));
        assert_eq!(envelope.items.len(), 1);
        assert_eq!(envelope.items[0].ty, ItemType::Event);
        assert_eq!(payloads(&envelope), [b"{\"message\":\"hi\"}"]);
        assert!(envelope.event_item().is_some());
    }

    #[test]
    fn envelope_with_trailing_newline_is_accepted() {
        let with_newline = format!("{E}\n");
        assert_eq!(check(&with_newline), check(E));
    }

    #[test]
    fn extra_trailing_blank_lines_are_skipped() {
        let body = format!("{E}\n\n\r\n  ");
        assert_eq!(check(&body).items.len(), 1);
        let form_feed = format!("{E}\n\x0c");
        assert!(matches!(
            check_err(&form_feed),
            EnvelopeError::InvalidJson(_)
        ));
    }

    #[test]
    fn explicit_length_payload_may_contain_newlines() {
        let body =
            "{}\n{\"type\":\"attachment\",\"length\":7}\nab\ncd\ne\n{\"type\":\"event\"}\n{}";
        let envelope = check(body);
        assert_eq!(payloads(&envelope), [&b"ab\ncd\ne"[..], b"{}"]);
    }

    #[test]
    fn explicit_length_counts_bytes_not_characters() {
        let body = "{}\n{\"type\":\"attachment\",\"length\":2}\né";
        assert_eq!(payloads(&check(body)), ["é".as_bytes()]);
    }

    #[test]
    fn explicit_length_followed_by_other_byte_is_rejected() {
        let body = "{}\n{\"type\":\"attachment\",\"length\":2}\nab {\"type\":\"event\"}\n{}";
        assert_eq!(check_err(body), EnvelopeError::MissingNewline);
    }

    #[test]
    fn length_beyond_the_body_is_unexpected_eof() {
        let body = "{}\n{\"type\":\"attachment\",\"length\":10}\nabc";
        assert_eq!(check_err(body), EnvelopeError::UnexpectedEof);
        let at_eof = "{}\n{\"type\":\"attachment\",\"length\":1}";
        assert_eq!(check_err(at_eof), EnvelopeError::UnexpectedEof);
    }

    #[test]
    fn two_empty_attachments_with_zero_length() {
        let body = format!(
            "{{\"event_id\":\"{EVENT_ID}\"}}\n{{\"type\":\"attachment\",\"length\":0}}\n\n{{\"type\":\"attachment\",\"length\":0}}\n"
        );
        let envelope = check(&body);
        assert_eq!(payloads(&envelope), [b"", b""]);
        assert!(
            envelope
                .items
                .iter()
                .all(|item| item.ty == ItemType::Attachment)
        );
    }

    #[test]
    fn item_header_at_eof_is_an_empty_item() {
        let envelope = check("{}\n{\"type\":\"attachment\"}");
        assert_eq!(payloads(&envelope), [b""]);
        let with_newline = check("{}\n{\"type\":\"attachment\"}\n");
        assert_eq!(payloads(&with_newline), [b""]);
        let zero_length = check("{}\n{\"type\":\"attachment\",\"length\":0}");
        assert_eq!(payloads(&zero_length), [b""]);
    }

    #[test]
    fn header_alone_is_a_valid_envelope() {
        for body in ["{}", "{}\n", " {}\n"] {
            let envelope = check(body);
            assert!(envelope.items.is_empty());
            assert_eq!(envelope.event_id(), Ok(None));
        }
    }

    #[test]
    fn empty_body_is_rejected() {
        let error = check_err("");
        assert_eq!(error, EnvelopeError::Empty);
        assert_eq!(error.to_string(), "empty request body");
        assert_eq!(error.status(), 400);
        assert_eq!(check_err("   "), EnvelopeError::UnexpectedEof);
    }

    #[test]
    fn unknown_item_type_is_kept_beside_its_siblings() {
        let body = "{}\n{\"type\":\"future_thing\",\"x\":1}\nwhatever\n{\"type\":\"event\"}\n{}";
        let envelope = check(body);
        assert_eq!(
            envelope.items[0].ty,
            ItemType::Unknown("future_thing".to_owned())
        );
        assert_eq!(envelope.items[0].headers["x"], 1);
        assert_eq!(envelope.items[1].ty, ItemType::Event);
    }

    #[test]
    fn integration_item_from_a_client_is_rejected() {
        let error = check_err("{}\n{\"type\":\"integration\"}\n{}");
        assert_eq!(error, EnvelopeError::InternalItem);
        assert_eq!(error.to_string(), "envelope contains internal items");
    }

    #[test]
    fn implicit_length_keeps_carriage_return() {
        let envelope = check("{}\n{\"type\":\"event\"}\n{}\r\n{\"type\":\"session\"}\n\r");
        assert_eq!(payloads(&envelope), [&b"{}\r"[..], b"\r"]);
        // CR is not a newline after a header either.
        assert_eq!(
            check_err("{}\r\n{\"type\":\"event\"}\n{}"),
            EnvelopeError::MissingNewline
        );
    }

    #[test]
    fn trailing_space_after_header_is_rejected() {
        assert_eq!(check_err("{} \n"), EnvelopeError::MissingNewline);
        assert_eq!(
            check_err("{}\n{\"type\":\"event\"} \n{}"),
            EnvelopeError::MissingNewline
        );
        assert_eq!(check_err("{}{}"), EnvelopeError::MissingNewline);
    }

    #[test]
    fn pretty_printed_header_is_accepted() {
        let envelope = check(
            "{\n  \"event_id\": \"0123456789abcdef0123456789abcdef\"\n}\n{\"type\":\"event\"}\n{}",
        );
        assert_eq!(envelope.event_id(), Ok(Some(EVENT_ID.to_owned())));
    }

    #[test]
    fn malformed_headers_are_invalid_json() {
        for body in ["[]", "{", "nope", "{}\n[1]", "{}\n{\"type\":", "\"str\"\n"] {
            assert!(
                matches!(check_err(body), EnvelopeError::InvalidJson(_)),
                "{body:?}"
            );
        }
    }

    #[test]
    fn item_header_needs_a_string_type() {
        for body in ["{}\n{}\n{}", "{}\n{\"type\":1}\n{}", "{}\n{\"type\":null}"] {
            assert_eq!(check_err(body), EnvelopeError::MissingItemType, "{body:?}");
        }
    }

    #[test]
    fn item_length_must_be_a_u32() {
        let max = format!(
            "{{}}\n{{\"type\":\"attachment\",\"length\":{}}}\n",
            u32::MAX
        );
        assert_eq!(check_err(&max), EnvelopeError::UnexpectedEof);
        for length in ["-1", "1.5", "\"3\"", &(u64::from(u32::MAX) + 1).to_string()] {
            let body = format!("{{}}\n{{\"type\":\"attachment\",\"length\":{length}}}\nabc");
            assert_eq!(
                check_err(&body),
                EnvelopeError::InvalidItemLength,
                "{length}"
            );
        }
        let null = check("{}\n{\"type\":\"event\",\"length\":null}\n{}");
        assert_eq!(payloads(&null), [b"{}"]);
    }

    #[test]
    fn duplicate_header_keys_are_rejected() {
        let sent_at = "{\"sent_at\":\"2026-05-01T10:00:00Z\",\"sent_at\":\"2026-05-01T10:00:00Z\"}";
        assert!(matches!(check_err(sent_at), EnvelopeError::InvalidJson(_)));
        let length = "{}\n{\"type\":\"attachment\",\"length\":1,\"length\":2}\nab";
        let error = check_err(length);
        assert!(
            error.to_string().contains("duplicate header `length`"),
            "{error}"
        );
    }

    #[test]
    fn unknown_headers_are_preserved() {
        let envelope = check("{\"sdk\":{\"name\":\"s\"},\"future\":[1]}");
        assert_eq!(envelope.headers["future"], serde_json::json!([1]));
        assert_eq!(envelope.headers["sdk"]["name"], "s");
    }

    #[test]
    fn items_at_limit_pass_and_one_more_is_too_many() {
        let item = "{\"type\":\"x\"}\n\n";
        let at_limit = format!("{{}}\n{}", item.repeat(ENVELOPE_ITEMS_MAX));
        assert_eq!(check(&at_limit).items.len(), ENVELOPE_ITEMS_MAX);
        let over = format!("{{}}\n{}", item.repeat(ENVELOPE_ITEMS_MAX + 1));
        let error = check_err(&over);
        assert_eq!(error, EnvelopeError::TooManyItems);
        assert_eq!(error.status(), 413);
    }

    #[test]
    fn event_id_is_normalized() {
        let cases = [
            ("0123456789ABCDEF0123456789ABCDEF", EVENT_ID),
            ("01234567-89ab-cdef-0123-456789abcdef", EVENT_ID),
        ];
        for (given, expected) in cases {
            let body = format!("{{\"event_id\":\"{given}\"}}");
            assert_eq!(check(&body).event_id(), Ok(Some(expected.to_owned())));
        }
        assert_eq!(check("{\"event_id\":null}").event_id(), Ok(None));
    }

    #[test]
    fn malformed_event_id_is_rejected() {
        for event_id in [
            "\"abc\"",
            "\"0123456789abcdef0123456789abcdeg\"",
            "42",
            "\"{01234567-89ab-cdef-0123-456789abcdef}\"",
        ] {
            let body = format!("{{\"event_id\":{event_id}}}");
            assert_eq!(
                check_err(&body),
                EnvelopeError::InvalidEventId,
                "{event_id}"
            );
        }
    }

    #[test]
    fn header_event_id_wins_over_the_payload() {
        let body = format!(
            "{{\"event_id\":\"{EVENT_ID}\"}}\n{{\"type\":\"event\"}}\n{{\"event_id\":\"fedcba9876543210fedcba9876543210\"}}"
        );
        assert_eq!(check(&body).event_id(), Ok(Some(EVENT_ID.to_owned())));
    }

    #[test]
    fn missing_event_id_is_assigned_when_an_item_needs_one() {
        let mut envelope = check("{}\n{\"type\":\"event\"}\n{\"message\":\"hi\"}");
        assert!(envelope.requires_event_id());
        let assigned = envelope.ensure_event_id(|| "FEDCBA98-7654-3210-FEDC-BA9876543210".into());
        assert_eq!(
            assigned,
            Ok(Some("fedcba9876543210fedcba9876543210".to_owned()))
        );
        assert_eq!(envelope.event_id(), assigned);

        let mut sessions = check("{}\n{\"type\":\"session\"}\n{}");
        assert_eq!(sessions.ensure_event_id(|| unreachable!()), Ok(None));
        let mut given = check(E);
        assert_eq!(
            given.ensure_event_id(|| unreachable!()),
            Ok(Some(EVENT_ID.to_owned()))
        );
    }

    #[test]
    fn sent_at_is_parsed() {
        let envelope = check("{\"sent_at\":\"2026-11-24T13:14:54.022412Z\"}");
        let sent_at = envelope.sent_at().expect("valid").expect("present");
        assert_eq!(sent_at.to_rfc3339(), "2026-11-24T13:14:54.022412+00:00");
        let offset = check("{\"sent_at\":\"2026-05-01T12:00:00+02:00\"}");
        assert_eq!(
            offset.sent_at().expect("valid").map(|t| t.to_rfc3339()),
            Some("2026-05-01T10:00:00+00:00".to_owned())
        );
        let naive = check("{\"sent_at\":\"2026-05-01T10:00:00\"}");
        assert_eq!(
            naive.sent_at().expect("valid"),
            offset.sent_at().expect("valid")
        );
        assert_eq!(check("{}").sent_at(), Ok(None));
    }

    #[test]
    fn malformed_sent_at_is_rejected() {
        for sent_at in ["\"yesterday\"", "1777630800", "\"\""] {
            let body = format!("{{\"sent_at\":{sent_at}}}");
            assert_eq!(check_err(&body), EnvelopeError::InvalidSentAt, "{sent_at}");
        }
    }

    #[test]
    fn dsn_header_is_exposed() {
        let envelope = check("{\"dsn\":\"https://0123456789abcdef0123456789abcdef@host/42\"}");
        assert_eq!(
            envelope.dsn(),
            Some("https://0123456789abcdef0123456789abcdef@host/42")
        );
        assert_eq!(check("{\"dsn\":5}").dsn(), None);
    }

    #[test]
    fn python_style_envelope_with_lengths() {
        let body = "{\"event_id\":\"2d3c0f7a9e614a1cb2f1c4d5e6f70809\",\"sent_at\":\"2026-05-01T10:00:00.123456Z\"}\n\
            {\"type\":\"event\",\"content_type\":\"application/json\",\"length\":48}\n\
            {\"message\":\"disk almost full\",\"level\":\"warning\"}\n\
            {\"type\":\"attachment\",\"length\":6,\"filename\":\"note.txt\",\"content_type\":\"text/plain\"}\n\
            line1\n\n";
        let envelope = check(body);
        assert_eq!(
            payloads(&envelope),
            [
                &b"{\"message\":\"disk almost full\",\"level\":\"warning\"}"[..],
                b"line1\n"
            ]
        );
        assert_eq!(envelope.items[1].filename(), Some("note.txt"));
    }

    #[test]
    fn payloads_borrow_the_body() {
        let body = E.as_bytes();
        let envelope = Envelope::parse(body).expect("valid");
        let range = body.as_ptr_range();
        assert!(range.contains(&envelope.items[0].payload.as_ptr()));
    }

    #[test]
    fn store_body_as_json() {
        let event = Envelope::from_store_body(b" {\"message\":\"hi\"} ").expect("valid");
        assert_eq!(event, serde_json::json!({"message":"hi"}));
        assert!(matches!(
            Envelope::from_store_body(b"{\"message\""),
            Err(EnvelopeError::InvalidStoreBody(_))
        ));
        assert_eq!(Envelope::from_store_body(b"  "), Err(EnvelopeError::Empty));
    }

    fn zlib_base64(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("in-memory write");
        let compressed = encoder.finish().expect("in-memory write");
        base64::engine::general_purpose::STANDARD
            .encode(compressed)
            .into_bytes()
    }

    #[test]
    fn store_body_as_base64_of_deflated_json() {
        let body = zlib_base64(b"{\"message\":\"hi\"}");
        let event = Envelope::from_store_body(&body).expect("valid");
        assert_eq!(event, serde_json::json!({"message":"hi"}));
        let plain = base64::engine::general_purpose::STANDARD.encode(b"{\"a\":1}");
        let event = Envelope::from_store_body(plain.as_bytes()).expect("valid");
        assert_eq!(event, serde_json::json!({"a":1}));
    }

    #[test]
    fn store_body_that_is_not_an_event_is_invalid() {
        for body in [&b"not base64!"[..], b"aGVsbG8=", b"[1]"] {
            assert!(
                matches!(
                    Envelope::from_store_body(body),
                    Err(EnvelopeError::InvalidStoreBody(_))
                ),
                "{body:?}"
            );
        }
        let array = zlib_base64(b"[1,2]");
        assert!(matches!(
            Envelope::from_store_body(&array),
            Err(EnvelopeError::InvalidStoreBody(_))
        ));
    }

    #[test]
    fn store_body_inflating_past_the_limit_is_too_large() {
        let padding = " ".repeat(STORE_BODY_BYTES_MAX);
        let over = zlib_base64(format!("{{}}{padding}").as_bytes());
        let error = Envelope::from_store_body(&over).expect_err("too large");
        assert_eq!(error, EnvelopeError::StoreBodyTooLarge);
        assert_eq!(error.status(), 413);
        let at_limit = zlib_base64(format!("{{}}{}", &padding[2..]).as_bytes());
        assert!(Envelope::from_store_body(&at_limit).is_ok());
    }
}
