//! Opening SQLite connections with the pragmas faultline relies on.
//!
//! Durability: the database runs in WAL mode with `synchronous=FULL`, so a commit returns only
//! after its WAL frames are fsync'ed: an acknowledged write survives a process kill *and* a
//! power loss. `NORMAL` would survive only the kill (it syncs the WAL at checkpoints). Because
//! the writer commits whole batches, FULL costs one fsync per batch, not per event; measured on
//! the team's 2-core machine (`sqlite::tests::commit_latency_full_vs_normal`, release), FULL
//! adds well under a millisecond per commit there, so durability wins. Re-measure on slow
//! disks: group commit keeps throughput, but single-request latency grows with fsync time.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::limits::{BUSY_TIMEOUT_MS, STATEMENT_CACHE_CAPACITY};
use crate::{Durability, StoreError};

/// The database file inside the data directory.
pub(crate) const DATABASE_FILE_NAME: &str = "faultline.db";

/// Page cache of the write connection, in KiB (a negative `cache_size` is KiB in SQLite).
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// A WAL file larger than this is truncated back after a checkpoint (it is otherwise reused
/// at its high-water size forever).
const WAL_BYTES_MAX: i64 = 64 * 1024 * 1024;

/// Page cache of each read connection, in KiB.
const READER_CACHE_KIB: i64 = 16 * 1024;

/// Opens (creating if needed) the write connection: WAL, the given sync mode, foreign keys on.
pub(crate) fn open_writer(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Invalid(format!(
            "{} cannot use WAL journaling (got {mode:?}); is it on a network file system?",
            path.display()
        )));
    }
    let synchronous = match durability {
        Durability::Full => "FULL",
        Durability::Process => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "journal_size_limit", WAL_BYTES_MAX)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    Ok(conn)
}

/// Opens a read-only connection to an existing database.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))?;
    conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    Ok(conn)
}
