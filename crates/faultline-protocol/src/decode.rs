//! Request bodies decoded by their `Content-Encoding`, under a cap on the decoded size.
//!
//! This module owns ingest-protocol.md §3.2: which encodings are accepted (gzip, x-gzip,
//! deflate, br, zstd), which values mean "none" (absent, empty, `identity`, `UTF-8`, anything
//! unknown, as Relay does), and the decompression-bomb guard. The cap is enforced while
//! decoding, so a tiny body that inflates to gigabytes never allocates more than the limit.

use std::borrow::Cow;
use std::io::{self, Read};

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The decoded body is larger than the limit (an HTTP 413).
    #[error("request body exceeds the limit of {limit_bytes} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit_bytes: usize,
    },
    /// The body is not a valid stream of its encoding (an HTTP 400).
    #[error("failed to read request body: {0}")]
    Corrupt(String),
}

/// The encodings a body may arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentEncoding {
    /// Not encoded.
    Identity,
    /// `gzip` or `x-gzip`.
    Gzip,
    /// `deflate`: zlib-wrapped (RFC 1950), or raw deflate as some clients send.
    Deflate,
    /// `br`.
    Brotli,
    /// `zstd`.
    Zstd,
}

impl ContentEncoding {
    /// Returns the encoding named by a `Content-Encoding` header value (case-insensitive,
    /// trimmed). Unknown values, `UTF-8` (sentry-ruby 5.x, old Android SDKs) and the empty value
    /// read as identity, as Relay treats them.
    pub fn from_header(value: Option<&str>) -> ContentEncoding {
        let value = value.unwrap_or_default().trim();
        if value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip") {
            Self::Gzip
        } else if value.eq_ignore_ascii_case("deflate") {
            Self::Deflate
        } else if value.eq_ignore_ascii_case("br") {
            Self::Brotli
        } else if value.eq_ignore_ascii_case("zstd") {
            Self::Zstd
        } else {
            Self::Identity
        }
    }
}

/// Buffer size of the brotli decoder's internal reader.
const BROTLI_BUFFER_BYTES: usize = 4096;
/// First allocation of the output buffer when the body gives no better hint.
const OUTPUT_INITIAL_BYTES: usize = 16 * 1024;
/// Smallest zstd window accepted. The zstd format recommends decoders support 8 MiB windows,
/// and streaming compressors use up to that for small bodies of unknown size.
const ZSTD_WINDOW_LOG_MIN: u32 = 23;
/// Largest zstd window accepted (128 MiB), zstd's own default decoder limit.
const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// Decodes a request body per its `Content-Encoding` (see [`ContentEncoding::from_header`]).
///
/// Returns the body borrowed when it is not encoded. The decoded size is capped at
/// `limit_bytes` while decoding (never more than `limit_bytes + 1` bytes are produced), so a
/// decompression bomb fails with [`DecodeError::TooLarge`] instead of exhausting memory; an
/// identity body over the limit is `TooLarge` too. An empty body stays empty whatever its
/// declared encoding, so that the envelope parser reports it as empty.
pub fn decode_body<'a>(
    content_encoding: Option<&str>,
    body: &'a [u8],
    limit_bytes: usize,
) -> Result<Cow<'a, [u8]>, DecodeError> {
    let encoding = ContentEncoding::from_header(content_encoding);
    if encoding == ContentEncoding::Identity || body.is_empty() {
        if body.len() > limit_bytes {
            return Err(DecodeError::TooLarge { limit_bytes });
        }
        return Ok(Cow::Borrowed(body));
    }
    decode(encoding, body, limit_bytes).map(Cow::Owned)
}

