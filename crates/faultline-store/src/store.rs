//! The backend-neutral [`Store`]: what the web layer and the binary call. Each method checks
//! what it can without the database, then hands over to the backend (SQLite today; a
//! PostgreSQL variant would join [`Backend`] without changing this API).

mod accounts;
mod event_reads;
mod facets;
mod releases;
mod workflow;

use std::path::Path;
use std::sync::Arc;

use crate::StoreError;
use crate::limits::{
    BATCH_ROWS_MAX_DEFAULT, EMAIL_BYTES_MAX, INLINE_ENCODE_BYTES_MAX, QUEUE_CAPACITY_DEFAULT,
    SLUG_BYTES_MAX,
};
use crate::model::{
    Bootstrap, BootstrapRequest, GroupHash, Issue, IssueQuery, IssueTagValue, Organization,
    OutcomeCount, Project, ProjectKey, StoredEvent, TokenInfo, User,
};
use crate::sqlite::SqliteBackend;
use crate::write::{self, WriteOp, WriteReceipt};

/// How the store's writer is sized and how hard a commit is made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Write requests that may wait in the queue; one more gets `QueueFull` (HTTP 429).
    pub queue_capacity: usize,
    /// Rows (write ops) per transaction at most.
    pub batch_rows_max: usize,
    /// What an acknowledged write survives; [`Durability::Full`] unless the operator opts out.
    pub durability: Durability,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            queue_capacity: QUEUE_CAPACITY_DEFAULT,
            batch_rows_max: BATCH_ROWS_MAX_DEFAULT,
            durability: Durability::Full,
        }
    }
}

/// What a write that `Store::write` acknowledged survives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// Each commit is synced to disk before it is acknowledged: the write survives a process
    /// kill, an OS crash and a power loss (SQLite `synchronous=FULL`). One sync per batch.
    #[default]
    Full,
    /// Each commit reaches the OS before it is acknowledged, and the disk at checkpoints: the
    /// write survives a process kill but not an OS crash or power loss (SQLite
    /// `synchronous=NORMAL`). Faster when few requests arrive at once.
    Process,
}

enum Backend {
    Sqlite(SqliteBackend),
}

/// The store. Cheap to clone: clones share one writer and one read pool.
#[derive(Clone)]
pub struct Store {
    backend: Arc<Backend>,
}

impl Store {
    /// Opens (creating if needed) `<data_dir>/faultline.db` in WAL mode, synced as
    /// `options.durability` says (full by default; the `sqlite::connection` docs say why), runs
    /// the embedded migrations and starts the single writer thread.
    pub fn open(data_dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        if options.queue_capacity == 0 || options.batch_rows_max == 0 {
            return Err(StoreError::Invalid(
                "queue capacity and batch rows must be at least 1".into(),
            ));
        }
        let backend = SqliteBackend::open(data_dir, &options)?;
        Ok(Store {
            backend: Arc::new(Backend::Sqlite(backend)),
        })
    }

    pub(crate) fn sqlite(&self) -> &SqliteBackend {
        match &*self.backend {
            Backend::Sqlite(backend) => backend,
        }
    }

    /// Enqueues one request's writes and waits until the batch holding them is committed.
    ///
    /// Returns `Err(QueueFull)` at once, without waiting, when the bounded queue is full, and
    /// `Err(ShuttingDown)` after [`Store::shutdown`]. An empty request commits nothing and
    /// returns at once. Payloads are serialized and compressed here, on the caller's side
    /// (large ones on the blocking pool), so the single writer only runs SQL.
    pub async fn write(&self, ops: Vec<WriteOp>) -> Result<WriteReceipt, StoreError> {
        if ops.is_empty() {
            return Ok(WriteReceipt { batch_rows: 0 });
        }
        // Refuse before spending CPU on encoding a request that cannot be queued.
        if self.queue_depth() >= self.queue_capacity() {
            return Err(StoreError::QueueFull);
        }
        let (mut encoded, payload_bytes) = write::serialize(ops);
        if payload_bytes > INLINE_ENCODE_BYTES_MAX {
            encoded = tokio::task::spawn_blocking(move || {
                write::compress_payloads(&mut encoded);
                encoded
            })
            .await?;
        } else {
            write::compress_payloads(&mut encoded);
        }
        match &*self.backend {
            Backend::Sqlite(backend) => backend.write(encoded).await,
        }
    }

    /// Returns the number of write requests waiting for the writer.
    pub fn queue_depth(&self) -> usize {
        self.sqlite().queue_depth()
    }

    /// Returns how many write requests may wait before `write` answers `QueueFull`.
    pub fn queue_capacity(&self) -> usize {
        self.sqlite().queue_capacity()
    }

