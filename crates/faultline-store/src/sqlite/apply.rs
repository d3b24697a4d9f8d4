//! Executes one request's ops inside the batch transaction (under the request's savepoint).
//!
//! Filing an event: every hash of the event is resolved (from this transaction's memory, else
//! `grouphashes`); the first that maps to an issue decides the issue, primary hash first. When
//! none does, a new issue is created. Hashes not yet mapped are attached to the chosen issue
//! with the grouping config that produced them; hashes mapped to another issue stay there.

use rusqlite::{Connection, OptionalExtension};

use super::batch::BatchState;
use super::ids::Numbered;
use super::workflow;
use crate::StoreError;
use crate::write::{EncodedEvent, EncodedOp, EncodedRawItem, EncodedTransaction};

/// Applies every op of one request, recording counts in `scratch`.
pub(crate) fn request(
    conn: &Connection,
    ops: &[EncodedOp],
    batch: &BatchState,
    scratch: &mut BatchState,
) -> Result<(), StoreError> {
    for op in ops {
        match op {
            EncodedOp::Event(event) => file_event(conn, event, batch, scratch)?,
            EncodedOp::Transaction(transaction) => {
                if insert_transaction(conn, transaction)? {
                    scratch.transactions_written += 1;
                }
            }
            EncodedOp::RawItem(item) => insert_raw_item(conn, item)?,
            EncodedOp::Outcome(outcome) => scratch.add_outcome(outcome),
        }
    }
    Ok(())
}

/// Where a hash stands before the event is filed.
enum HashState {
    /// Mapped to an issue earlier in this transaction (its status is in the batch's memory).
    Known(i64),
    /// Mapped in `grouphashes` to an issue with this status.
    Stored { issue_id: i64, status: String },
    /// Not mapped to any issue yet.
    Unmapped,
}

fn file_event(
    conn: &Connection,
    event: &EncodedEvent,
    batch: &BatchState,
    scratch: &mut BatchState,
) -> Result<(), StoreError> {
    let mut states = Vec::with_capacity(event.hashes.len());
    for hash in &event.hashes {
        let state = match scratch.cached_issue(batch, event.project_id, hash) {
            Some(issue_id) => HashState::Known(issue_id),
            None => lookup_hash(conn, event.project_id, hash)?,
        };
        states.push(state);
    }
    let chosen = states.iter().find_map(|state| match state {
        HashState::Known(issue_id) => Some((*issue_id, None)),
        HashState::Stored { issue_id, status } => Some((*issue_id, Some(status.as_str()))),
        HashState::Unmapped => None,
    });
    let issue_id = match chosen {
        Some((issue_id, status)) => {
            if !insert_event(conn, event, issue_id)? {
                return Ok(()); // a duplicate event_id: stored once, counted once
            }
            // An issue met earlier in this batch: its status as this batch left it (only the
            // writer changes statuses, and workflow changes run between batches).
            let status = match status {
                Some(status) => status.to_owned(),
                None => match scratch.cached_status(batch, issue_id) {
                    Some(status) => status.to_owned(),
                    None => issue_status(conn, issue_id)?,
                },
            };
            let reopened = match status.as_str() {
                "resolved" => workflow::regress_if_due(conn, issue_id, event)?,
                "ignored" => workflow::wake_if_due(conn, issue_id, event)?,
                _ => false,
            };
            scratch.remember_status(issue_id, if reopened { "unresolved" } else { &status });
            issue_id
        }
        None => {
            if event_exists(conn, event)? {
                return Ok(());
            }
            let issue_id = create_issue(conn, event)?;
            let inserted = insert_event(conn, event, issue_id)?;
            assert!(
                inserted,
                "event {} vanished between check and insert",
                event.event_id
            );
            scratch.remember_status(issue_id, "unresolved");
            issue_id
        }
    };
    let mut insert_hash = conn.prepare_cached(
        "INSERT INTO grouphashes (project_id, hash, issue_id, grouping_config, date_added)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (project_id, hash) DO NOTHING",
    )?;
    for (hash, state) in event.hashes.iter().zip(&states) {
        let mapped_to = match state {
            HashState::Known(id) | HashState::Stored { issue_id: id, .. } => *id,
            HashState::Unmapped => {
                insert_hash.execute((
                    event.project_id,
                    hash,
                    issue_id,
                    &event.grouping_config,
                    event.received_us,
                ))?;
                issue_id
            }
        };
        scratch.remember_hash(event.project_id, hash, mapped_to);
    }
    let new_user = match &event.user_ident {
        Some(user_ident) => {
            let mut insert_user = conn.prepare_cached(
                "INSERT INTO issue_users (issue_id, user_ident) VALUES (?1, ?2)
                 ON CONFLICT (issue_id, user_ident) DO NOTHING",
            )?;
            insert_user.execute((issue_id, user_ident))? == 1
        }
        None => false,
    };
    scratch.add_event(issue_id, event, new_user);
    scratch.add_release(event, chosen.is_none());
    Ok(())
}

