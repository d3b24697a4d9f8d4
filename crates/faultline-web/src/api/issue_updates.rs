//! Changing issues: Sentry's bulk `PUT`/`DELETE` on a project's or an organization's issue
//! list (`?id=` repeated), `PUT`/`DELETE` on one issue, unmerging hashes, and the activity
//! log. Every status change, whoever sends it (`sentry-cli issues resolve`, an integration, a
//! script), is parsed here into one [`IssueUpdate`] and applied by `Store::update_issues`.
//!
//! The body is Sentry's: `status` (`resolved`, `resolvedInNextRelease`, `unresolved`,
//! `ignored`; `muted` and `archived` are aliases of `ignored`), `statusDetails` (`inRelease`,
//! `inNextRelease`, `ignoreDuration` minutes, `ignoreUntil`, `ignoreCount`, `ignoreWindow`,
//! `ignoreUserCount`, `ignoreUserWindow`), a top-level `ignoreDuration` (or `snoozeDuration`,
//! what older `sentry-cli` sends), `assignedTo` (`user:ID`, `team:ID`, an e-mail, a user id;
//! empty or null unassigns), `isBookmarked`, and `merge`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use faultline_store::{
    Assignee, IgnoreCondition, IssueSearchRequest, IssueUpdate, Organization, Project, StatsPeriod,
    StatusChange, limits::ISSUE_BULK_IDS_MAX,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::Bearer;
use super::issue_lookup::{
    ScopedIssue, find_issue, issue_extras, not_found, team_actor, user_actor,
};
use super::issues::{ListParams, query_pairs};
use super::wire;
use crate::{ApiError, AppState};

/// A parsed update body: what to change, whether to merge, and the JSON Sentry answers with.
struct ParsedUpdate {
    update: IssueUpdate,
    merge: bool,
    answer: Map<String, Value>,
}

impl ParsedUpdate {
    fn is_status_only(&self) -> bool {
        !self.merge && self.update.assign.is_none() && self.update.bookmark.is_none()
    }
}

