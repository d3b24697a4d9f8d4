//! Tag facets over many issues (a project's, an organization's) and the issue list's
//! per-issue event series.
//!
//! Facets are summed from `issue_tag_values` at read time: the issues of the projects are
//! walked through `issues_project_*` indexes and each issue's rows through the table's
//! primary key `(issue_id, key, value)`, so one key's values cost one probe per issue and the
//! key list one range scan per issue. No project-level counter table is kept: it would be
//! one more upsert per tag per batch on the write path, which every event pays, while facets
//! are read by people. A value seen on two issues is one value, its counts summed.
//!
//! Sets of ids are bound as one JSON array (`json_each(?1)`), so each query has one shape
//! whatever the number of projects or issues, and one cached statement.

use rusqlite::Connection;

use super::access::all;
use super::event_reads::{parse_tag_cursor, tag_value_from_row, tag_value_page};
use super::search::like_pattern;
use crate::StoreError;
use crate::codec::count;
use crate::limits::{EVENT_PAGE_LIMIT_MAX, TAG_KEYS_MAX};
use crate::model::{IssueStats, StatsPeriod, TagKey, TagValuePage};

fn json_ids(ids: &[i64]) -> String {
    serde_json::Value::from(ids.to_vec()).to_string()
}

/// Returns the tag keys of the projects' issues, in key order, at most [`TAG_KEYS_MAX`].
pub(crate) fn tag_keys(conn: &Connection, project_ids: &[i64]) -> Result<Vec<TagKey>, StoreError> {
    all(
        conn,
        "SELECT t.key, count(DISTINCT t.value), sum(t.times_seen)
         FROM issues i JOIN issue_tag_values t ON t.issue_id = i.id
         WHERE i.project_id IN (SELECT value FROM json_each(?1))
         GROUP BY t.key ORDER BY t.key LIMIT ?2",
        (json_ids(project_ids), TAG_KEYS_MAX as i64),
        |row| {
            Ok(TagKey {
                key: row.get(0)?,
                unique_values: count(row.get(1)?)?,
                total_values: count(row.get(2)?)?,
            })
        },
    )
}

/// Returns a page of one tag key's values over the projects' issues, most seen first, ties
/// by value; `contains` keeps the values holding that text (case-insensitive for ASCII, as
/// SQLite's `LIKE` is).
/// Cursors are those of the issue tag values (`<times_seen>:<hex of the value>`).
pub(crate) fn tag_key_values(
    conn: &Connection,
    project_ids: &[i64],
    key: &str,
    contains: Option<&str>,
    limit: usize,
    cursor: Option<&str>,
) -> Result<TagValuePage, StoreError> {
    let limit = limit.clamp(1, EVENT_PAGE_LIMIT_MAX);
    let (times_seen, value) = match cursor {
        Some(text) => parse_tag_cursor(text)?,
        None => (i64::MAX, String::new()),
    };
    // A `*` inside the text is a wildcard, as in search values.
    let contains = contains
        .filter(|text| !text.is_empty())
        .map(|text| like_pattern(text, "%"));
    let values = all(
        conn,
        "SELECT key, value, times_seen, first_seen, last_seen FROM (
             SELECT t.key AS key, t.value AS value, sum(t.times_seen) AS times_seen,
                    min(t.first_seen) AS first_seen, max(t.last_seen) AS last_seen
             FROM issues i JOIN issue_tag_values t ON t.issue_id = i.id
             WHERE i.project_id IN (SELECT value FROM json_each(?1)) AND t.key = ?2
               AND (?3 IS NULL OR t.value LIKE ?3 ESCAPE '\\')
             GROUP BY t.value)
         WHERE times_seen < ?4 OR (times_seen = ?4 AND value > ?5)
         ORDER BY times_seen DESC, value LIMIT ?6",
        rusqlite::params![
            json_ids(project_ids),
            key,
            contains,
            times_seen,
            value,
            limit as i64 + 1
        ],
        tag_value_from_row,
    )?;
    Ok(tag_value_page(values, limit))
}

