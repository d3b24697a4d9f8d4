//! Store tests against a real SQLite file in a temporary directory: the writer, filing events
//! under issues, the read queries, bootstrap, restarts, and throughput measurements.

mod access;
mod facets;
mod filing;
mod measure;
mod reads;
mod releases;
mod workflow;
mod writer;

use chrono::{DateTime, Duration, Utc};
use faultline_protocol::process::ProcessedEvent;
use faultline_protocol::process::group::{GroupingRules, group};
use serde_json::json;

use crate::{BootstrapRequest, Store, StoreOptions, WriteOp};

/// A fresh store in its own temporary directory (kept alive as long as the value).
pub(super) struct TestStore {
    pub(super) store: Store,
    pub(super) dir: tempfile::TempDir,
    /// The bootstrapped project's id.
    pub(super) project_id: i64,
}

impl TestStore {
    pub(super) async fn new() -> TestStore {
        TestStore::with_options(StoreOptions::default()).await
    }

    pub(super) async fn with_options(options: StoreOptions) -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), options).unwrap();
        let project_id = store
            .bootstrap(bootstrap_request("acme", "web"))
            .await
            .unwrap()
            .project
            .id;
        TestStore {
            store,
            dir,
            project_id,
        }
    }

    /// Writes one event and panics unless it commits.
    pub(super) async fn write_event(&self, event: ProcessedEvent) {
        self.store
            .write(vec![WriteOp::Event {
                project_id: self.project_id,
                event,
            }])
            .await
            .unwrap();
    }

    /// Returns the issue the stored event `n` was filed under.
    pub(super) async fn issue_of(&self, n: u32) -> i64 {
        let stored = self
            .store
            .event(self.project_id, &event_id(n))
            .await
            .unwrap()
            .unwrap();
        stored.issue_id.unwrap()
    }
}

pub(super) fn bootstrap_request(org: &str, project: &str) -> BootstrapRequest {
    BootstrapRequest {
        org_slug: org.into(),
        project_slug: project.into(),
        admin_email: "admin@example.com".into(),
        rate_limit: None,
    }
}

/// The event id of test event `n`.
pub(super) fn event_id(n: u32) -> String {
    format!("{n:032x}")
}

/// A fixed point in time tests count from.
pub(super) fn base_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

/// A processed error event `n`, grouped under `hashes` (primary first), `n` seconds after
/// [`base_time`].
pub(super) fn error_event(n: u32, hashes: &[&str]) -> ProcessedEvent {
    let mut grouping = group(&json!({}), &GroupingRules::default());
    grouping.primary_hash = hashes[0].to_owned();
    grouping.hashes = hashes.iter().map(|h| (*h).to_owned()).collect();
    let timestamp = base_time() + Duration::seconds(i64::from(n));
    ProcessedEvent {
        event_id: event_id(n),
        payload: json!({
            "event_id": event_id(n),
            "level": "error",
            "platform": "python",
            "exception": {"values": [{"type": "ValueError", "value": format!("bad value {n}")}]},
        }),
        event_type: "error".into(),
        timestamp,
        received_at: timestamp,
        level: "error".into(),
        platform: "python".into(),
        environment: Some("production".into()),
        release: Some("app@1.0".into()),
        transaction: Some("/checkout".into()),
        trace_id: None,
        title: format!("ValueError: bad value {n}"),
        culprit: "app.views in checkout".into(),
        metadata: json!({"type": "ValueError", "value": format!("bad value {n}")}),
        tags: vec![
            ("level".into(), "error".into()),
            ("environment".into(), "production".into()),
        ],
        user_ident: Some(format!("id:user-{}", n % 3)),
        grouping,
    }
}
