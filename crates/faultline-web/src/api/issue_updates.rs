//! Changing issues: Sentry's bulk `PUT`/`DELETE` on a project's or an organization's issue
//! list (`?id=` repeated), `PUT`/`DELETE` on one issue, and unmerging hashes. The body is
//! parsed by `issue_body` into one `IssueUpdate`, applied by `Store::update_issues`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use faultline_store::{
    IssueSearchRequest, IssueUpdate, Organization, Project, limits::ISSUE_BULK_IDS_MAX,
};
use serde_json::{Value, json};

use super::auth::Bearer;
use super::issue_body::{ParsedUpdate, bad, parse_update};
use super::issue_detail::{OneIssuePath, issue_detail_json};
use super::issue_lookup::{ScopedIssue, not_found};
use super::issues::{ListParams, query_pairs};
use crate::{ApiError, AppState};

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

/// `PUT` on one issue: the bulk body; answers the updated issue.
pub(crate) async fn update_issue(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let scoped = path.find(&state, &auth, "event:write").await?;
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
    let issue = state
        .store
        .issue(scoped.issue.id)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(not_found)?;
    let updated = ScopedIssue { issue, ..scoped };
    Ok(Json(issue_detail_json(&state, &auth, &updated).await?))
}

/// `DELETE` on one issue: deletes it with its events; `202` as Sentry answers.
pub(crate) async fn delete_issue(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
) -> Result<Response, ApiError> {
    let scoped = path.find(&state, &auth, "event:admin").await?;
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
    let scoped = path.find(&state, &auth, "event:write").await?;
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
