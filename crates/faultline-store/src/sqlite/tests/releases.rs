//! Releases: filed from events inside the batch, created and changed through the API calls,
//! listed with keyset cursors; and the event read queries' pages.

use super::*;
use crate::{NewDeploy, ReleaseChanges, ReleaseQuery, StoreError};

async fn organization_id(t: &TestStore) -> i64 {
    t.store
        .project_by_id(t.project_id)
        .await
        .unwrap()
        .unwrap()
        .organization_id
}

#[tokio::test]
async fn events_create_their_release_and_count_new_issues() {
    let t = TestStore::new().await;
    let org = organization_id(&t).await;
    // Two issues (two hashes), three events, all of release app@1.0.
    t.write_event(error_event(1, &["a"])).await;
    t.write_event(error_event(2, &["a"])).await;
    t.write_event(error_event(3, &["b"])).await;
    // A duplicate event id is stored once and counted once.
    t.write_event(error_event(3, &["b"])).await;
    let release = t.store.release(org, "app@1.0").await.unwrap().unwrap();
    assert_eq!(release.new_groups(), 2);
    assert_eq!(release.projects.len(), 1);
    assert_eq!(release.projects[0].project_id, t.project_id);
    assert_eq!(
        release.first_event(),
        Some(base_time() + Duration::seconds(1))
    );
    assert_eq!(
        release.last_event(),
        Some(base_time() + Duration::seconds(3))
    );

    // An event of an existing issue under a new release counts no new issue there.
    let mut later = error_event(4, &["a"]);
    later.release = Some("app@2.0".into());
    t.write_event(later).await;
    let second = t.store.release(org, "app@2.0").await.unwrap().unwrap();
    assert_eq!(second.new_groups(), 0);
    assert_eq!(
        second.last_event(),
        Some(base_time() + Duration::seconds(4))
    );

    // Without a release, nothing is filed.
    let mut none = error_event(5, &["c"]);
    none.release = None;
    t.write_event(none).await;
    let all = t
        .store
        .releases(
            org,
            ReleaseQuery {
                limit: 10,
                ..ReleaseQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn create_finds_existing_and_applies_changes() {
    let t = TestStore::new().await;
    let org = organization_id(&t).await;
    let changes = ReleaseChanges {
        git_ref: Some("abc".into()),
        project_ids: vec![t.project_id],
        ..ReleaseChanges::default()
    };
    let (release, created) = t.store.create_release(org, "v1", changes).await.unwrap();
    assert!(created);
    assert_eq!(release.git_ref.as_deref(), Some("abc"));
    let (again, created) = t
        .store
        .create_release(org, "v1", ReleaseChanges::default())
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.id, release.id);
    assert_eq!(
        again.git_ref.as_deref(),
        Some("abc"),
        "unset fields are kept"
    );

    let released_at = base_time();
    let finalized = t
        .store
        .update_release(
            org,
            "v1",
            ReleaseChanges {
                date_released: Some(released_at),
                ..ReleaseChanges::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(finalized.date_released, Some(released_at));
    assert!(
        t.store
            .update_release(org, "v2", ReleaseChanges::default())
            .await
            .unwrap()
            .is_none()
    );

    let deploy = t
        .store
        .create_deploy(
            org,
            "v1",
            NewDeploy {
                environment: "production".into(),
                name: None,
                url: None,
                date_started: None,
                date_finished: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    let with_deploy = t.store.release(org, "v1").await.unwrap().unwrap();
    assert_eq!(with_deploy.deploy_count, 1);
    assert_eq!(with_deploy.last_deploy, Some(deploy));

    assert!(t.store.delete_release(org, "v1").await.unwrap());
    assert!(t.store.release(org, "v1").await.unwrap().is_none());
    assert!(!t.store.delete_release(org, "v1").await.unwrap());
    assert!(matches!(
        t.store
            .create_release(org, "a/b", ReleaseChanges::default())
            .await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn release_pages_neither_repeat_nor_skip_under_inserts() {
    let t = TestStore::new().await;
    let org = organization_id(&t).await;
    for n in 0..8 {
        t.store
            .create_release(org, &format!("r{n}"), ReleaseChanges::default())
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut extra = 0;
    loop {
        let page = t
            .store
            .releases(
                org,
                ReleaseQuery {
                    limit: 3,
                    cursor: cursor.clone(),
                    version_prefix: Some("r".into()),
                    project_id: None,
                },
            )
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        cursor = Some(last.cursor());
        seen.extend(page.iter().map(|r| r.version.clone()));
        extra += 1;
        t.store
            .create_release(org, &format!("r-new-{extra}"), ReleaseChanges::default())
            .await
            .unwrap();
    }
    let expected: Vec<String> = (0..8).rev().map(|n| format!("r{n}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn event_pages_walk_newest_first_and_tag_values_by_count() {
    let t = TestStore::new().await;
    for n in 1..=5 {
        let mut event = error_event(n, &["same"]);
        event.tags.push((
            "color".into(),
            if n % 2 == 0 { "blue" } else { "red" }.into(),
        ));
        t.write_event(event).await;
    }
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = t
            .store
            .project_events(t.project_id, 2, cursor.as_deref())
            .await
            .unwrap();
        ids.extend(page.events.iter().map(|e| e.event_id.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=5).rev().map(event_id).collect();
    assert_eq!(ids, expected);

    let issue_id = t.issue_of(1).await;
    let oldest = t.store.issue_edge_event(issue_id, true).await.unwrap();
    assert_eq!(oldest.map(|e| e.event_id), Some(event_id(1)));
    let latest = t.store.issue_edge_event(issue_id, false).await.unwrap();
    assert_eq!(latest.map(|e| e.event_id), Some(event_id(5)));
    let org = organization_id(&t).await;
    let found = t.store.organization_event(org, &event_id(3)).await.unwrap();
    assert_eq!(found.map(|e| e.issue_id), Some(Some(issue_id)));

    let first = t
        .store
        .issue_tag_key_values(issue_id, "color", 1, None)
        .await
        .unwrap();
    assert_eq!(first.values[0].value, "red");
    assert_eq!(first.values[0].times_seen, 3);
    let second = t
        .store
        .issue_tag_key_values(issue_id, "color", 1, first.next_cursor.as_deref())
        .await
        .unwrap();
    assert_eq!(second.values[0].value, "blue");
    assert_eq!(second.values[0].times_seen, 2);
    assert!(second.next_cursor.is_none());
}
