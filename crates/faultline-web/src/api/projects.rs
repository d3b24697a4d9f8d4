//! Project routes: the projects the caller sees, and one project's details, changes and
//! deletion.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use faultline_store::{Organization, Project, ProjectUpdate};
use serde::Deserialize;
use serde_json::Value;

use super::auth::Bearer;
use super::listing::{PageParams, paged, store_error};
use super::wire;
use crate::{ApiError, AppState};

/// `GET /api/0/projects/`: every project of the organizations the caller is a member of.
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    auth.require("project:read")?;
    let orgs = state
        .store
        .visible_organizations(auth.0.user_id)
        .await
        .map_err(store_error)?;
    let projects = state
        .store
        .visible_projects(auth.0.user_id)
        .await
        .map_err(store_error)?;
    let mut items = Vec::with_capacity(projects.len());
    for project in &projects {
        if let Some(org) = orgs.iter().find(|o| o.id == project.organization_id) {
            items.push(project_body(&state, project, org).await?);
        }
    }
    Ok(paged(items, &params, &uri, &state.config.public_url))
}

async fn project_body(
    state: &AppState,
    project: &Project,
    org: &Organization,
) -> Result<Value, ApiError> {
    let teams = state
        .store
        .project_teams(project.id)
        .await
        .map_err(store_error)?;
    Ok(wire::project_json(project, org, &teams))
}

/// `GET /api/0/projects/{org}/{project}/`
pub(crate) async fn detail(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org_slug, project_slug)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    auth.require("project:read")?;
    let org = auth.organization(&state, &org_slug).await?;
    let project = auth.project(&state, &org_slug, &project_slug).await?;
    Ok(Json(project_body(&state, &project, &org).await?))
}

/// What `PUT /api/0/projects/{org}/{project}/` accepts. Settings of other features (data
/// scrubbing, ...) join here as optional fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectChanges {
    name: Option<String>,
    slug: Option<String>,
    platform: Option<String>,
}

/// `PUT /api/0/projects/{org}/{project}/` (admin or owner)
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org_slug, project_slug)): Path<(String, String)>,
    Json(changes): Json<ProjectChanges>,
) -> Result<Json<Value>, ApiError> {
    auth.require("project:write")?;
    let org = auth.organization_admin(&state, &org_slug).await?;
    let project = auth.project_admin(&state, &org_slug, &project_slug).await?;
    let update = ProjectUpdate {
        slug: changes.slug,
        name: changes.name,
        platform: changes.platform,
    };
    let project = state
        .store
        .update_project(project.id, update)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::NotFound("The requested resource does not exist".into()))?;
    Ok(Json(project_body(&state, &project, &org).await?))
}

/// `DELETE /api/0/projects/{org}/{project}/` (admin or owner): removes the project with its
/// events, issues and keys. Sentry answers 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org_slug, project_slug)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    auth.require("project:admin")?;
    let project = auth.project_admin(&state, &org_slug, &project_slug).await?;
    let keys = state
        .store
        .project_keys(project.id)
        .await
        .map_err(store_error)?;
    state
        .store
        .delete_project(project.id)
        .await
        .map_err(store_error)?;
    for key in &keys {
        state.keys.forget(&key.public_key);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
