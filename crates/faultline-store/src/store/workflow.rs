//! The issue workflow on the [`Store`] facade: every status change, assignment and bookmark
//! (from the API, `sentry-cli` or the `faultline` CLI) goes through [`Store::update_issues`].

use crate::StoreError;
use crate::limits::ISSUE_BULK_IDS_MAX;
use crate::model::{Activity, IssueUpdate, MergeOutcome, StatusChange};
use crate::store::Store;

impl Store {
    /// Applies `update` to the issues among `ids` that belong to `project_ids`, in one
    /// transaction, recording who did it (`actor`, a user id) in each issue's activity log.
    /// Returns the ids of the issues found (ids outside the projects are skipped, as Sentry
    /// does).
    pub async fn update_issues(
        &self,
        project_ids: &[i64],
        ids: &[i64],
        update: IssueUpdate,
        actor: Option<i64>,
    ) -> Result<Vec<i64>, StoreError> {
        check_ids(ids)?;
        if let Some(StatusChange::ResolveInRelease(version)) = &update.status {
            super::releases::check_version(version)?;
        }
        self.sqlite()
            .update_issues(project_ids.to_vec(), ids.to_vec(), update, actor)
            .await
    }

    /// Merges the issues among `ids` in `project_id` into the one with the most events; `None`
    /// when fewer than two of them are there.
    pub async fn merge_issues(
        &self,
        project_id: i64,
        ids: &[i64],
        actor: Option<i64>,
    ) -> Result<Option<MergeOutcome>, StoreError> {
        check_ids(ids)?;
        self.sqlite()
            .merge_issues(project_id, ids.to_vec(), actor)
            .await
    }

    /// Moves `hashes` of an issue, with their events, to a new issue; returns its id, or
    /// `None` when the issue has none of the hashes. `Invalid` when every hash would move.
    pub async fn unmerge_hashes(
        &self,
        issue_id: i64,
        hashes: &[String],
        actor: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        check_ids(hashes)?;
        self.sqlite()
            .unmerge(issue_id, hashes.to_vec(), actor)
            .await
    }

    /// Deletes the issues among `ids` in `project_ids` with their events; returns how many.
    pub async fn delete_issues(
        &self,
        project_ids: &[i64],
        ids: &[i64],
    ) -> Result<usize, StoreError> {
        check_ids(ids)?;
        self.sqlite()
            .delete_issues(project_ids.to_vec(), ids.to_vec())
            .await
    }

    /// Brings back (as unresolved, escalating) every ignored issue whose ignore-until time has
    /// passed; returns how many. The server calls it periodically.
    pub async fn clear_expired_snoozes(&self) -> Result<usize, StoreError> {
        self.sqlite().clear_expired_snoozes().await
    }

    /// Returns an issue's activity log, newest first.
    pub async fn issue_activity(&self, issue_id: i64) -> Result<Vec<Activity>, StoreError> {
        self.sqlite().issue_activity(issue_id).await
    }

    /// Returns which of `issue_ids` the user bookmarked.
    pub async fn bookmarked(
        &self,
        user_id: i64,
        issue_ids: &[i64],
    ) -> Result<Vec<i64>, StoreError> {
        self.sqlite().bookmarked(user_id, issue_ids.to_vec()).await
    }
}

fn check_ids<T>(ids: &[T]) -> Result<(), StoreError> {
    if ids.len() > ISSUE_BULK_IDS_MAX {
        return Err(StoreError::Invalid(format!(
            "at most {ISSUE_BULK_IDS_MAX} issues (or hashes) per request, not {}",
            ids.len()
        )));
    }
    Ok(())
}
