//! The issue workflow's writes: status changes, assignment, bookmarks, merge, unmerge and
//! delete (each run alone on the writer, between batches, in its own transaction), and the two
//! decisions the writer makes while filing an event: does it regress a resolved issue, and does
//! it end an ignored issue's snooze. Every change is written to `issue_activity`.
//!
//! Regression: an event received more than [`REGRESSION_GRACE_SECS`] after the resolution
//! reopens the issue (`unresolved`, substatus `regressed`), unless the issue was resolved in a
//! release and the event comes from that release or one created before it.
//!
//! Issue ids are never reused (`ids`).
//!
//! Snoozes: an ignored issue with a condition comes back (`unresolved`, substatus
//! `escalating`) when an event arrives after `until`, or once `event_count` events (or
//! `user_count` distinct users) were seen since it was ignored, within the last
//! `*_window_mins` minutes when a window is set. [`clear_expired_snoozes`] wakes the issues
//! whose time ran out without an event.

use rusqlite::{Connection, OptionalExtension, Transaction};
use serde_json::{Value, json};

use super::ids::Numbered;
use super::queries::issues::{ISSUE_COLUMNS, issue_from_row};
use crate::StoreError;
use crate::codec::{decompress_json, hour_start_secs, micros};
use crate::model::{
    Assignee, IgnoreCondition, Issue, IssueUpdate, MergeOutcome, REGRESSION_GRACE_SECS,
    StatusChange,
};
use crate::write::EncodedEvent;

const MICROS_PER_SEC: i64 = 1_000_000;
/// The release name Sentry reads as "the project's newest release".
const LATEST_RELEASE: &str = "latest";
const MICROS_PER_MIN: i64 = 60 * MICROS_PER_SEC;

/// Appends one activity entry.
pub(crate) fn record_activity(
    conn: &Connection,
    issue_id: i64,
    user_id: Option<i64>,
    kind: &str,
    data: &Value,
    now_us: i64,
) -> Result<(), StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO issue_activity (issue_id, user_id, kind, data, date_created)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    insert.execute((issue_id, user_id, kind, data.to_string(), now_us))?;
    Ok(())
}

/// Loads the issues among `ids` that belong to one of `project_ids`, in id order.
fn scoped_issues(
    conn: &Connection,
    project_ids: &[i64],
    ids: &[i64],
) -> Result<Vec<Issue>, StoreError> {
    let sql = format!("SELECT {ISSUE_COLUMNS} FROM issues WHERE id = ?1");
    let mut select = conn.prepare_cached(&sql)?;
    let mut found = Vec::new();
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let mut rows = select.query([id])?;
        if let Some(row) = rows.next()? {
            let issue = issue_from_row(row)?;
            if project_ids.contains(&issue.project_id) {
                found.push(issue);
            }
        }
    }
    Ok(found)
}

/// Applies `update` to the issues among `ids` in `project_ids`; returns the ids changed (all
/// of those found). Issues outside the projects are left alone, as Sentry does.
pub(crate) fn update_issues(
    conn: &mut Connection,
    project_ids: &[i64],
    ids: &[i64],
    update: &IssueUpdate,
    actor: Option<i64>,
    now_us: i64,
) -> Result<Vec<i64>, StoreError> {
    let tx = conn.transaction()?;
    let issues = scoped_issues(&tx, project_ids, ids)?;
    for issue in &issues {
        if let Some(change) = &update.status {
            change_status(&tx, issue, change, actor, now_us)?;
        }
        if let Some(assignee) = &update.assign {
            assign(&tx, issue, *assignee, actor, now_us)?;
        }
        if let (Some(bookmark), Some(user_id)) = (update.bookmark, actor) {
            set_bookmark(&tx, issue.id, user_id, bookmark, now_us)?;
        }
    }
    tx.commit()?;
    Ok(issues.iter().map(|issue| issue.id).collect())
}

