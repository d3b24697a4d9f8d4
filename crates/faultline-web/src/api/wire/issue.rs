//! The issue ("group") JSON of `/api/0/.../issues/`.

use faultline_store::{IgnoreCondition, Issue, Project, Resolution, StatsPeriod};
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
fn status_details(issue: &Issue) -> Value {
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
        details.extend(ignore_details(&snooze.condition));
    }
    Value::Object(details)
}

/// The `statusDetails` fields of an ignore condition (only those set).
pub(crate) fn ignore_details(condition: &IgnoreCondition) -> Map<String, Value> {
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
    fields
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_owned(), value?)))
        .collect()
}

/// The alphabet of Sentry's short ids: Crockford's base 32 (no I, L, O or U).
const SHORT_ID_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Sentry's short id of an issue: the project slug upper-cased, `-`, the per-project number in
/// base 32 (`WEB-1`, ..., `WEB-Z`, `WEB-10`).
pub(crate) fn short_id(project_slug: &str, number: i64) -> String {
    let mut digits = Vec::new();
    let mut rest = number.max(0) as u64;
    loop {
        digits.push(SHORT_ID_ALPHABET[(rest % 32) as usize]);
        rest /= 32;
        if rest == 0 {
            break;
        }
    }
    digits.reverse();
    format!(
        "{}-{}",
        project_slug.to_uppercase(),
        String::from_utf8_lossy(&digits)
    )
}

/// Reads a short id back into `(project slug, number)`; `None` when it is not one.
pub(crate) fn parse_short_id(text: &str) -> Option<(String, i64)> {
    let (slug, digits) = text.rsplit_once('-')?;
    if slug.is_empty() || digits.is_empty() {
        return None;
    }
    let mut number: i64 = 0;
    for byte in digits.to_ascii_uppercase().bytes() {
        let digit = SHORT_ID_ALPHABET.iter().position(|&c| c == byte)?;
        number = number.checked_mul(32)?.checked_add(digit as i64)?;
    }
    Some((slug.to_lowercase(), number))
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
        "shortId": short_id(&project.slug, issue.short_id),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_count_in_crockford_base_32() {
        assert_eq!(short_id("web", 1), "WEB-1");
        assert_eq!(short_id("web", 17), "WEB-H");
        assert_eq!(short_id("my-app", 32), "MY-APP-10");
        assert_eq!(parse_short_id("MY-APP-10"), Some(("my-app".into(), 32)));
        assert_eq!(parse_short_id("web-h"), Some(("web".into(), 17)));
        assert_eq!(parse_short_id("WEB-I"), None);
        assert_eq!(parse_short_id("WEB"), None);
        assert_eq!(parse_short_id("-1"), None);
    }
}