fn bad(detail: impl Into<String>) -> ApiError {
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
async fn parse_update(
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

/// The `id` (repeated) and `status` parameters of a bulk request.
fn bulk_ids(raw: Option<&str>) -> Result<(Vec<i64>, Option<String>), ApiError> {
    let mut ids = Vec::new();
    let mut status = None;
    for (key, value) in query_pairs(raw.unwrap_or("")) {
        match key.as_str() {
            "id" => ids.push(
                value
                    .parse()
                    .map_err(|_| bad(format!("id must be an issue id, not {value:?}")))?,
            ),
            "status" if !value.is_empty() => status = Some(value),
            _ => {}
        }
    }
    if ids.len() > ISSUE_BULK_IDS_MAX {
        return Err(bad(format!("at most {ISSUE_BULK_IDS_MAX} ids per request")));
    }
    Ok((ids, status))
}

/// The issues a bulk request acts on: the ids given (only those with `status` when the
/// request restricts it), or, for a status-only change without ids, every issue the list
/// query selects (at most [`ISSUE_BULK_IDS_MAX`]).
async fn bulk_targets(
    state: &AppState,
    auth: &Bearer,
    raw: Option<&str>,
    projects: &[Project],
    status_only: bool,
) -> Result<Vec<i64>, ApiError> {
    let (ids, status) = bulk_ids(raw)?;
    if ids.is_empty() {
        if !status_only {
            return Err(bad(
                "id is required: name the issues with repeated id= parameters",
            ));
        }
        let params = ListParams::parse(raw)?;
        let mut search = params.search()?;
        if let Some(status) = &status {
            search.filters.extend(
                faultline_store::search::parse(&format!("is:{status}"), Utc::now())
                    .map_err(|err| bad(format!("status: {err}")))?
                    .filters,
            );
        }
        let request = IssueSearchRequest {
            project_ids: projects.iter().map(|p| p.id).collect(),
            search,
            environments: params.environments.clone(),
            sort: params.sort,
            limit: ISSUE_BULK_IDS_MAX,
            cursor: None,
            viewer_user_id: Some(auth.0.user_id),
        };
        let issues = state
            .store
            .search_issues(request)
            .await
            .map_err(ApiError::from_store)?;
        return Ok(issues.into_iter().map(|issue| issue.id).collect());
    }
    let Some(status) = status else {
        return Ok(ids);
    };
    let mut kept = Vec::with_capacity(ids.len());
    for id in ids {
        let issue = state.store.issue(id).await.map_err(ApiError::from_store)?;
        if issue.is_some_and(|issue| issue.status == status) {
            kept.push(id);
        }
    }
    Ok(kept)
}

/// Applies a parsed bulk update to `ids` within `projects`; answers as Sentry does: the
/// changed attributes, `{"merge": ...}` for a merge, `204` when no issue matched.
async fn apply_bulk(
    state: &AppState,
    auth: &Bearer,
    projects: &[Project],
    ids: Vec<i64>,
    parsed: ParsedUpdate,
) -> Result<Response, ApiError> {
    let project_ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let actor = Some(auth.0.user_id);
    let mut answer = parsed.answer;
    if parsed.merge {
        if ids.len() < 2 {
            return Err(bad("merging needs at least two issues (repeat id=)"));
        }
        // Merging stays within one project, as in Sentry: the project of the first issue.
        let first = state
            .store
            .issue(ids[0])
            .await
            .map_err(ApiError::from_store)?
            .filter(|issue| project_ids.contains(&issue.project_id))
            .ok_or_else(not_found)?;
        let merged = state
            .store
            .merge_issues(first.project_id, &ids, actor)
            .await
            .map_err(ApiError::from_store)?
            .ok_or_else(|| bad("merging needs at least two issues of the same project"))?;
        answer.insert(
            "merge".into(),
            json!({
                "parent": merged.parent.to_string(),
                "children": merged.children.iter().map(i64::to_string).collect::<Vec<_>>(),
            }),
        );
        if parsed.update == IssueUpdate::default() {
            return Ok(Json(Value::Object(answer)).into_response());
        }
    }
    let changed = state
        .store
        .update_issues(&project_ids, &ids, parsed.update, actor)
        .await
        .map_err(ApiError::from_store)?;
    if changed.is_empty() && !answer.contains_key("merge") {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Json(Value::Object(answer)).into_response())
}

/// `PUT /api/0/projects/{org}/{project}/issues/`: bulk update (`?id=` repeated).
pub(crate) async fn update_project_issues(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project_slug)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    auth.require("event:write")?;
    let organization = auth.organization(&state, &org).await?;
    let project = auth.project(&state, &org, &project_slug).await?;
    update_bulk(
        &state,
        &auth,
        &organization,
        vec![project],
        raw.as_deref(),
        &body,
    )
    .await
}

/// `PUT /api/0/organizations/{org}/issues/`: bulk update across the organization's projects.
pub(crate) async fn update_organization_issues(
    State(state): State<AppState>,
    auth: Bearer,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    auth.require("event:write")?;
    let organization = auth.organization(&state, &org).await?;
    let projects = organization_projects(&state, &organization).await?;
    update_bulk(
        &state,
        &auth,
        &organization,
        projects,
        raw.as_deref(),
        &body,
    )
    .await
}

/// Parses a bulk update body, finds the issues it acts on within `projects` and applies it.
async fn update_bulk(
    state: &AppState,
    auth: &Bearer,
    organization: &Organization,
    projects: Vec<Project>,
    raw: Option<&str>,
    body: &[u8],
) -> Result<Response, ApiError> {
    let parsed = parse_update(state, organization, body).await?;
    let ids = bulk_targets(state, auth, raw, &projects, parsed.is_status_only()).await?;
    apply_bulk(state, auth, &projects, ids, parsed).await
}

async fn organization_projects(
    state: &AppState,
    organization: &Organization,
) -> Result<Vec<Project>, ApiError> {
    state
        .store
        .projects(organization.id)
        .await
        .map_err(ApiError::from_store)
}

/// `DELETE /api/0/projects/{org}/{project}/issues/?id=...`: deletes the issues and their
/// events; `204`.
pub(crate) async fn delete_project_issues(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project_slug)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    auth.require("event:admin")?;
    let project = auth.project(&state, &org, &project_slug).await?;
    delete_bulk(&state, raw.as_deref(), &[project.id]).await
}

