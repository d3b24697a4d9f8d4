//! The writer: batching, answering waiters, the bounded queue, failures, shutdown, restarts.

use super::*;
use crate::StoreError;

#[tokio::test]
async fn queued_requests_commit_in_one_batch_and_every_waiter_is_answered() {
    let t = TestStore::new().await;
    let release = t.store.sqlite().block_writer().await;
    let mut waiters = Vec::new();
    for n in 0..50 {
        let store = t.store.clone();
        let project_id = t.project_id;
        waiters.push(tokio::spawn(async move {
            store
                .write(vec![WriteOp::Event {
                    project_id,
                    event: error_event(n, &["h"]),
                }])
                .await
        }));
    }
    while t.store.queue_depth() < 50 {
        tokio::task::yield_now().await;
    }
    drop(release);
    for waiter in waiters {
        let receipt = waiter.await.unwrap().unwrap();
        assert_eq!(receipt.batch_rows, 50, "all fifty were queued together");
    }
    assert_eq!(t.store.event_count().await.unwrap(), 50);
    assert_eq!(t.store.queue_depth(), 0);
}

#[tokio::test]
async fn batches_stop_at_batch_rows_max() {
    let t = TestStore::with_options(StoreOptions {
        queue_capacity: 64,
        batch_rows_max: 4,
        ..StoreOptions::default()
    })
    .await;
    let release = t.store.sqlite().block_writer().await;
    let mut waiters = Vec::new();
    for n in 0..10 {
        let store = t.store.clone();
        let project_id = t.project_id;
        waiters.push(tokio::spawn(async move {
            store
                .write(vec![WriteOp::Event {
                    project_id,
                    event: error_event(n, &["h"]),
                }])
                .await
        }));
    }
    while t.store.queue_depth() < 10 {
        tokio::task::yield_now().await;
    }
    drop(release);
    let mut sizes = Vec::new();
    for waiter in waiters {
        sizes.push(waiter.await.unwrap().unwrap().batch_rows);
    }
    // Ten queued rows at four per batch: batches of exactly 4, 4 and 2, never 5.
    sizes.sort();
    assert_eq!(
        sizes,
        vec![2, 2, 4, 4, 4, 4, 4, 4, 4, 4],
        "rows per batch as each waiter saw it"
    );
    assert_eq!(t.store.event_count().await.unwrap(), 10);
}

#[tokio::test]
async fn a_full_queue_answers_queue_full_at_once() {
    let t = TestStore::with_options(StoreOptions {
        queue_capacity: 2,
        batch_rows_max: 100,
        ..StoreOptions::default()
    })
    .await;
    let release = t.store.sqlite().block_writer().await;
    let mut waiters = Vec::new();
    for n in 0..2 {
        let store = t.store.clone();
        let project_id = t.project_id;
        waiters.push(tokio::spawn(async move {
            store
                .write(vec![WriteOp::Event {
                    project_id,
                    event: error_event(n, &["h"]),
                }])
                .await
        }));
    }
    while t.store.queue_depth() < 2 {
        tokio::task::yield_now().await;
    }
    assert_eq!(t.store.queue_capacity(), 2);
    let refused = t.store.write(vec![WriteOp::Event {
        project_id: t.project_id,
        event: error_event(2, &["h"]),
    }]);
    // No waiting: the answer is ready on the first poll.
    let refused = tokio::time::timeout(std::time::Duration::from_millis(100), refused)
        .await
        .unwrap();
    assert!(matches!(refused, Err(StoreError::QueueFull)), "{refused:?}");
    drop(release);
    for waiter in waiters {
        waiter.await.unwrap().unwrap();
    }
    assert_eq!(
        t.store.event_count().await.unwrap(),
        2,
        "the refused event was not stored"
    );
}

#[tokio::test]
async fn a_failing_request_is_rolled_back_alone() {
    let t = TestStore::new().await;
    let release = t.store.sqlite().block_writer().await;
    let good = {
        let store = t.store.clone();
        let project_id = t.project_id;
        tokio::spawn(async move {
            store
                .write(vec![WriteOp::Event {
                    project_id,
                    event: error_event(1, &["good"]),
                }])
                .await
        })
    };
    // An unknown project cannot get an issue; the outcome op in the same request must not
    // be committed either.
    let bad = {
        let store = t.store.clone();
        tokio::spawn(async move {
            let outcome = WriteOp::Outcome {
                project_id: 999,
                category: "error".into(),
                outcome: "accepted".into(),
                reason: None,
                quantity: 1,
                timestamp: base_time(),
            };
            store
                .write(vec![
                    outcome,
                    WriteOp::Event {
                        project_id: 999,
                        event: error_event(2, &["bad"]),
                    },
                ])
                .await
        })
    };
    while t.store.queue_depth() < 2 {
        tokio::task::yield_now().await;
    }
    drop(release);
    assert_eq!(good.await.unwrap().unwrap().batch_rows, 3);
    assert!(matches!(bad.await.unwrap(), Err(StoreError::Invalid(_))));
    assert_eq!(t.store.event_count().await.unwrap(), 1);
    assert!(t.store.outcomes(999).await.unwrap().is_empty());
    assert_eq!(
        t.store
            .issue(t.issue_of(1).await)
            .await
            .unwrap()
            .unwrap()
            .times_seen,
        1
    );
}

