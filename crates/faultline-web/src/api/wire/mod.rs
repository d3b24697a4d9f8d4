//! Wire JSON: the exact shapes Sentry's API returns, kept apart from the domain types so that
//! they change only on purpose.

mod accounts;
mod event;
mod issue;

pub(crate) use accounts::{key_json, organization_json, project_json, team_json};
pub(crate) use event::event_json;
pub(crate) use issue::{IssueExtras, ignore_details, issue_json, issue_stats_json, parse_short_id};

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats a time as Sentry does: RFC 3339, UTC, milliseconds, `Z`.
pub(crate) fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}
