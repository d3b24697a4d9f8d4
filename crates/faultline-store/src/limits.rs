//! The store's limits and defaults, named with their unit last. Each is enforced next to the
//! code that uses it and tested at `max` and `max + 1` there.

/// Default number of write requests (not rows) that may wait in the queue; one more is
/// answered with [`crate::StoreError::QueueFull`].
pub const QUEUE_CAPACITY_DEFAULT: usize = 4096;

/// Default number of rows (write ops) the writer puts in one transaction. A single request
/// larger than this still commits whole: a request is never split across transactions.
pub const BATCH_ROWS_MAX_DEFAULT: usize = 1000;

/// Read-only connections (and so concurrent read queries) at most.
pub const READ_CONNECTIONS_MAX: usize = 4;

/// Issues per page at most (Sentry's `per_page` maximum); larger limits are clamped.
pub const ISSUE_PAGE_LIMIT_MAX: usize = 100;

/// Events per page at most for an issue's event list.
pub const EVENT_PAGE_LIMIT_MAX: usize = 100;

/// How long a connection waits for a lock before failing with `SQLITE_BUSY`.
pub const BUSY_TIMEOUT_MS: u64 = 5_000;

/// Prepared statements kept per connection; the writer's hot path uses about twenty.
pub const STATEMENT_CACHE_CAPACITY: usize = 64;

/// zstd level for stored payloads: 3 is zstd's default, a good ratio at ~300 MB/s per core.
pub const PAYLOAD_ZSTD_LEVEL: i32 = 3;

/// Requests whose payloads add up to more than this are compressed on the blocking pool
/// instead of inline on the caller's async task.
pub const INLINE_ENCODE_BYTES_MAX: usize = 64 * 1024;

/// Organization and project slugs, as Sentry limits them.
pub const SLUG_BYTES_MAX: usize = 50;

/// Administrator e-mail addresses (RFC 5321's path limit).
pub const EMAIL_BYTES_MAX: usize = 254;

/// Releases per page of a release list at most.
pub const RELEASE_PAGE_LIMIT_MAX: usize = 100;

/// Bytes of a release version at most (Sentry's limit).
pub const RELEASE_VERSION_BYTES_MAX: usize = 200;

/// Issues one bulk update, merge or delete may name at most (Sentry's bulk limit is 1000).
pub const ISSUE_BULK_IDS_MAX: usize = 1000;

/// Tag keys a project's or an organization's tag list returns at most.
pub const TAG_KEYS_MAX: usize = 1_000;
