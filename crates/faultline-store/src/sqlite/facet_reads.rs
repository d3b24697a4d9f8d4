//! The backend side of tag facets and issue-list series: all on the read pool.

use super::backend::SqliteBackend;
use super::queries::facets;
use crate::StoreError;
use crate::model::{IssueStats, StatsPeriod, TagKey, TagValuePage};

impl SqliteBackend {
    pub(crate) async fn tag_keys(&self, project_ids: Vec<i64>) -> Result<Vec<TagKey>, StoreError> {
        self.reads
            .run(move |conn| facets::tag_keys(conn, &project_ids))
            .await
    }

    pub(crate) async fn tag_key_values(
        &self,
        project_ids: Vec<i64>,
        key: String,
        contains: Option<String>,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<TagValuePage, StoreError> {
        self.reads
            .run(move |conn| {
                facets::tag_key_values(
                    conn,
                    &project_ids,
                    &key,
                    contains.as_deref(),
                    limit,
                    cursor.as_deref(),
                )
            })
            .await
    }

    pub(crate) async fn issue_stats(
        &self,
        issue_ids: Vec<i64>,
        period: StatsPeriod,
        now_secs: i64,
    ) -> Result<Vec<IssueStats>, StoreError> {
        self.reads
            .run(move |conn| facets::issue_stats(conn, &issue_ids, period, now_secs))
            .await
    }
}
