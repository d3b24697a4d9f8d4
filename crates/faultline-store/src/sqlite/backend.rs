//! The SQLite backend handle: the writer and the read pool over one database file.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use rusqlite::Connection;
use tokio::sync::oneshot;

use super::admin::{self, BootstrapRun, NewAdmin};
use super::connection::{self, DATABASE_FILE_NAME};
use super::migrate;
use super::queries::{access, events, issues, search, stats};
use super::read::ReadPool;
use super::writer::{Job, Writer};
use crate::StoreError;
use crate::codec::micros;
use crate::model::{
    Bootstrap, BootstrapRequest, GroupHash, Issue, IssueQuery, IssueTagValue, Organization,
    OutcomeCount, Project, ProjectKey, StoredEvent, TokenInfo, User,
};
use crate::secret;
use crate::store::StoreOptions;
use crate::write::{EncodedOp, WriteReceipt};

pub(crate) struct SqliteBackend {
    writer: Writer,
    pub(super) reads: Arc<ReadPool>,
}

impl SqliteBackend {
    /// Opens (creating if needed) the database in `data_dir`, migrates it and starts the writer.
    pub(crate) fn open(data_dir: &Path, options: &StoreOptions) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(DATABASE_FILE_NAME);
        let mut conn = connection::open_writer(&path, options.durability)?;
        migrate::run(&mut conn, micros(Utc::now()))?;
        let writer = Writer::start(conn, options.queue_capacity, options.batch_rows_max)?;
        Ok(SqliteBackend {
            writer,
            reads: Arc::new(ReadPool::new(path)),
        })
    }

    /// Enqueues a request and waits for its batch to commit.
    pub(crate) async fn write(&self, ops: Vec<EncodedOp>) -> Result<WriteReceipt, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer.try_send(Job::Write { ops, reply })?;
        metrics::gauge!("faultline_store_queue_depth").set(self.writer.depth() as f64);
        answer
            .await
            .map_err(|_| StoreError::BatchFailed("the writer dropped the request".into()))?
    }

    pub(crate) fn queue_depth(&self) -> usize {
        self.writer.depth()
    }

    pub(crate) fn queue_capacity(&self) -> usize {
        self.writer.capacity()
    }

    pub(crate) async fn shutdown(&self) {
        if let Some(thread) = self.writer.close() {
            match tokio::task::spawn_blocking(move || thread.join()).await {
                Ok(Ok(())) => tracing::info!("store writer stopped"),
                Ok(Err(_)) => tracing::error!("store writer thread panicked"),
                Err(err) => tracing::error!(error = %err, "joining the store writer failed"),
            }
        }
    }

    /// Runs `work` alone on the writer thread and returns its result.
    pub(super) async fn exclusive<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job::Exclusive(Box::new(move |conn| {
            let _ = reply.send(work(conn));
        }));
        self.writer.send(job).await?;
        answer
            .await
            .map_err(|_| StoreError::BatchFailed("the writer dropped the request".into()))?
    }

    /// Occupies the writer until the returned sender is dropped or sent to, so tests can fill
    /// the queue deterministically. Returns once the writer has taken the blocking job.
    #[cfg(test)]
    pub(crate) async fn block_writer(&self) -> std::sync::mpsc::Sender<()> {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let job = Job::Exclusive(Box::new(move |_| {
            let _ = wait.recv();
        }));
        assert!(self.writer.send(job).await.is_ok(), "writer gone");
        while self.writer.depth() > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        release
    }

    /// Returns the single value `sql` selects (tests peek at columns no API exposes yet).
    #[cfg(test)]
    pub(crate) async fn read_scalar<T>(&self, sql: &'static str) -> T
    where
        T: rusqlite::types::FromSql + Send + 'static,
    {
        let value = self
            .reads
            .run(move |conn| Ok(conn.query_row(sql, [], |row| row.get(0))?))
            .await;
        match value {
            Ok(value) => value,
            Err(err) => panic!("{sql}: {err}"),
        }
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        if !self.writer.is_running() {
            return Err(StoreError::ShuttingDown);
        }
        self.reads
            .run(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    pub(crate) async fn bootstrap(
        &self,
        request: BootstrapRequest,
    ) -> Result<Bootstrap, StoreError> {
        let email = request.admin_email.clone();
        let mut new_admin = None;
        if !self
            .reads
            .run(move |conn| access::user_exists(conn, &email))
            .await?
        {
            new_admin = Some(prepare_admin().await?);
        }
        // Twice at most: the second run only happens if the administrator vanished between the
        // look-up above and the writer's transaction.
        for _ in 0..2 {
            let req = request.clone();
            let run = self
                .exclusive(move |conn| admin::bootstrap(conn, &req, new_admin, micros(Utc::now())))
                .await?;
            match run {
                BootstrapRun::Done(bootstrap) => return Ok(*bootstrap),
                BootstrapRun::NeedsAdmin => new_admin = Some(prepare_admin().await?),
            }
        }
        Err(StoreError::Invalid(
            "the administrator keeps disappearing during bootstrap".into(),
        ))
    }

    pub(crate) async fn verify_password(
        &self,
        email: String,
        password: String,
    ) -> Result<Option<User>, StoreError> {
        let found = self
            .reads
            .run(move |conn| access::user_with_password(conn, &email))
            .await?;
        let Some((user, Some(hash))) = found else {
            return Ok(None);
        };
        let valid =
            tokio::task::spawn_blocking(move || secret::verify_password(&password, &hash)).await?;
        Ok(valid.then_some(user))
    }

    pub(crate) async fn project_key(
        &self,
        public_key: String,
    ) -> Result<Option<ProjectKey>, StoreError> {
        self.reads
            .run(move |conn| access::project_key(conn, &public_key))
            .await
    }

    pub(crate) async fn project_keys(
        &self,
        project_id: i64,
    ) -> Result<Vec<ProjectKey>, StoreError> {
        self.reads
            .run(move |conn| access::project_keys(conn, project_id))
            .await
    }

    pub(crate) async fn token(&self, token: String) -> Result<Option<TokenInfo>, StoreError> {
        self.reads
            .run(move |conn| access::token(conn, &token))
            .await
    }

    pub(crate) async fn user(&self, user_id: i64) -> Result<Option<User>, StoreError> {
        self.reads
            .run(move |conn| access::user(conn, user_id))
            .await
    }

    pub(crate) async fn organization_by_id(
        &self,
        organization_id: i64,
    ) -> Result<Option<Organization>, StoreError> {
        self.reads
            .run(move |conn| access::organization_by_id(conn, organization_id))
            .await
    }

    pub(crate) async fn organization_by_slug(
        &self,
        slug: String,
    ) -> Result<Option<Organization>, StoreError> {
        self.reads
            .run(move |conn| access::organization_by_slug(conn, &slug))
            .await
    }

    pub(crate) async fn has_organizations(&self) -> Result<bool, StoreError> {
        self.reads.run(access::has_organizations).await
    }

    pub(crate) async fn organizations(&self) -> Result<Vec<Organization>, StoreError> {
        self.reads.run(access::organizations).await
    }

    pub(crate) async fn project_by_slug(
        &self,
        org_slug: String,
        project_slug: String,
    ) -> Result<Option<Project>, StoreError> {
        self.reads
            .run(move |conn| access::project_by_slug(conn, &org_slug, &project_slug))
            .await
    }

    pub(crate) async fn project(&self, project_id: i64) -> Result<Option<Project>, StoreError> {
        self.reads
            .run(move |conn| access::project(conn, project_id))
            .await
    }

    pub(crate) async fn project_option(
        &self,
        project_id: i64,
        key: String,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        self.reads
            .run(move |conn| access::project_option(conn, project_id, &key))
            .await
    }

    pub(crate) async fn set_project_option(
        &self,
        project_id: i64,
        key: String,
        value: serde_json::Value,
    ) -> Result<bool, StoreError> {
        self.exclusive(move |conn| {
            admin::set_project_option(conn, project_id, &key, &value, micros(Utc::now()))
        })
        .await
    }

    pub(crate) async fn projects(&self, organization_id: i64) -> Result<Vec<Project>, StoreError> {
        self.reads
            .run(move |conn| access::projects(conn, organization_id))
            .await
    }

    pub(crate) async fn event(
        &self,
        project_id: i64,
        event_id: String,
    ) -> Result<Option<StoredEvent>, StoreError> {
        self.reads
            .run(move |conn| events::event(conn, project_id, &event_id))
            .await
    }

    pub(crate) async fn issue_events(
        &self,
        issue_id: i64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.reads
            .run(move |conn| events::issue_events(conn, issue_id, limit))
            .await
    }

    pub(crate) async fn search_issues(
        &self,
        request: crate::model::IssueSearchRequest,
    ) -> Result<Vec<Issue>, StoreError> {
        let now_us = micros(Utc::now());
        self.reads
            .run(move |conn| search::search_issues(conn, &request, now_us))
            .await
    }

    pub(crate) async fn issues(
        &self,
        project_id: i64,
        query: IssueQuery,
    ) -> Result<Vec<Issue>, StoreError> {
        self.reads
            .run(move |conn| issues::issues(conn, project_id, &query))
            .await
    }

    pub(crate) async fn issue(&self, issue_id: i64) -> Result<Option<Issue>, StoreError> {
        self.reads
            .run(move |conn| issues::issue(conn, issue_id))
            .await
    }

    pub(crate) async fn issue_by_short_id(
        &self,
        project_id: i64,
        short_id: i64,
    ) -> Result<Option<Issue>, StoreError> {
        self.reads
            .run(move |conn| issues::issue_by_short_id(conn, project_id, short_id))
            .await
    }

    pub(crate) async fn issue_hashes(&self, issue_id: i64) -> Result<Vec<GroupHash>, StoreError> {
        self.reads
            .run(move |conn| issues::issue_hashes(conn, issue_id))
            .await
    }

    pub(crate) async fn issue_tag_values(
        &self,
        issue_id: i64,
    ) -> Result<Vec<IssueTagValue>, StoreError> {
        self.reads
            .run(move |conn| issues::issue_tag_values(conn, issue_id))
            .await
    }

    pub(crate) async fn issue_buckets(
        &self,
        issue_id: i64,
        since_secs: i64,
        until_secs: i64,
    ) -> Result<Vec<(i64, u64)>, StoreError> {
        self.reads
            .run(move |conn| issues::issue_buckets(conn, issue_id, since_secs, until_secs))
            .await
    }

    pub(crate) async fn event_count(&self) -> Result<u64, StoreError> {
        self.reads.run(stats::event_count).await
    }

    pub(crate) async fn transaction_count(&self) -> Result<u64, StoreError> {
        self.reads.run(stats::transaction_count).await
    }

    pub(crate) async fn raw_item_count(
        &self,
        project_id: i64,
        item_type: String,
    ) -> Result<u64, StoreError> {
        self.reads
            .run(move |conn| stats::raw_item_count(conn, project_id, &item_type))
            .await
    }

    pub(crate) async fn outcomes(&self, project_id: i64) -> Result<Vec<OutcomeCount>, StoreError> {
        self.reads
            .run(move |conn| stats::outcomes(conn, project_id))
            .await
    }
}

/// Generates an administrator password and hashes it on the blocking pool.
async fn prepare_admin() -> Result<NewAdmin, StoreError> {
    tokio::task::spawn_blocking(|| {
        let password = secret::new_password();
        let password_hash = secret::hash_password(&password)?;
        Ok(NewAdmin {
            password,
            password_hash,
        })
    })
    .await?
}