fn change_status(
    tx: &Transaction<'_>,
    issue: &Issue,
    change: &StatusChange,
    actor: Option<i64>,
    now_us: i64,
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM issue_snoozes WHERE issue_id = ?1", [issue.id])?;
    let (kind, data) = match change {
        StatusChange::Resolve => {
            set_resolved(tx, issue.id, "now", None, now_us)?;
            ("set_resolved", json!({}))
        }
        StatusChange::ResolveInRelease(version) => {
            // `latest` is Sentry's name for the project's newest release.
            let version = match version.as_str() {
                LATEST_RELEASE => newest_release(tx, issue.project_id)?.ok_or_else(|| {
                    StoreError::Invalid("the project has no release to resolve in".into())
                })?,
                _ => version.clone(),
            };
            set_resolved(tx, issue.id, "in_release", Some(&version), now_us)?;
            ("set_resolved_in_release", json!({"version": version}))
        }
        StatusChange::ResolveInNextRelease => {
            let newest = newest_release(tx, issue.project_id)?;
            set_resolved(tx, issue.id, "in_next_release", newest.as_deref(), now_us)?;
            (
                "set_resolved_in_release",
                json!({"version": "", "inNextRelease": true, "current_release_version": newest}),
            )
        }
        StatusChange::Unresolve => {
            tx.execute(
                "UPDATE issues SET status = 'unresolved', substatus = 'ongoing', resolved_at = NULL,
                     resolution_type = NULL, resolved_in_release = NULL
                 WHERE id = ?1",
                [issue.id],
            )?;
            ("set_unresolved", json!({}))
        }
        StatusChange::Ignore(condition) => {
            let substatus = if condition.is_forever() {
                "archived_forever"
            } else {
                "archived_until_condition_met"
            };
            tx.execute(
                "UPDATE issues SET status = 'ignored', substatus = ?2, resolved_at = NULL,
                     resolution_type = NULL, resolved_in_release = NULL
                 WHERE id = ?1",
                (issue.id, substatus),
            )?;
            if !condition.is_forever() {
                tx.execute(
                    "INSERT INTO issue_snoozes (issue_id, until_us, event_count, event_window_mins,
                         user_count, user_window_mins, since_us, actor_user_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    rusqlite::params![
                        issue.id,
                        condition.until.map(micros),
                        condition.event_count,
                        condition.event_window_mins,
                        condition.user_count,
                        condition.user_window_mins,
                        now_us,
                        actor,
                    ],
                )?;
            }
            ("set_ignored", condition_json(condition))
        }
    };
    record_activity(tx, issue.id, actor, kind, &data, now_us)
}

/// The ignore condition as Sentry's activity data and `statusDetails` name it.
pub(crate) fn condition_json(condition: &IgnoreCondition) -> Value {
    json!({
        "ignoreUntil": condition.until.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        "ignoreCount": condition.event_count,
        "ignoreWindow": condition.event_window_mins,
        "ignoreUserCount": condition.user_count,
        "ignoreUserWindow": condition.user_window_mins,
    })
}

fn set_resolved(
    tx: &Transaction<'_>,
    issue_id: i64,
    resolution_type: &str,
    release: Option<&str>,
    now_us: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE issues SET status = 'resolved', substatus = NULL, resolved_at = ?2,
             resolution_type = ?3, resolved_in_release = ?4
         WHERE id = ?1",
        (issue_id, now_us, resolution_type, release),
    )?;
    Ok(())
}

/// The project's newest release (by creation), if it has any.
fn newest_release(conn: &Connection, project_id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT r.version FROM releases r JOIN release_projects rp ON rp.release_id = r.id
             WHERE rp.project_id = ?1 ORDER BY r.date_created DESC, r.id DESC LIMIT 1",
            [project_id],
            |row| row.get(0),
        )
        .optional()?)
}

fn assign(
    tx: &Transaction<'_>,
    issue: &Issue,
    assignee: Option<Assignee>,
    actor: Option<i64>,
    now_us: i64,
) -> Result<(), StoreError> {
    if issue.workflow.assignee == assignee {
        return Ok(());
    }
    let (user_id, team_id) = match assignee {
        Some(Assignee::User(id)) => (Some(id), None),
        Some(Assignee::Team(id)) => (None, Some(id)),
        None => (None, None),
    };
    tx.execute(
        "UPDATE issues SET assignee_user_id = ?2, assignee_team_id = ?3 WHERE id = ?1",
        (issue.id, user_id, team_id),
    )?;
    let (kind, data) = match assignee {
        Some(Assignee::User(id)) => (
            "assigned",
            json!({"assignee": id.to_string(), "assigneeType": "user"}),
        ),
        Some(Assignee::Team(id)) => (
            "assigned",
            json!({"assignee": id.to_string(), "assigneeType": "team"}),
        ),
        None => ("unassigned", json!({})),
    };
    record_activity(tx, issue.id, actor, kind, &data, now_us)
}