/// Decodes a non-identity body into a new buffer of at most `limit_bytes`.
pub fn decode(
    encoding: ContentEncoding,
    body: &[u8],
    limit_bytes: usize,
) -> Result<Vec<u8>, DecodeError> {
    match encoding {
        ContentEncoding::Identity if body.len() > limit_bytes => {
            Err(DecodeError::TooLarge { limit_bytes })
        }
        ContentEncoding::Identity => Ok(body.to_vec()),
        ContentEncoding::Gzip => read_capped(MultiGzDecoder::new(body), body.len(), limit_bytes),
        ContentEncoding::Deflate => decode_deflate(body, limit_bytes),
        ContentEncoding::Brotli => read_capped(
            brotli::Decompressor::new(body, BROTLI_BUFFER_BYTES),
            body.len(),
            limit_bytes,
        ),
        ContentEncoding::Zstd => {
            // A frame that declares its size up front can be refused before any allocation.
            if let Ok(Some(declared_bytes)) = zstd::zstd_safe::get_frame_content_size(body)
                && declared_bytes > limit_bytes as u64
            {
                return Err(DecodeError::TooLarge { limit_bytes });
            }
            let mut decoder = zstd::stream::read::Decoder::with_buffer(body)
                .map_err(|error| DecodeError::Corrupt(error.to_string()))?;
            decoder
                .window_log_max(zstd_window_log_max(limit_bytes))
                .map_err(|error| DecodeError::Corrupt(error.to_string()))?;
            read_capped(decoder, body.len(), limit_bytes)
        }
    }
}

/// `Content-Encoding: deflate` means zlib (RFC 1950), but some clients send raw deflate
/// (RFC 1951), as old browsers did; try zlib when the header says so, and raw deflate otherwise
/// or if zlib fails.
fn decode_deflate(body: &[u8], limit_bytes: usize) -> Result<Vec<u8>, DecodeError> {
    if !has_zlib_header(body) {
        return read_capped(DeflateDecoder::new(body), body.len(), limit_bytes);
    }
    match read_capped(ZlibDecoder::new(body), body.len(), limit_bytes) {
        Err(DecodeError::Corrupt(zlib_error)) => {
            read_capped(DeflateDecoder::new(body), body.len(), limit_bytes)
                .map_err(|_| DecodeError::Corrupt(zlib_error))
        }
        result => result,
    }
}

