//! Ids that are never reused. SQLite numbers a new row one past the largest id in its table,
//! so deleting the newest issue or project would hand its id to the next one, and an old link,
//! a script or a DSN holding that id would reach an unrelated object (Sentry never reuses an
//! id). Deleting such a row records its id in `id_high_water`; new rows are numbered past both.

use rusqlite::Connection;

use crate::StoreError;

/// The tables whose ids are kept from reuse.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Numbered {
    Issues,
    Projects,
}

impl Numbered {
    fn table(self) -> &'static str {
        match self {
            Numbered::Issues => "issues",
            Numbered::Projects => "projects",
        }
    }

    /// An SQL expression giving the id of the table's next row.
    pub(crate) fn next_id_sql(self) -> String {
        let table = self.table();
        format!(
            "(SELECT max(coalesce((SELECT max(id) FROM {table}), 0),
                 coalesce((SELECT value FROM id_high_water WHERE name = '{table}'), 0)) + 1)"
        )
    }

    /// Records that the row `id` was deleted, so that no later row gets it.
    pub(crate) fn retire(self, conn: &Connection, id: i64) -> Result<(), StoreError> {
        conn.prepare_cached(
            "INSERT INTO id_high_water (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
        )?
        .execute((self.table(), id))?;
        Ok(())
    }
}
