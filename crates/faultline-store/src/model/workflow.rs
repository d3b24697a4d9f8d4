//! The issue workflow as the store sees it: what a status change, an assignment or a bookmark
//! asks for, and the workflow state an issue carries (how it was resolved, what keeps it
//! ignored, who it is assigned to) and its activity log.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// How long after a resolution new events are taken as stragglers sent before the fix, not as
/// a regression: an event received within this many seconds of the resolution leaves the issue
/// resolved.
pub const REGRESSION_GRACE_SECS: i64 = 5;

/// A status an issue is moved to. The API, `sentry-cli` and the `faultline` CLI all go through
/// [`crate::Store::update_issues`] with one of these.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusChange {
    /// Resolved now: any later event (after the grace period) regresses it.
    Resolve,
    /// Resolved in this release: events of this release or an older one leave it resolved.
    ResolveInRelease(String),
    /// Resolved in the release after the project's newest one: events of the newest release
    /// (or older) leave it resolved, events of a release created later regress it.
    ResolveInNextRelease,
    /// Back to unresolved (and any ignore condition dropped).
    Unresolve,
    /// Ignored (Sentry's "archived"; `muted` is an alias) until the condition is met, or
    /// forever when it is empty.
    Ignore(IgnoreCondition),
}

/// What ends an ignore. Every field `None` means "forever". Counts are counted from the moment
/// the issue is ignored; a window counts only what happened in its last minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreCondition {
    pub until: Option<DateTime<Utc>>,
    pub event_count: Option<u32>,
    pub event_window_mins: Option<u32>,
    pub user_count: Option<u32>,
    pub user_window_mins: Option<u32>,
}

impl IgnoreCondition {
    /// Whether nothing ends this ignore.
    pub fn is_forever(&self) -> bool {
        self.until.is_none() && self.event_count.is_none() && self.user_count.is_none()
    }
}

/// An ignore condition in force on an issue, with when it started and who set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snooze {
    pub condition: IgnoreCondition,
    pub since: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
}

/// Who an issue is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assignee {
    User(i64),
    Team(i64),
}

/// How a resolved issue was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Now,
    /// Fixed in this release.
    InRelease(String),
    /// Fixed in the release after this one (the newest when it was resolved), or in the next
    /// release when the project had none.
    InNextRelease(Option<String>),
}

/// The workflow state read with an issue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueWorkflow {
    /// Set while the issue is resolved.
    pub resolution: Option<Resolution>,
    /// Set while the issue is ignored with a condition.
    pub snooze: Option<Snooze>,
    pub assignee: Option<Assignee>,
}

/// What one update request changes on a set of issues; `None` fields are left alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueUpdate {
    pub status: Option<StatusChange>,
    /// `Some(None)` unassigns.
    pub assign: Option<Option<Assignee>>,
    /// Bookmarks (or un-bookmarks) the issues for the acting user.
    pub bookmark: Option<bool>,
}

/// Issues folded into one: the one that stays and those merged into it (now gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    pub parent: i64,
    pub children: Vec<i64>,
}

/// One entry of an issue's activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: i64,
    pub issue_id: i64,
    /// `None` for what the server did by itself (a regression, an ignore running out).
    pub user_id: Option<i64>,
    /// Sentry's activity type: `set_resolved`, `set_resolved_in_release`, `set_unresolved`,
    /// `set_ignored`, `set_regression`, `set_escalating`, `assigned`, `unassigned`, `merge`,
    /// `unmerge_source`, `unmerge_destination`.
    pub kind: String,
    pub data: Value,
    pub date_created: DateTime<Utc>,
}
