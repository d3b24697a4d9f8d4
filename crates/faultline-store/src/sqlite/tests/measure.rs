//! Measurements that double as consistency checks under load. They print their numbers
//! (`cargo test -p faultline-store --release measure -- --nocapture`); the assertions check
//! that every acknowledged event is stored and counted exactly once.

use std::time::{Duration as StdDuration, Instant};

use super::*;
use crate::{Durability, IssueQuery};

/// Events per throughput run: 10,000 in release builds, fewer in debug ones (which are ~8x
/// slower and run on every `cargo test`).
const EVENTS: u32 = if cfg!(debug_assertions) {
    2_000
} else {
    10_000
};
/// Sequential commits per latency run.
const COMMITS: u32 = if cfg!(debug_assertions) { 50 } else { 200 };
/// Concurrent writers, like concurrent HTTP requests each carrying one event: the ingest
/// benchmark's two concurrency levels, and a busier one.
const WRITERS: &[u32] = &[8, 32, 128];
/// Distinct issues the events fall into.
const ISSUES: u32 = 100;
/// Approximate size of each event's JSON payload.
const PAYLOAD_BYTES: usize = 6 * 1024;

/// Returns the CPU seconds (user + system) a `/proc/.../stat` file reports, if readable.
fn cpu_secs(stat_path: &std::path::Path) -> Option<f64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

/// Returns the `/proc` stat file of this process's thread named `name` (Linux only).
fn thread_stat_path(name: &str) -> Option<std::path::PathBuf> {
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            std::fs::read_to_string(path.join("comm"))
                .is_ok_and(|comm| name.starts_with(comm.trim()))
        })
        .map(|path| path.join("stat"))
}

/// An error event with a ~6 KB payload of stack frames, breadcrumbs and request data, in the
/// proportions real SDK events have (so it compresses like one).
fn sized_event(n: u32) -> ProcessedEvent {
    let hash = format!("{:032x}", n % ISSUES);
    let mut event = error_event(n, &[&hash]);
    let frames: Vec<_> = (0..22)
        .map(|i| {
            json!({"filename": format!("app/module_{}/handler_{i}.py", n % 7), "function": format!("handle_step_{i}"),
                   "lineno": 10 + i * 7 + n % 13, "in_app": i > 9, "module": format!("app.module_{}.handler_{i}", n % 7),
                   "context_line": format!("    result = process(payload, step={i}, retries={})", n % 5)})
        })
        .collect();
    let breadcrumbs: Vec<_> = (0..12)
        .map(|i| json!({"timestamp": 1_700_000_000.0 + f64::from(n) + f64::from(i) / 10.0, "category": "http",
                        "message": format!("GET /api/items/{}?page={i}", n * 31 % 997), "level": "info"}))
        .collect();
    event.payload = json!({
        "event_id": event_id(n), "level": "error", "platform": "python",
        "exception": {"values": [{"type": "ValueError", "value": format!("bad value {n}"),
                                  "stacktrace": {"frames": frames}}]},
        "breadcrumbs": {"values": breadcrumbs},
        "request": {"url": format!("https://example.com/checkout/{n}"), "method": "POST",
                    "headers": {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "Accept": "*/*"}},
        "user": {"id": format!("user-{}", n % 500), "ip_address": "203.0.113.7"},
        "tags": {"browser": "Firefox 120", "os": "Linux", "server_name": format!("web-{}", n % 4)},
    });
    event.tags = vec![
        ("level".into(), "error".into()),
        ("environment".into(), "production".into()),
        ("release".into(), "app@1.0".into()),
        ("browser".into(), "Firefox 120".into()),
        ("browser.name".into(), "Firefox".into()),
        ("os".into(), "Linux".into()),
        ("os.name".into(), "Linux".into()),
        ("server_name".into(), format!("web-{}", n % 4)),
        ("transaction".into(), "/checkout".into()),
        ("user".into(), format!("id:user-{}", n % 500)),
    ];
    event.user_ident = Some(format!("id:user-{}", n % 500));
    event
}

