//! Counts and outcomes.

use rusqlite::Connection;

use super::access::all;
use crate::StoreError;
use crate::codec::count;
use crate::model::OutcomeCount;

/// Returns the number of stored error/default/security events, all projects.
pub(crate) fn event_count(conn: &Connection) -> Result<u64, StoreError> {
    count(
        conn.prepare_cached("SELECT count(*) FROM events")?
            .query_row([], |row| row.get(0))?,
    )
}

/// Returns the number of stored transactions, all projects.
pub(crate) fn transaction_count(conn: &Connection) -> Result<u64, StoreError> {
    count(
        conn.prepare_cached("SELECT count(*) FROM transactions")?
            .query_row([], |row| row.get(0))?,
    )
}

/// Returns the number of kept raw items of `item_type` in a project.
pub(crate) fn raw_item_count(
    conn: &Connection,
    project_id: i64,
    item_type: &str,
) -> Result<u64, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT count(*) FROM raw_items WHERE project_id = ?1 AND item_type = ?2",
    )?;
    count(statement.query_row((project_id, item_type), |row| row.get(0))?)
}

/// Returns a project's outcomes summed over all hours, ordered by category, outcome, reason.
pub(crate) fn outcomes(
    conn: &Connection,
    project_id: i64,
) -> Result<Vec<OutcomeCount>, StoreError> {
    all(
        conn,
        "SELECT category, outcome, reason, sum(quantity) FROM outcomes WHERE project_id = ?1
         GROUP BY category, outcome, reason ORDER BY category, outcome, reason",
        [project_id],
        |row| {
            let reason: String = row.get(2)?;
            Ok(OutcomeCount {
                category: row.get(0)?,
                outcome: row.get(1)?,
                reason: (!reason.is_empty()).then_some(reason),
                quantity: count(row.get(3)?)?,
            })
        },
    )
}
