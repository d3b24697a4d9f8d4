//! Team routes: an organization's teams, creating one, and creating a project in a team.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use faultline_store::NewProject;
use serde::Deserialize;

use super::auth::Bearer;
use super::body::JsonBody;
use super::listing::{PageParams, paged, store_error};
use super::wire;
use crate::{ApiError, AppState};

/// `GET /api/0/organizations/{org}/teams/`
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path(org): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    auth.require("team:read")?;
    let org = auth.organization(&state, &org).await?;
    let teams = state.store.teams(org.id).await.map_err(store_error)?;
    let items = teams.iter().map(wire::team_json).collect();
    Ok(paged(items, &params, &uri, &state.config.public_url))
}

/// A new team or project: a slug, and a name (the slug when absent).
#[derive(Deserialize)]
pub(crate) struct NewNamed {
    slug: Option<String>,
    name: Option<String>,
    platform: Option<String>,
}

impl NewNamed {
    /// Returns `(slug, name)`; the slug defaults to the lowercased, dashed name.
    fn slug_and_name(self) -> Result<(String, String, Option<String>), ApiError> {
        let slug = match (&self.slug, &self.name) {
            (Some(slug), _) => slug.clone(),
            (None, Some(name)) => name.trim().to_lowercase().replace(' ', "-"),
            (None, None) => return Err(ApiError::BadRequest("slug or name is required".into())),
        };
        let name = self.name.unwrap_or_else(|| slug.clone());
        Ok((slug, name, self.platform))
    }
}

/// `POST /api/0/organizations/{org}/teams/` (admin or owner), 201 with the team.
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Bearer,
    Path(org): Path<String>,
    JsonBody(body): JsonBody<NewNamed>,
) -> Result<Response, ApiError> {
    auth.require("team:write")?;
    let org = auth.organization_admin(&state, &org).await?;
    let (slug, name, _) = body.slug_and_name()?;
    let team = state
        .store
        .create_team(org.id, &slug, &name)
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(wire::team_json(&team))).into_response())
}

/// `POST /api/0/teams/{org}/{team}/projects/` (admin or owner), 201 with the project; the
/// project gets a default DSN key.
pub(crate) async fn create_project(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, team)): Path<(String, String)>,
    JsonBody(body): JsonBody<NewNamed>,
) -> Result<Response, ApiError> {
    auth.require("project:write")?;
    let org = auth.organization_admin(&state, &org).await?;
    let team = state
        .store
        .team_by_slug(org.id, &team)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::NotFound("The requested resource does not exist".into()))?;
    let (slug, name, platform) = body.slug_and_name()?;
    let (project, _key) = state
        .store
        .create_project(NewProject {
            organization_id: org.id,
            team_id: team.id,
            slug,
            name,
            platform,
        })
        .await
        .map_err(store_error)?;
    let body = wire::project_json(&project, &org, std::slice::from_ref(&team));
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
