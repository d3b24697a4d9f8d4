//! The rows the store hands out. These are domain types, not wire JSON: the web layer shapes
//! them into Sentry's API JSON. Times are UTC; ids are the database's decimal integers.

mod accounts;

pub use accounts::{Access, KeyDetails, KeyUpdate, NewProject, ProjectUpdate, Role, Team};

use chrono::{DateTime, Utc};
use serde_json::Value;

mod facets;
mod release;
mod workflow;

pub use facets::{IssueStats, StatsPeriod, TagKey};

pub use release::{
    Deploy, EventPage, NewDeploy, Release, ReleaseChanges, ReleaseProject, ReleaseQuery,
    TagValuePage,
};
pub use workflow::{
    Activity, Assignee, IgnoreCondition, IssueUpdate, IssueWorkflow, MergeOutcome,
    REGRESSION_GRACE_SECS, Resolution, Snooze, StatusChange,
};

/// An organization (`/api/0/organizations/{slug}/`).
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub date_created: DateTime<Utc>,
}

/// A project inside an organization.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: i64,
    pub organization_id: i64,
    pub slug: String,
    pub name: String,
    pub platform: Option<String>,
    pub date_created: DateTime<Utc>,
}

/// A DSN key of a project, with its optional rate limit (`count` events per `window_secs`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectKey {
    pub id: i64,
    pub project_id: i64,
    /// 32 lowercase hex characters: the user part of the DSN.
    pub public_key: String,
    pub is_active: bool,
    pub rate_limit_count: Option<u32>,
    pub rate_limit_window_secs: Option<u32>,
}

/// A user account.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub is_superuser: bool,
    pub date_joined: DateTime<Utc>,
}

/// What a valid API bearer token grants.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    pub user_id: i64,
    /// Sentry scopes (`project:read`, `org:admin`, ...).
    pub scopes: Vec<String>,
}

/// What `bootstrap` is asked to provision.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapRequest {
    pub org_slug: String,
    pub project_slug: String,
    pub admin_email: String,
    /// `(count, window_secs)` for the project's key; `None` leaves the key's limit as it is.
    pub rate_limit: Option<(u32, u32)>,
}

/// What `bootstrap` provisioned (or found already provisioned).
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    pub org: Organization,
    pub project: Project,
    pub key: ProjectKey,
    /// The administrator's API token in plain text. The same token is returned on every run:
    /// its plain text is kept in `bootstrap_secrets` (the `api_tokens` row holds only its hash).
    pub token: String,
    /// The administrator's generated password; `Some` only on the run that created the user.
    pub admin_password: Option<String>,
    /// Whether this run created the project (a re-run with the same slugs returns `false`).
    pub created: bool,
}

/// A stored error/default/security event, with its payload decompressed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub project_id: i64,
    pub event_id: String,
    pub issue_id: Option<i64>,
    /// `error`, `default`, `csp`, ...
    pub event_type: String,
    pub timestamp: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub level: String,
    pub platform: String,
    pub environment: Option<String>,
    pub release: Option<String>,
    pub transaction: Option<String>,
    pub trace_id: Option<String>,
    pub title: String,
    pub culprit: String,
    pub user_ident: Option<String>,
    /// The primary grouping hash the event was filed under.
    pub primary_hash: String,
    /// The normalized event JSON as processing produced it.
    pub payload: Value,
}

/// An issue (Sentry's "group"): events that share a grouphash.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub id: i64,
    pub project_id: i64,
    /// Per-project sequence number, starting at 1 (Sentry's `shortId` is `SLUG-<base36>`).
    pub short_id: i64,
    pub title: String,
    pub culprit: String,
    pub level: String,
    /// `unresolved`, `resolved` or `ignored`.
    pub status: String,
    /// `new`, `ongoing`, `regressed`, `escalating`, ... or `None`.
    pub substatus: Option<String>,
    /// The event type that created it: `error`, `default`, `csp`, ...
    pub issue_type: String,
    pub metadata: Value,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub times_seen: u64,
    pub user_count: u64,
    pub first_release: Option<String>,
    pub last_release: Option<String>,
    pub platform: String,
    /// How it was resolved, what keeps it ignored, who it is assigned to.
    pub workflow: IssueWorkflow,
}

impl Issue {
    /// Returns the cursor that continues an issue listing after this issue (pass the last
    /// issue of a page). The format is the store's business; callers treat it as opaque.
    pub fn cursor(&self) -> String {
        crate::cursor::IssueCursor::after(self).encode()
    }
}

/// Which issues to list: newest `last_seen` first, `limit` of them, after `cursor`.
///
/// Paging is keyset paging on `(last_seen, id)`, so inserts between pages never repeat or
/// skip an issue that existed when the first page was read (an issue that gets a new event
/// moves to the top instead). To know whether a next page exists, ask for `limit + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueQuery {
    /// Issues per page, clamped to `1..=ISSUE_PAGE_LIMIT_MAX`.
    pub limit: usize,
    /// From [`Issue::cursor`] of the previous page's last issue.
    pub cursor: Option<String>,
    /// `unresolved`, `resolved` or `ignored`; `None` lists all.
    pub status: Option<String>,
}

impl Default for IssueQuery {
    fn default() -> Self {
        IssueQuery {
            limit: 25,
            cursor: None,
            status: None,
        }
    }
}

/// Which issues a search lists: the projects to look in, the parsed query, the environments
/// (any of them; none = all), the order and a page of `limit` after `cursor`.
///
/// Paging is keyset paging on `(sort column, id)`: issues created while a client walks the
/// pages never make it see an issue twice or miss one that existed when it started (an
/// existing issue whose sort value changes moves, as in Sentry). Ask for `limit + 1` to learn
/// whether a next page exists.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueSearchRequest {
    pub project_ids: Vec<i64>,
    pub search: crate::search::IssueSearch,
    pub environments: Vec<String>,
    pub sort: IssueSort,
    pub limit: usize,
    /// From [`Issue::cursor_for`] of the previous page's last issue, with the same sort.
    pub cursor: Option<String>,
    /// The user searching: `assigned:me` means them.
    pub viewer_user_id: Option<i64>,
}

/// Sentry's issue sort orders, all descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IssueSort {
    /// `date`: last seen.
    #[default]
    Date,
    /// `new`: first seen.
    New,
    /// `freq`: times seen.
    Freq,
    /// `user`: distinct users.
    User,
}

impl IssueSort {
    /// Parses Sentry's `sort` parameter.
    pub fn from_param(text: &str) -> Option<IssueSort> {
        Some(match text {
            "date" => IssueSort::Date,
            "new" => IssueSort::New,
            "freq" => IssueSort::Freq,
            "user" => IssueSort::User,
            _ => return None,
        })
    }
}

impl Issue {
    /// Returns the cursor that continues a search in `sort` order after this issue.
    pub fn cursor_for(&self, sort: IssueSort) -> String {
        let value = match sort {
            IssueSort::Date => crate::codec::micros(self.last_seen),
            IssueSort::New => crate::codec::micros(self.first_seen),
            IssueSort::Freq => i64::try_from(self.times_seen).unwrap_or(i64::MAX),
            IssueSort::User => i64::try_from(self.user_count).unwrap_or(i64::MAX),
        };
        format!("{value}:{}", self.id)
    }
}

/// A grouphash of an issue and the grouping config that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupHash {
    pub hash: String,
    pub grouping_config: String,
}

/// How often a tag value was seen on an issue.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueTagValue {
    pub key: String,
    pub value: String,
    pub times_seen: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// Outcomes of a project summed over time, per category / outcome / reason.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeCount {
    pub category: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub quantity: u64,
}