fn lookup_hash(conn: &Connection, project_id: i64, hash: &str) -> Result<HashState, StoreError> {
    let mut select = conn.prepare_cached(
        "SELECT g.issue_id, i.status FROM grouphashes g JOIN issues i ON i.id = g.issue_id
         WHERE g.project_id = ?1 AND g.hash = ?2",
    )?;
    let found = select
        .query_row((project_id, hash), |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    Ok(match found {
        Some((issue_id, status)) => HashState::Stored { issue_id, status },
        None => HashState::Unmapped,
    })
}

/// Inserts the event row; returns `false` when the project already has this `event_id`.
fn insert_event(conn: &Connection, e: &EncodedEvent, issue_id: i64) -> Result<bool, StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (project_id, event_id, issue_id, event_type, timestamp, received,
             level, platform, environment, release, transaction_name, trace_id, title, culprit,
             user_ident, primary_hash, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (project_id, event_id) DO NOTHING",
    )?;
    let changed = insert.execute(rusqlite::params![
        e.project_id,
        e.event_id,
        issue_id,
        e.event_type,
        e.timestamp_us,
        e.received_us,
        e.level,
        e.platform,
        e.environment,
        e.release,
        e.transaction,
        e.trace_id,
        e.title,
        e.culprit,
        e.user_ident,
        e.hashes[0],
        e.payload,
    ])?;
    Ok(changed == 1)
}

fn event_exists(conn: &Connection, e: &EncodedEvent) -> Result<bool, StoreError> {
    let mut select =
        conn.prepare_cached("SELECT 1 FROM events WHERE project_id = ?1 AND event_id = ?2")?;
    Ok(select.exists((e.project_id, &e.event_id))?)
}

/// Creates the issue an event starts; its counters start at zero and the batch's flush adds
/// this event like any other.
fn create_issue(conn: &Connection, e: &EncodedEvent) -> Result<i64, StoreError> {
    let mut next_short_id = conn.prepare_cached(
        "UPDATE projects SET next_short_id = next_short_id + 1 WHERE id = ?1
         RETURNING next_short_id - 1",
    )?;
    let short_id: i64 = next_short_id
        .query_row([e.project_id], |row| row.get(0))
        .optional()?
        .ok_or_else(|| StoreError::Invalid(format!("unknown project {}", e.project_id)))?;
    let sql = "INSERT INTO issues (id, project_id, short_id, issue_type, title, culprit, level,
             platform, status, metadata, first_seen, last_seen, first_release, last_release)
         VALUES (NEXT_ISSUE_ID, ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'unresolved', ?8, ?9, ?9, ?10, ?10)
         RETURNING id"
        .replace("NEXT_ISSUE_ID", &Numbered::Issues.next_id_sql());
    let mut insert = conn.prepare_cached(&sql)?;
    let issue_id = insert.query_row(
        rusqlite::params![
            e.project_id,
            short_id,
            e.event_type,
            e.title,
            e.culprit,
            e.level,
            e.platform,
            e.metadata_json,
            e.timestamp_us,
            e.release,
        ],
        |row| row.get(0),
    )?;
    Ok(issue_id)
}

fn issue_status(conn: &Connection, issue_id: i64) -> Result<String, StoreError> {
    let mut select = conn.prepare_cached("SELECT status FROM issues WHERE id = ?1")?;
    Ok(select.query_row([issue_id], |row| row.get(0))?)
}

/// Inserts a transaction row; returns `false` for a duplicate `event_id`.
fn insert_transaction(conn: &Connection, t: &EncodedTransaction) -> Result<bool, StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO transactions (project_id, event_id, trace_id, transaction_name, op, status,
             timestamp, duration_us, received, environment, release, platform, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (project_id, event_id) DO NOTHING",
    )?;
    let changed = insert.execute(rusqlite::params![
        t.project_id,
        t.event_id,
        t.trace_id,
        t.transaction,
        t.op,
        t.status,
        t.timestamp_us,
        t.duration_us,
        t.received_us,
        t.environment,
        t.release,
        t.platform,
        t.payload,
    ])?;
    Ok(changed == 1)
}

fn insert_raw_item(conn: &Connection, item: &EncodedRawItem) -> Result<(), StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO raw_items (project_id, event_id, item_type, headers, payload_size_bytes,
             received, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    insert.execute(rusqlite::params![
        item.project_id,
        item.event_id,
        item.item_type,
        item.headers_json,
        item.payload_size_bytes,
        item.received_us,
        item.payload,
    ])?;
    Ok(())
}
