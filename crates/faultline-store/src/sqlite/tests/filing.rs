//! Filing events under issues: creation, counters, grouphashes, regressions, duplicates.

use super::*;
use crate::IssueQuery;

#[tokio::test]
async fn a_first_event_creates_an_issue_with_its_counts() {
    let t = TestStore::new().await;
    let event = error_event(1, &["aaa", "bbb"]);
    t.write_event(event.clone()).await;

    let issue_id = t.issue_of(1).await;
    let issue = t.store.issue(issue_id).await.unwrap().unwrap();
    assert_eq!(issue.project_id, t.project_id);
    assert_eq!(issue.short_id, 1);
    assert_eq!(issue.title, "ValueError: bad value 1");
    assert_eq!(issue.culprit, "app.views in checkout");
    assert_eq!(
        (
            issue.level.as_str(),
            issue.issue_type.as_str(),
            issue.platform.as_str()
        ),
        ("error", "error", "python")
    );
    assert_eq!(
        (issue.status.as_str(), issue.substatus.as_deref()),
        ("unresolved", None)
    );
    assert_eq!(issue.metadata["type"], "ValueError");
    assert_eq!((issue.times_seen, issue.user_count), (1, 1));
    assert_eq!(
        (issue.first_seen, issue.last_seen),
        (event.timestamp, event.timestamp)
    );
    assert_eq!(issue.first_release.as_deref(), Some("app@1.0"));
    assert_eq!(issue.last_release.as_deref(), Some("app@1.0"));

    let hashes = t.store.issue_hashes(issue_id).await.unwrap();
    let hashes: Vec<(&str, &str)> = hashes
        .iter()
        .map(|h| (h.hash.as_str(), h.grouping_config.as_str()))
        .collect();
    assert_eq!(
        hashes,
        vec![
            ("aaa", "newstyle:2023-01-11"),
            ("bbb", "newstyle:2023-01-11")
        ]
    );

    let tags = t.store.issue_tag_values(issue_id).await.unwrap();
    let tags: Vec<(&str, &str, u64)> = tags
        .iter()
        .map(|v| (v.key.as_str(), v.value.as_str(), v.times_seen))
        .collect();
    assert_eq!(
        tags,
        vec![("environment", "production", 1), ("level", "error", 1)]
    );

    let hour = crate::codec::hour_start_secs(crate::codec::micros(event.timestamp));
    assert_eq!(
        t.store
            .issue_buckets(issue_id, hour, hour + 3_600)
            .await
            .unwrap(),
        vec![(hour, 1)]
    );

    let stored = t
        .store
        .event(t.project_id, &event_id(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.payload, event.payload);
    assert_eq!(stored.primary_hash, "aaa");
    assert_eq!(
        (stored.timestamp, stored.received_at),
        (event.timestamp, event.received_at)
    );
    assert_eq!(stored.environment.as_deref(), Some("production"));
    assert_eq!(stored.transaction.as_deref(), Some("/checkout"));
}

#[tokio::test]
async fn the_same_primary_hash_twice_is_one_issue_seen_twice() {
    let t = TestStore::new().await;
    t.write_event(error_event(1, &["same"])).await;
    // The second in its own batch, the third and fourth together in one request.
    t.write_event(error_event(2, &["same"])).await;
    let both = vec![
        WriteOp::Event {
            project_id: t.project_id,
            event: error_event(3, &["same"]),
        },
        WriteOp::Event {
            project_id: t.project_id,
            event: error_event(4, &["same"]),
        },
    ];
    t.store.write(both).await.unwrap();

    let issue_id = t.issue_of(1).await;
    for n in 2..=4 {
        assert_eq!(t.issue_of(n).await, issue_id);
    }
    let issue = t.store.issue(issue_id).await.unwrap().unwrap();
    assert_eq!(issue.times_seen, 4);
    assert_eq!(
        issue.title, "ValueError: bad value 4",
        "the latest event sets the title"
    );
    assert_eq!(issue.first_seen, base_time() + Duration::seconds(1));
    assert_eq!(issue.last_seen, base_time() + Duration::seconds(4));
    assert_eq!(issue.user_count, 3, "users 1, 2, 0 and 1 again");
    let tags = t.store.issue_tag_values(issue_id).await.unwrap();
    assert!(tags.iter().all(|tag| tag.times_seen == 4), "{tags:?}");
    assert_eq!(
        t.store
            .issues(t.project_id, IssueQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn different_hashes_are_different_issues() {
    let t = TestStore::new().await;
    t.write_event(error_event(1, &["one"])).await;
    t.write_event(error_event(2, &["two"])).await;
    assert_ne!(t.issue_of(1).await, t.issue_of(2).await);
    let issues = t
        .store
        .issues(t.project_id, IssueQuery::default())
        .await
        .unwrap();
    assert_eq!(issues.len(), 2);
    assert!(issues.iter().all(|issue| issue.times_seen == 1));
}

#[tokio::test]
async fn a_known_secondary_hash_files_the_event_and_attaches_the_new_primary() {
    let t = TestStore::new().await;
    t.write_event(error_event(1, &["old"])).await;
    // A newer grouping produces a new primary hash but still the old one as a secondary.
    t.write_event(error_event(2, &["new", "old"])).await;
    let issue_id = t.issue_of(1).await;
    assert_eq!(t.issue_of(2).await, issue_id);
    let hashes: Vec<String> = t
        .store
        .issue_hashes(issue_id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.hash)
        .collect();
    assert_eq!(hashes, vec!["old", "new"]);
    // From now on the new primary alone finds the issue.
    t.write_event(error_event(3, &["new"])).await;
    assert_eq!(t.issue_of(3).await, issue_id);
    assert_eq!(
        t.store.issue(issue_id).await.unwrap().unwrap().times_seen,
        3
    );
}

#[tokio::test]
async fn hashes_already_on_another_issue_stay_there() {
    let t = TestStore::new().await;
    t.write_event(error_event(1, &["a"])).await;
    t.write_event(error_event(2, &["b"])).await;
    t.write_event(error_event(3, &["a", "b"])).await;
    let (a, b) = (t.issue_of(1).await, t.issue_of(2).await);
    assert_eq!(t.issue_of(3).await, a, "the primary hash decides");
    let b_hashes: Vec<String> = t
        .store
        .issue_hashes(b)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.hash)
        .collect();
    assert_eq!(b_hashes, vec!["b"]);
}

#[tokio::test]
async fn a_duplicate_event_id_is_stored_and_counted_once() {
    let t = TestStore::new().await;
    t.write_event(error_event(1, &["h"])).await;
    t.write_event(error_event(1, &["h"])).await;
    // Duplicates inside one request too, and a duplicate whose hash would start a new issue.
    let ops = vec![
        WriteOp::Event {
            project_id: t.project_id,
            event: error_event(2, &["h"]),
        },
        WriteOp::Event {
            project_id: t.project_id,
            event: error_event(2, &["h"]),
        },
        WriteOp::Event {
            project_id: t.project_id,
            event: error_event(1, &["elsewhere"]),
        },
    ];
    t.store.write(ops).await.unwrap();
    assert_eq!(t.store.event_count().await.unwrap(), 2);
    let issues = t
        .store
        .issues(t.project_id, IssueQuery::default())
        .await
        .unwrap();
    assert_eq!(issues.len(), 1, "the duplicate did not create an issue");
    assert_eq!(issues[0].times_seen, 2);
    let tags = t.store.issue_tag_values(issues[0].id).await.unwrap();
    assert!(tags.iter().all(|tag| tag.times_seen == 2), "{tags:?}");
}

#[tokio::test]
async fn the_same_event_id_in_two_projects_is_two_events() {
    let t = TestStore::new().await;
    let other = t
        .store
        .bootstrap(bootstrap_request("acme", "api"))
        .await
        .unwrap()
        .project
        .id;
    t.write_event(error_event(1, &["h"])).await;
    t.store
        .write(vec![WriteOp::Event {
            project_id: other,
            event: error_event(1, &["h"]),
        }])
        .await
        .unwrap();
    assert_eq!(t.store.event_count().await.unwrap(), 2);
    let other_issue = t
        .store
        .event(other, &event_id(1))
        .await
        .unwrap()
        .unwrap()
        .issue_id
        .unwrap();
    assert_ne!(
        other_issue,
        t.issue_of(1).await,
        "grouphashes are per project"
    );
    assert_eq!(
        t.store.issue(other_issue).await.unwrap().unwrap().short_id,
        1
    );
}

#[tokio::test]
async fn events_without_user_or_release_keep_counts_right() {
    let t = TestStore::new().await;
    t.write_event(error_event(1, &["h"])).await;
    let mut anonymous = error_event(2, &["h"]);
    anonymous.user_ident = None;
    anonymous.release = None;
    t.write_event(anonymous).await;
    let issue = t.store.issue(t.issue_of(1).await).await.unwrap().unwrap();
    assert_eq!((issue.times_seen, issue.user_count), (2, 1));
    assert_eq!(issue.last_release.as_deref(), Some("app@1.0"));
}

#[tokio::test]
async fn issue_events_are_newest_first() {
    let t = TestStore::new().await;
    for n in 1..=3 {
        t.write_event(error_event(n, &["h"])).await;
    }
    let events = t.store.issue_events(t.issue_of(1).await, 2).await.unwrap();
    let ids: Vec<String> = events.into_iter().map(|e| e.event_id).collect();
    assert_eq!(ids, vec![event_id(3), event_id(2)]);
}

#[tokio::test]
async fn transactions_and_raw_items_are_kept() {
    let t = TestStore::new().await;
    let mut transaction = error_event(7, &["unused"]);
    transaction.event_type = "transaction".into();
    transaction.payload = json!({"type": "transaction", "start_timestamp": 1_700_000_006.5,
        "contexts": {"trace": {"op": "http.server", "status": "ok"}}});
    transaction.trace_id = Some("0123456789abcdef0123456789abcdef".into());
    let raw = WriteOp::RawItem {
        project_id: t.project_id,
        event_id: Some(event_id(7)),
        item_type: "attachment".into(),
        headers: json!({"type": "attachment", "filename": "log.txt"}),
        payload: b"hello".to_vec(),
        received_at: base_time(),
    };
    let ops = vec![
        WriteOp::Transaction {
            project_id: t.project_id,
            event: transaction.clone(),
        },
        raw,
    ];
    t.store.write(ops).await.unwrap();
    t.store
        .write(vec![WriteOp::Transaction {
            project_id: t.project_id,
            event: transaction,
        }])
        .await
        .unwrap();
    assert_eq!(
        t.store.transaction_count().await.unwrap(),
        1,
        "duplicate transaction ignored"
    );
    assert_eq!(
        t.store.event_count().await.unwrap(),
        0,
        "a transaction is not an error event"
    );
    assert!(
        t.store
            .issues(t.project_id, IssueQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.store
            .raw_item_count(t.project_id, "attachment")
            .await
            .unwrap(),
        1
    );
    let duration_us: Option<i64> = t
        .store
        .sqlite()
        .read_scalar("SELECT duration_us FROM transactions")
        .await;
    assert_eq!(duration_us, Some(500_000));
}
