//! The backend side of releases, deploys and the event read routes: release writes run alone
//! on the writer (between batches), everything else on the read pool.

use chrono::Utc;

use super::backend::SqliteBackend;
use super::queries::{event_reads, releases};
use crate::StoreError;
use crate::codec::micros;
use crate::model::{
    Deploy, EventPage, NewDeploy, Release, ReleaseChanges, ReleaseQuery, StoredEvent, TagValuePage,
};

impl SqliteBackend {
    pub(crate) async fn create_release(
        &self,
        organization_id: i64,
        version: String,
        changes: ReleaseChanges,
    ) -> Result<(Release, bool), StoreError> {
        self.exclusive(move |conn| {
            let tx = conn.transaction()?;
            let result = releases::create_release(
                &tx,
                organization_id,
                &version,
                &changes,
                micros(Utc::now()),
            )?;
            tx.commit()?;
            Ok(result)
        })
        .await
    }

    pub(crate) async fn update_release(
        &self,
        organization_id: i64,
        version: String,
        changes: ReleaseChanges,
    ) -> Result<Option<Release>, StoreError> {
        self.exclusive(move |conn| {
            let tx = conn.transaction()?;
            let result = releases::update_release(&tx, organization_id, &version, &changes)?;
            tx.commit()?;
            Ok(result)
        })
        .await
    }

    pub(crate) async fn delete_release(
        &self,
        organization_id: i64,
        version: String,
    ) -> Result<bool, StoreError> {
        self.exclusive(move |conn| {
            let tx = conn.transaction()?;
            let deleted = releases::delete_release(&tx, organization_id, &version)?;
            tx.commit()?;
            Ok(deleted)
        })
        .await
    }

    pub(crate) async fn create_deploy(
        &self,
        organization_id: i64,
        version: String,
        deploy: NewDeploy,
    ) -> Result<Option<Deploy>, StoreError> {
        self.exclusive(move |conn| {
            let tx = conn.transaction()?;
            let created = releases::create_deploy(
                &tx,
                organization_id,
                &version,
                &deploy,
                micros(Utc::now()),
            )?;
            tx.commit()?;
            Ok(created)
        })
        .await
    }

    pub(crate) async fn release(
        &self,
        organization_id: i64,
        version: String,
    ) -> Result<Option<Release>, StoreError> {
        self.reads
            .run(move |conn| releases::release(conn, organization_id, &version))
            .await
    }

    pub(crate) async fn releases(
        &self,
        organization_id: i64,
        query: ReleaseQuery,
    ) -> Result<Vec<Release>, StoreError> {
        self.reads
            .run(move |conn| releases::releases(conn, organization_id, &query))
            .await
    }

    pub(crate) async fn deploys(&self, release_id: i64) -> Result<Vec<Deploy>, StoreError> {
        self.reads
            .run(move |conn| releases::deploys(conn, release_id))
            .await
    }

    pub(crate) async fn project_events(
        &self,
        project_id: i64,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<EventPage, StoreError> {
        self.reads
            .run(move |conn| {
                event_reads::project_events(conn, project_id, limit, cursor.as_deref())
            })
            .await
    }

    pub(crate) async fn issue_event_page(
        &self,
        issue_id: i64,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<EventPage, StoreError> {
        self.reads
            .run(move |conn| {
                event_reads::issue_event_page(conn, issue_id, limit, cursor.as_deref())
            })
            .await
    }

    pub(crate) async fn issue_edge_event(
        &self,
        issue_id: i64,
        oldest: bool,
    ) -> Result<Option<StoredEvent>, StoreError> {
        self.reads
            .run(move |conn| event_reads::issue_edge_event(conn, issue_id, oldest))
            .await
    }

    pub(crate) async fn organization_event(
        &self,
        organization_id: i64,
        event_id: String,
    ) -> Result<Option<StoredEvent>, StoreError> {
        self.reads
            .run(move |conn| event_reads::organization_event(conn, organization_id, &event_id))
            .await
    }

    pub(crate) async fn hash_latest_event(
        &self,
        issue_id: i64,
        hash: String,
    ) -> Result<Option<StoredEvent>, StoreError> {
        self.reads
            .run(move |conn| event_reads::hash_latest_event(conn, issue_id, &hash))
            .await
    }

    pub(crate) async fn issue_tag_key_values(
        &self,
        issue_id: i64,
        key: String,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<TagValuePage, StoreError> {
        self.reads
            .run(move |conn| {
                event_reads::issue_tag_key_values(conn, issue_id, &key, limit, cursor.as_deref())
            })
            .await
    }
}
