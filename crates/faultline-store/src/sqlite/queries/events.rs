//! Stored events, payloads decompressed.

use rusqlite::{Connection, Row};

use super::access::{all, optional};
use crate::StoreError;
use crate::codec::{decompress_json, from_micros};
use crate::limits::EVENT_PAGE_LIMIT_MAX;
use crate::model::StoredEvent;

pub(crate) const EVENT_COLUMNS: &str =
    "project_id, event_id, issue_id, event_type, timestamp, received, level,
    platform, environment, release, transaction_name, trace_id, title, culprit, user_ident,
    primary_hash, payload";

pub(crate) fn event_from_row(row: &Row<'_>) -> Result<StoredEvent, StoreError> {
    let payload: Vec<u8> = row.get(16)?;
    Ok(StoredEvent {
        project_id: row.get(0)?,
        event_id: row.get(1)?,
        issue_id: row.get(2)?,
        event_type: row.get(3)?,
        timestamp: from_micros(row.get(4)?)?,
        received_at: from_micros(row.get(5)?)?,
        level: row.get(6)?,
        platform: row.get(7)?,
        environment: row.get(8)?,
        release: row.get(9)?,
        transaction: row.get(10)?,
        trace_id: row.get(11)?,
        title: row.get(12)?,
        culprit: row.get(13)?,
        user_ident: row.get(14)?,
        primary_hash: row.get(15)?,
        payload: decompress_json(&payload)?,
    })
}

pub(crate) fn event(
    conn: &Connection,
    project_id: i64,
    event_id: &str,
) -> Result<Option<StoredEvent>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE project_id = ?1 AND event_id = ?2");
    if let Some(event) = optional(conn, &sql, (project_id, event_id), event_from_row)? {
        return Ok(Some(event));
    }
    // Sentry's event endpoint serves transactions too; they live in their own table.
    optional(
        conn,
        "SELECT project_id, event_id, timestamp, received, platform, environment, release,
                transaction_name, trace_id, payload
         FROM transactions WHERE project_id = ?1 AND event_id = ?2",
        (project_id, event_id),
        transaction_from_row,
    )
}

fn transaction_from_row(row: &Row<'_>) -> Result<StoredEvent, StoreError> {
    let payload: Vec<u8> = row.get(9)?;
    let payload = decompress_json(&payload)?;
    let text = |key: &str| payload.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let transaction: Option<String> = row.get(7)?;
    Ok(StoredEvent {
        project_id: row.get(0)?,
        event_id: row.get(1)?,
        issue_id: None,
        event_type: "transaction".to_owned(),
        timestamp: from_micros(row.get(2)?)?,
        received_at: from_micros(row.get(3)?)?,
        level: text("level").unwrap_or_else(|| "info".to_owned()),
        platform: row.get(4)?,
        environment: row.get(5)?,
        release: row.get(6)?,
        title: transaction.clone().unwrap_or_default(),
        transaction,
        trace_id: row.get(8)?,
        culprit: text("culprit").unwrap_or_default(),
        user_ident: None,
        primary_hash: String::new(),
        payload,
    })
}

/// Returns an issue's newest events first (by event timestamp), at most `limit`.
pub(crate) fn issue_events(
    conn: &Connection,
    issue_id: i64,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let limit = limit.clamp(1, EVENT_PAGE_LIMIT_MAX) as i64;
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE issue_id = ?1 ORDER BY timestamp DESC, id DESC LIMIT ?2"
    );
    all(conn, &sql, [issue_id, limit], event_from_row)
}