/// `DELETE /api/0/organizations/{org}/issues/?id=...`
pub(crate) async fn delete_organization_issues(
    State(state): State<AppState>,
    auth: Bearer,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    auth.require("event:admin")?;
    let organization = auth.organization(&state, &org).await?;
    let projects = organization_projects(&state, &organization).await?;
    let project_ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    delete_bulk(&state, raw.as_deref(), &project_ids).await
}

async fn delete_bulk(
    state: &AppState,
    raw: Option<&str>,
    project_ids: &[i64],
) -> Result<Response, ApiError> {
    let (ids, _) = bulk_ids(raw)?;
    if ids.is_empty() {
        return Err(bad(
            "id is required: name the issues to delete with repeated id= parameters",
        ));
    }
    state
        .store
        .delete_issues(project_ids, &ids)
        .await
        .map_err(ApiError::from_store)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The path of one issue: `(org, issue)` or, on the legacy route, `issue` alone.
#[derive(Deserialize)]
pub(crate) struct OneIssuePath {
    org: Option<String>,
    issue_id: String,
}

/// Returns one issue's full JSON: the list JSON plus its activity log and what Sentry's issue
/// page reads.
pub(crate) async fn issue_detail_json(
    state: &AppState,
    auth: &Bearer,
    scoped: &ScopedIssue,
) -> Result<Value, ApiError> {
    let extras = issue_extras(
        state,
        auth.0.user_id,
        scoped.organization.id,
        std::slice::from_ref(&scoped.issue),
    )
    .await?;
    let mut body = wire::issue_json(
        &scoped.issue,
        &scoped.project,
        &scoped.organization.slug,
        &state.config.public_url,
        extras.first().unwrap_or(&wire::IssueExtras::default()),
    );
    let activity = activity_json(state, &scoped.issue).await?;
    // Sentry's issue page shows the last day by hour and the last month by day.
    let mut stats = Map::new();
    for period in [StatsPeriod::Hours24, StatsPeriod::Days30] {
        let series = state
            .store
            .issue_stats(&[scoped.issue.id], period, Utc::now())
            .await
            .map_err(ApiError::from_store)?;
        let points = series
            .into_iter()
            .next()
            .map(|s| s.points)
            .unwrap_or_default();
        if let Value::Object(json) = wire::issue_stats_json(period, &points) {
            stats.extend(json);
        }
    }
    if let Value::Object(fields) = &mut body {
        fields.insert("stats".into(), Value::Object(stats));
        fields.insert("activity".into(), Value::Array(activity));
        fields.insert("seenBy".into(), json!([]));
        fields.insert("participants".into(), json!([]));
        fields.insert("pluginActions".into(), json!([]));
        fields.insert("pluginIssues".into(), json!([]));
        fields.insert("pluginContexts".into(), json!([]));
        fields.insert("userReportCount".into(), json!(0));
    }
    Ok(body)
}

/// An issue's activity log as Sentry shows it, newest first, ending with `first_seen`.
async fn activity_json(
    state: &AppState,
    issue: &faultline_store::Issue,
) -> Result<Vec<Value>, ApiError> {
    let log = state
        .store
        .issue_activity(issue.id)
        .await
        .map_err(ApiError::from_store)?;
    let mut users: std::collections::HashMap<i64, Value> = std::collections::HashMap::new();
    let mut entries = Vec::with_capacity(log.len() + 1);
    for entry in log {
        let user = match entry.user_id {
            Some(user_id) => match users.get(&user_id) {
                Some(known) => known.clone(),
                None => {
                    let found = state
                        .store
                        .user(user_id)
                        .await
                        .map_err(ApiError::from_store)?
                        .map(|u| json!({"id": u.id.to_string(), "name": u.email, "email": u.email}))
                        .unwrap_or(Value::Null);
                    users.insert(user_id, found.clone());
                    found
                }
            },
            None => Value::Null,
        };
        entries.push(json!({
            "id": entry.id.to_string(),
            "type": entry.kind,
            "user": user,
            "data": entry.data,
            "dateCreated": wire::iso(entry.date_created),
        }));
    }
    entries.push(json!({
        "id": format!("{}-first-seen", issue.id),
        "type": "first_seen",
        "user": null,
        "data": {},
        "dateCreated": wire::iso(issue.first_seen),
    }));
    Ok(entries)
}

/// `GET /api/0/organizations/{org}/issues/{id}/` and `/api/0/issues/{id}/`
pub(crate) async fn issue(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
) -> Result<Json<Value>, ApiError> {
    let scoped = find_issue(
        &state,
        &auth,
        path.org.as_deref(),
        &path.issue_id,
        "event:read",
    )
    .await?;
    Ok(Json(issue_detail_json(&state, &auth, &scoped).await?))
}

/// `PUT` on one issue: the bulk body; answers the updated issue.
pub(crate) async fn update_issue(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let scoped = find_issue(
        &state,
        &auth,
        path.org.as_deref(),
        &path.issue_id,
        "event:write",
    )
    .await?;
    let parsed = parse_update(&state, &scoped.organization, &body).await?;
    if parsed.merge {
        return Err(bad(
            "merge is a bulk operation: PUT the issue list with repeated id=",
        ));
    }
    state
        .store
        .update_issues(
            &[scoped.project.id],
            &[scoped.issue.id],
            parsed.update,
            Some(auth.0.user_id),
        )
        .await
        .map_err(ApiError::from_store)?;
    let updated = find_issue(
        &state,
        &auth,
        Some(&scoped.organization.slug),
        &path.issue_id,
        "event:write",
    )
    .await?;
    Ok(Json(issue_detail_json(&state, &auth, &updated).await?))
}

/// `DELETE` on one issue: deletes it with its events; `202` as Sentry answers.
pub(crate) async fn delete_issue(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
) -> Result<Response, ApiError> {
    let scoped = find_issue(
        &state,
        &auth,
        path.org.as_deref(),
        &path.issue_id,
        "event:admin",
    )
    .await?;
    state
        .store
        .delete_issues(&[scoped.project.id], &[scoped.issue.id])
        .await
        .map_err(ApiError::from_store)?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `DELETE .../issues/{id}/hashes/?id=HASH`: unmerges the hashes (and their events) into a
/// new issue; `202`.
pub(crate) async fn unmerge_hashes(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let scoped = find_issue(
        &state,
        &auth,
        path.org.as_deref(),
        &path.issue_id,
        "event:write",
    )
    .await?;
    let hashes: Vec<String> = query_pairs(raw.as_deref().unwrap_or(""))
        .into_iter()
        .filter(|(key, value)| key == "id" && !value.is_empty())
        .map(|(_, value)| value)
        .collect();
    if hashes.is_empty() {
        return Err(bad(
            "id is required: name the hashes to unmerge with repeated id=",
        ));
    }
    let new_issue = state
        .store
        .unmerge_hashes(scoped.issue.id, &hashes, Some(auth.0.user_id))
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(|| bad("none of these hashes belongs to the issue"))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"issue": {"id": new_issue.to_string()}})),
    )
        .into_response())
}

/// `GET .../issues/{id}/activities/`: `{"activity": [...]}`, newest first.
pub(crate) async fn activities(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
) -> Result<Json<Value>, ApiError> {
    let scoped = find_issue(
        &state,
        &auth,
        path.org.as_deref(),
        &path.issue_id,
        "event:read",
    )
    .await?;
    let activity = activity_json(&state, &scoped.issue).await?;
    Ok(Json(json!({"activity": activity})))
}