fn set_bookmark(
    tx: &Transaction<'_>,
    issue_id: i64,
    user_id: i64,
    bookmark: bool,
    now_us: i64,
) -> Result<(), StoreError> {
    if bookmark {
        tx.execute(
            "INSERT INTO issue_bookmarks (issue_id, user_id, date_created) VALUES (?1, ?2, ?3)
             ON CONFLICT (issue_id, user_id) DO NOTHING",
            (issue_id, user_id, now_us),
        )?;
    } else {
        tx.execute(
            "DELETE FROM issue_bookmarks WHERE issue_id = ?1 AND user_id = ?2",
            (issue_id, user_id),
        )?;
    }
    Ok(())
}

/// Merges the issues among `ids` in `project_id` into the one with the most events (the
/// oldest on a tie): their hashes, events, users, tag counts and hourly counts move to it and
/// they are deleted. `None` when fewer than two of them exist there.
pub(crate) fn merge_issues(
    conn: &mut Connection,
    project_id: i64,
    ids: &[i64],
    actor: Option<i64>,
    now_us: i64,
) -> Result<Option<MergeOutcome>, StoreError> {
    let tx = conn.transaction()?;
    let mut issues = scoped_issues(&tx, &[project_id], ids)?;
    if issues.len() < 2 {
        return Ok(None);
    }
    issues.sort_by_key(|issue| (std::cmp::Reverse(issue.times_seen), issue.id));
    let parent = issues[0].id;
    let children: Vec<i64> = issues[1..].iter().map(|issue| issue.id).collect();
    for &child in &children {
        fold_issue_into(&tx, child, parent)?;
    }
    refresh_counters(&tx, parent)?;
    let merged: Vec<Value> = children
        .iter()
        .map(|id| json!({"id": id.to_string()}))
        .collect();
    record_activity(
        &tx,
        parent,
        actor,
        "merge",
        &json!({"issues": merged}),
        now_us,
    )?;
    tx.commit()?;
    Ok(Some(MergeOutcome { parent, children }))
}

/// Moves everything of `child` onto `parent` and deletes `child`.
fn fold_issue_into(tx: &Transaction<'_>, child: i64, parent: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE grouphashes SET issue_id = ?2 WHERE issue_id = ?1",
        [child, parent],
    )?;
    tx.execute(
        "UPDATE events SET issue_id = ?2 WHERE issue_id = ?1",
        [child, parent],
    )?;
    tx.execute(
        "INSERT INTO issue_users (issue_id, user_ident)
         SELECT ?2, user_ident FROM issue_users WHERE issue_id = ?1
         ON CONFLICT (issue_id, user_ident) DO NOTHING",
        [child, parent],
    )?;
    tx.execute(
        "INSERT INTO issue_user_emails (issue_id, email)
         SELECT ?2, email FROM issue_user_emails WHERE issue_id = ?1
         ON CONFLICT (issue_id, email) DO NOTHING",
        [child, parent],
    )?;
    tx.execute(
        "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, last_seen)
         SELECT ?2, key, value, times_seen, first_seen, last_seen
         FROM issue_tag_values WHERE issue_id = ?1
         ON CONFLICT (issue_id, key, value) DO UPDATE SET
             times_seen = times_seen + excluded.times_seen,
             first_seen = min(first_seen, excluded.first_seen),
             last_seen = max(last_seen, excluded.last_seen)",
        [child, parent],
    )?;
    tx.execute(
        "INSERT INTO issue_buckets (issue_id, hour_secs, event_count)
         SELECT ?2, hour_secs, event_count FROM issue_buckets WHERE issue_id = ?1
         ON CONFLICT (issue_id, hour_secs) DO UPDATE SET
             event_count = event_count + excluded.event_count",
        [child, parent],
    )?;
    // The parent keeps the earlier first release and the later last release.
    tx.execute(
        "UPDATE issues SET
             first_release = CASE WHEN c.first_seen < issues.first_seen
                 THEN coalesce(c.first_release, issues.first_release) ELSE issues.first_release END,
             last_release = CASE WHEN c.last_seen > issues.last_seen
                 THEN coalesce(c.last_release, issues.last_release) ELSE issues.last_release END,
             first_seen = min(issues.first_seen, c.first_seen),
             last_seen = max(issues.last_seen, c.last_seen),
             times_seen = issues.times_seen + c.times_seen
         FROM (SELECT first_seen, last_seen, first_release, last_release, times_seen
               FROM issues WHERE id = ?1) AS c
         WHERE issues.id = ?2",
        [child, parent],
    )?;
    delete_issue_rows(tx, child, false)
}

