//! How values are laid out in columns, the same for every backend: times as integer
//! microseconds since the Unix epoch (portable and index-friendly), hourly buckets as the
//! epoch second the hour starts at, payloads as zstd-compressed JSON.
//!
//! A trained zstd dictionary would shrink small events further (their keys repeat across
//! events); not needed yet, and it would have to be stored beside the data it decodes.

use std::cell::RefCell;

use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::limits::PAYLOAD_ZSTD_LEVEL;

/// Seconds in one hourly bucket.
pub(crate) const HOUR_SECS: i64 = 3_600;

/// Returns `time` as microseconds since the epoch, the column representation.
pub(crate) fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// Returns the time a microsecond column holds.
pub(crate) fn from_micros(value: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(value)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp out of range: {value}")))
}

/// Returns the start (epoch seconds) of the hourly bucket holding `time_us`.
pub(crate) fn hour_start_secs(time_us: i64) -> i64 {
    time_us.div_euclid(1_000_000).div_euclid(HOUR_SECS) * HOUR_SECS
}

thread_local! {
    // Creating a zstd context allocates and clears ~1 MB of tables; per payload that was the
    // largest single cost of a write (measured), so each thread keeps one and reuses it.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
}

/// Returns `bytes` zstd-compressed (the frame records the content size).
pub(crate) fn compress(bytes: &[u8]) -> Vec<u8> {
    let compressed = COMPRESSOR.with_borrow_mut(|slot| {
        let compressor = match slot {
            Some(compressor) => compressor,
            None => slot.insert(zstd::bulk::Compressor::new(PAYLOAD_ZSTD_LEVEL)?),
        };
        let mut compressed = compressor.compress(bytes)?;
        // The buffer was sized for incompressible input; queued payloads should not hold that.
        compressed.shrink_to_fit();
        Ok::<_, std::io::Error>(compressed)
    });
    // Compressing an in-memory buffer only fails on allocation failure or a bad level, both
    // bugs here, so a failure is an invariant violation rather than an operating error.
    match compressed {
        Ok(compressed) => compressed,
        Err(err) => panic!("zstd compression of an in-memory buffer failed: {err}"),
    }
}

/// Returns the JSON value a compressed payload column holds.
pub(crate) fn decompress_json(bytes: &[u8]) -> Result<serde_json::Value, StoreError> {
    let raw = decompress(bytes)?;
    serde_json::from_slice(&raw).map_err(|err| StoreError::Corrupt(format!("payload json: {err}")))
}

/// Returns the bytes a compressed payload column holds.
pub(crate) fn decompress(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    zstd::stream::decode_all(bytes)
        .map_err(|err| StoreError::Corrupt(format!("payload zstd: {err}")))
}

/// Converts a stored non-negative count to `u64`.
pub(crate) fn count(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative count: {value}")))
}

/// Converts a count to the signed integer a column holds.
pub(crate) fn to_column(value: u64) -> i64 {
    // Counts are sums of request quantities; reaching 2^63 is not a real-world state, so
    // saturating keeps a bogus client quantity from failing a whole batch.
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn micros_round_trip() {
        let time = DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123456Z").map(|t| t.to_utc());
        let time = time.unwrap_or_default();
        assert_eq!(from_micros(micros(time)).ok(), Some(time));
    }

    #[test]
    fn hour_start_floors_including_before_epoch() {
        assert_eq!(hour_start_secs(3_599_999_999), 0);
        assert_eq!(hour_start_secs(3_600_000_000), 3_600);
        assert_eq!(hour_start_secs(-1), -3_600);
    }

    #[test]
    fn payload_round_trips_through_zstd() {
        let value = json!({"message": "x".repeat(10_000), "level": "error"});
        let raw = serde_json::to_vec(&value).unwrap_or_default();
        let compressed = compress(&raw);
        assert!(compressed.len() < raw.len() / 10);
        assert_eq!(decompress_json(&compressed).ok(), Some(value));
    }

    #[test]
    fn garbage_payload_is_corrupt_not_a_panic() {
        assert!(matches!(
            decompress_json(b"not zstd"),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn counts_reject_negatives_and_saturate() {
        assert!(count(-1).is_err());
        assert_eq!(count(7).ok(), Some(7));
        assert_eq!(to_column(u64::MAX), i64::MAX);
    }
}
