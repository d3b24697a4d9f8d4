//! Lenient readers for the shapes SDKs send (ingest-protocol.md §7.1): "values" containers,
//! pair lists, timestamps, lenient strings and ids.
//!
//! Every reader treats `null` as absent and answers a value of the wrong shape with
//! [`Invalid`], naming what was expected, so that normalization can drop the field and note
//! why instead of rejecting the event. None of them panics on input.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Timelike, Utc};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// Why a value could not be read: the shape that was expected instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}", self.0)
    }
}

impl std::error::Error for Invalid {}

/// Returns the entries of a "values" container, in the order sent.
///
/// Accepted shapes: `{"values": [...]}`, a bare list `[...]`, or a single object, which is a
/// one-entry list. `null`, `{}` and `{"values": null}` are absent and give an empty list.
///
/// ```
/// # use faultline_protocol::event::values_list;
/// # use serde_json::json;
/// let one = json!({"type": "ValueError"});
/// assert_eq!(values_list(json!({"values": [one.clone()]})).unwrap(), vec![one.clone()]);
/// assert_eq!(values_list(json!([one.clone()])).unwrap(), vec![one.clone()]);
/// assert_eq!(values_list(one.clone()).unwrap(), vec![one]);
/// ```
pub fn values_list(value: Value) -> Result<Vec<Value>, Invalid> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items),
        Value::Object(mut map) => match map.remove("values") {
            Some(Value::Array(items)) => Ok(items),
            Some(Value::Null) => Ok(Vec::new()),
            Some(single @ Value::Object(_)) => Ok(vec![single]),
            Some(_) => Err(Invalid("a list of values")),
            None if map.is_empty() => Ok(Vec::new()),
            None => Ok(vec![Value::Object(map)]),
        },
        _ => Err(Invalid("a list or an object")),
    }
}

/// A pair list as read by [`pair_list`]: the well-formed pairs and how many entries were not.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PairList {
    /// `(key, value)` in the order sent, duplicates kept.
    pub pairs: Vec<(String, Value)>,
    /// Entries of a list that were not a `[key, value]` pair with a string-like key.
    pub invalid: usize,
}

/// Reads a pair list: an object `{"k": v}` or a list of `[key, value]` pairs (order and
/// duplicates preserved). Keys may be lenient strings (`[1, "x"]` has the key `"1"`).
///
/// ```
/// # use faultline_protocol::event::pair_list;
/// # use serde_json::json;
/// let from_object = pair_list(json!({"a": "1"})).unwrap();
/// let from_pairs = pair_list(json!([["a", "1"]])).unwrap();
/// assert_eq!(from_object, from_pairs);
/// ```
pub fn pair_list(value: Value) -> Result<PairList, Invalid> {
    match value {
        Value::Null => Ok(PairList::default()),
        Value::Object(map) => Ok(PairList {
            pairs: map.into_iter().collect(),
            invalid: 0,
        }),
        Value::Array(items) => {
            let mut list = PairList {
                pairs: Vec::with_capacity(items.len()),
                invalid: 0,
            };
            for item in items {
                match pair(item) {
                    Some(pair) => list.pairs.push(pair),
                    None => list.invalid += 1,
                }
            }
            Ok(list)
        }
        _ => Err(Invalid("an object or a list of pairs")),
    }
}

fn pair(item: Value) -> Option<(String, Value)> {
    let Value::Array(entry) = item else {
        return None;
    };
    let [key, value]: [Value; 2] = entry.try_into().ok()?;
    Some((into_lenient_string(key)?, value))
}

/// Returns a pair list as JSON, `[[key, value], ...]`, the shape faultline stores.
pub fn pairs_to_value(pairs: Vec<(String, Value)>) -> Value {
    Value::Array(
        pairs
            .into_iter()
            .map(|(key, value)| Value::Array(vec![Value::String(key), value]))
            .collect(),
    )
}

/// Reads a timestamp: seconds since the Unix epoch (integer, float or a numeric string), an
/// RFC 3339 string with `Z` or an offset, or a zone-less `YYYY-MM-DDTHH:MM:SS[.ffffff]`,
/// which is UTC. The result is rounded to microseconds. Negative epochs are invalid.
///
/// ```
/// # use faultline_protocol::event::timestamp;
/// # use serde_json::json;
/// let a = timestamp(&json!(1777629600.25)).unwrap();
/// let b = timestamp(&json!("2026-05-01T10:00:00.250000+00:00")).unwrap();
/// let c = timestamp(&json!("2026-05-01T10:00:00.25")).unwrap();
/// assert!(a.is_some() && a == b && b == c);
/// ```
pub fn timestamp(value: &Value) -> Result<Option<DateTime<Utc>>, Invalid> {
    const EXPECTED: Invalid = Invalid("a timestamp");
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => number
            .as_f64()
            .and_then(from_epoch_secs)
            .map(Some)
            .ok_or(EXPECTED),
        Value::String(text) => from_text(text.trim()).map(Some).ok_or(EXPECTED),
        _ => Err(EXPECTED),
    }
}

