//! Issues: keyset-paged lists, one issue, its grouphashes and tag values.

use rusqlite::{Connection, Row};

use super::access::{all, optional};
use crate::StoreError;
use crate::codec::{count, from_micros};
use crate::cursor::IssueCursor;
use crate::limits::ISSUE_PAGE_LIMIT_MAX;
use crate::model::{
    Activity, Assignee, GroupHash, IgnoreCondition, Issue, IssueQuery, IssueTagValue,
    IssueWorkflow, Resolution, Snooze,
};

/// The columns [`issue_from_row`] reads, from `issues` (unaliased). The snooze comes from its
/// own table through a primary-key subquery, one JSON object or NULL.
pub(crate) const ISSUE_COLUMNS: &str =
    "id, project_id, short_id, title, culprit, level, status, substatus, issue_type,
    metadata, first_seen, last_seen, times_seen, user_count, first_release, last_release, platform,
    resolution_type, resolved_in_release, assignee_user_id, assignee_team_id,
    (SELECT json_array(s.until_us, s.event_count, s.event_window_mins, s.user_count,
         s.user_window_mins, s.since_us, s.actor_user_id)
     FROM issue_snoozes s WHERE s.issue_id = issues.id)";

/// The statuses an issue can have.
pub(crate) const ISSUE_STATUSES: &[&str] = &["unresolved", "resolved", "ignored"];

pub(crate) fn issue_from_row(row: &Row<'_>) -> Result<Issue, StoreError> {
    let metadata: String = row.get(9)?;
    Ok(Issue {
        id: row.get(0)?,
        project_id: row.get(1)?,
        short_id: row.get(2)?,
        title: row.get(3)?,
        culprit: row.get(4)?,
        level: row.get(5)?,
        status: row.get(6)?,
        substatus: row.get(7)?,
        issue_type: row.get(8)?,
        metadata: serde_json::from_str(&metadata)
            .map_err(|err| StoreError::Corrupt(format!("issue metadata: {err}")))?,
        first_seen: from_micros(row.get(10)?)?,
        last_seen: from_micros(row.get(11)?)?,
        times_seen: count(row.get(12)?)?,
        user_count: count(row.get(13)?)?,
        first_release: row.get(14)?,
        last_release: row.get(15)?,
        platform: row.get(16)?,
        workflow: workflow_from_row(row)?,
    })
}

/// Reads columns 17.. of [`ISSUE_COLUMNS`].
fn workflow_from_row(row: &Row<'_>) -> Result<IssueWorkflow, StoreError> {
    let resolution_type: Option<String> = row.get(17)?;
    let resolved_in_release: Option<String> = row.get(18)?;
    let resolution = match resolution_type.as_deref() {
        None => None,
        Some("in_release") => Some(Resolution::InRelease(
            resolved_in_release.unwrap_or_default(),
        )),
        Some("in_next_release") => Some(Resolution::InNextRelease(resolved_in_release)),
        Some(_) => Some(Resolution::Now),
    };
    let assignee = match (
        row.get::<_, Option<i64>>(19)?,
        row.get::<_, Option<i64>>(20)?,
    ) {
        (Some(user_id), _) => Some(Assignee::User(user_id)),
        (None, Some(team_id)) => Some(Assignee::Team(team_id)),
        (None, None) => None,
    };
    let snooze = match row.get::<_, Option<String>>(21)? {
        Some(text) => Some(snooze_from_json(&text)?),
        None => None,
    };
    Ok(IssueWorkflow {
        resolution,
        snooze,
        assignee,
    })
}

fn snooze_from_json(text: &str) -> Result<Snooze, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("issue snooze {what}: {text}"));
    let fields: Vec<Option<i64>> =
        serde_json::from_str(text).map_err(|_| corrupt("is not a JSON array"))?;
    let [
        until,
        events,
        events_window,
        users,
        users_window,
        since,
        actor,
    ] = fields[..]
    else {
        return Err(corrupt("has the wrong length"));
    };
    let small = |value: Option<i64>| value.and_then(|v| u32::try_from(v).ok());
    Ok(Snooze {
        condition: IgnoreCondition {
            until: until.map(from_micros).transpose()?,
            event_count: small(events),
            event_window_mins: small(events_window),
            user_count: small(users),
            user_window_mins: small(users_window),
        },
        since: from_micros(since.ok_or_else(|| corrupt("has no start"))?)?,
        actor_user_id: actor,
    })
}

