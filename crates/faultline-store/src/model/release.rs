//! Releases and deploys, and the event-page types of the event read routes.

use chrono::{DateTime, Utc};

use crate::model::StoredEvent;

/// A release of an organization (`/api/0/organizations/{org}/releases/{version}/`).
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub id: i64,
    pub organization_id: i64,
    pub version: String,
    pub git_ref: Option<String>,
    pub url: Option<String>,
    pub date_created: DateTime<Utc>,
    pub date_released: Option<DateTime<Utc>>,
    /// The projects the release belongs to, by slug.
    pub projects: Vec<ReleaseProject>,
    pub deploy_count: u64,
    pub last_deploy: Option<Deploy>,
}

impl Release {
    /// Returns the new issues the release's events started, over all its projects.
    pub fn new_groups(&self) -> u64 {
        self.projects.iter().map(|p| p.new_groups).sum()
    }

    /// Returns the time of the release's first event in any project.
    pub fn first_event(&self) -> Option<DateTime<Utc>> {
        self.projects.iter().filter_map(|p| p.first_event).min()
    }

    /// Returns the time of the release's last event in any project.
    pub fn last_event(&self) -> Option<DateTime<Utc>> {
        self.projects.iter().filter_map(|p| p.last_event).max()
    }

    /// Returns the cursor that continues a release listing after this release.
    pub fn cursor(&self) -> String {
        format!("{}:{}", crate::codec::micros(self.date_created), self.id)
    }
}

/// One project of a release, with what its events said about the release.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseProject {
    pub project_id: i64,
    pub slug: String,
    pub name: String,
    pub platform: Option<String>,
    pub new_groups: u64,
    pub first_event: Option<DateTime<Utc>>,
    pub last_event: Option<DateTime<Utc>>,
}

/// What creating or updating a release sets; `None` fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseChanges {
    pub git_ref: Option<String>,
    pub url: Option<String>,
    pub date_released: Option<DateTime<Utc>>,
    /// Project ids to add the release to (projects are only ever added).
    pub project_ids: Vec<i64>,
}

/// Which releases to list: newest first, `limit` of them, after `cursor`, versions starting
/// with `version_prefix`, only those of `project_id` when set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseQuery {
    pub limit: usize,
    pub cursor: Option<String>,
    pub version_prefix: Option<String>,
    pub project_id: Option<i64>,
}

/// A deploy of a release to an environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Deploy {
    pub id: i64,
    pub environment: String,
    pub name: Option<String>,
    pub url: Option<String>,
    pub date_started: Option<DateTime<Utc>>,
    pub date_finished: DateTime<Utc>,
}

/// A new deploy; `date_finished` defaults to now.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeploy {
    pub environment: String,
    pub name: Option<String>,
    pub url: Option<String>,
    pub date_started: Option<DateTime<Utc>>,
    pub date_finished: Option<DateTime<Utc>>,
}

/// A page of events, newest first, and the cursor of the page after it (`None` on the last).
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    pub events: Vec<StoredEvent>,
    pub next_cursor: Option<String>,
}

/// A page of one tag key's values on an issue, most seen first.
#[derive(Debug, Clone, PartialEq)]
pub struct TagValuePage {
    pub values: Vec<crate::model::IssueTagValue>,
    pub next_cursor: Option<String>,
}