fn from_text(text: &str) -> Option<DateTime<Utc>> {
    if let Some(parsed) = from_utc_text(text.as_bytes()) {
        return non_negative(parsed);
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return non_negative(round_to_micros(parsed.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return non_negative(round_to_micros(naive.and_utc()));
        }
    }
    text.parse::<f64>().ok().and_then(from_epoch_secs)
}

/// Reads the shape sentry-python sends for every timestamp, `YYYY-MM-DDTHH:MM:SS[.f+][Z]`,
/// without the general RFC 3339 parser: an event carries dozens of them (breadcrumbs, spans).
/// Returns `None` for any other shape, which the general parsers then read.
fn from_utc_text(text: &[u8]) -> Option<DateTime<Utc>> {
    let text = text.strip_suffix(b"Z").unwrap_or(text);
    if text.len() < 19
        || text[4] != b'-'
        || text[7] != b'-'
        || text[10] != b'T'
        || text[13] != b':'
        || text[16] != b':'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        text[range].iter().try_fold(0u32, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let micros = match &text[19..] {
        [] => 0,
        [b'.', fraction @ ..] if !fraction.is_empty() && fraction.len() <= 9 => {
            let digits = fraction.iter().try_fold(0u64, |acc, &b| {
                b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0'))
            })?;
            let nanos = digits * 10u64.pow(9 - fraction.len() as u32);
            (nanos + 500) / 1000
        }
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let time = date.and_hms_opt(number(11..13)?, number(14..16)?, number(17..19)?)?;
    Some(time.and_utc() + chrono::Duration::microseconds(i64::try_from(micros).ok()?))
}

fn from_epoch_secs(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    let micros = (secs * 1e6).round();
    // Anything past i64 microseconds (year ~292,000) is garbage, not a time.
    if micros >= i64::MAX as f64 {
        return None;
    }
    DateTime::from_timestamp_micros(micros as i64)
}

fn round_to_micros(time: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = time.nanosecond() % 1_000_000_000;
    let rounded = (nanos + 500) / 1000 * 1000;
    let base = time.with_nanosecond(0).unwrap_or(time);
    base + chrono::Duration::nanoseconds(i64::from(rounded))
}

fn non_negative(time: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (time.timestamp() >= 0).then_some(time)
}

/// Returns a timestamp as float seconds since the epoch, the shape faultline stores.
pub fn timestamp_value(time: DateTime<Utc>) -> Value {
    Value::from(time.timestamp_micros() as f64 / 1e6)
}

/// Returns a timestamp as RFC 3339 with microseconds and `Z`, as processing errors carry it.
pub fn timestamp_rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads a lenient string: strings as they are, numbers stringified (`42` → `"42"`) and
/// booleans as Python prints them (`"True"`/`"False"`). Other shapes are `None`.
pub fn lenient_str(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(text) => Some(Cow::Borrowed(text)),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        Value::Bool(true) => Some(Cow::Borrowed("True")),
        Value::Bool(false) => Some(Cow::Borrowed("False")),
        _ => None,
    }
}

/// Like [`lenient_str`], taking the value so a string is moved, not copied.
pub fn into_lenient_string(value: Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text),
        other => lenient_str(&other).map(Cow::into_owned),
    }
}

/// Returns a UUID (32 hex, hyphenated, braced or URN form) as 32 lowercase hex characters.
///
/// ```
/// # use faultline_protocol::event::uuid_simple;
/// let id = "0123456789ABCDEF0123456789abcdef";
/// assert_eq!(uuid_simple("01234567-89ab-cdef-0123-456789abcdef").as_deref(), Some(id.to_lowercase().as_str()));
/// assert_eq!(uuid_simple("not an id"), None);
/// ```
pub fn uuid_simple(text: &str) -> Option<String> {
    uuid::Uuid::try_parse(text.trim())
        .ok()
        .map(|id| id.simple().to_string())
}

