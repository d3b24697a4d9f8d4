//! Property tests for the pure request parsers: envelope framing and body decoding never
//! panic on arbitrary input, and what a serializer frames is what the parser reads back.

use std::borrow::Cow;
use std::io::Write;

use faultline_protocol::decode::{DecodeError, decode_body};
use faultline_protocol::envelope::{
    Envelope, EnvelopeError, ItemType, check_size_limits, validate_container,
};
use proptest::prelude::*;

/// One item to frame: its type, payload and whether to write an explicit `length`.
#[derive(Debug, Clone)]
struct ItemSpec {
    ty: &'static str,
    payload: Vec<u8>,
    explicit_length: bool,
}

const TYPES: [&str; 8] = [
    "event",
    "attachment",
    "session",
    "client_report",
    "log",
    "replay_recording",
    "future_thing",
    "span",
];

fn item_spec() -> impl Strategy<Value = ItemSpec> {
    (
        prop::sample::select(TYPES.to_vec()),
        prop::collection::vec(any::<u8>(), 0..64),
        any::<bool>(),
    )
        .prop_map(|(ty, payload, explicit_length)| {
            // Without a length the payload ends at the first newline, so it may hold none.
            let explicit_length = explicit_length || payload.contains(&b'\n');
            ItemSpec {
                ty,
                payload,
                explicit_length,
            }
        })
}

/// Frames `items` the way SDKs do: Python style (lengths, newline after every payload) or
/// JavaScript style (no final newline).
fn serialize(items: &[ItemSpec], trailing_newline: bool) -> Vec<u8> {
    let mut body = b"{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n".to_vec();
    for (index, item) in items.iter().enumerate() {
        if item.explicit_length {
            let header = format!(
                "{{\"type\":\"{}\",\"length\":{}}}\n",
                item.ty,
                item.payload.len()
            );
            body.extend_from_slice(header.as_bytes());
        } else {
            body.extend_from_slice(format!("{{\"type\":\"{}\"}}\n", item.ty).as_bytes());
        }
        body.extend_from_slice(&item.payload);
        if trailing_newline || index + 1 < items.len() {
            body.push(b'\n');
        }
    }
    body
}

/// A byte-level change to a valid body.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip(at, byte)),
        (any::<usize>(), 0usize..8).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop::sample::select(b"{}[]\":,\n 0123456789lengthtype\\".to_vec()),
                1..6
            )
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(body: &mut Vec<u8>, mutation: &Mutation) {
    if body.is_empty() {
        return;
    }
    match mutation {
        Mutation::Flip(at, byte) => {
            let at = at % body.len();
            body[at] = *byte;
        }
        Mutation::Delete(at, len) => {
            let at = at % body.len();
            let end = (at + len).min(body.len());
            body.drain(at..end);
        }
        Mutation::Insert(at, bytes) => {
            let at = at % (body.len() + 1);
            body.splice(at..at, bytes.iter().copied());
        }
        Mutation::Truncate(at) => body.truncate(at % body.len()),
    }
}

/// Parses `body` and checks what must hold for any envelope that parses: payloads lie inside
/// the body, and the budget and container checks answer without panicking.
fn parse_and_inspect(body: &[u8]) -> Result<usize, EnvelopeError> {
    let envelope = Envelope::parse(body)?;
    let range = body.as_ptr_range();
    for item in &envelope.items {
        let start = item.payload.as_ptr();
        assert!(item.payload.is_empty() || range.contains(&start));
        assert!(item.payload.len() <= body.len());
        let _ = item.ty.category();
        let _ = item.quantities();
        if item.container_kind().is_some() {
            let _ = validate_container(item);
        }
    }
    let _ = check_size_limits(&envelope);
    let _ = envelope.event_id();
    let _ = envelope.sent_at();
    Ok(envelope.items.len())
}

fn encode(encoding: &str, data: &[u8]) -> Vec<u8> {
    match encoding {
        "gzip" => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(data).expect("in-memory write");
            encoder.finish().expect("in-memory write")
        }
        "deflate" => {
            let mut encoder =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(data).expect("in-memory write");
            encoder.finish().expect("in-memory write")
        }
        "br" => {
            let mut output = Vec::new();
            {
                let mut encoder = brotli::CompressorWriter::new(&mut output, 4096, 1, 22);
                encoder.write_all(data).expect("in-memory write");
            }
            output
        }
        "zstd" => zstd::stream::encode_all(data, 1).expect("in-memory write"),
        _ => data.to_vec(),
    }
}

const ENCODINGS: [&str; 6] = ["gzip", "deflate", "br", "zstd", "identity", "UTF-8"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_and_inspect(&body);
    }

    #[test]
    fn parse_never_panics_on_json_like_bytes(
        body in prop::collection::vec(
            prop::sample::select(b"{}[]\":,\n\r 0123456789-.elngthtypeventattachment\\".to_vec()),
            0..256,
        )
    ) {
        let _ = parse_and_inspect(&body);
    }

    #[test]
    fn framed_items_round_trip(
        items in prop::collection::vec(item_spec(), 0..8),
        trailing_newline in any::<bool>(),
    ) {
        let body = serialize(&items, trailing_newline);
        let envelope = Envelope::parse(&body).expect("a serialized envelope parses");
        prop_assert_eq!(envelope.items.len(), items.len());
        for (parsed, spec) in envelope.items.iter().zip(&items) {
            prop_assert_eq!(parsed.ty.clone(), ItemType::from_name(spec.ty));
            prop_assert_eq!(parsed.payload, &spec.payload[..]);
        }
    }

    #[test]
    fn mutated_envelopes_never_panic(
        items in prop::collection::vec(item_spec(), 1..6),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut body = serialize(&items, true);
        for mutation in &mutations {
            apply(&mut body, mutation);
        }
        let _ = parse_and_inspect(&body);
    }

    #[test]
    fn decode_never_panics_and_respects_the_limit(
        encoding in prop::sample::select(ENCODINGS.to_vec()),
        body in prop::collection::vec(any::<u8>(), 0..256),
        limit_bytes in 0usize..512,
    ) {
        match decode_body(Some(encoding), &body, limit_bytes) {
            Ok(decoded) => prop_assert!(decoded.len() <= limit_bytes),
            Err(DecodeError::TooLarge { limit_bytes: reported }) => {
                prop_assert_eq!(reported, limit_bytes)
            }
            Err(DecodeError::Corrupt(_)) => {}
        }
    }

    #[test]
    fn decode_inverts_every_encoding(
        encoding in prop::sample::select(ENCODINGS.to_vec()),
        data in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let encoded = encode(encoding, &data);
        let decoded = decode_body(Some(encoding), &encoded, data.len()).expect("round trip");
        prop_assert_eq!(&*decoded, &data[..]);
        if !data.is_empty() {
            let over = decode_body(Some(encoding), &encoded, data.len() - 1);
            prop_assert_eq!(over, Err(DecodeError::TooLarge { limit_bytes: data.len() - 1 }));
        }
        if matches!(encoding, "identity" | "UTF-8") {
            prop_assert!(matches!(decoded, Cow::Borrowed(_)));
        }
    }

    #[test]
    fn mutated_compressed_bodies_never_panic(
        encoding in prop::sample::select(ENCODINGS[..4].to_vec()),
        data in prop::collection::vec(any::<u8>(), 0..512),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut encoded = encode(encoding, &data);
        for mutation in &mutations {
            apply(&mut encoded, mutation);
        }
        if let Ok(decoded) = decode_body(Some(encoding), &encoded, 4096) {
            prop_assert!(decoded.len() <= 4096);
        }
    }
}
