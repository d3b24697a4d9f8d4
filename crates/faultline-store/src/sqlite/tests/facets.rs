//! Tag facets over a project's issues and the issue list's event series, on events written
//! through the writer; and the facet queries' cost on a project of 10,000 issues.

use std::time::Instant;

use super::*;
use crate::StatsPeriod;

/// An event `n` of issue `hash` carrying `browser`.
fn tagged(n: u32, hash: &str, browser: &str) -> ProcessedEvent {
    let mut event = error_event(n, &[hash]);
    event.tags.push(("browser".into(), browser.into()));
    event
}

#[tokio::test]
async fn facets_sum_counts_over_issues_and_count_a_shared_value_once() {
    let t = TestStore::new().await;
    for (n, hash, browser) in [
        (1, "a", "Firefox"),
        (2, "a", "Firefox"),
        (3, "b", "Firefox"),
        (4, "b", "Chrome"),
        (5, "c", "Safari"),
    ] {
        t.write_event(tagged(n, hash, browser)).await;
    }
    let keys = t.store.tag_keys(&[t.project_id]).await.unwrap();
    let browser = keys.iter().find(|k| k.key == "browser").unwrap();
    assert_eq!((browser.unique_values, browser.total_values), (3, 5));
    let level = keys.iter().find(|k| k.key == "level").unwrap();
    assert_eq!((level.unique_values, level.total_values), (1, 5));
    let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(names, ["browser", "environment", "level"], "key order");

    // One page at a time: most seen first, ties by value, then the end.
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = t
            .store
            .tag_key_values(&[t.project_id], "browser", None, 2, cursor.as_deref())
            .await
            .unwrap();
        pages.push(
            page.values
                .iter()
                .map(|v| (v.value.clone(), v.times_seen))
                .collect::<Vec<_>>(),
        );
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        pages,
        [
            vec![("Firefox".to_owned(), 3), ("Chrome".to_owned(), 1)],
            vec![("Safari".to_owned(), 1)]
        ]
    );
    let firefox = t
        .store
        .tag_key_values(&[t.project_id], "browser", Some("fire"), 10, None)
        .await
        .unwrap();
    assert_eq!(firefox.values.len(), 1);
    let value = &firefox.values[0];
    assert_eq!(value.value, "Firefox");
    assert_eq!(value.first_seen, base_time() + Duration::seconds(1));
    assert_eq!(value.last_seen, base_time() + Duration::seconds(3));
    assert!(t.store.tag_keys(&[]).await.unwrap().is_empty());
    assert!(
        t.store
            .tag_key_values(&[t.project_id], "browser", None, 10, Some("junk"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn another_projects_tags_stay_out_of_the_facets() {
    let t = TestStore::new().await;
    t.write_event(tagged(1, "a", "Firefox")).await;
    let other = t
        .store
        .bootstrap(bootstrap_request("acme", "other"))
        .await
        .unwrap()
        .project
        .id;
    t.store
        .write(vec![WriteOp::Event {
            project_id: other,
            event: tagged(2, "a", "Chrome"),
        }])
        .await
        .unwrap();
    let values = t
        .store
        .tag_key_values(&[t.project_id], "browser", None, 10, None)
        .await
        .unwrap();
    assert_eq!(values.values.len(), 1);
    let both = t.store.tag_keys(&[t.project_id, other]).await.unwrap();
    let browser = both.iter().find(|k| k.key == "browser").unwrap();
    assert_eq!((browser.unique_values, browser.total_values), (2, 2));
}

#[tokio::test]
async fn stats_have_every_point_and_count_events_in_theirs() {
    let t = TestStore::new().await;
    // base_time() is 22:13:20 UTC; events at +1 s, +2 s (that hour) and +3,601 s (the next).
    for (n, hash) in [(1, "a"), (2, "a"), (3_601, "a"), (3, "b")] {
        t.write_event(error_event(n, &[hash])).await;
    }
    let (a, b) = (t.issue_of(1).await, t.issue_of(3).await);
    let now = base_time() + Duration::hours(2);
    let hourly = t
        .store
        .issue_stats(&[b, a, 999], StatsPeriod::Hours24, now)
        .await
        .unwrap();
    let ids: Vec<i64> = hourly.iter().map(|s| s.issue_id).collect();
    assert_eq!(ids, [b, a, 999], "in the order asked");
    let counts = |i: usize| hourly[i].points.iter().map(|p| p.1).collect::<Vec<_>>();
    assert!(hourly.iter().all(|s| s.points.len() == 24));
    let hour = base_time().timestamp() / 3_600 * 3_600;
    assert_eq!(
        hourly[1].points[23].0,
        hour + 2 * 3_600,
        "the last point is now's hour"
    );
    assert_eq!(&counts(1)[21..], [2, 1, 0]);
    assert_eq!(counts(1).iter().sum::<u64>(), 3);
    assert_eq!(counts(0).iter().sum::<u64>(), 1);
    assert_eq!(counts(2).iter().sum::<u64>(), 0);

    let daily = t
        .store
        .issue_stats(&[a], StatsPeriod::Days14, now)
        .await
        .unwrap();
    assert_eq!(daily[0].points.len(), 14);
    // The events fall on base_time()'s day (22:13 and 23:13); `now` is 00:13 the day after.
    assert_eq!(daily[0].points[12].1, 3);
    assert_eq!(daily[0].points[13].1, 0);
    assert_eq!(daily[0].points[13].0 % 86_400, 0);
    let later = t
        .store
        .issue_stats(&[a], StatsPeriod::Hours24, now + Duration::days(2))
        .await
        .unwrap();
    assert!(
        later[0].points.iter().all(|p| p.1 == 0),
        "out of the window"
    );
    let most: Vec<i64> = (0..101).collect();
    assert_eq!(
        t.store
            .issue_stats(&most, StatsPeriod::Hours24, now)
            .await
            .unwrap()
            .len(),
        101,
        "a page and the one issue that tells whether another page exists"
    );
    let too_many: Vec<i64> = (0..102).collect();
    assert!(
        t.store
            .issue_stats(&too_many, StatsPeriod::Hours24, now)
            .await
            .is_err()
    );
}

/// Issues of the measured project: the API benchmark's 10,000 in release builds.
const SCALE_ISSUES: i64 = if cfg!(debug_assertions) {
    1_000
} else {
    10_000
};

/// Fills a project with `SCALE_ISSUES` issues of 12 tag keys each (one with a value per
/// issue, the others from small sets: ~120,000 tag rows at 10,000 issues) by SQL, and times
/// the facet queries. Prints the times (`--nocapture`); asserts the counts.
#[test]
fn facets_of_a_large_project_answer_quickly() {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    crate::sqlite::migrate::run(&mut conn, 0).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut issue = tx
            .prepare(
                "INSERT INTO issues (id, project_id, short_id, issue_type, title, culprit, level,
                     platform, metadata, first_seen, last_seen, times_seen)
                 VALUES (?1, ?2, ?1, 'error', 't', 'c', 'error', 'python', '{}', 0, ?1, 100)",
            )
            .unwrap();
        let mut tag = tx
            .prepare("INSERT INTO issue_tag_values VALUES (?1, ?2, ?3, 100, 0, ?1)")
            .unwrap();
        for id in 1..=SCALE_ISSUES {
            issue.execute((id, 1)).unwrap();
            tag.execute((id, "transaction", format!("/route/{id}")))
                .unwrap();
            for key in 0..11 {
                tag.execute((id, format!("key{key:02}"), format!("v{}", id % 20)))
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    let started = Instant::now();
    let keys = crate::sqlite::queries::facets::tag_keys(&conn, &[1]).unwrap();
    let keys_time = started.elapsed();
    assert_eq!(keys.len(), 12);
    let route = keys.iter().find(|k| k.key == "transaction").unwrap();
    assert_eq!(route.unique_values, SCALE_ISSUES as u64);
    let started = Instant::now();
    let page =
        crate::sqlite::queries::facets::tag_key_values(&conn, &[1], "transaction", None, 100, None)
            .unwrap();
    let values_time = started.elapsed();
    assert_eq!(page.values.len(), 100);
    let started = Instant::now();
    let small =
        crate::sqlite::queries::facets::tag_key_values(&conn, &[1], "key03", None, 100, None)
            .unwrap();
    let small_time = started.elapsed();
    assert_eq!(small.values.len(), 20);
    println!(
        "facets over {SCALE_ISSUES} issues: keys {keys_time:?}, 100 of {SCALE_ISSUES} values {values_time:?}, 20 values {small_time:?}"
    );
}

/// Returns the issues of the test project that `query` finds.
async fn search(t: &TestStore, query: &str) -> Vec<i64> {
    let request = crate::IssueSearchRequest {
        project_ids: vec![t.project_id],
        search: crate::search::parse(query, Utc::now()).unwrap(),
        environments: Vec::new(),
        sort: crate::IssueSort::Date,
        limit: 100,
        cursor: None,
        viewer_user_id: None,
    };
    let mut ids: Vec<i64> = t
        .store
        .search_issues(request)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn user_email_finds_users_identified_by_id() {
    let t = TestStore::new().await;
    // The `user` tag and identity of each is `id:...`: the e-mail is in no tag.
    for (n, hash, email) in [
        (1, "a", Some("dana@example.com")),
        (2, "a", Some("erin@example.org")),
        (3, "b", None),
        (4, "c", Some("dana@example.com")),
    ] {
        let mut event = error_event(n, &[hash]);
        event.payload["user"] = json!({"id": format!("u-{n}"), "email": email});
        event.tags.push(("user".into(), format!("id:u-{n}")));
        t.write_event(event).await;
    }
    let (a, b, c) = (
        t.issue_of(1).await,
        t.issue_of(3).await,
        t.issue_of(4).await,
    );
    assert_eq!(search(&t, "user.email:dana@example.com").await, [a, c]);
    assert_eq!(search(&t, "user.email:erin@example.org").await, [a]);
    assert_eq!(search(&t, "user.email:*@example.org").await, [a]);
    assert_eq!(search(&t, "!user.email:dana@example.com").await, [b]);
    assert!(search(&t, "user.email:u-1").await.is_empty());
    let issue = t.store.issue(a).await.unwrap().unwrap();
    assert_eq!(issue.user_count, 2, "e-mails are not identities");
    let keys = t.store.tag_keys(&[t.project_id]).await.unwrap();
    assert!(keys.iter().all(|k| k.key != "user.email"), "and no facet");
}

#[tokio::test]
async fn user_email_still_matches_the_user_tag_of_users_identified_by_email() {
    let t = TestStore::new().await;
    // As events stored before the e-mail table: the address only in the `user` tag.
    let mut event = error_event(1, &["a"]);
    event
        .tags
        .push(("user".into(), "email:fay@example.com".into()));
    t.write_event(event).await;
    assert_eq!(
        search(&t, "user.email:fay@example.com").await,
        [t.issue_of(1).await]
    );
}

#[tokio::test]
async fn deleting_a_project_deletes_its_user_emails() {
    let t = TestStore::new().await;
    let mut event = error_event(1, &["a"]);
    event.payload["user"] = json!({"id": "u-1", "email": "gil@example.com"});
    t.write_event(event).await;
    assert!(t.store.delete_project(t.project_id).await.unwrap());
    let conn = rusqlite::Connection::open(t.dir.path().join("faultline.db")).unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM issue_user_emails", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(left, 0);
}
