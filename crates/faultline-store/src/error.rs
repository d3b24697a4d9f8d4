//! The store's one error type, at the crate boundary.

/// Everything that can go wrong in the store, as the web layer and the binary see it.
///
/// [`StoreError::QueueFull`] and [`StoreError::ShuttingDown`] are load signals (the HTTP layer
/// answers `429` / `503`); the rest are operating errors to log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The bounded write queue has no room; the request was not enqueued.
    #[error("write queue is full")]
    QueueFull,
    /// The store stopped accepting writes (shutdown, or the writer thread is gone).
    #[error("store is shutting down")]
    ShuttingDown,
    /// A statement failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The data directory could not be created or read.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A stored value could not be decoded (bad timestamp, payload, JSON).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The batch holding this request failed and was rolled back; nothing of it was stored.
    /// Every waiter of the batch gets this (the cause is logged once by the writer).
    #[error("write batch failed: {0}")]
    BatchFailed(String),
    /// A request the store refuses (an invalid slug, an unknown project, a malformed cursor).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The row would duplicate a unique name (a slug, an e-mail address) that exists already.
    #[error("{0}")]
    Conflict(String),
    /// Hashing or verifying a password failed.
    #[error("password hashing failed: {0}")]
    Password(String),
    /// A blocking task panicked or was cancelled.
    #[error("blocking task failed: {0}")]
    Task(String),
}

impl From<tokio::task::JoinError> for StoreError {
    fn from(err: tokio::task::JoinError) -> Self {
        StoreError::Task(err.to_string())
    }
}
