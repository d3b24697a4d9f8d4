//! Project routes: the projects the caller sees, and one project's details, changes and
//! deletion.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use faultline_store::{Organization, Project, ProjectUpdate};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::auth::Bearer;
use super::body::JsonBody;
use super::listing::{PageParams, paged, store_error};
use super::wire;
use crate::{ApiError, AppState, project_settings};

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

/// Returns a project's details: its summary with the settings of each feature (data
/// scrubbing: `dataScrubber`, `dataScrubberDefaults`, `scrubIPAddresses`, `sensitiveFields`,
/// `safeFields`).
async fn project_details(
    state: &AppState,
    project: &Project,
    org: &Organization,
) -> Result<Value, ApiError> {
    let mut body = project_body(state, project, org).await?;
    let scrubbing = project_settings::load_scrubbing(&state.store, project.id)
        .await
        .map_err(store_error)?;
    if let Value::Object(fields) = &mut body {
        fields.extend(project_settings::scrubbing_fields(&scrubbing));
    }
    Ok(body)
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
    Ok(Json(project_details(&state, &project, &org).await?))
}

/// What `PUT /api/0/projects/{org}/{project}/` accepts besides the settings of other features
/// (data scrubbing), which are read from the same body by their own code.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectChanges {
    name: Option<String>,
    slug: Option<String>,
    platform: Option<String>,
}

/// `PUT /api/0/projects/{org}/{project}/` (admin or owner): changes the name, slug, platform
/// and data-scrubbing settings present in the body. Either all of it applies or, with a 400,
/// none; ingest uses new settings at once on this node.
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org_slug, project_slug)): Path<(String, String)>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    auth.require("project:write")?;
    let org = auth.organization_admin(&state, &org_slug).await?;
    let project = auth.project_admin(&state, &org_slug, &project_slug).await?;
    let changes: ProjectChanges = serde_json::from_value(Value::Object(body.clone()))
        .map_err(|err| ApiError::BadRequest(format!("invalid body: {err}")))?;
    // The scrubbing fields are checked before anything is stored.
    let current = project_settings::load_scrubbing(&state.store, project.id)
        .await
        .map_err(store_error)?;
    project_settings::merge(&current, &body).map_err(ApiError::BadRequest)?;
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
    project_settings::update_scrubbing(&state.store, project.id, &body)
        .await
        .map_err(store_error)?
        .map_err(ApiError::BadRequest)?;
    forget_keys(&state, &project).await?;
    Ok(Json(project_details(&state, &project, &org).await?))
}

/// Drops the project's keys from this node's ingest key cache, which holds its settings.
async fn forget_keys(state: &AppState, project: &Project) -> Result<(), ApiError> {
    let keys = state
        .store
        .project_keys(project.id)
        .await
        .map_err(store_error)?;
    for key in &keys {
        state.keys.forget(&key.public_key);
    }
    Ok(())
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
    // The keys are read before the deletion, which removes them.
    for key in &keys {
        state.keys.forget(&key.public_key);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
