//! DSN key routes ("client keys"): list and create a project's keys, change (name, active,
//! rate limit) and delete one. A change drops the key from this node's ingest key cache.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use faultline_store::KeyUpdate;
use serde::Deserialize;
use serde_json::Value;

use super::auth::Bearer;
use super::body::JsonBody;
use super::listing::{PageParams, paged, store_error};
use super::wire;
use crate::{ApiError, AppState};

fn no_such_key() -> ApiError {
    ApiError::NotFound("The requested resource does not exist".into())
}

/// `GET /api/0/projects/{org}/{project}/keys/`
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path((org, project)): Path<(String, String)>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    auth.require("project:read")?;
    let project = auth.project(&state, &org, &project).await?;
    let keys = state
        .store
        .key_details(project.id)
        .await
        .map_err(store_error)?;
    let base = &state.config.public_url;
    let items = keys.iter().map(|k| wire::key_json(k, base)).collect();
    Ok(paged(items, &params, &uri, base))
}

#[derive(Deserialize)]
pub(crate) struct NewKey {
    name: Option<String>,
}

/// `POST /api/0/projects/{org}/{project}/keys/` (admin or owner), 201 with the key.
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project)): Path<(String, String)>,
    JsonBody(body): JsonBody<NewKey>,
) -> Result<Response, ApiError> {
    auth.require("project:write")?;
    let project = auth.project_admin(&state, &org, &project).await?;
    let name = body.name.unwrap_or_else(|| "Default".to_owned());
    let key = state
        .store
        .create_key(project.id, &name)
        .await
        .map_err(store_error)?;
    let body = wire::key_json(&key, &state.config.public_url);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// What `PUT .../keys/{key_id}/` accepts; `rateLimit: null` removes the limit.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyChanges {
    name: Option<String>,
    is_active: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    rate_limit: Option<Option<RateLimit>>,
}

#[derive(Deserialize)]
pub(crate) struct RateLimit {
    count: u32,
    window: u32,
}

/// Tells a present `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PUT /api/0/projects/{org}/{project}/keys/{key_id}/` (admin or owner)
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project, key_id)): Path<(String, String, String)>,
    JsonBody(changes): JsonBody<KeyChanges>,
) -> Result<Json<Value>, ApiError> {
    auth.require("project:write")?;
    let project = auth.project_admin(&state, &org, &project).await?;
    let update = KeyUpdate {
        label: changes.name,
        is_active: changes.is_active,
        rate_limit: changes
            .rate_limit
            .map(|limit| limit.map(|l| (l.count, l.window))),
    };
    let key = state
        .store
        .update_key(project.id, &key_id, update)
        .await
        .map_err(store_error)?
        .ok_or_else(no_such_key)?;
    state.keys.forget(&key_id);
    Ok(Json(wire::key_json(&key, &state.config.public_url)))
}

/// `DELETE /api/0/projects/{org}/{project}/keys/{key_id}/` (admin or owner), 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project, key_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    auth.require("project:write")?;
    let project = auth.project_admin(&state, &org, &project).await?;
    let deleted = state
        .store
        .delete_key(project.id, &key_id)
        .await
        .map_err(store_error)?;
    state.keys.forget(&key_id);
    if deleted {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(no_such_key())
    }
}