    /// Stops accepting writes, commits everything queued and joins the writer thread.
    pub async fn shutdown(&self) {
        self.sqlite().shutdown().await;
    }

    /// Returns `Ok` when the database answers and the writer accepts writes (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.sqlite().ping().await
    }

    /// Returns the DSN key with this public key, active or not.
    pub async fn project_key(&self, public_key: &str) -> Result<Option<ProjectKey>, StoreError> {
        self.sqlite().project_key(public_key.to_owned()).await
    }

    /// Returns a project's DSN keys, oldest first.
    pub async fn project_keys(&self, project_id: i64) -> Result<Vec<ProjectKey>, StoreError> {
        self.sqlite().project_keys(project_id).await
    }

    /// Idempotently provisions an organization (with a default team), an administrator (owner,
    /// random password), a project with one DSN key, and an all-scopes API token.
    ///
    /// Re-running with the same slugs returns the same ids, key and token with `created:
    /// false`; a new project slug in the same organization adds a project with its own key.
    /// `rate_limit` updates the key's limit. Returns `Invalid` for a malformed slug or e-mail.
    pub async fn bootstrap(&self, request: BootstrapRequest) -> Result<Bootstrap, StoreError> {
        check_slug("organization", &request.org_slug)?;
        check_slug("project", &request.project_slug)?;
        check_email(&request.admin_email)?;
        self.sqlite().bootstrap(request).await
    }

    /// Returns what a bearer token grants, or `None` for an unknown token.
    pub async fn token(&self, token: &str) -> Result<Option<TokenInfo>, StoreError> {
        self.sqlite().token(token.to_owned()).await
    }

    /// Returns the user with this id.
    pub async fn user(&self, user_id: i64) -> Result<Option<User>, StoreError> {
        self.sqlite().user(user_id).await
    }

    /// Returns the user when `password` is theirs (Argon2id verification on the blocking pool).
    pub async fn verify_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        self.sqlite()
            .verify_password(email.to_owned(), password.to_owned())
            .await
    }

    pub async fn project_by_slug(
        &self,
        org_slug: &str,
        project_slug: &str,
    ) -> Result<Option<Project>, StoreError> {
        self.sqlite()
            .project_by_slug(org_slug.to_owned(), project_slug.to_owned())
            .await
    }

    pub async fn project_by_id(&self, project_id: i64) -> Result<Option<Project>, StoreError> {
        self.sqlite().project(project_id).await
    }

    /// Returns a project's option `key` (a JSON value), or `None` when it has the default.
    pub async fn project_option(
        &self,
        project_id: i64,
        key: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        self.sqlite()
            .project_option(project_id, key.to_owned())
            .await
    }

    /// Sets a project's option `key`; returns `false` when there is no such project.
    pub async fn set_project_option(
        &self,
        project_id: i64,
        key: &str,
        value: serde_json::Value,
    ) -> Result<bool, StoreError> {
        self.sqlite()
            .set_project_option(project_id, key.to_owned(), value)
            .await
    }

    /// Returns an organization's projects by slug.
    pub async fn projects(&self, organization_id: i64) -> Result<Vec<Project>, StoreError> {
        self.sqlite().projects(organization_id).await
    }

    pub async fn organization_by_slug(
        &self,
        org_slug: &str,
    ) -> Result<Option<Organization>, StoreError> {
        self.sqlite()
            .organization_by_slug(org_slug.to_owned())
            .await
    }

    pub async fn organization_by_id(
        &self,
        organization_id: i64,
    ) -> Result<Option<Organization>, StoreError> {
        self.sqlite().organization_by_id(organization_id).await
    }

    /// Returns whether any organization exists (the binary bootstraps a first one otherwise).
    pub async fn has_organizations(&self) -> Result<bool, StoreError> {
        self.sqlite().has_organizations().await
    }

    /// Returns every organization by slug.
    pub async fn organizations(&self) -> Result<Vec<Organization>, StoreError> {
        self.sqlite().organizations().await
    }

    /// Returns a stored event with its payload decompressed.
    pub async fn event(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> Result<Option<StoredEvent>, StoreError> {
        self.sqlite().event(project_id, event_id.to_owned()).await
    }

    /// Returns an issue's newest events (by event timestamp), at most `limit` (clamped to
    /// `EVENT_PAGE_LIMIT_MAX`); `limit: 1` gives the latest event.
    pub async fn issue_events(
        &self,
        issue_id: i64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.sqlite().issue_events(issue_id, limit).await
    }

    /// Returns a page of the issues a search selects (see [`IssueSearchRequest`]).
    pub async fn search_issues(
        &self,
        request: crate::model::IssueSearchRequest,
    ) -> Result<Vec<Issue>, StoreError> {
        self.sqlite().search_issues(request).await
    }

    /// Returns a page of a project's issues, newest `last_seen` first (see [`IssueQuery`]).
    pub async fn issues(
        &self,
        project_id: i64,
        query: IssueQuery,
    ) -> Result<Vec<Issue>, StoreError> {
        self.sqlite().issues(project_id, query).await
    }

    pub async fn issue(&self, issue_id: i64) -> Result<Option<Issue>, StoreError> {
        self.sqlite().issue(issue_id).await
    }

    /// Returns the issue with a project's short id (the number in `SLUG-1`).
    pub async fn issue_by_short_id(
        &self,
        project_id: i64,
        short_id: i64,
    ) -> Result<Option<Issue>, StoreError> {
        self.sqlite().issue_by_short_id(project_id, short_id).await
    }

    /// Returns the grouphashes filed under an issue, oldest first.
    pub async fn issue_hashes(&self, issue_id: i64) -> Result<Vec<GroupHash>, StoreError> {
        self.sqlite().issue_hashes(issue_id).await
    }

    /// Returns an issue's tag values with their counts, by key, most seen first.
    pub async fn issue_tag_values(&self, issue_id: i64) -> Result<Vec<IssueTagValue>, StoreError> {
        self.sqlite().issue_tag_values(issue_id).await
    }

    /// Returns an issue's hourly event counts `(hour start epoch secs, count)` for the hours in
    /// `[since_secs, until_secs)` that had events, oldest first.
    pub async fn issue_buckets(
        &self,
        issue_id: i64,
        since_secs: i64,
        until_secs: i64,
    ) -> Result<Vec<(i64, u64)>, StoreError> {
        self.sqlite()
            .issue_buckets(issue_id, since_secs, until_secs)
            .await
    }

    /// Returns the number of stored error/default/security events, all projects.
    pub async fn event_count(&self) -> Result<u64, StoreError> {
        self.sqlite().event_count().await
    }

    /// Returns the number of stored transactions, all projects.
    pub async fn transaction_count(&self) -> Result<u64, StoreError> {
        self.sqlite().transaction_count().await
    }

    /// Returns how many raw items of `item_type` a project has kept.
    pub async fn raw_item_count(
        &self,
        project_id: i64,
        item_type: &str,
    ) -> Result<u64, StoreError> {
        self.sqlite()
            .raw_item_count(project_id, item_type.to_owned())
            .await
    }

    /// Returns a project's outcomes summed over time, per category / outcome / reason.
    pub async fn outcomes(&self, project_id: i64) -> Result<Vec<OutcomeCount>, StoreError> {
        self.sqlite().outcomes(project_id).await
    }
}