/// Writes [`EVENTS`] pre-built events from `writers` concurrent tasks, prints what it measured
/// and checks that every event is stored and counted once.
async fn run_throughput(durability: Durability, writers: u32) {
    let options = StoreOptions {
        durability,
        ..StoreOptions::default()
    };
    let t = TestStore::with_options(options).await;
    // Events are built before the clock starts: processing is not the store's cost.
    let events: Vec<Vec<ProcessedEvent>> = (0..writers)
        .map(|w| {
            (w..EVENTS)
                .step_by(writers as usize)
                .map(sized_event)
                .collect()
        })
        .collect();
    let writer_stat = thread_stat_path("faultline-store-writer");
    let process_stat = std::path::Path::new("/proc/self/stat");
    let writer_cpu_before = writer_stat.as_deref().and_then(cpu_secs);
    let process_cpu_before = cpu_secs(process_stat);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for events in events {
        let store = t.store.clone();
        let project_id = t.project_id;
        tasks.push(tokio::spawn(async move {
            let mut batch_rows = Vec::new();
            for event in events {
                let receipt = store
                    .write(vec![WriteOp::Event { project_id, event }])
                    .await
                    .unwrap();
                batch_rows.push(receipt.batch_rows);
            }
            batch_rows
        }));
    }
    let mut batch_rows = Vec::new();
    for task in tasks {
        batch_rows.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    let since =
        |before: Option<f64>, now: Option<f64>| now.zip(before).map(|(now, before)| now - before);
    let writer_cpu = since(writer_cpu_before, writer_stat.as_deref().and_then(cpu_secs));
    let process_cpu = since(process_cpu_before, cpu_secs(process_stat));
    let mean_batch = batch_rows.iter().sum::<usize>() as f64 / batch_rows.len() as f64;
    println!(
        "throughput {durability:?}, {writers} writers: {EVENTS} events in {elapsed:.2?} = {:.0} events/s; \
         mean batch {mean_batch:.0} rows (per waiter); cpu s: process {process_cpu:.2?}, writer {writer_cpu:.2?}",
        f64::from(EVENTS) / elapsed.as_secs_f64(),
    );

    assert_eq!(t.store.event_count().await.unwrap(), u64::from(EVENTS));
    let query = IssueQuery {
        limit: ISSUES as usize,
        cursor: None,
        status: None,
    };
    let issues = t.store.issues(t.project_id, query).await.unwrap();
    assert_eq!(issues.len(), ISSUES as usize);
    let times_seen: u64 = issues.iter().map(|i| i.times_seen).sum();
    assert_eq!(
        times_seen,
        u64::from(EVENTS),
        "issue counts match the events"
    );
    let tags = t.store.issue_tag_values(issues[0].id).await.unwrap();
    let levels: u64 = tags
        .iter()
        .filter(|tag| tag.key == "level")
        .map(|tag| tag.times_seen)
        .sum();
    assert_eq!(levels, issues[0].times_seen, "tag counts match the events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_throughput_by_durability_and_concurrency() {
    let payload_bytes = serde_json::to_vec(&sized_event(1).payload).unwrap().len();
    assert!(
        (PAYLOAD_BYTES * 3 / 4..PAYLOAD_BYTES * 5 / 4).contains(&payload_bytes),
        "{payload_bytes} B"
    );
    println!(
        "throughput runs: payload {payload_bytes} B of JSON per event, {ISSUES} issues, 10 tags each"
    );
    for durability in [Durability::Full, Durability::Process] {
        for &writers in WRITERS {
            run_throughput(durability, writers).await;
        }
    }
}

/// Returns the sorted per-commit latencies of `count` sequential single-event writes.
async fn commit_latencies(durability: Durability, count: u32) -> Vec<StdDuration> {
    let t = TestStore::with_options(StoreOptions {
        durability,
        ..StoreOptions::default()
    })
    .await;
    let mut latencies = Vec::new();
    for n in 0..count {
        let event = sized_event(n);
        let started = Instant::now();
        let receipt = t
            .store
            .write(vec![WriteOp::Event {
                project_id: t.project_id,
                event,
            }])
            .await
            .unwrap();
        latencies.push(started.elapsed());
        assert_eq!(receipt.batch_rows, 1, "sequential writes commit one by one");
    }
    assert_eq!(t.store.event_count().await.unwrap(), u64::from(count));
    latencies.sort();
    latencies
}

#[tokio::test]
async fn measure_commit_latency_by_durability() {
    for durability in [Durability::Full, Durability::Process] {
        let latencies = commit_latencies(durability, COMMITS).await;
        let percentile = |p: usize| latencies[(latencies.len() - 1) * p / 100];
        let mean = latencies.iter().sum::<StdDuration>() / latencies.len() as u32;
        println!(
            "commit latency {durability:?}: mean {mean:.2?}, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
            percentile(50),
            percentile(99),
            percentile(100)
        );
    }
}
