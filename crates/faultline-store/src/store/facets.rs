//! Tag facets and issue-list series on the [`Store`] facade.

use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::limits::ISSUE_PAGE_LIMIT_MAX;
use crate::model::{IssueStats, StatsPeriod, TagKey, TagValuePage};
use crate::store::Store;

impl Store {
    /// Returns the tag keys of the projects' issues with their distinct values and event
    /// counts, in key order (at most `TAG_KEYS_MAX`).
    pub async fn tag_keys(&self, project_ids: &[i64]) -> Result<Vec<TagKey>, StoreError> {
        if project_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.sqlite().tag_keys(project_ids.to_vec()).await
    }

    /// Returns a page of one tag key's values over the projects' issues, most seen first,
    /// counts summed over the issues; `contains` keeps values holding that text.
    pub async fn tag_key_values(
        &self,
        project_ids: &[i64],
        key: &str,
        contains: Option<&str>,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<TagValuePage, StoreError> {
        self.sqlite()
            .tag_key_values(
                project_ids.to_vec(),
                key.to_owned(),
                contains.map(str::to_owned),
                limit,
                cursor.map(str::to_owned),
            )
            .await
    }

    /// Returns each issue's event series over `period`, ending with the point holding `now`,
    /// every point present, in the order of `issue_ids` (one page of an issue list: at most
    /// `ISSUE_PAGE_LIMIT_MAX + 1` issues).
    pub async fn issue_stats(
        &self,
        issue_ids: &[i64],
        period: StatsPeriod,
        now: DateTime<Utc>,
    ) -> Result<Vec<IssueStats>, StoreError> {
        if issue_ids.len() > ISSUE_PAGE_LIMIT_MAX + 1 {
            return Err(StoreError::Invalid(format!(
                "stats for {} issues asked, at most {} at once",
                issue_ids.len(),
                ISSUE_PAGE_LIMIT_MAX + 1
            )));
        }
        if issue_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.sqlite()
            .issue_stats(issue_ids.to_vec(), period, now.timestamp())
            .await
    }
}
