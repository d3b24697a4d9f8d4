//! Where the time goes per event on the ingest path, stage by stage, on the real SDK
//! envelopes of the shared bench workload: decode (gzip), envelope framing, JSON parse,
//! process (normalize + user agent + group + derive), grouping alone, payload compression.
//!
//! Run: `cargo bench -p faultline-protocol --bench pipeline`.

use std::io::Write;
use std::path::Path;
use std::sync::LazyLock;

use chrono::Utc;
use divan::{Bencher, black_box};
use faultline_protocol::envelope::Envelope;
use faultline_protocol::process::group::{GroupingRules, group};
use faultline_protocol::process::{EventItemKind, ProjectConfig, RequestMeta, process};
use serde_json::Value;

fn main() {
    divan::main();
}

/// The workload envelopes, as sent by sentry-python (identity encoding).
static ENVELOPES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/workload/envelopes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
});

static GZIPPED: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    ENVELOPES
        .iter()
        .map(|e| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
            let _ = enc.write_all(e);
            enc.finish().unwrap_or_default()
        })
        .collect()
});

/// The event payload of each envelope, parsed.
static EVENTS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    ENVELOPES
        .iter()
        .filter_map(|e| {
            let envelope = Envelope::parse(e).ok()?;
            let item = envelope.items.first()?;
            serde_json::from_slice(item.payload).ok()
        })
        .collect()
});

fn meta() -> RequestMeta {
    RequestMeta {
        received_at: Utc::now(),
        sent_at: None,
        envelope_event_id: None,
        client_ip: None,
        user_agent: None,
    }
}

#[divan::bench]
fn decode_gzip(bencher: Bencher) {
    let bodies = &*GZIPPED;
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % bodies.len();
        faultline_protocol::decode::decode_body(Some("gzip"), &bodies[i], 1 << 26).map(|b| b.len())
    });
}

#[divan::bench]
fn envelope_parse(bencher: Bencher) {
    let bodies = &*ENVELOPES;
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % bodies.len();
        Envelope::parse(&bodies[i]).map(|e| e.items.len())
    });
}

#[divan::bench]
fn json_parse(bencher: Bencher) {
    let bodies = &*ENVELOPES;
    let payloads: Vec<&[u8]> = bodies
        .iter()
        .filter_map(|b| Some(Envelope::parse(b).ok()?.items.first()?.payload))
        .collect();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % payloads.len();
        serde_json::from_slice::<Value>(payloads[i]).is_ok()
    });
}

#[divan::bench]
fn process_event(bencher: Bencher) {
    let events = &*EVENTS;
    faultline_protocol::process::user_agent::warm_up();
    let config = ProjectConfig::default();
    let mut i = 0;
    bencher
        .with_inputs(|| {
            i = (i + 1) % events.len();
            events[i].clone()
        })
        .bench_local_values(|event| process(event, EventItemKind::Event, &config, &meta()).is_ok());
}

#[divan::bench]
fn group_only(bencher: Bencher) {
    let events = &*EVENTS;
    let rules = GroupingRules::default();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % events.len();
        group(black_box(&events[i]), &rules).primary_hash.len()
    });
}

#[divan::bench]
fn compress_payload_zstd(bencher: Bencher) {
    let events: Vec<Vec<u8>> = EVENTS
        .iter()
        .filter_map(|e| serde_json::to_vec(e).ok())
        .collect();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % events.len();
        zstd::bulk::compress(&events[i], 3).map(|c| c.len())
    });
}