/// Returns the event series of each issue over `period` ending with the point that holds
/// `now_secs`, in the order of `issue_ids`; one query for all of them.
pub(crate) fn issue_stats(
    conn: &Connection,
    issue_ids: &[i64],
    period: StatsPeriod,
    now_secs: i64,
) -> Result<Vec<IssueStats>, StoreError> {
    let start = period.start_secs(now_secs);
    let end = start + period.step_secs() * period.points() as i64;
    let buckets = all(
        conn,
        "SELECT issue_id, hour_secs, event_count FROM issue_buckets
         WHERE issue_id IN (SELECT value FROM json_each(?1)) AND hour_secs >= ?2 AND hour_secs < ?3",
        (json_ids(issue_ids), start, end),
        |row| Ok((row.get::<_, i64>(0)?, row.get(1)?, count(row.get(2)?)?)),
    )?;
    Ok(fill_points(issue_ids, &buckets, period, start))
}

/// Spreads hourly `(issue, hour start, events)` buckets over every point of each issue's
/// series starting at `start`, zero where no bucket falls.
fn fill_points(
    issue_ids: &[i64],
    buckets: &[(i64, i64, u64)],
    period: StatsPeriod,
    start: i64,
) -> Vec<IssueStats> {
    let step = period.step_secs();
    let mut stats: Vec<IssueStats> = issue_ids
        .iter()
        .map(|&issue_id| IssueStats {
            issue_id,
            points: (0..period.points())
                .map(|i| (start + i as i64 * step, 0))
                .collect(),
        })
        .collect();
    for &(issue_id, hour_secs, events) in buckets {
        let index = usize::try_from((hour_secs - start).div_euclid(step)).ok();
        for series in stats.iter_mut().filter(|s| s.issue_id == issue_id) {
            if let Some(point) = index.and_then(|i| series.points.get_mut(i)) {
                point.1 += events;
            }
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_keys_stop_at_their_max() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::sqlite::migrate::run(&mut conn, 0).unwrap();
        conn.execute(
            "INSERT INTO issues (id, project_id, short_id, issue_type, title, culprit, level,
                 platform, metadata, first_seen, last_seen)
             VALUES (1, 1, 1, 'error', 't', 'c', 'error', 'python', '{}', 0, 0)",
            [],
        )
        .unwrap();
        let mut insert = conn
            .prepare("INSERT INTO issue_tag_values VALUES (1, ?1, 'v', 1, 0, 0)")
            .unwrap();
        for key in 0..TAG_KEYS_MAX {
            insert.execute([format!("key{key:05}")]).unwrap();
        }
        assert_eq!(tag_keys(&conn, &[1]).unwrap().len(), TAG_KEYS_MAX);
        insert.execute(["one-more"]).unwrap();
        assert_eq!(tag_keys(&conn, &[1]).unwrap().len(), TAG_KEYS_MAX);
    }

    #[test]
    fn hourly_buckets_fill_their_day_and_missing_points_are_zero() {
        let start = 86_400 * 100;
        let buckets = [
            (7, start + 3_600, 2),
            (7, start + 7_200, 3),
            (7, start + 86_400 * 13 + 60 * 60 * 23, 1),
            (9, start, 4),
            (8, start, 100), // not asked for
        ];
        let stats = fill_points(&[7, 9], &buckets, StatsPeriod::Days14, start);
        assert_eq!(stats.len(), 2);
        assert_eq!(stats[0].points.len(), 14);
        assert_eq!(stats[0].points[0], (start, 5));
        assert_eq!(stats[0].points[13], (start + 86_400 * 13, 1));
        assert_eq!(stats[0].points.iter().map(|p| p.1).sum::<u64>(), 6);
        assert_eq!(stats[1].points[0], (start, 4));
        assert!(stats[1].points[1..].iter().all(|p| p.1 == 0));
    }

    #[test]
    fn a_day_of_hours_is_24_points_and_outside_buckets_are_ignored() {
        let start = 3_600 * 1_000;
        let buckets = [(1, start - 3_600, 9), (1, start + 23 * 3_600, 1)];
        let stats = fill_points(&[1], &buckets, StatsPeriod::Hours24, start);
        assert_eq!(stats[0].points.len(), 24);
        assert_eq!(stats[0].points[23], (start + 23 * 3_600, 1));
        assert_eq!(stats[0].points.iter().map(|p| p.1).sum::<u64>(), 1);
    }
}
