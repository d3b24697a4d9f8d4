//! Organization routes: the organizations the caller sees, one organization, its projects.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Response;
use serde_json::Value;

use super::auth::Bearer;
use super::listing::{PageParams, paged, store_error};
use super::wire;
use crate::{ApiError, AppState};

/// `GET /api/0/organizations/`
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    auth.require("org:read")?;
    let orgs = state
        .store
        .visible_organizations(auth.0.user_id)
        .await
        .map_err(store_error)?;
    let items = orgs.iter().map(wire::organization_json).collect();
    Ok(paged(items, &params, &uri, &state.config.public_url))
}

/// `GET /api/0/organizations/{org}/`
pub(crate) async fn detail(
    State(state): State<AppState>,
    auth: Bearer,
    Path(org): Path<String>,
) -> Result<Json<Value>, ApiError> {
    auth.require("org:read")?;
    let org = auth.organization(&state, &org).await?;
    let access = state
        .store
        .access(org.id, auth.0.user_id)
        .await
        .map_err(store_error)?;
    let mut body = wire::organization_json(&org);
    body["role"] = access
        .and_then(|a| a.role)
        .map_or(Value::Null, |r| r.as_str().into());
    body["access"] = auth.0.scopes.clone().into();
    Ok(Json(body))
}

/// `GET /api/0/organizations/{org}/projects/`
pub(crate) async fn projects(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path(org): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    auth.require("project:read")?;
    let org = auth.organization(&state, &org).await?;
    let projects = state.store.projects(org.id).await.map_err(store_error)?;
    let mut items = Vec::with_capacity(projects.len());
    for project in &projects {
        let teams = state
            .store
            .project_teams(project.id)
            .await
            .map_err(store_error)?;
        items.push(wire::project_json(project, &org, &teams));
    }
    Ok(paged(items, &params, &uri, &state.config.public_url))
}
