//! Issue routes: a project's issue list and one issue.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use faultline_store::IssueQuery;
use serde::Deserialize;
use serde_json::Value;

use super::auth::Bearer;
use super::{pagination, wire};
use crate::{ApiError, AppState};

/// Issues per page when the client does not say.
const ISSUES_PAGE_DEFAULT: usize = 25;
/// Issues per page at most.
const ISSUES_PAGE_MAX: usize = 100;

#[derive(Deserialize)]
pub(crate) struct ListParams {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /api/0/projects/{org}/{project}/issues/`
pub(crate) async fn project_issues(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path((org, project_slug)): Path<(String, String)>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    auth.require("event:read")?;
    let project = auth.project(&state, &org, &project_slug).await?;
    let limit = params
        .limit
        .unwrap_or(ISSUES_PAGE_DEFAULT)
        .clamp(1, ISSUES_PAGE_MAX);
    // Fetch one more than asked to learn whether a next page exists.
    let query = IssueQuery {
        limit: limit + 1,
        cursor: params.cursor.clone(),
        status: None,
    };
    let mut issues = state
        .store
        .issues(project.id, query)
        .await
        .map_err(ApiError::from_store)?;
    let has_more = issues.len() > limit;
    issues.truncate(limit);
    let next = has_more
        .then(|| issues.last().map(|i| i.cursor()))
        .flatten();
    let base = &state.config.public_url;
    let body: Vec<Value> = issues
        .iter()
        .map(|i| wire::issue_json(i, &project, &org, base))
        .collect();
    let mut response = Json(body).into_response();
    if let Some(link) =
        pagination::link_header(&uri, base, params.cursor.as_deref(), next.as_deref())
    {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// `GET /api/0/organizations/{org}/issues/{issue_id}/`
pub(crate) async fn issue(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, issue_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    auth.require("event:read")?;
    let not_found = || ApiError::NotFound("The requested resource does not exist".into());
    let organization = auth.organization(&state, &org).await?;
    let issue_id: i64 = issue_id.parse().map_err(|_| not_found())?;
    let issue = state
        .store
        .issue(issue_id)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(not_found)?;
    let project = state
        .store
        .project_by_id(issue.project_id)
        .await
        .map_err(ApiError::from_store)?
        .filter(|p| p.organization_id == organization.id)
        .ok_or_else(not_found)?;
    Ok(Json(wire::issue_json(
        &issue,
        &project,
        &org,
        &state.config.public_url,
    )))
}
