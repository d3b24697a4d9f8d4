//! Seeds a data directory with many issues and events for the API benchmark
//! (`scripts/bench-api`): every event goes through the real processing pipeline and the real
//! store writer, only the HTTP hop is skipped so that a million events take minutes.
//!
//! ```sh
//! cargo run --release -p faultline --example seed_issues -- DATA_DIR [ISSUES] [EVENTS]
//! ```
//!
//! Provisions org `bench` / project `bench` (as `faultline bootstrap` would), then files
//! EVENTS events (default 1,000,000) over ISSUES issues (default 10,000; issue `n` gets a share
//! that falls off with `n`, like real traffic), spread over the last 14 days, with levels,
//! releases, environments, tags, users and messages that the search benchmark queries.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use faultline_protocol::process::{EventItemKind, ProjectConfig, RequestMeta, process};
use faultline_store::{BootstrapRequest, Durability, Store, StoreOptions, WriteOp};
use serde_json::json;

/// Events per `Store::write` call, and calls in flight at once.
const EVENTS_PER_WRITE: usize = 200;
const WRITES_IN_FLIGHT: usize = 4;
const SPREAD_DAYS: i64 = 14;

const SERVICES: &[&str] = &[
    "payment-gateway",
    "inventory",
    "search-index",
    "mailer",
    "auth-service",
    "pricing",
    "recommendations",
    "shipping",
];
const FAILURES: &[&str] = &[
    "Timeout talking to",
    "Connection refused by",
    "Invalid response from",
    "Rate limited by",
    "Unexpected status 500 from",
];
const BROWSERS: &[&str] = &["Firefox", "Chrome", "Safari", "Edge"];
const REGIONS: &[&str] = &["eu-west", "us-east", "ap-south"];
const LEVELS: &[&str] = &["error", "error", "error", "warning", "fatal", "info"];
const ENVIRONMENTS: &[&str] = &["production", "production", "staging", "development"];

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let data_dir = PathBuf::from(
        args.next()
            .context("usage: seed_issues DATA_DIR [ISSUES] [EVENTS]")?,
    );
    let issues: u64 = args
        .next()
        .map_or(Ok(10_000), |a| a.parse())
        .context("ISSUES")?;
    let events: u64 = args
        .next()
        .map_or(Ok(1_000_000), |a| a.parse())
        .context("EVENTS")?;
    if issues == 0 || events < issues {
        bail!("need at least one issue and one event per issue");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(seed(data_dir, issues, events))
}

async fn seed(data_dir: PathBuf, issues: u64, events: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(&data_dir)?;
    let options = StoreOptions {
        durability: Durability::Process,
        ..StoreOptions::default()
    };
    let store = Store::open(&data_dir, options).context("opening the store")?;
    let bootstrap = store
        .bootstrap(BootstrapRequest {
            org_slug: "bench".into(),
            project_slug: "bench".into(),
            admin_email: "admin@bench.invalid".into(),
            rate_limit: None,
        })
        .await?;
    let project_id = bootstrap.project.id;
    let started = Instant::now();
    let mut in_flight = tokio::task::JoinSet::new();
    let mut next = 0u64;
    while next < events {
        let end = (next + EVENTS_PER_WRITE as u64).min(events);
        let (first, store) = (next, store.clone());
        in_flight.spawn(async move {
            let ops = tokio::task::spawn_blocking(move || {
                (first..end)
                    .map(|n| event_op(project_id, n, issues, events))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await??;
            store.write(ops).await.map_err(anyhow::Error::from)?;
            anyhow::Ok(())
        });
        next = end;
        if in_flight.len() >= WRITES_IN_FLIGHT
            && let Some(done) = in_flight.join_next().await
        {
            done??;
        }
        if next.is_multiple_of(100_000) {
            eprintln!(
                "seed_issues: {next} events in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    while let Some(done) = in_flight.join_next().await {
        done??;
    }
    store.shutdown().await;
    eprintln!(
        "seed_issues: {events} events over {issues} issues in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The `n`th event: its issue is drawn so that low issue numbers get more events (every issue
/// gets at least one: the first `issues` events go one to each).
fn event_op(project_id: i64, n: u64, issues: u64, events: u64) -> anyhow::Result<WriteOp> {
    let hash = splitmix(n);
    let issue = if n < issues {
        n
    } else {
        // Square of a uniform draw: a long tail of rarely seen issues.
        let u = (hash >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u) * issues as f64) as u64 % issues
    };
    let pick = |list: &[&'static str], salt: u64| {
        list[(splitmix(hash ^ salt) % list.len() as u64) as usize]
    };
    let service = SERVICES[(issue % SERVICES.len() as u64) as usize];
    let failure = FAILURES[((issue / 8) % FAILURES.len() as u64) as usize];
    let age_secs = (n * SPREAD_DAYS as u64 * 86_400 / events) as i64;
    let timestamp = Utc::now() - Duration::seconds(SPREAD_DAYS * 86_400 - age_secs);
    let payload = json!({
        "event_id": format!("{:016x}{:016x}", splitmix(hash), hash),
        "timestamp": timestamp.timestamp_micros() as f64 / 1e6,
        "platform": "python",
        "level": LEVELS[(issue % LEVELS.len() as u64) as usize],
        "logger": "bench",
        "release": format!("shop@1.{}.0", issue % 20),
        "environment": pick(ENVIRONMENTS, 1),
        "fingerprint": [format!("bench-issue-{issue}")],
        "message": format!("{failure} {service} (issue {issue}, request {n})"),
        "tags": {
            "browser": pick(BROWSERS, 2),
            "customer": format!("customer-{}", splitmix(hash ^ 3) % 500),
            "region": REGIONS[(issue % REGIONS.len() as u64) as usize],
        },
        "user": {
            "id": format!("u{}", splitmix(hash ^ 4) % 20_000),
            "email": format!("user{}@example.com", splitmix(hash ^ 4) % 20_000),
        },
    });
    let meta = RequestMeta {
        received_at: timestamp,
        sent_at: None,
        envelope_event_id: None,
        client_ip: None,
        user_agent: None,
    };
    let event = process(
        payload,
        EventItemKind::Event,
        &ProjectConfig::default(),
        &meta,
    )?;
    Ok(WriteOp::Event { project_id, event })
}

/// A fast, well-mixed hash of a counter (SplitMix64), so the data is the same on every run.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