/// Recomputes `user_count` from `issue_users`.
fn refresh_counters(conn: &Connection, issue_id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE issues SET user_count = (SELECT count(*) FROM issue_users WHERE issue_id = ?1)
         WHERE id = ?1",
        [issue_id],
    )?;
    Ok(())
}

/// Deletes an issue and what hangs off it; its events too when `with_events`.
fn delete_issue_rows(
    tx: &Transaction<'_>,
    issue_id: i64,
    with_events: bool,
) -> Result<(), StoreError> {
    if with_events {
        tx.execute("DELETE FROM events WHERE issue_id = ?1", [issue_id])?;
        tx.execute("DELETE FROM grouphashes WHERE issue_id = ?1", [issue_id])?;
    }
    for table in [
        "issue_users",
        "issue_user_emails",
        "issue_tag_values",
        "issue_buckets",
        "issue_snoozes",
        "issue_bookmarks",
        "issue_activity",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE issue_id = ?1"),
            [issue_id],
        )?;
    }
    tx.execute("DELETE FROM issues WHERE id = ?1", [issue_id])?;
    Numbered::Issues.retire(tx, issue_id)
}

/// Deletes the issues among `ids` in `project_ids` with their events and hashes; returns how
/// many were deleted.
pub(crate) fn delete_issues(
    conn: &mut Connection,
    project_ids: &[i64],
    ids: &[i64],
) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let issues = scoped_issues(&tx, project_ids, ids)?;
    for issue in &issues {
        delete_issue_rows(&tx, issue.id, true)?;
    }
    tx.commit()?;
    Ok(issues.len())
}

