//! The event read routes' queries: keyset-paged event lists of a project or an issue, an
//! issue's oldest and latest event, an event id looked up across an organization, the latest
//! event of a grouphash, and one tag key's values on an issue.
//!
//! Event cursors are `<timestamp_micros>:<row id>` in `timestamp DESC, id DESC` order, so a
//! page continues strictly after the last event shown whatever arrived since. Tag value
//! cursors are `<times_seen>:<hex of the value>` in `times_seen DESC, value` order (hex, so
//! any value travels through a query string).

use rusqlite::Connection;

use super::access::{all, optional};
use super::events::{EVENT_COLUMNS, event_from_row};
use crate::StoreError;
use crate::codec::{count, from_micros};
use crate::limits::EVENT_PAGE_LIMIT_MAX;
use crate::model::{EventPage, IssueTagValue, StoredEvent, TagValuePage};

/// Where an event list continues.
fn parse_event_cursor(text: &str) -> Result<(i64, i64), StoreError> {
    let invalid = || StoreError::Invalid(format!("malformed event cursor: {text:?}"));
    let (timestamp, id) = text.split_once(':').ok_or_else(invalid)?;
    Ok((
        timestamp.parse().map_err(|_| invalid())?,
        id.parse().map_err(|_| invalid())?,
    ))
}

/// Runs an event-list query whose last two columns are `timestamp, id`, one row more than
/// the page, and splits off the next cursor.
fn event_page(
    conn: &Connection,
    filter_column: &str,
    filter_value: i64,
    limit: usize,
    cursor: Option<&str>,
) -> Result<EventPage, StoreError> {
    let (timestamp_us, id) = match cursor {
        Some(text) => parse_event_cursor(text)?,
        None => (i64::MAX, i64::MAX),
    };
    let limit = limit.clamp(1, EVENT_PAGE_LIMIT_MAX);
    let sql = format!(
        "SELECT {EVENT_COLUMNS}, timestamp, id FROM events
         WHERE {filter_column} = ?1 AND (timestamp, id) < (?2, ?3)
         ORDER BY timestamp DESC, id DESC LIMIT ?4"
    );
    let mut rows = all(
        conn,
        &sql,
        (filter_value, timestamp_us, id, limit as i64 + 1),
        |row| {
            let position: (i64, i64) = (row.get(17)?, row.get(18)?);
            Ok((event_from_row(row)?, position))
        },
    )?;
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = has_more
        .then(|| rows.last().map(|(_, (ts, id))| format!("{ts}:{id}")))
        .flatten();
    Ok(EventPage {
        events: rows.into_iter().map(|(event, _)| event).collect(),
        next_cursor,
    })
}

/// Returns a page of a project's error/default/security events, newest first.
pub(crate) fn project_events(
    conn: &Connection,
    project_id: i64,
    limit: usize,
    cursor: Option<&str>,
) -> Result<EventPage, StoreError> {
    event_page(conn, "project_id", project_id, limit, cursor)
}

/// Returns a page of an issue's events, newest first.
pub(crate) fn issue_event_page(
    conn: &Connection,
    issue_id: i64,
    limit: usize,
    cursor: Option<&str>,
) -> Result<EventPage, StoreError> {
    event_page(conn, "issue_id", issue_id, limit, cursor)
}

/// Returns an issue's oldest (`oldest: true`) or latest event.
pub(crate) fn issue_edge_event(
    conn: &Connection,
    issue_id: i64,
    oldest: bool,
) -> Result<Option<StoredEvent>, StoreError> {
    let order = if oldest { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE issue_id = ?1
         ORDER BY timestamp {order}, id {order} LIMIT 1"
    );
    optional(conn, &sql, [issue_id], event_from_row)
}

/// Returns the event `event_id` of any project of an organization.
pub(crate) fn organization_event(
    conn: &Connection,
    organization_id: i64,
    event_id: &str,
) -> Result<Option<StoredEvent>, StoreError> {
    // `project_id IN (...)` lets SQLite probe the (project_id, event_id) index per project.
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events
         WHERE project_id IN (SELECT id FROM projects WHERE organization_id = ?1)
           AND event_id = ?2
         LIMIT 1"
    );
    optional(conn, &sql, (organization_id, event_id), event_from_row)
}

