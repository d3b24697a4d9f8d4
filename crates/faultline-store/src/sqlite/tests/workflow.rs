//! The issue workflow: status changes and their activity, regressions (grace period, fixed
//! releases), ignore conditions, assignment, bookmarks, merge, unmerge and delete.

use super::*;
use crate::{Assignee, IgnoreCondition, IssueQuery, IssueUpdate, StatusChange};

/// Event `n` under `hashes`, sent and received `offset_secs` from now, of `release`.
fn fresh_event(n: u32, hashes: &[&str], offset_secs: i64, release: &str) -> ProcessedEvent {
    let mut event = error_event(n, hashes);
    let at = Utc::now() + Duration::seconds(offset_secs);
    event.timestamp = at;
    event.received_at = at;
    event.release = Some(release.into());
    event.user_ident = Some(format!("id:user-{n}"));
    // As processing writes them: the derived tags are in the payload too.
    event.payload["tags"] = json!(event.tags);
    event
}

fn status(change: StatusChange) -> IssueUpdate {
    IssueUpdate {
        status: Some(change),
        ..IssueUpdate::default()
    }
}

impl TestStore {
    async fn change(&self, issue_id: i64, change: StatusChange) {
        let changed = self
            .store
            .update_issues(&[self.project_id], &[issue_id], status(change), None)
            .await
            .unwrap();
        assert_eq!(changed, vec![issue_id]);
    }

    async fn status_of(&self, issue_id: i64) -> (String, Option<String>) {
        let issue = self.store.issue(issue_id).await.unwrap().unwrap();
        (issue.status, issue.substatus)
    }

    async fn kinds(&self, issue_id: i64) -> Vec<String> {
        let log = self.store.issue_activity(issue_id).await.unwrap();
        log.into_iter().rev().map(|a| a.kind).collect()
    }
}

fn pair(status: &str, substatus: Option<&str>) -> (String, Option<String>) {
    (status.to_owned(), substatus.map(str::to_owned))
}

#[tokio::test]
async fn an_event_after_the_grace_period_regresses_a_resolved_issue() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    t.change(issue_id, StatusChange::Resolve).await;
    assert_eq!(t.status_of(issue_id).await, pair("resolved", None));
    let resolved_list = IssueQuery {
        status: Some("resolved".into()),
        ..IssueQuery::default()
    };
    assert_eq!(
        t.store
            .issues(t.project_id, resolved_list)
            .await
            .unwrap()
            .len(),
        1
    );

    // A straggler received within the grace period leaves it resolved...
    t.write_event(fresh_event(2, &["h"], 2, "app@1")).await;
    assert_eq!(t.status_of(issue_id).await, pair("resolved", None));
    // ... one received after it reopens it.
    t.write_event(fresh_event(3, &["h"], REGRESSION_GRACE_SECS_TEST, "app@1"))
        .await;
    assert_eq!(
        t.status_of(issue_id).await,
        pair("unresolved", Some("regressed"))
    );
    let issue = t.store.issue(issue_id).await.unwrap().unwrap();
    assert_eq!(issue.times_seen, 3);
    assert_eq!(issue.workflow.resolution, None);
    assert_eq!(
        t.kinds(issue_id).await,
        vec!["set_resolved", "set_regression"]
    );
}

const REGRESSION_GRACE_SECS_TEST: i64 = crate::REGRESSION_GRACE_SECS + 2;

#[tokio::test]
async fn an_issue_resolved_in_a_release_regresses_only_on_a_newer_release() {
    let t = TestStore::new().await;
    let org = t.store.organization_by_slug("acme").await.unwrap().unwrap();
    for version in ["app@1", "app@2"] {
        t.store
            .create_release(org.id, version, Default::default())
            .await
            .unwrap();
    }
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    t.change(issue_id, StatusChange::ResolveInRelease("app@2".into()))
        .await;
    let issue = t.store.issue(issue_id).await.unwrap().unwrap();
    assert_eq!(
        issue.workflow.resolution,
        Some(crate::Resolution::InRelease("app@2".into()))
    );
    let late = REGRESSION_GRACE_SECS_TEST;
    t.write_event(fresh_event(2, &["h"], late, "app@1")).await;
    t.write_event(fresh_event(3, &["h"], late, "app@2")).await;
    assert_eq!(t.status_of(issue_id).await, pair("resolved", None));
    t.write_event(fresh_event(4, &["h"], late, "app@3")).await;
    assert_eq!(
        t.status_of(issue_id).await,
        pair("unresolved", Some("regressed"))
    );
}