/// Moves `hashes` of an issue (and the events filed under them as primary hash) to a new
/// issue; returns the new issue's id, or `None` when the issue has none of those hashes.
/// Refuses to move every hash of the issue (that would only renumber it).
pub(crate) fn unmerge(
    conn: &mut Connection,
    issue_id: i64,
    hashes: &[String],
    actor: Option<i64>,
    now_us: i64,
) -> Result<Option<i64>, StoreError> {
    let tx = conn.transaction()?;
    let owned: Vec<String> = {
        let mut select =
            tx.prepare_cached("SELECT hash FROM grouphashes WHERE issue_id = ?1 ORDER BY id")?;
        let rows = select.query_map([issue_id], |row| row.get::<_, String>(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let moving: Vec<&String> = owned.iter().filter(|h| hashes.contains(h)).collect();
    if moving.is_empty() {
        return Ok(None);
    }
    if moving.len() == owned.len() {
        return Err(StoreError::Invalid(
            "cannot unmerge every hash of an issue: at least one must stay".into(),
        ));
    }
    let new_id = copy_issue(&tx, issue_id)?;
    for hash in &moving {
        tx.execute(
            "UPDATE grouphashes SET issue_id = ?3 WHERE issue_id = ?1 AND hash = ?2",
            rusqlite::params![issue_id, hash, new_id],
        )?;
        tx.execute(
            "UPDATE events SET issue_id = ?3 WHERE issue_id = ?1 AND primary_hash = ?2",
            rusqlite::params![issue_id, hash, new_id],
        )?;
    }
    move_tag_counts(&tx, issue_id, new_id)?;
    for id in [issue_id, new_id] {
        rebuild_from_events(&tx, id)?;
    }
    let moved: Vec<&str> = moving.iter().map(|h| h.as_str()).collect();
    record_activity(
        &tx,
        issue_id,
        actor,
        "unmerge_source",
        &json!({"fingerprints": moved, "destination_id": new_id.to_string()}),
        now_us,
    )?;
    record_activity(
        &tx,
        new_id,
        actor,
        "unmerge_destination",
        &json!({"fingerprints": moved, "source_id": issue_id.to_string()}),
        now_us,
    )?;
    tx.commit()?;
    Ok(Some(new_id))
}

/// Creates a new issue in the same project like `issue_id` (a fresh short id, unresolved,
/// counters zero); the caller moves events to it and rebuilds its counters.
fn copy_issue(tx: &Transaction<'_>, issue_id: i64) -> Result<i64, StoreError> {
    let short_id: i64 = tx.query_row(
        "UPDATE projects SET next_short_id = next_short_id + 1
         WHERE id = (SELECT project_id FROM issues WHERE id = ?1)
         RETURNING next_short_id - 1",
        [issue_id],
        |row| row.get(0),
    )?;
    let sql = format!(
        "INSERT INTO issues (id, project_id, short_id, issue_type, title, culprit, level,
             platform, status, metadata, first_seen, last_seen)
         SELECT {}, project_id, ?2, issue_type, title, culprit, level, platform,
             'unresolved', metadata, first_seen, last_seen
         FROM issues WHERE id = ?1
         RETURNING id",
        Numbered::Issues.next_id_sql()
    );
    Ok(tx.query_row(&sql, [issue_id, short_id], |row| row.get(0))?)
}

/// Subtracts the tags of the events now filed under `to` from `from`'s tag counts and adds
/// them to `to`'s, and gives `to` its users' e-mail addresses (both live in the event
/// payloads, so only the moved events are read). `from` keeps its addresses: some of its own
/// events may carry them too, and the search they serve tolerates one too many.
fn move_tag_counts(tx: &Transaction<'_>, from: i64, to: i64) -> Result<(), StoreError> {
    let mut counts: std::collections::BTreeMap<(String, String), (i64, i64, i64)> =
        Default::default();
    let mut emails = std::collections::BTreeSet::new();
    {
        let mut select = tx.prepare("SELECT timestamp, payload FROM events WHERE issue_id = ?1")?;
        let mut rows = select.query([to])?;
        while let Some(row) = rows.next()? {
            let timestamp: i64 = row.get(0)?;
            let payload: Vec<u8> = row.get(1)?;
            let event = decompress_json(&payload)?;
            if let Some(email) = event["user"]["email"].as_str() {
                emails.insert(email.to_owned());
            }
            for pair in event["tags"].as_array().into_iter().flatten() {
                let (Some(key), Some(value)) = (pair[0].as_str(), pair[1].as_str()) else {
                    continue;
                };
                let entry = counts
                    .entry((key.to_owned(), value.to_owned()))
                    .or_insert((0, timestamp, timestamp));
                entry.0 += 1;
                entry.1 = entry.1.min(timestamp);
                entry.2 = entry.2.max(timestamp);
            }
        }
    }
    for ((key, value), (times, first, last)) in counts {
        tx.execute(
            "UPDATE issue_tag_values SET times_seen = times_seen - ?4
             WHERE issue_id = ?1 AND key = ?2 AND value = ?3",
            rusqlite::params![from, key, value, times],
        )?;
        tx.execute(
            "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, last_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![to, key, value, times, first, last],
        )?;
    }
    tx.execute(
        "DELETE FROM issue_tag_values WHERE issue_id = ?1 AND times_seen <= 0",
        [from],
    )?;
    for email in emails {
        tx.execute(
            "INSERT INTO issue_user_emails (issue_id, email) VALUES (?1, ?2)",
            rusqlite::params![to, email],
        )?;
    }
    Ok(())
}

/// Recomputes an issue's counters, users and hourly counts from its events.
fn rebuild_from_events(tx: &Transaction<'_>, issue_id: i64) -> Result<(), StoreError> {
    tx.execute("DELETE FROM issue_users WHERE issue_id = ?1", [issue_id])?;
    tx.execute(
        "INSERT INTO issue_users (issue_id, user_ident)
         SELECT DISTINCT issue_id, user_ident FROM events
         WHERE issue_id = ?1 AND user_ident IS NOT NULL",
        [issue_id],
    )?;
    tx.execute("DELETE FROM issue_buckets WHERE issue_id = ?1", [issue_id])?;
    let hours: Vec<(i64, i64)> = {
        let mut select = tx.prepare("SELECT timestamp FROM events WHERE issue_id = ?1")?;
        let mut per_hour = std::collections::BTreeMap::<i64, i64>::new();
        let rows = select.query_map([issue_id], |row| row.get::<_, i64>(0))?;
        for timestamp in rows {
            *per_hour.entry(hour_start_secs(timestamp?)).or_default() += 1;
        }
        per_hour.into_iter().collect()
    };
    for (hour, count) in hours {
        tx.execute(
            "INSERT INTO issue_buckets (issue_id, hour_secs, event_count) VALUES (?1, ?2, ?3)",
            [issue_id, hour, count],
        )?;
    }
    tx.execute(
        "UPDATE issues SET
             times_seen = (SELECT count(*) FROM events WHERE issue_id = ?1),
             user_count = (SELECT count(*) FROM issue_users WHERE issue_id = ?1),
             first_seen = coalesce((SELECT min(timestamp) FROM events WHERE issue_id = ?1), first_seen),
             last_seen = coalesce((SELECT max(timestamp) FROM events WHERE issue_id = ?1), last_seen),
             first_release = (SELECT release FROM events WHERE issue_id = ?1
                              ORDER BY timestamp, id LIMIT 1),
             last_release = (SELECT release FROM events WHERE issue_id = ?1
                             ORDER BY timestamp DESC, id DESC LIMIT 1)
         WHERE id = ?1",
        [issue_id],
    )?;
    Ok(())
}

/// Called by the writer for an event just filed under a `resolved` issue: reopens it as
/// regressed unless the event is within the grace period or of the fixed release (or older).
pub(crate) fn regress_if_due(
    conn: &Connection,
    issue_id: i64,
    event: &EncodedEvent,
) -> Result<bool, StoreError> {
    let mut select = conn.prepare_cached(
        "SELECT i.resolved_at, i.resolution_type, i.resolved_in_release, p.organization_id
         FROM issues i JOIN projects p ON p.id = i.project_id
         WHERE i.id = ?1 AND i.status = 'resolved'",
    )?;
    type ResolutionRow = (Option<i64>, Option<String>, Option<String>, i64);
    let found: Option<ResolutionRow> = select
        .query_row([issue_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    let Some((resolved_at, resolution_type, fixed_in, organization_id)) = found else {
        return Ok(false);
    };
    if let Some(resolved_at) = resolved_at
        && event.received_us <= resolved_at + REGRESSION_GRACE_SECS * MICROS_PER_SEC
    {
        return Ok(false);
    }
    let release_bound = matches!(
        resolution_type.as_deref(),
        Some("in_release" | "in_next_release")
    );
    if release_bound
        && let (Some(fixed_in), Some(release)) = (&fixed_in, &event.release)
        && !is_newer_release(conn, organization_id, release, fixed_in)?
    {
        return Ok(false);
    }
    conn.prepare_cached(
        "UPDATE issues SET status = 'unresolved', substatus = 'regressed', resolved_at = NULL,
             resolution_type = NULL, resolved_in_release = NULL
         WHERE id = ?1",
    )?
    .execute([issue_id])?;
    record_activity(
        conn,
        issue_id,
        None,
        "set_regression",
        &json!({"version": event.release}),
        event.received_us,
    )?;
    tracing::debug!(issue_id, "issue regressed");
    Ok(true)
}

/// Whether `release` was created after `fixed_in` (an unknown release counts as newer; the
/// same release is not newer).
fn is_newer_release(
    conn: &Connection,
    organization_id: i64,
    release: &str,
    fixed_in: &str,
) -> Result<bool, StoreError> {
    if release == fixed_in {
        return Ok(false);
    }
    let mut select = conn.prepare_cached(
        "SELECT date_created, id FROM releases WHERE organization_id = ?1 AND version = ?2",
    )?;
    let mut created = |version: &str| -> Result<Option<(i64, i64)>, StoreError> {
        Ok(select
            .query_row((organization_id, version), |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?)
    };
    let event_release = created(release)?;
    let fixed_release = created(fixed_in)?;
    Ok(match (event_release, fixed_release) {
        (Some(event_release), Some(fixed_release)) => event_release > fixed_release,
        _ => true,
    })
}

/// Called by the writer for an event just filed under an `ignored` issue: ends its snooze
/// when the condition is met. Returns whether it did.
pub(crate) fn wake_if_due(
    conn: &Connection,
    issue_id: i64,
    event: &EncodedEvent,
) -> Result<bool, StoreError> {
    let mut select = conn.prepare_cached(
        "SELECT until_us, event_count, event_window_mins, user_count, user_window_mins, since_us
         FROM issue_snoozes WHERE issue_id = ?1",
    )?;
    type SnoozeRow = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        i64,
    );
    let found: Option<SnoozeRow> = select
        .query_row([issue_id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })
        .optional()?;
    let Some((until, event_count, event_window, user_count, user_window, since)) = found else {
        return Ok(false);
    };
    let now = event.received_us;
    let start = |window: Option<i64>| match window {
        Some(mins) => since.max(now - mins * MICROS_PER_MIN),
        None => since,
    };
    let mut due = until.is_some_and(|until| now >= until);
    if !due && let Some(needed) = event_count {
        let seen: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM events WHERE issue_id = ?1 AND timestamp >= ?2 AND received >= ?3",
            )?
            .query_row((issue_id, start(event_window), since), |row| row.get(0))?;
        due = seen >= needed;
    }
    if !due && let Some(needed) = user_count {
        let seen: i64 = conn
            .prepare_cached(
                "SELECT count(DISTINCT user_ident) FROM events
                 WHERE issue_id = ?1 AND timestamp >= ?2 AND received >= ?3",
            )?
            .query_row((issue_id, start(user_window), since), |row| row.get(0))?;
        due = seen >= needed;
    }
    if !due {
        return Ok(false);
    }
    escalate(conn, issue_id, now)?;
    Ok(true)
}

/// Ends an ignored issue's snooze: back to unresolved, substatus `escalating`.
fn escalate(conn: &Connection, issue_id: i64, now_us: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM issue_snoozes WHERE issue_id = ?1")?
        .execute([issue_id])?;
    conn.prepare_cached(
        "UPDATE issues SET status = 'unresolved', substatus = 'escalating' WHERE id = ?1",
    )?
    .execute([issue_id])?;
    record_activity(conn, issue_id, None, "set_escalating", &json!({}), now_us)
}

/// Wakes every ignored issue whose `until` has passed; returns how many.
pub(crate) fn clear_expired_snoozes(
    conn: &mut Connection,
    now_us: i64,
) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let due: Vec<i64> = {
        let mut select = tx.prepare(
            "SELECT issue_id FROM issue_snoozes WHERE until_us IS NOT NULL AND until_us <= ?1",
        )?;
        let rows = select.query_map([now_us], |row| row.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for &issue_id in &due {
        escalate(&tx, issue_id, now_us)?;
    }
    tx.commit()?;
    Ok(due.len())
}

impl super::SqliteBackend {
    pub(crate) async fn update_issues(
        &self,
        project_ids: Vec<i64>,
        ids: Vec<i64>,
        update: IssueUpdate,
        actor: Option<i64>,
    ) -> Result<Vec<i64>, StoreError> {
        self.exclusive(move |conn| {
            update_issues(conn, &project_ids, &ids, &update, actor, now_us())
        })
        .await
    }

    pub(crate) async fn merge_issues(
        &self,
        project_id: i64,
        ids: Vec<i64>,
        actor: Option<i64>,
    ) -> Result<Option<MergeOutcome>, StoreError> {
        self.exclusive(move |conn| merge_issues(conn, project_id, &ids, actor, now_us()))
            .await
    }

    pub(crate) async fn unmerge(
        &self,
        issue_id: i64,
        hashes: Vec<String>,
        actor: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        self.exclusive(move |conn| unmerge(conn, issue_id, &hashes, actor, now_us()))
            .await
    }

    pub(crate) async fn delete_issues(
        &self,
        project_ids: Vec<i64>,
        ids: Vec<i64>,
    ) -> Result<usize, StoreError> {
        self.exclusive(move |conn| delete_issues(conn, &project_ids, &ids))
            .await
    }

    pub(crate) async fn clear_expired_snoozes(&self) -> Result<usize, StoreError> {
        self.exclusive(move |conn| clear_expired_snoozes(conn, now_us()))
            .await
    }

    pub(crate) async fn issue_activity(
        &self,
        issue_id: i64,
    ) -> Result<Vec<crate::model::Activity>, StoreError> {
        self.reads
            .run(move |conn| super::queries::issues::issue_activity(conn, issue_id))
            .await
    }

    pub(crate) async fn bookmarked(
        &self,
        user_id: i64,
        issue_ids: Vec<i64>,
    ) -> Result<Vec<i64>, StoreError> {
        self.reads
            .run(move |conn| super::queries::issues::bookmarked(conn, user_id, &issue_ids))
            .await
    }
}

fn now_us() -> i64 {
    micros(chrono::Utc::now())
}