/// Returns the latest event of an issue filed under `hash` as its primary hash.
pub(crate) fn hash_latest_event(
    conn: &Connection,
    issue_id: i64,
    hash: &str,
) -> Result<Option<StoredEvent>, StoreError> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE issue_id = ?1 AND primary_hash = ?2
         ORDER BY timestamp DESC, id DESC LIMIT 1"
    );
    optional(conn, &sql, (issue_id, hash), event_from_row)
}

pub(super) fn parse_tag_cursor(text: &str) -> Result<(i64, String), StoreError> {
    let invalid = || StoreError::Invalid(format!("malformed tag value cursor: {text:?}"));
    let (times_seen, hex) = text.split_once(':').ok_or_else(invalid)?;
    let times_seen = times_seen.parse().map_err(|_| invalid())?;
    if hex.len() % 2 != 0 {
        return Err(invalid());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(invalid)?;
    let value = String::from_utf8(bytes).map_err(|_| invalid())?;
    Ok((times_seen, value))
}

pub(super) fn tag_cursor(value: &IssueTagValue) -> String {
    let hex: String = value.value.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{}:{hex}", value.times_seen)
}

/// Returns a page of one tag key's values on an issue, most seen first, ties by value.
pub(crate) fn issue_tag_key_values(
    conn: &Connection,
    issue_id: i64,
    key: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<TagValuePage, StoreError> {
    let limit = limit.clamp(1, EVENT_PAGE_LIMIT_MAX);
    let (times_seen, value) = match cursor {
        Some(text) => parse_tag_cursor(text)?,
        None => (i64::MAX, String::new()),
    };
    let values = all(
        conn,
        "SELECT key, value, times_seen, first_seen, last_seen FROM issue_tag_values
         WHERE issue_id = ?1 AND key = ?2
           AND (times_seen < ?3 OR (times_seen = ?3 AND value > ?4))
         ORDER BY times_seen DESC, value LIMIT ?5",
        rusqlite::params![issue_id, key, times_seen, value, limit as i64 + 1],
        tag_value_from_row,
    )?;
    Ok(tag_value_page(values, limit))
}

/// Reads `key, value, times_seen, first_seen, last_seen`.
pub(super) fn tag_value_from_row(row: &rusqlite::Row<'_>) -> Result<IssueTagValue, StoreError> {
    Ok(IssueTagValue {
        key: row.get(0)?,
        value: row.get(1)?,
        times_seen: count(row.get(2)?)?,
        first_seen: from_micros(row.get(3)?)?,
        last_seen: from_micros(row.get(4)?)?,
    })
}

/// Cuts `limit + 1` values read to a page of `limit`, with the cursor of the next page.
pub(super) fn tag_value_page(mut values: Vec<IssueTagValue>, limit: usize) -> TagValuePage {
    let has_more = values.len() > limit;
    values.truncate(limit);
    let next_cursor = has_more.then(|| values.last().map(tag_cursor)).flatten();
    TagValuePage {
        values,
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_cursors_round_trip_any_value() {
        for text in ["", "a:b", "ünïcode & spaces=?", "x".repeat(300).as_str()] {
            let value = IssueTagValue {
                key: "k".into(),
                value: text.into(),
                times_seen: 7,
                first_seen: chrono::DateTime::UNIX_EPOCH,
                last_seen: chrono::DateTime::UNIX_EPOCH,
            };
            assert_eq!(
                parse_tag_cursor(&tag_cursor(&value)).unwrap(),
                (7, text.to_owned())
            );
        }
    }

    #[test]
    fn malformed_cursors_are_invalid() {
        for text in ["", "7", "x:00", "7:0", "7:zz", "7:ff"] {
            assert!(parse_tag_cursor(text).is_err(), "{text:?}");
        }
        for text in ["", "1", "a:1", "1:b"] {
            assert!(parse_event_cursor(text).is_err(), "{text:?}");
        }
    }
}