#[tokio::test]
async fn resolved_in_next_release_keeps_the_current_release_quiet() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    t.change(issue_id, StatusChange::ResolveInNextRelease).await;
    let issue = t.store.issue(issue_id).await.unwrap().unwrap();
    assert_eq!(
        issue.workflow.resolution,
        Some(crate::Resolution::InNextRelease(Some("app@1".into())))
    );
    let late = REGRESSION_GRACE_SECS_TEST;
    t.write_event(fresh_event(2, &["h"], late, "app@1")).await;
    assert_eq!(t.status_of(issue_id).await, pair("resolved", None));
    t.write_event(fresh_event(3, &["h"], late, "app@2")).await;
    assert_eq!(
        t.status_of(issue_id).await,
        pair("unresolved", Some("regressed"))
    );
}

#[tokio::test]
async fn ignored_forever_stays_ignored_and_unresolve_brings_it_back() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    t.change(issue_id, StatusChange::Ignore(IgnoreCondition::default()))
        .await;
    for n in 2..6 {
        t.write_event(fresh_event(n, &["h"], 0, "app@1")).await;
    }
    assert_eq!(
        t.status_of(issue_id).await,
        pair("ignored", Some("archived_forever"))
    );
    t.change(issue_id, StatusChange::Unresolve).await;
    assert_eq!(
        t.status_of(issue_id).await,
        pair("unresolved", Some("ongoing"))
    );
    assert_eq!(
        t.kinds(issue_id).await,
        vec!["set_ignored", "set_unresolved"]
    );
}

#[tokio::test]
async fn ignore_until_n_more_events_wakes_on_the_nth() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    let condition = IgnoreCondition {
        event_count: Some(3),
        ..IgnoreCondition::default()
    };
    t.change(issue_id, StatusChange::Ignore(condition.clone()))
        .await;
    let issue = t.store.issue(issue_id).await.unwrap().unwrap();
    assert_eq!(issue.workflow.snooze.map(|s| s.condition), Some(condition));
    for n in 2..4 {
        t.write_event(fresh_event(n, &["h"], 1, "app@1")).await;
        assert_eq!(
            t.status_of(issue_id).await,
            pair("ignored", Some("archived_until_condition_met"))
        );
    }
    t.write_event(fresh_event(4, &["h"], 1, "app@1")).await;
    assert_eq!(
        t.status_of(issue_id).await,
        pair("unresolved", Some("escalating"))
    );
    let issue = t.store.issue(issue_id).await.unwrap().unwrap();
    assert_eq!(issue.workflow.snooze, None);
    assert_eq!(
        t.kinds(issue_id).await,
        vec!["set_ignored", "set_escalating"]
    );
}

#[tokio::test]
async fn ignore_until_n_more_users_counts_distinct_users() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    let condition = IgnoreCondition {
        user_count: Some(2),
        user_window_mins: Some(60),
        ..IgnoreCondition::default()
    };
    t.change(issue_id, StatusChange::Ignore(condition)).await;
    // The same user twice is one user.
    for n in [2, 3] {
        let mut event = fresh_event(n, &["h"], 1, "app@1");
        event.user_ident = Some("id:same".into());
        t.write_event(event).await;
    }
    assert_eq!(t.status_of(issue_id).await.0, "ignored");
    t.write_event(fresh_event(4, &["h"], 1, "app@1")).await;
    assert_eq!(
        t.status_of(issue_id).await,
        pair("unresolved", Some("escalating"))
    );
}

