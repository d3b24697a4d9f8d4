//! The issue ("group") JSON of `/api/0/.../issues/`.

use faultline_store::{Issue, Project, Resolution, StatsPeriod};
use serde_json::{Map, Value, json};

use super::iso;

/// What the issue JSON says beyond the issue row: its assignee as Sentry's actor JSON (a user
/// or a team, resolved by the caller) and whether the requesting user bookmarked it.
#[derive(Debug, Clone, Default)]
pub(crate) struct IssueExtras {
    pub(crate) assigned_to: Option<Value>,
    pub(crate) is_bookmarked: bool,
}

/// Sentry's `statusDetails`: how a resolved issue was resolved, what an ignored issue waits
/// for; `{}` otherwise.
pub(crate) fn status_details(issue: &Issue) -> Value {
    let mut details = Map::new();
    match &issue.workflow.resolution {
        Some(Resolution::InRelease(version)) => {
            details.insert("inRelease".into(), json!(version));
        }
        Some(Resolution::InNextRelease(_)) => {
            details.insert("inNextRelease".into(), json!(true));
        }
        Some(Resolution::Now) | None => {}
    }
    if let Some(snooze) = &issue.workflow.snooze {
        let condition = &snooze.condition;
        let fields = [
            ("ignoreUntil", condition.until.map(|t| json!(iso(t)))),
            ("ignoreCount", condition.event_count.map(|n| json!(n))),
            (
                "ignoreWindow",
                condition.event_window_mins.map(|n| json!(n)),
            ),
            ("ignoreUserCount", condition.user_count.map(|n| json!(n))),
            (
                "ignoreUserWindow",
                condition.user_window_mins.map(|n| json!(n)),
            ),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                details.insert(key.into(), value);
            }
        }
    }
    Value::Object(details)
}

/// Returns the Sentry JSON of `issue` in `project` (`count` is a string, `userCount` a number).
pub(crate) fn issue_json(
    issue: &Issue,
    project: &Project,
    org_slug: &str,
    base_url: &str,
    extras: &IssueExtras,
) -> Value {
    let substatus = issue.substatus.clone().or_else(|| {
        (issue.status == "unresolved").then(|| {
            if issue.times_seen <= 1 {
                "new".into()
            } else {
                "ongoing".into()
            }
        })
    });
    let is_unhandled = issue.metadata.get("handled").and_then(Value::as_bool) == Some(false);
    json!({
        "id": issue.id.to_string(),
        "shareId": null,
        "shortId": format!("{}-{}", project.slug.to_uppercase(), issue.id),
        "title": issue.title,
        "culprit": issue.culprit,
        "permalink": format!("{base_url}/organizations/{org_slug}/issues/{}/", issue.id),
        "logger": null,
        "level": issue.level,
        "status": issue.status,
        "statusDetails": status_details(issue),
        "substatus": substatus,
        "isPublic": false,
        "platform": issue.platform,
        "project": {
            "id": project.id.to_string(),
            "name": project.name,
            "slug": project.slug,
            "platform": project.platform,
        },
        "type": issue.issue_type,
        "issueType": "error",
        "issueCategory": "error",
        "metadata": issue.metadata,
        "numComments": 0,
        "assignedTo": extras.assigned_to,
        "isBookmarked": extras.is_bookmarked,
        "isSubscribed": false,
        "subscriptionDetails": null,
        "hasSeen": false,
        "annotations": [],
        "isUnhandled": is_unhandled,
        "count": issue.times_seen.to_string(),
        "userCount": issue.user_count,
        "firstSeen": iso(issue.first_seen),
        "lastSeen": iso(issue.last_seen),
        "firstRelease": issue.first_release.as_ref().map(|v| json!({"version": v})),
        "lastRelease": issue.last_release.as_ref().map(|v| json!({"version": v})),
    })
}

/// Returns an issue list's `stats` of one issue: `{"24h": [[epoch secs, events], ...]}` (or
/// `"14d"`), oldest point first.
pub(crate) fn issue_stats_json(period: StatsPeriod, points: &[(i64, u64)]) -> Value {
    let points: Vec<Value> = points.iter().map(|(at, n)| json!([at, n])).collect();
    json!({ period.name(): points })
}