/// Returns a page of a project's issues, newest `last_seen` first.
pub(crate) fn issues(
    conn: &Connection,
    project_id: i64,
    query: &IssueQuery,
) -> Result<Vec<Issue>, StoreError> {
    let after = match &query.cursor {
        Some(text) => IssueCursor::parse(text)?,
        None => IssueCursor {
            last_seen_us: i64::MAX,
            id: i64::MAX,
        },
    };
    let limit = query.limit.clamp(1, ISSUE_PAGE_LIMIT_MAX) as i64;
    // Two statements rather than `(?2 IS NULL OR status = ?2)`, so each can use its index.
    match &query.status {
        Some(status) => {
            if !ISSUE_STATUSES.contains(&status.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "unknown issue status {status:?}"
                )));
            }
            let sql = format!(
                "SELECT {ISSUE_COLUMNS} FROM issues
                 WHERE project_id = ?1 AND status = ?2 AND (last_seen, id) < (?3, ?4)
                 ORDER BY last_seen DESC, id DESC LIMIT ?5"
            );
            all(
                conn,
                &sql,
                (project_id, status, after.last_seen_us, after.id, limit),
                issue_from_row,
            )
        }
        None => {
            let sql = format!(
                "SELECT {ISSUE_COLUMNS} FROM issues
                 WHERE project_id = ?1 AND (last_seen, id) < (?2, ?3)
                 ORDER BY last_seen DESC, id DESC LIMIT ?4"
            );
            all(
                conn,
                &sql,
                (project_id, after.last_seen_us, after.id, limit),
                issue_from_row,
            )
        }
    }
}

pub(crate) fn issue(conn: &Connection, issue_id: i64) -> Result<Option<Issue>, StoreError> {
    let sql = format!("SELECT {ISSUE_COLUMNS} FROM issues WHERE id = ?1");
    optional(conn, &sql, [issue_id], issue_from_row)
}

pub(crate) fn issue_by_short_id(
    conn: &Connection,
    project_id: i64,
    short_id: i64,
) -> Result<Option<Issue>, StoreError> {
    let sql = format!("SELECT {ISSUE_COLUMNS} FROM issues WHERE project_id = ?1 AND short_id = ?2");
    optional(conn, &sql, [project_id, short_id], issue_from_row)
}

pub(crate) fn issue_hashes(conn: &Connection, issue_id: i64) -> Result<Vec<GroupHash>, StoreError> {
    all(
        conn,
        "SELECT hash, grouping_config FROM grouphashes WHERE issue_id = ?1 ORDER BY id",
        [issue_id],
        |row| {
            Ok(GroupHash {
                hash: row.get(0)?,
                grouping_config: row.get(1)?,
            })
        },
    )
}

/// Returns an issue's tag values, most seen first within each key, keys in order.
pub(crate) fn issue_tag_values(
    conn: &Connection,
    issue_id: i64,
) -> Result<Vec<IssueTagValue>, StoreError> {
    all(
        conn,
        "SELECT key, value, times_seen, first_seen, last_seen FROM issue_tag_values
         WHERE issue_id = ?1 ORDER BY key, times_seen DESC, value",
        [issue_id],
        super::event_reads::tag_value_from_row,
    )
}

/// Returns an issue's hourly event counts as `(hour start, count)`, oldest first, for the hours
/// in `[since_secs, until_secs)` that had events.
pub(crate) fn issue_buckets(
    conn: &Connection,
    issue_id: i64,
    since_secs: i64,
    until_secs: i64,
) -> Result<Vec<(i64, u64)>, StoreError> {
    all(
        conn,
        "SELECT hour_secs, event_count FROM issue_buckets
         WHERE issue_id = ?1 AND hour_secs >= ?2 AND hour_secs < ?3 ORDER BY hour_secs",
        [issue_id, since_secs, until_secs],
        |row| Ok((row.get(0)?, count(row.get(1)?)?)),
    )
}

/// Returns an issue's activity log, newest first.
pub(crate) fn issue_activity(
    conn: &Connection,
    issue_id: i64,
) -> Result<Vec<Activity>, StoreError> {
    all(
        conn,
        "SELECT id, issue_id, user_id, kind, data, date_created FROM issue_activity
         WHERE issue_id = ?1 ORDER BY id DESC",
        [issue_id],
        |row| {
            let data: String = row.get(4)?;
            Ok(Activity {
                id: row.get(0)?,
                issue_id: row.get(1)?,
                user_id: row.get(2)?,
                kind: row.get(3)?,
                data: serde_json::from_str(&data)
                    .map_err(|err| StoreError::Corrupt(format!("activity data: {err}")))?,
                date_created: from_micros(row.get(5)?)?,
            })
        },
    )
}

/// Returns which of `issue_ids` the user bookmarked.
pub(crate) fn bookmarked(
    conn: &Connection,
    user_id: i64,
    issue_ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let mut select =
        conn.prepare_cached("SELECT 1 FROM issue_bookmarks WHERE issue_id = ?1 AND user_id = ?2")?;
    let mut found = Vec::new();
    for &issue_id in issue_ids {
        if select.exists((issue_id, user_id))? {
            found.push(issue_id);
        }
    }
    Ok(found)
}