#[tokio::test]
async fn ignore_until_a_time_wakes_on_a_later_event_or_the_sweep() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    t.write_event(fresh_event(2, &["other"], 0, "app@1")).await;
    let (first, second) = (t.issue_of(1).await, t.issue_of(2).await);
    let soon = IgnoreCondition {
        until: Some(Utc::now() + Duration::seconds(60)),
        ..IgnoreCondition::default()
    };
    t.change(first, StatusChange::Ignore(soon.clone())).await;
    t.write_event(fresh_event(3, &["h"], 10, "app@1")).await;
    assert_eq!(t.status_of(first).await.0, "ignored");
    t.write_event(fresh_event(4, &["h"], 61, "app@1")).await;
    assert_eq!(
        t.status_of(first).await,
        pair("unresolved", Some("escalating"))
    );

    let past = IgnoreCondition {
        until: Some(Utc::now() - Duration::seconds(1)),
        ..IgnoreCondition::default()
    };
    t.change(second, StatusChange::Ignore(past)).await;
    assert_eq!(t.store.clear_expired_snoozes().await.unwrap(), 1);
    assert_eq!(
        t.status_of(second).await,
        pair("unresolved", Some("escalating"))
    );
    assert_eq!(t.store.clear_expired_snoozes().await.unwrap(), 0);
}

#[tokio::test]
async fn updates_outside_the_projects_change_nothing() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    let changed = t
        .store
        .update_issues(
            &[t.project_id + 100],
            &[issue_id, 999],
            status(StatusChange::Resolve),
            None,
        )
        .await
        .unwrap();
    assert!(changed.is_empty());
    assert_eq!(t.status_of(issue_id).await.0, "unresolved");
}

#[tokio::test]
async fn assignment_and_bookmarks_are_recorded() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    let assign = |assignee| IssueUpdate {
        assign: Some(assignee),
        bookmark: Some(true),
        ..IssueUpdate::default()
    };
    t.store
        .update_issues(
            &[t.project_id],
            &[issue_id],
            assign(Some(Assignee::User(1))),
            Some(1),
        )
        .await
        .unwrap();
    let issue = t.store.issue(issue_id).await.unwrap().unwrap();
    assert_eq!(issue.workflow.assignee, Some(Assignee::User(1)));
    assert_eq!(
        t.store.bookmarked(1, &[issue_id, 77]).await.unwrap(),
        vec![issue_id]
    );
    t.store
        .update_issues(&[t.project_id], &[issue_id], assign(None), Some(1))
        .await
        .unwrap();
    assert_eq!(
        t.store
            .issue(issue_id)
            .await
            .unwrap()
            .unwrap()
            .workflow
            .assignee,
        None
    );
    let log = t.store.issue_activity(issue_id).await.unwrap();
    assert_eq!(log[0].kind, "unassigned");
    assert_eq!(log[1].kind, "assigned");
    assert_eq!(log[1].user_id, Some(1));
    assert_eq!(log[1].data["assignee"], "1");
}