#[tokio::test]
async fn an_empty_request_commits_nothing() {
    let t = TestStore::new().await;
    assert_eq!(t.store.write(Vec::new()).await.unwrap().batch_rows, 0);
}

#[tokio::test]
async fn shutdown_commits_what_is_queued_then_refuses_writes() {
    let t = TestStore::new().await;
    let release = t.store.sqlite().block_writer().await;
    let queued = {
        let store = t.store.clone();
        let project_id = t.project_id;
        tokio::spawn(async move {
            store
                .write(vec![WriteOp::Event {
                    project_id,
                    event: error_event(1, &["h"]),
                }])
                .await
        })
    };
    while t.store.queue_depth() < 1 {
        tokio::task::yield_now().await;
    }
    let shutdown = {
        let store = t.store.clone();
        tokio::spawn(async move { store.shutdown().await })
    };
    drop(release);
    shutdown.await.unwrap();
    queued.await.unwrap().unwrap();
    let refused = t
        .store
        .write(vec![WriteOp::Event {
            project_id: t.project_id,
            event: error_event(2, &["h"]),
        }])
        .await;
    assert!(
        matches!(refused, Err(StoreError::ShuttingDown)),
        "{refused:?}"
    );
    assert!(matches!(
        t.store.ping().await,
        Err(StoreError::ShuttingDown)
    ));
    assert_eq!(t.store.event_count().await.unwrap(), 1);
}

#[tokio::test]
async fn reopening_keeps_data_and_migrations_are_idempotent() {
    let t = TestStore::new().await;
    t.write_event(error_event(1, &["h"])).await;
    let first = t
        .store
        .bootstrap(bootstrap_request("acme", "web"))
        .await
        .unwrap();
    t.store.shutdown().await;

    let reopened = Store::open(t.dir.path(), StoreOptions::default()).unwrap();
    reopened.ping().await.unwrap();
    assert_eq!(reopened.event_count().await.unwrap(), 1);
    let again = reopened
        .bootstrap(bootstrap_request("acme", "web"))
        .await
        .unwrap();
    assert_eq!(
        (again.project.id, &again.key.public_key, &again.token),
        (first.project.id, &first.key.public_key, &first.token)
    );
    let stored = reopened
        .event(t.project_id, &event_id(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.payload["exception"]["values"][0]["type"],
        "ValueError"
    );
    // A second issue continues the per-project short id sequence.
    reopened
        .write(vec![WriteOp::Event {
            project_id: t.project_id,
            event: error_event(2, &["other"]),
        }])
        .await
        .unwrap();
    let issues = reopened
        .issues(t.project_id, crate::IssueQuery::default())
        .await
        .unwrap();
    let mut short_ids: Vec<i64> = issues.iter().map(|i| i.short_id).collect();
    short_ids.sort();
    assert_eq!(short_ids, vec![1, 2]);
    reopened.shutdown().await;
}

#[tokio::test]
async fn acknowledged_writes_survive_without_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let project_id;
    {
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        project_id = store
            .bootstrap(bootstrap_request("acme", "web"))
            .await
            .unwrap()
            .project
            .id;
        store
            .write(vec![WriteOp::Event {
                project_id,
                event: error_event(1, &["h"]),
            }])
            .await
            .unwrap();
        // Dropped without shutdown: what was acknowledged is already in the WAL.
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert!(
        store
            .event(project_id, &event_id(1))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn invalid_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        queue_capacity: 0,
        batch_rows_max: 1,
        ..StoreOptions::default()
    };
    assert!(matches!(
        Store::open(dir.path(), options),
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_large_request_is_compressed_on_the_blocking_pool_and_stored() {
    let t = TestStore::new().await;
    let size_bytes = crate::limits::INLINE_ENCODE_BYTES_MAX + 1;
    let item = WriteOp::RawItem {
        project_id: t.project_id,
        event_id: None,
        item_type: "attachment".into(),
        headers: json!({"type": "attachment"}),
        payload: vec![7; size_bytes],
        received_at: base_time(),
    };
    t.store.write(vec![item]).await.unwrap();
    let stored: i64 = t
        .store
        .sqlite()
        .read_scalar("SELECT payload_size_bytes FROM raw_items")
        .await;
    assert_eq!(stored, size_bytes as i64);
    let compressed: i64 = t
        .store
        .sqlite()
        .read_scalar("SELECT length(payload) FROM raw_items")
        .await;
    assert!(compressed < 1_000, "{compressed} bytes");
}