/// Returns a hex id of exactly `len` hex digits (`trace_id` 32, `span_id` 16), lowercased.
/// All-zero ids are invalid; a hyphenated UUID is accepted where 32 digits are expected.
pub fn hex_id(text: &str, len: usize) -> Option<String> {
    let text = text.trim();
    let id = if len == 32 && text.len() == 36 {
        uuid_simple(text)?
    } else if text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        text.to_ascii_lowercase()
    } else {
        return None;
    };
    id.bytes().any(|b| b != b'0').then_some(id)
}

/// Returns `text` cut to at most `max_chars` characters, ending in `...` when cut (as Sentry's
/// `truncatechars` and Relay's string trimming do). Borrowed when nothing was cut.
pub fn truncate_chars(text: &str, max_chars: usize) -> Cow<'_, str> {
    const ELLIPSIS: &str = "...";
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep = max_chars.saturating_sub(ELLIPSIS.len());
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}{ELLIPSIS}", &text[..end]))
        }
    }
}

/// Returns the string at `key` of an object, if it is a non-empty string.
pub fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_values(input: Value, expected: Result<Vec<Value>, Invalid>) {
        assert_eq!(values_list(input.clone()), expected, "input: {input}");
    }

    #[test]
    fn values_containers_accept_wrapper_list_and_single_object() {
        let one = json!({"type": "E"});
        check_values(json!({"values": [one]}), Ok(vec![one.clone()]));
        check_values(json!([one]), Ok(vec![one.clone()]));
        check_values(one.clone(), Ok(vec![one.clone()]));
        check_values(json!({"values": one}), Ok(vec![one.clone()]));
    }

    #[test]
    fn values_containers_treat_null_and_empty_as_absent() {
        check_values(Value::Null, Ok(vec![]));
        check_values(json!({}), Ok(vec![]));
        check_values(json!({"values": null}), Ok(vec![]));
        check_values(json!([]), Ok(vec![]));
    }

    #[test]
    fn values_containers_reject_scalars() {
        check_values(json!("x"), Err(Invalid("a list or an object")));
        check_values(json!({"values": 3}), Err(Invalid("a list of values")));
    }

    fn check_pairs(input: Value, pairs: &[(&str, Value)], invalid: usize) {
        let list = pair_list(input.clone()).expect("a pair list");
        let expected: Vec<(String, Value)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        assert_eq!(list.pairs, expected, "input: {input}");
        assert_eq!(list.invalid, invalid, "input: {input}");
    }

    #[test]
    fn pair_lists_accept_objects_and_pairs() {
        check_pairs(
            json!({"a": "1", "b": 2}),
            &[("a", json!("1")), ("b", json!(2))],
            0,
        );
        check_pairs(
            json!([["a", "1"], ["a", "2"]]),
            &[("a", json!("1")), ("a", json!("2"))],
            0,
        );
        check_pairs(json!([[7, "x"]]), &[("7", json!("x"))], 0);
        check_pairs(Value::Null, &[], 0);
    }

    #[test]
    fn pair_lists_count_malformed_entries() {
        check_pairs(
            json!([["a"], "b", ["c", 1, 2], [{}, 1], ["d", null]]),
            &[("d", Value::Null)],
            4,
        );
        assert_eq!(
            pair_list(json!("a=b")),
            Err(Invalid("an object or a list of pairs"))
        );
    }

    fn check_timestamp(input: Value, expected_micros: Option<i64>) {
        let parsed = timestamp(&input)
            .ok()
            .flatten()
            .map(|t| t.timestamp_micros());
        assert_eq!(parsed, expected_micros, "input: {input}");
    }

    #[test]
    fn timestamps_in_every_accepted_form_are_the_same_instant() {
        let whole = Some(1_777_629_600_000_000);
        check_timestamp(json!(1777629600), whole);
        check_timestamp(json!(1777629600.0), whole);
        check_timestamp(json!("2026-05-01T10:00:00Z"), whole);
        check_timestamp(json!("2026-05-01T10:00:00+00:00"), whole);
        check_timestamp(json!("2026-05-01T12:00:00+02:00"), whole);
        check_timestamp(json!("2026-05-01T10:00:00"), whole);
        check_timestamp(json!(" 2026-05-01 10:00:00 "), whole);
        check_timestamp(json!("1777629600"), whole);
        let quarter = Some(1_777_629_600_250_000);
        check_timestamp(json!(1777629600.25), quarter);
        check_timestamp(json!("2026-05-01T10:00:00.250000+00:00"), quarter);
        check_timestamp(json!("2026-05-01T10:00:00.25"), quarter);
    }

    #[test]
    fn timestamps_round_to_microseconds() {
        check_timestamp(
            json!("2026-05-01T10:00:00.1234565Z"),
            Some(1_777_629_600_123_457),
        );
        // Written as text: the literal has more digits than an f64 keeps, which is the point.
        let number = |text: &str| serde_json::from_str::<Value>(text).expect("a number");
        check_timestamp(number("1777629600.1234561"), Some(1_777_629_600_123_456));
        check_timestamp(number("1777629600.1234569"), Some(1_777_629_600_123_457));
    }

    #[test]
    fn fast_path_agrees_with_the_rfc3339_parser() {
        for text in [
            "2026-05-01T10:00:00Z",
            "2026-05-01T10:00:00.5Z",
            "2026-05-01T10:00:00.123456Z",
            "2026-05-01T10:00:00.1234565Z",
            "2026-12-31T23:59:59.9999996Z",
            "2024-02-29T00:00:00.000001Z",
        ] {
            let general = DateTime::parse_from_rfc3339(text)
                .map(|t| round_to_micros(t.with_timezone(&Utc)))
                .ok();
            assert_eq!(from_utc_text(text.as_bytes()), general, "text: {text}");
        }
        for other in [
            "2026-05-01T10:00:00+02:00",
            "2026-05-01 10:00:00",
            "2026-02-30T10:00:00Z",
            "2026-05-01T10:00:00.Z",
            "2026-05-01T10:00:60Z",
        ] {
            assert_eq!(from_utc_text(other.as_bytes()), None, "text: {other}");
        }
        assert_eq!(
            timestamp(&json!("2026-02-30T10:00:00Z")),
            Err(Invalid("a timestamp"))
        );
    }

    #[test]
    fn invalid_timestamps_are_errors_and_null_is_absent() {
        assert_eq!(timestamp(&Value::Null), Ok(None));
        for bad in [
            json!(-1),
            json!("yesterday"),
            json!(true),
            json!({}),
            json!(1e300),
            json!("1969-12-31T23:59:59Z"),
        ] {
            assert_eq!(timestamp(&bad), Err(Invalid("a timestamp")), "input: {bad}");
        }
    }

    #[test]
    fn timestamp_values_are_float_seconds() {
        let time = DateTime::from_timestamp_micros(1_777_629_600_123_456).expect("valid");
        assert_eq!(timestamp_value(time), json!(1777629600.123456));
        assert_eq!(timestamp(&timestamp_value(time)), Ok(Some(time)));
        assert_eq!(timestamp_rfc3339(time), "2026-05-01T10:00:00.123456Z");
    }

    #[test]
    fn lenient_strings_stringify_numbers_and_booleans() {
        let check = |input: Value, expected: Option<&str>| {
            assert_eq!(lenient_str(&input).as_deref(), expected, "input: {input}");
            assert_eq!(
                into_lenient_string(input.clone()).as_deref(),
                expected,
                "input: {input}"
            );
        };
        check(json!("x"), Some("x"));
        check(json!(42), Some("42"));
        check(json!(4.5), Some("4.5"));
        check(json!(true), Some("True"));
        check(json!(false), Some("False"));
        check(Value::Null, None);
        check(json!([1]), None);
    }

    #[test]
    fn uuids_normalize_to_lowercase_simple_form() {
        let simple = "0123456789abcdef0123456789abcdef";
        for form in [
            simple,
            "0123456789ABCDEF0123456789ABCDEF",
            "01234567-89ab-cdef-0123-456789abcdef",
            "{01234567-89ab-cdef-0123-456789abcdef}",
        ] {
            assert_eq!(uuid_simple(form).as_deref(), Some(simple), "form: {form}");
        }
        assert_eq!(uuid_simple("0123456789abcdef"), None);
        assert_eq!(uuid_simple("zz23456789abcdef0123456789abcdef"), None);
    }

    #[test]
    fn hex_ids_have_exact_length_and_are_not_zero() {
        assert_eq!(
            hex_id("ABCDEF0123456789", 16).as_deref(),
            Some("abcdef0123456789")
        );
        assert_eq!(hex_id("abcdef012345678", 16), None);
        assert_eq!(hex_id("0000000000000000", 16), None);
        assert_eq!(hex_id("0123456789abcdef0123456789abcdeg", 32), None);
        assert_eq!(
            hex_id("01234567-89ab-cdef-0123-456789abcdef", 32).as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
    }

    #[test]
    fn truncation_counts_characters_and_marks_the_cut() {
        assert_eq!(truncate_chars("abcdef", 6), "abcdef");
        assert_eq!(truncate_chars("abcdefg", 6), "abc...");
        assert_eq!(truncate_chars("ééééééé", 6), "ééé...");
        assert!(matches!(truncate_chars("short", 100), Cow::Borrowed(_)));
    }
}
