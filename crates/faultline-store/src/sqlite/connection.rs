//! Opening SQLite connections with the pragmas faultline relies on.
//!
//! Durability: the database runs in WAL mode, and by default with `synchronous=FULL`
//! ([`Durability::Full`]): a commit returns only after its WAL frames are fsync'ed, so an
//! acknowledged write survives a process kill, an OS crash and a power loss. `NORMAL`
//! ([`Durability::Process`], opt-in) syncs the WAL only at checkpoints: it survives a process
//! kill (the crash test's `kill -9`) but not a power loss.
//!
//! Why FULL: the writer commits whole batches, so FULL costs one fsync per batch, not per
//! event. Measured in release (`tests::measure`: 6 KB events, 100 issues, 10 tags each; the
//! team's 2-core machine, idle): a sequential single-event commit takes p50 0.45-0.56 ms / p99
//! 1.2-1.3 ms with FULL against p50 0.13-0.27 ms with NORMAL; 10,000 events from 8 / 32 / 128
//! concurrent writers store at ~6,400 / ~9,000 / ~10,000 events/s with FULL and ~9,000 /
//! ~12,000 / ~12,000 with NORMAL (under other builds' load FULL's fsync grows to p50 ~4 ms).
//! Sub-millisecond commits allow the stronger promise by default; NORMAL buys ~25-45 % at
//! low concurrency, the operator's choice when power-loss durability is not needed.
//!
//! Left for later: checkpointing from a second connection so the writer never runs a
//! checkpoint's writes and syncs itself.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::limits::{BUSY_TIMEOUT_MS, STATEMENT_CACHE_CAPACITY};
use crate::{Durability, StoreError};

/// The database file inside the data directory.
pub(crate) const DATABASE_FILE_NAME: &str = "faultline.db";

/// Page cache of the write connection, in KiB (a negative `cache_size` is KiB in SQLite).
/// Inserts touch the right edge of a few indexes and the hot issue rows, so a small cache
/// suffices; 64 MiB here made up a quarter of the server's resident memory under load.
const WRITER_CACHE_KIB: i64 = 8 * 1024;

/// A WAL file larger than this is truncated back after a checkpoint (it is otherwise reused
/// at its high-water size forever).
const WAL_BYTES_MAX: i64 = 64 * 1024 * 1024;

/// Page cache of each read connection, in KiB.
const READER_CACHE_KIB: i64 = 4 * 1024;

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