#[tokio::test]
async fn merge_folds_issues_into_the_busiest_and_unmerge_splits_them_again() {
    let t = TestStore::new().await;
    for n in 1..=3 {
        t.write_event(fresh_event(n, &["a"], 0, "app@1")).await;
    }
    t.write_event(fresh_event(4, &["b"], 0, "app@2")).await;
    let (a, b) = (t.issue_of(1).await, t.issue_of(4).await);
    let merged = t
        .store
        .merge_issues(t.project_id, &[b, a], Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((merged.parent, merged.children.clone()), (a, vec![b]));
    assert_eq!(t.store.issue(b).await.unwrap(), None);
    let parent = t.store.issue(a).await.unwrap().unwrap();
    assert_eq!((parent.times_seen, parent.user_count), (4, 4));
    assert_eq!(t.issue_of(4).await, a);
    let hashes: Vec<String> = t
        .store
        .issue_hashes(a)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.hash)
        .collect();
    assert_eq!(hashes, vec!["a", "b"]);
    let level_count = |issue_id| {
        let store = t.store.clone();
        async move {
            store
                .issue_tag_values(issue_id)
                .await
                .unwrap()
                .into_iter()
                .find(|v| v.key == "level")
                .map(|v| v.times_seen)
        }
    };
    assert_eq!(level_count(a).await, Some(4));
    assert_eq!(t.kinds(a).await, vec!["merge"]);

    // New events of hash b now land on the parent.
    t.write_event(fresh_event(5, &["b"], 0, "app@2")).await;
    assert_eq!(t.issue_of(5).await, a);

    let split = t
        .store
        .unmerge_hashes(a, &["b".to_owned()], Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.issue_of(4).await, split);
    assert_eq!(t.issue_of(5).await, split);
    assert_eq!(t.issue_of(1).await, a);
    let (left, right) = (
        t.store.issue(a).await.unwrap().unwrap(),
        t.store.issue(split).await.unwrap().unwrap(),
    );
    assert_eq!((left.times_seen, left.user_count), (3, 3));
    assert_eq!((right.times_seen, right.user_count), (2, 2));
    assert_eq!(right.last_release.as_deref(), Some("app@2"));
    assert_eq!(level_count(a).await, Some(3));
    assert_eq!(level_count(split).await, Some(2));
    assert_eq!(t.kinds(split).await, vec!["unmerge_destination"]);
    // The last hash cannot move.
    assert!(matches!(
        t.store.unmerge_hashes(split, &["b".to_owned()], None).await,
        Err(crate::StoreError::Invalid(_))
    ));
    assert_eq!(
        t.store
            .unmerge_hashes(a, &["zzz".to_owned()], None)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn delete_removes_the_issue_and_its_events() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    t.write_event(fresh_event(2, &["k"], 0, "app@1")).await;
    let (doomed, kept) = (t.issue_of(1).await, t.issue_of(2).await);
    assert_eq!(
        t.store
            .delete_issues(&[t.project_id], &[doomed])
            .await
            .unwrap(),
        1
    );
    assert_eq!(t.store.issue(doomed).await.unwrap(), None);
    assert_eq!(
        t.store.event(t.project_id, &event_id(1)).await.unwrap(),
        None
    );
    assert!(t.store.issue(kept).await.unwrap().is_some());
    // The hash is free again: a new event of it starts a new issue.
    t.write_event(fresh_event(3, &["h"], 0, "app@1")).await;
    assert_ne!(t.issue_of(3).await, doomed);
}

#[tokio::test]
async fn deleting_the_newest_issue_never_hands_its_id_to_the_next() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["a"], 0, "app@1")).await;
    t.write_event(fresh_event(2, &["b"], 0, "app@1")).await;
    let newest = t.issue_of(2).await;
    t.store
        .delete_issues(&[t.project_id], &[newest])
        .await
        .unwrap();
    t.write_event(fresh_event(3, &["c"], 0, "app@1")).await;
    let next = t.issue_of(3).await;
    assert!(
        next > newest,
        "{next} reuses or precedes the deleted {newest}"
    );
}

#[tokio::test]
async fn one_batch_of_late_events_regresses_once_and_the_next_resolution_holds() {
    let t = TestStore::new().await;
    t.write_event(fresh_event(1, &["h"], 0, "app@1")).await;
    let issue_id = t.issue_of(1).await;
    t.change(issue_id, StatusChange::Resolve).await;
    let late = REGRESSION_GRACE_SECS_TEST;
    let ops = (2..6)
        .map(|n| WriteOp::Event {
            project_id: t.project_id,
            event: fresh_event(n, &["h"], late, "app@1"),
        })
        .collect();
    t.store.write(ops).await.unwrap();
    assert_eq!(
        t.status_of(issue_id).await,
        pair("unresolved", Some("regressed"))
    );
    assert_eq!(
        t.kinds(issue_id).await,
        vec!["set_resolved", "set_regression"]
    );
    // The batch's memory of the status does not outlive the batch.
    t.change(issue_id, StatusChange::Resolve).await;
    t.write_event(fresh_event(7, &["h"], 1, "app@1")).await;
    assert_eq!(t.status_of(issue_id).await, pair("resolved", None));
}
