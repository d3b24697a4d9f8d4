//! Issues: keyset-paged lists, one issue, its grouphashes and tag values.

use rusqlite::{Connection, Row};

use super::access::{all, optional};
use crate::StoreError;
use crate::codec::{count, from_micros};
use crate::cursor::IssueCursor;
use crate::limits::ISSUE_PAGE_LIMIT_MAX;
use crate::model::{GroupHash, Issue, IssueQuery, IssueTagValue};

pub(super) const ISSUE_COLUMNS: &str =
    "id, project_id, short_id, title, culprit, level, status, substatus, issue_type,
    metadata, first_seen, last_seen, times_seen, user_count, first_release, last_release, platform";

/// The statuses an issue can have.
pub(crate) const ISSUE_STATUSES: &[&str] = &["unresolved", "resolved", "ignored"];

pub(super) fn issue_from_row(row: &Row<'_>) -> Result<Issue, StoreError> {
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
        |row| {
            Ok(IssueTagValue {
                key: row.get(0)?,
                value: row.get(1)?,
                times_seen: count(row.get(2)?)?,
                first_seen: from_micros(row.get(3)?)?,
                last_seen: from_micros(row.get(4)?)?,
            })
        },
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