/// Checks a slug the way Sentry does: 1 to 50 of `a-z 0-9 - _`, not only digits (a numeric
/// path segment means an id in the API).
pub(crate) fn check_slug(what: &str, slug: &str) -> Result<(), StoreError> {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_';
    let valid = !slug.is_empty()
        && slug.len() <= SLUG_BYTES_MAX
        && slug.bytes().all(allowed)
        && !slug.bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{what} slug {slug:?} must be 1-{SLUG_BYTES_MAX} lowercase letters, digits, '-' or '_', not only digits"
        )))
    }
}

/// Checks an e-mail address loosely: something on both sides of one `@`, no spaces.
pub(crate) fn check_email(email: &str) -> Result<(), StoreError> {
    let valid = email.len() <= EMAIL_BYTES_MAX
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "invalid e-mail address {email:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_sentry_rules() {
        assert!(check_slug("project", "my-app_2").is_ok());
        assert!(check_slug("project", &"a".repeat(SLUG_BYTES_MAX)).is_ok());
        assert!(check_slug("project", &"a".repeat(SLUG_BYTES_MAX + 1)).is_err());
        assert!(check_slug("project", "").is_err());
        assert!(check_slug("project", "123").is_err());
        assert!(check_slug("project", "My-App").is_err());
        assert!(check_slug("project", "a/b").is_err());
    }

    #[test]
    fn emails_are_checked_loosely() {
        assert!(check_email("admin@example.com").is_ok());
        assert!(check_email("admin@localhost").is_ok());
        let long = format!("{}@example.com", "a".repeat(EMAIL_BYTES_MAX - 12));
        assert_eq!(long.len(), EMAIL_BYTES_MAX);
        assert!(check_email(&long).is_ok());
        assert!(check_email(&format!("a{long}")).is_err());
        assert!(check_email("admin").is_err());
        assert!(check_email("@example.com").is_err());
        assert!(check_email("a@b@c").is_err());
        assert!(check_email("a b@c").is_err());
    }
}
