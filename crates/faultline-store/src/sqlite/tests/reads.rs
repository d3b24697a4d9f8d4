//! Read queries: issue paging, outcomes.

use super::*;
use crate::{IssueQuery, OutcomeCount, StoreError};

/// Writes event `n` with a hash of its own, so it starts issue of its own.
async fn new_issue(t: &TestStore, n: u32) -> i64 {
    t.write_event(error_event(n, &[&format!("hash-{n}")])).await;
    t.issue_of(n).await
}

#[tokio::test]
async fn paging_with_cursors_neither_repeats_nor_skips_under_inserts() {
    let t = TestStore::new().await;
    let mut original = Vec::new();
    for n in 1..=10 {
        original.push(new_issue(&t, n).await);
    }
    // Two issues sharing a last_seen, so the id breaks the tie across a page boundary.
    let mut same_time = error_event(11, &["tie"]);
    same_time.timestamp = base_time() + Duration::seconds(5);
    t.write_event(same_time).await;
    original.push(t.issue_of(11).await);

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut next_new = 100;
    loop {
        let page = t
            .store
            .issues(
                t.project_id,
                IssueQuery {
                    limit: 3,
                    cursor: cursor.clone(),
                    status: None,
                },
            )
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        cursor = Some(last.cursor());
        seen.extend(page.iter().map(|issue| issue.id));
        // Newer issues arrive between pages; they belong before the cursor, not after it.
        new_issue(&t, next_new).await;
        next_new += 1;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no issue repeats: {seen:?}");
    let mut expected = original.clone();
    expected.sort();
    assert_eq!(
        unique, expected,
        "every original issue once, none of the newer ones"
    );
}

#[tokio::test]
async fn issues_come_newest_last_seen_first_and_limits_are_clamped() {
    let t = TestStore::new().await;
    for n in 1..=3 {
        new_issue(&t, n).await;
    }
    let issues = t
        .store
        .issues(
            t.project_id,
            IssueQuery {
                limit: 0,
                cursor: None,
                status: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(issues.len(), 1, "a zero limit is clamped to one");
    assert_eq!(issues[0].id, t.issue_of(3).await);
    let all = t
        .store
        .issues(
            t.project_id,
            IssueQuery {
                limit: 1_000,
                cursor: None,
                status: None,
            },
        )
        .await
        .unwrap();
    let times: Vec<_> = all.iter().map(|i| i.last_seen).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
}

#[tokio::test]
async fn issue_page_limit_is_clamped_at_its_max() {
    let t = TestStore::new().await;
    let ops: Vec<WriteOp> = (1..=crate::limits::ISSUE_PAGE_LIMIT_MAX as u32 + 1)
        .map(|n| WriteOp::Event {
            project_id: t.project_id,
            event: error_event(n, &[&format!("h{n}")]),
        })
        .collect();
    t.store.write(ops).await.unwrap();
    let max = crate::limits::ISSUE_PAGE_LIMIT_MAX;
    let page = |limit| IssueQuery {
        limit,
        cursor: None,
        status: None,
    };
    assert_eq!(
        t.store.issues(t.project_id, page(max)).await.unwrap().len(),
        max
    );
    assert_eq!(
        t.store
            .issues(t.project_id, page(max + 1))
            .await
            .unwrap()
            .len(),
        max
    );
}

#[tokio::test]
async fn malformed_cursors_and_statuses_are_invalid() {
    let t = TestStore::new().await;
    let bad_cursor = IssueQuery {
        limit: 10,
        cursor: Some("nope".into()),
        status: None,
    };
    assert!(matches!(
        t.store.issues(t.project_id, bad_cursor).await,
        Err(StoreError::Invalid(_))
    ));
    let bad_status = IssueQuery {
        limit: 10,
        cursor: None,
        status: Some("open".into()),
    };
    assert!(matches!(
        t.store.issues(t.project_id, bad_status).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn outcomes_are_summed_per_category_outcome_and_reason() {
    let t = TestStore::new().await;
    let outcome =
        |category: &str, outcome: &str, reason: Option<&str>, quantity, hours| WriteOp::Outcome {
            project_id: t.project_id,
            category: category.into(),
            outcome: outcome.into(),
            reason: reason.map(str::to_owned),
            quantity,
            timestamp: base_time() + Duration::hours(hours),
        };
    t.store
        .write(vec![
            outcome("error", "accepted", None, 1, 0),
            outcome("error", "accepted", None, 2, 0),
            outcome("error", "rate_limited", Some("key_quota"), 5, 0),
        ])
        .await
        .unwrap();
    // Another hour, another batch: still one total per key.
    t.store
        .write(vec![outcome("error", "accepted", None, 4, 3)])
        .await
        .unwrap();
    let counts = t.store.outcomes(t.project_id).await.unwrap();
    let expected = vec![
        OutcomeCount {
            category: "error".into(),
            outcome: "accepted".into(),
            reason: None,
            quantity: 7,
        },
        OutcomeCount {
            category: "error".into(),
            outcome: "rate_limited".into(),
            reason: Some("key_quota".into()),
            quantity: 5,
        },
    ];
    assert_eq!(counts, expected);
    assert!(t.store.outcomes(t.project_id + 1).await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_rows_are_none() {
    let t = TestStore::new().await;
    assert!(
        t.store
            .event(t.project_id, &event_id(404))
            .await
            .unwrap()
            .is_none()
    );
    assert!(t.store.issue(404).await.unwrap().is_none());
    assert!(t.store.issue_hashes(404).await.unwrap().is_empty());
    assert!(
        t.store
            .project_key("0123456789abcdef0123456789abcdef")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        t.store
            .project_by_slug("acme", "nope")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        t.store
            .organization_by_slug("nope")
            .await
            .unwrap()
            .is_none()
    );
    assert!(t.store.project_by_id(404).await.unwrap().is_none());
}

#[tokio::test]
async fn issue_event_pages_are_clamped_at_their_max() {
    let t = TestStore::new().await;
    let max = crate::limits::EVENT_PAGE_LIMIT_MAX;
    let ops: Vec<WriteOp> = (1..=max as u32 + 1)
        .map(|n| WriteOp::Event {
            project_id: t.project_id,
            event: error_event(n, &["same"]),
        })
        .collect();
    t.store.write(ops).await.unwrap();
    let issue_id = t.issue_of(1).await;
    assert_eq!(
        t.store.issue_events(issue_id, max).await.unwrap().len(),
        max
    );
    assert_eq!(
        t.store.issue_events(issue_id, max + 1).await.unwrap().len(),
        max
    );
}

#[tokio::test]
async fn more_concurrent_reads_than_connections_all_complete() {
    let t = TestStore::new().await;
    t.write_event(error_event(1, &["h"])).await;
    let reads: Vec<_> = (0..crate::limits::READ_CONNECTIONS_MAX * 3)
        .map(|_| {
            let store = t.store.clone();
            let project_id = t.project_id;
            tokio::spawn(async move { store.event(project_id, &event_id(1)).await })
        })
        .collect();
    for read in reads {
        assert!(read.await.unwrap().unwrap().is_some());
    }
}
