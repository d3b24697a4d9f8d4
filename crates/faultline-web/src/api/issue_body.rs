//! The body of Sentry's issue `PUT` (bulk or one issue), parsed into one [`IssueUpdate`]
//! plus the JSON Sentry answers with. Every status change, whoever sends it (`sentry-cli
//! issues resolve`, an integration, a script), is parsed here.
//!
//! The body is Sentry's: `status` (`resolved`, `resolvedInNextRelease`, `unresolved`,
//! `ignored`; `muted` and `archived` are aliases of `ignored`), `statusDetails` (`inRelease`,
//! `inNextRelease`, `ignoreDuration` minutes, `ignoreUntil`, `ignoreCount`, `ignoreWindow`,
//! `ignoreUserCount`, `ignoreUserWindow`), a top-level `ignoreDuration` (or `snoozeDuration`,
//! what older `sentry-cli` sends), `assignedTo` (`user:ID`, `team:ID`, an e-mail, a user id;
//! empty or null unassigns), `isBookmarked`, and `merge`.

use chrono::{DateTime, Duration, Utc};
use faultline_store::{Assignee, IgnoreCondition, IssueUpdate, Organization, StatusChange};
use serde_json::{Map, Value, json};

use super::issue_lookup::{team_actor, user_actor};
use super::wire;
use crate::{ApiError, AppState};

/// A parsed update body: what to change, whether to merge, and the JSON Sentry answers with.
pub(crate) struct ParsedUpdate {
    pub(crate) update: IssueUpdate,
    pub(crate) merge: bool,
    pub(crate) answer: Map<String, Value>,
}

impl ParsedUpdate {
    pub(crate) fn is_status_only(&self) -> bool {
        !self.merge && self.update.assign.is_none() && self.update.bookmark.is_none()
    }
}

pub(crate) fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// Reads a positive whole number field (`null` = absent).
fn positive(object: &Map<String, Value>, key: &str) -> Result<Option<u32>, ApiError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| {
                bad(format!(
                    "{key} must be a positive whole number, not {value}"
                ))
            }),
    }
}

fn ignore_condition(
    body: &Map<String, Value>,
    details: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<IgnoreCondition, ApiError> {
    let minutes = match positive(details, "ignoreDuration")? {
        Some(minutes) => Some(minutes),
        None => match positive(body, "ignoreDuration")? {
            Some(minutes) => Some(minutes),
            None => positive(body, "snoozeDuration")?,
        },
    };
    let mut until = minutes.map(|m| now + Duration::minutes(i64::from(m)));
    if let Some(text) = details.get("ignoreUntil").and_then(Value::as_str) {
        let at = DateTime::parse_from_rfc3339(text).map_err(|_| {
            bad(format!(
                "ignoreUntil must be an ISO 8601 time, not {text:?}"
            ))
        })?;
        until = Some(at.with_timezone(&Utc));
    }
    Ok(IgnoreCondition {
        until,
        event_count: positive(details, "ignoreCount")?,
        event_window_mins: positive(details, "ignoreWindow")?,
        user_count: positive(details, "ignoreUserCount")?,
        user_window_mins: positive(details, "ignoreUserWindow")?,
    })
}

/// Parses the `status` (with its `statusDetails`) of a body; `None` when it has none.
async fn parse_status(
    state: &AppState,
    organization: &Organization,
    body: &Map<String, Value>,
    answer: &mut Map<String, Value>,
) -> Result<Option<StatusChange>, ApiError> {
    let Some(status) = body.get("status").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let status = status
        .as_str()
        .ok_or_else(|| bad("status must be a string"))?;
    let empty = Map::new();
    let details = match body.get("statusDetails") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(details)) => details,
        Some(_) => return Err(bad("statusDetails must be an object")),
    };
    let mut shown_details = Map::new();
    let (change, shown_status, substatus) = match status {
        "resolved" | "resolvedInNextRelease" => {
            if details.contains_key("inCommit") {
                return Err(bad("resolving in a commit is not supported"));
            }
            let next = status == "resolvedInNextRelease"
                || details.get("inNextRelease").and_then(Value::as_bool) == Some(true);
            let change = match details.get("inRelease").filter(|v| !v.is_null()) {
                Some(release) if !next => {
                    let version = release
                        .as_str()
                        .ok_or_else(|| bad("statusDetails.inRelease must be a release version"))?;
                    if version != "latest"
                        && state
                            .store
                            .release(organization.id, version)
                            .await
                            .map_err(ApiError::from_store)?
                            .is_none()
                    {
                        return Err(bad(format!("release {version:?} does not exist")));
                    }
                    shown_details.insert("inRelease".into(), json!(version));
                    StatusChange::ResolveInRelease(version.to_owned())
                }
                _ if next => {
                    shown_details.insert("inNextRelease".into(), json!(true));
                    StatusChange::ResolveInNextRelease
                }
                _ => StatusChange::Resolve,
            };
            (change, "resolved", Value::Null)
        }
        "unresolved" => (StatusChange::Unresolve, "unresolved", json!("ongoing")),
        "ignored" | "muted" | "archived" => {
            let condition = ignore_condition(body, details, Utc::now())?;
            let substatus = if condition.is_forever() {
                "archived_forever"
            } else {
                "archived_until_condition_met"
            };
            shown_details = wire::ignore_details(&condition);
            (StatusChange::Ignore(condition), "ignored", json!(substatus))
        }
        other => {
            return Err(bad(format!(
                "status must be one of resolved, resolvedInNextRelease, unresolved, ignored \
                 (or muted); not {other:?}"
            )));
        }
    };
    answer.insert("status".into(), json!(shown_status));
    answer.insert("statusDetails".into(), Value::Object(shown_details));
    answer.insert("substatus".into(), substatus);
    answer.insert("inbox".into(), Value::Null);
    Ok(Some(change))
}