/// Returns whether `body` starts with a valid zlib header: compression method 8 (deflate),
/// a window of at most 32 KiB, and a header checksum divisible by 31.
fn has_zlib_header(body: &[u8]) -> bool {
    match body {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// Returns the zstd window log accepted for a body capped at `limit_bytes`: a window larger
/// than the output may be can only serve a bomb.
fn zstd_window_log_max(limit_bytes: usize) -> u32 {
    let needed = usize::BITS - limit_bytes.saturating_sub(1).leading_zeros();
    needed.clamp(ZSTD_WINDOW_LOG_MIN, ZSTD_WINDOW_LOG_MAX)
}

/// Reads `reader` to the end into a buffer that never grows past `limit_bytes + 1`.
///
/// `Read::take(limit + 1)` bounds what is read; growing the buffer by hand (instead of
/// `read_to_end`, which doubles) keeps the allocation itself within that bound.
fn read_capped(
    reader: impl Read,
    encoded_len: usize,
    limit_bytes: usize,
) -> Result<Vec<u8>, DecodeError> {
    let cap_bytes = limit_bytes.saturating_add(1);
    let mut reader = reader.take(cap_bytes as u64);
    let initial = encoded_len
        .saturating_mul(4)
        .max(OUTPUT_INITIAL_BYTES)
        .min(cap_bytes);
    let mut output = vec![0; initial];
    let mut filled = 0;
    loop {
        if filled == output.len() {
            if output.len() >= cap_bytes {
                break;
            }
            let grown = output.len().saturating_mul(2).clamp(1, cap_bytes);
            output.resize(grown, 0);
        }
        match reader.read(&mut output[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(DecodeError::Corrupt(error.to_string())),
        }
    }
    if filled > limit_bytes {
        return Err(DecodeError::TooLarge { limit_bytes });
    }
    output.truncate(filled);
    Ok(output)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::limits::ENVELOPE_BYTES_MAX;

    const E: &[u8] = b"{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n{\"type\":\"event\"}\n{\"message\":\"hi\"}";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).expect("in-memory write");
        encoder.finish().expect("in-memory write")
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).expect("in-memory write");
        encoder.finish().expect("in-memory write")
    }

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).expect("in-memory write");
        encoder.finish().expect("in-memory write")
    }

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut output = Vec::new();
        {
            let mut encoder = brotli::CompressorWriter::new(&mut output, 4096, 4, 22);
            encoder.write_all(data).expect("in-memory write");
        }
        output
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        zstd::stream::encode_all(data, 3).expect("in-memory write")
    }

    fn check(encoding: Option<&str>, body: &[u8]) -> Result<Vec<u8>, DecodeError> {
        decode_body(encoding, body, ENVELOPE_BYTES_MAX).map(Cow::into_owned)
    }

    #[test]
    fn every_supported_encoding_decodes() {
        let cases = [
            ("gzip", gzip(E)),
            ("x-gzip", gzip(E)),
            (" GZip ", gzip(E)),
            ("deflate", zlib(E)),
            ("Deflate", raw_deflate(E)),
            ("br", brotli(E)),
            ("BR", brotli(E)),
            ("zstd", zstd(E)),
        ];
        for (encoding, body) in cases {
            assert_eq!(check(Some(encoding), &body), Ok(E.to_vec()), "{encoding}");
        }
    }

    #[test]
    fn identity_values_borrow_the_body() {
        for encoding in [
            None,
            Some(""),
            Some("  "),
            Some("identity"),
            Some("UTF-8"),
            Some("utf-8"),
            Some("compress"),
        ] {
            let decoded = decode_body(encoding, E, ENVELOPE_BYTES_MAX).expect("identity");
            assert!(matches!(decoded, Cow::Borrowed(_)), "{encoding:?}");
            assert_eq!(&*decoded, E);
        }
    }

    #[test]
    fn corrupt_gzip_is_corrupt() {
        let mut body = gzip(E);
        body.truncate(body.len() / 2);
        assert!(matches!(
            check(Some("gzip"), &body),
            Err(DecodeError::Corrupt(_))
        ));
        assert!(matches!(
            check(Some("gzip"), E),
            Err(DecodeError::Corrupt(_))
        ));
        let error = check(Some("gzip"), b"not gzip").unwrap_err();
        assert!(error.to_string().starts_with("failed to read request body"));
    }

    #[test]
    fn corrupt_streams_of_every_encoding_are_corrupt() {
        let cases = [
            ("deflate", b"\x78\x9c garbage!".to_vec()),
            ("deflate", b"\xff\xff\xff".to_vec()),
            ("br", b"\xff\xff\xff\xff garbage".to_vec()),
            ("zstd", b"\x28\xb5\x2f\xfd garbage".to_vec()),
            ("zstd", E.to_vec()),
        ];
        for (encoding, body) in cases {
            assert!(
                matches!(check(Some(encoding), &body), Err(DecodeError::Corrupt(_))),
                "{encoding} {body:?}"
            );
        }
    }

    #[test]
    fn truncated_streams_are_corrupt() {
        for (encoding, body) in [("br", brotli(E)), ("zstd", zstd(E)), ("deflate", zlib(E))] {
            let truncated = &body[..body.len() - 4];
            assert!(
                matches!(
                    check(Some(encoding), truncated),
                    Err(DecodeError::Corrupt(_))
                ),
                "{encoding}"
            );
        }
    }

    #[test]
    fn empty_body_stays_empty_whatever_the_encoding() {
        for encoding in ["gzip", "br", "zstd", "deflate"] {
            assert_eq!(check(Some(encoding), b""), Ok(Vec::new()));
        }
    }

    #[test]
    fn identity_body_at_limit_passes_and_over_limit_is_too_large() {
        let body = vec![b'x'; 100];
        assert!(decode_body(None, &body, 100).is_ok());
        assert_eq!(
            decode_body(None, &body, 99),
            Err(DecodeError::TooLarge { limit_bytes: 99 })
        );
    }

    #[test]
    fn decoded_size_at_limit_passes_and_over_limit_is_too_large() {
        let data = vec![b'a'; 10_000];
        for (encoding, body) in [
            ("gzip", gzip(&data)),
            ("deflate", zlib(&data)),
            ("br", brotli(&data)),
            ("zstd", zstd(&data)),
        ] {
            let decoded = decode_body(Some(encoding), &body, 10_000).expect("at limit");
            assert_eq!(decoded.len(), 10_000, "{encoding}");
            assert_eq!(
                decode_body(Some(encoding), &body, 9_999),
                Err(DecodeError::TooLarge { limit_bytes: 9_999 }),
                "{encoding}"
            );
        }
    }

    #[test]
    fn gzip_bomb_stops_at_the_limit() {
        // 64 MiB of zeros compress to about 64 KiB; the cap stops decoding at 1 MiB + 1.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..64 {
            encoder.write_all(&zeros).expect("in-memory write");
        }
        let bomb = encoder.finish().expect("in-memory write");
        assert!(bomb.len() < 100 * 1024);
        assert_eq!(
            decode_body(Some("gzip"), &bomb, 1024 * 1024),
            Err(DecodeError::TooLarge {
                limit_bytes: 1024 * 1024
            })
        );
    }

    /// A zstd frame of `len` zeros, built without holding them in memory; with
    /// `declare_size` the frame header carries the content size.
    fn zstd_zeros(len: usize, declare_size: bool) -> Vec<u8> {
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 1).expect("encoder");
        if declare_size {
            encoder
                .set_pledged_src_size(Some(len as u64))
                .expect("parameter");
        }
        encoder
            .include_contentsize(declare_size)
            .expect("parameter");
        let chunk = vec![0u8; 1024 * 1024];
        let mut left = len;
        while left > 0 {
            let take = left.min(chunk.len());
            encoder.write_all(&chunk[..take]).expect("in-memory write");
            left -= take;
        }
        encoder.finish().expect("in-memory write")
    }

    #[test]
    fn zstd_body_over_200_mib_decompressed_is_too_large() {
        // The frame declares its size, so it is refused without decoding 200 MiB.
        let bomb = zstd_zeros(ENVELOPE_BYTES_MAX + 1, true);
        assert!(bomb.len() < 1024 * 1024);
        assert_eq!(
            decode_body(Some("zstd"), &bomb, ENVELOPE_BYTES_MAX),
            Err(DecodeError::TooLarge {
                limit_bytes: ENVELOPE_BYTES_MAX
            })
        );
    }

    #[test]
    fn zstd_declared_size_at_limit_passes_and_over_limit_is_too_large() {
        let body = zstd_zeros(64 * 1024, true);
        let decoded = decode_body(Some("zstd"), &body, 64 * 1024).expect("at limit");
        assert_eq!(decoded.len(), 64 * 1024);
        assert_eq!(
            decode_body(Some("zstd"), &body, 64 * 1024 - 1),
            Err(DecodeError::TooLarge {
                limit_bytes: 64 * 1024 - 1
            })
        );
    }

    #[test]
    fn zstd_stream_without_declared_size_stops_at_the_limit() {
        let bomb = zstd_zeros(32 * 1024 * 1024, false);
        assert_eq!(
            decode_body(Some("zstd"), &bomb, 1024 * 1024),
            Err(DecodeError::TooLarge {
                limit_bytes: 1024 * 1024
            })
        );
    }

    #[test]
    fn zstd_window_scales_with_the_limit() {
        assert_eq!(zstd_window_log_max(0), ZSTD_WINDOW_LOG_MIN);
        assert_eq!(zstd_window_log_max(1024 * 1024), ZSTD_WINDOW_LOG_MIN);
        assert_eq!(zstd_window_log_max(64 * 1024 * 1024), 26);
        assert_eq!(zstd_window_log_max(64 * 1024 * 1024 + 1), 27);
        assert_eq!(zstd_window_log_max(ENVELOPE_BYTES_MAX), ZSTD_WINDOW_LOG_MAX);
    }

    #[test]
    fn zlib_header_detection() {
        assert!(has_zlib_header(&zlib(E)));
        assert!(!has_zlib_header(&raw_deflate(E)));
        assert!(!has_zlib_header(b"x"));
    }

    #[test]
    fn read_capped_with_zero_limit() {
        assert_eq!(read_capped(&b""[..], 0, 0), Ok(Vec::new()));
        assert_eq!(
            read_capped(&b"a"[..], 1, 0),
            Err(DecodeError::TooLarge { limit_bytes: 0 })
        );
    }
}
