//! The event read routes on the [`Store`] facade: paged event lists, edge events, event id
//! lookups across an organization, grouphash latest events and one tag key's values.

use crate::StoreError;
use crate::model::{EventPage, StoredEvent, TagValuePage};
use crate::store::Store;

impl Store {
    /// Returns a page of a project's events, newest first, after `cursor` (from the previous
    /// page's [`EventPage::next_cursor`]); `limit` is clamped to `1..=EVENT_PAGE_LIMIT_MAX`.
    pub async fn project_events(
        &self,
        project_id: i64,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<EventPage, StoreError> {
        self.sqlite()
            .project_events(project_id, limit, cursor.map(str::to_owned))
            .await
    }

    /// Returns a page of an issue's events, newest first, as [`Store::project_events`].
    pub async fn issue_event_page(
        &self,
        issue_id: i64,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<EventPage, StoreError> {
        self.sqlite()
            .issue_event_page(issue_id, limit, cursor.map(str::to_owned))
            .await
    }

    /// Returns an issue's oldest event (`oldest: true`) or its latest.
    pub async fn issue_edge_event(
        &self,
        issue_id: i64,
        oldest: bool,
    ) -> Result<Option<StoredEvent>, StoreError> {
        self.sqlite().issue_edge_event(issue_id, oldest).await
    }

    /// Returns the event `event_id` (32 lowercase hex) of any project of an organization.
    pub async fn organization_event(
        &self,
        organization_id: i64,
        event_id: &str,
    ) -> Result<Option<StoredEvent>, StoreError> {
        self.sqlite()
            .organization_event(organization_id, event_id.to_owned())
            .await
    }

    /// Returns the latest event of an issue whose primary hash is `hash`.
    pub async fn hash_latest_event(
        &self,
        issue_id: i64,
        hash: &str,
    ) -> Result<Option<StoredEvent>, StoreError> {
        self.sqlite()
            .hash_latest_event(issue_id, hash.to_owned())
            .await
    }

    /// Returns a page of one tag key's values on an issue, most seen first.
    pub async fn issue_tag_key_values(
        &self,
        issue_id: i64,
        key: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<TagValuePage, StoreError> {
        self.sqlite()
            .issue_tag_key_values(issue_id, key.to_owned(), limit, cursor.map(str::to_owned))
            .await
    }
}
