//! Releases and deploys on the [`Store`] facade: versions are checked here, before the
//! backend sees them.

use crate::StoreError;
use crate::limits::RELEASE_VERSION_BYTES_MAX;
use crate::model::{Deploy, NewDeploy, Release, ReleaseChanges, ReleaseQuery};
use crate::store::Store;

impl Store {
    /// Creates an organization's release `version`, or finds the existing one, and applies
    /// `changes`; returns the release and whether it was created.
    pub async fn create_release(
        &self,
        organization_id: i64,
        version: &str,
        changes: ReleaseChanges,
    ) -> Result<(Release, bool), StoreError> {
        check_version(version)?;
        self.sqlite()
            .create_release(organization_id, version.to_owned(), changes)
            .await
    }

    /// Applies `changes` to a release; `None` when the organization has no such release.
    pub async fn update_release(
        &self,
        organization_id: i64,
        version: &str,
        changes: ReleaseChanges,
    ) -> Result<Option<Release>, StoreError> {
        self.sqlite()
            .update_release(organization_id, version.to_owned(), changes)
            .await
    }

    /// Deletes a release and its deploys; `false` when there was no such release.
    pub async fn delete_release(
        &self,
        organization_id: i64,
        version: &str,
    ) -> Result<bool, StoreError> {
        self.sqlite()
            .delete_release(organization_id, version.to_owned())
            .await
    }

    /// Returns an organization's release `version` with its projects and latest deploy.
    pub async fn release(
        &self,
        organization_id: i64,
        version: &str,
    ) -> Result<Option<Release>, StoreError> {
        self.sqlite()
            .release(organization_id, version.to_owned())
            .await
    }

    /// Returns a page of an organization's releases, newest first (see [`ReleaseQuery`]);
    /// ask for `limit + 1` to learn whether a next page exists.
    pub async fn releases(
        &self,
        organization_id: i64,
        query: ReleaseQuery,
    ) -> Result<Vec<Release>, StoreError> {
        self.sqlite().releases(organization_id, query).await
    }

    /// Records a deploy of a release; `None` when there is no such release.
    pub async fn create_deploy(
        &self,
        organization_id: i64,
        version: &str,
        deploy: NewDeploy,
    ) -> Result<Option<Deploy>, StoreError> {
        if deploy.environment.trim().is_empty() {
            return Err(StoreError::Invalid("a deploy needs an environment".into()));
        }
        self.sqlite()
            .create_deploy(organization_id, version.to_owned(), deploy)
            .await
    }

    /// Returns a release's deploys, newest first.
    pub async fn deploys(&self, release_id: i64) -> Result<Vec<Deploy>, StoreError> {
        self.sqlite().deploys(release_id).await
    }
}

/// Checks a release version as Sentry does: 1 to 200 bytes, no `/`, no line breaks or tabs,
/// and not `.`, `..` or `latest` (which would be ambiguous in URLs).
pub(super) fn check_version(version: &str) -> Result<(), StoreError> {
    let valid = !version.trim().is_empty()
        && version.len() <= RELEASE_VERSION_BYTES_MAX
        && !version.contains(['/', '\n', '\r', '\t'])
        && !matches!(version, "." | ".." | "latest");
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "release version {version:?} must be 1-{RELEASE_VERSION_BYTES_MAX} bytes without '/' or line breaks, and not '.', '..' or 'latest'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_sentry_rules() {
        assert!(check_version("app@1.2.3+build.7").is_ok());
        assert!(check_version(&"v".repeat(RELEASE_VERSION_BYTES_MAX)).is_ok());
        assert!(check_version(&"v".repeat(RELEASE_VERSION_BYTES_MAX + 1)).is_err());
        for bad in ["", " ", "a/b", "a\nb", ".", "..", "latest"] {
            assert!(check_version(bad).is_err(), "{bad:?}");
        }
    }
}