/// Resolves `assignedTo` to a member of the organization or one of its teams.
async fn parse_assignee(
    state: &AppState,
    organization: &Organization,
    value: &Value,
    answer: &mut Map<String, Value>,
) -> Result<Option<Assignee>, ApiError> {
    let number;
    let text = match value {
        Value::Null => "",
        Value::String(text) => text.trim(),
        Value::Number(n) => {
            number = n.to_string();
            &number
        }
        _ => {
            return Err(bad(
                "assignedTo must be a string such as \"user:1\" or \"team:2\"",
            ));
        }
    };
    if text.is_empty() {
        answer.insert("assignedTo".into(), Value::Null);
        return Ok(None);
    }
    let unknown = || {
        bad(format!(
            "unknown actor {text:?}: not a member or team of this organization"
        ))
    };
    if let Some(team) = text
        .strip_prefix("team:")
        .or_else(|| text.strip_prefix('#'))
    {
        let teams = state
            .store
            .teams(organization.id)
            .await
            .map_err(ApiError::from_store)?;
        let team = teams
            .iter()
            .find(|t| t.id.to_string() == team || t.slug == team)
            .ok_or_else(unknown)?;
        answer.insert("assignedTo".into(), team_actor(team.id, &team.slug));
        return Ok(Some(Assignee::Team(team.id)));
    }
    let user = match text.strip_prefix("user:").unwrap_or(text).parse::<i64>() {
        Ok(user_id) => state.store.user(user_id).await,
        Err(_) => state.store.user_by_email(text).await,
    }
    .map_err(ApiError::from_store)?
    .ok_or_else(unknown)?;
    let access = state
        .store
        .access(organization.id, user.id)
        .await
        .map_err(ApiError::from_store)?;
    if access.is_none_or(|a| a.role.is_none()) {
        return Err(unknown());
    }
    answer.insert("assignedTo".into(), user_actor(user.id, &user.email));
    Ok(Some(Assignee::User(user.id)))
}

/// Parses a whole update body.
pub(crate) async fn parse_update(
    state: &AppState,
    organization: &Organization,
    raw: &[u8],
) -> Result<ParsedUpdate, ApiError> {
    let body: Value = if raw.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(raw).map_err(|err| bad(format!("the body is not JSON: {err}")))?
    };
    let Value::Object(body) = body else {
        return Err(bad("the body must be a JSON object"));
    };
    let mut answer = Map::new();
    let status = parse_status(state, organization, &body, &mut answer).await?;
    let assign = match body.get("assignedTo") {
        Some(value) => Some(parse_assignee(state, organization, value, &mut answer).await?),
        None => None,
    };
    let bookmark = match body.get("isBookmarked") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let flag = flag(value).ok_or_else(|| bad("isBookmarked must be true or false"))?;
            answer.insert("isBookmarked".into(), json!(flag));
            Some(flag)
        }
    };
    let merge = match body.get("merge") {
        None | Some(Value::Null) => false,
        Some(value) => flag(value).ok_or_else(|| bad("merge must be true or false"))?,
    };
    let parsed = ParsedUpdate {
        update: IssueUpdate {
            status,
            assign,
            bookmark,
        },
        merge,
        answer,
    };
    if parsed.update == IssueUpdate::default() && !parsed.merge {
        return Err(bad(
            "nothing to change: give status, assignedTo, isBookmarked or merge",
        ));
    }
    Ok(parsed)
}

/// `true`/`false`, also as `1`/`0` or their strings (Sentry's forms accept both).
fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_u64().map(|n| n != 0),
        Value::String(s) => match s.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
