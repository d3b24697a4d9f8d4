//! Tag facets across issues: a project's tag keys and one key's values
//! (`/api/0/projects/{org}/{project}/tags/`, `.../tags/{key}/values/`), and an
//! organization's tag keys (`/api/0/organizations/{org}/tags/`). Counts are summed over the
//! issues: `totalValues` is the events that carried the key, `uniqueValues` its distinct
//! values, a value's `count` the events that carried it.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, RawQuery, State};
use axum::response::Response;
use faultline_store::TagKey;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Bearer;
use super::event_lists::{EVENTS_PAGE_DEFAULT, EVENTS_PAGE_MAX};
use super::issue_resources::{tag_key_name, tag_value_json};
use super::pagination;
use super::releases::store_error;
use crate::{ApiError, AppState};

/// Returns Sentry's JSON of a tag key across issues.
fn tag_key_json(key: &TagKey) -> Value {
    json!({
        "key": key.key,
        "name": tag_key_name(&key.key),
        "uniqueValues": key.unique_values,
        "totalValues": key.total_values,
        // Tag keys cannot be deleted in this version.
        "canDelete": false,
    })
}

/// `GET /api/0/projects/{org}/{project}/tags/`: every tag key of the project's issues.
pub(crate) async fn project_tags(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project_slug)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    auth.require("event:read")?;
    let project = auth.project(&state, &org, &project_slug).await?;
    let keys = state
        .store
        .tag_keys(&[project.id])
        .await
        .map_err(ApiError::from_store)?;
    Ok(Json(keys.iter().map(tag_key_json).collect()))
}

#[derive(Deserialize)]
pub(crate) struct TagValuesParams {
    cursor: Option<String>,
    per_page: Option<usize>,
    limit: Option<usize>,
    /// Keeps the values that contain this text.
    query: Option<String>,
}

/// `GET /api/0/projects/{org}/{project}/tags/{key}/values/`: most seen first, cursor-paged
/// with a `Link` header; 404 for a key no issue of the project has, as Sentry answers.
pub(crate) async fn project_tag_values(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path((org, project_slug, key)): Path<(String, String, String)>,
    Query(params): Query<TagValuesParams>,
) -> Result<Response, ApiError> {
    auth.require("event:read")?;
    let project = auth.project(&state, &org, &project_slug).await?;
    let limit = params
        .per_page
        .or(params.limit)
        .unwrap_or(EVENTS_PAGE_DEFAULT)
        .clamp(1, EVENTS_PAGE_MAX);
    let page = state
        .store
        .tag_key_values(
            &[project.id],
            &key,
            params.query.as_deref(),
            limit,
            params.cursor.as_deref(),
        )
        .await
        .map_err(store_error)?;
    // A first, unfiltered page with no value means no issue of the project has the key.
    let unfiltered = params.query.as_deref().is_none_or(str::is_empty);
    if page.values.is_empty() && params.cursor.is_none() && unfiltered {
        return Err(ApiError::NotFound("Tag key not found.".into()));
    }
    let body: Vec<Value> = page.values.iter().map(tag_value_json).collect();
    Ok(pagination::page_response(
        body,
        &uri,
        &state.config.public_url,
        params.cursor.as_deref(),
        page.next_cursor.as_deref(),
    ))
}

/// Returns the `project` ids of a query string; `-1` (all projects) is dropped.
fn project_params(raw: &str) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    for pair in raw.split('&') {
        let Some(value) = pair.strip_prefix("project=") else {
            continue;
        };
        let id: i64 = value.parse().map_err(|_| {
            ApiError::BadRequest(format!("project must be a project id, not {value:?}"))
        })?;
        if id != -1 {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// `GET /api/0/organizations/{org}/tags/`: the tag keys of the organization's issues, or of
/// those of the projects named by repeated `project=ID`.
pub(crate) async fn organization_tags(
    State(state): State<AppState>,
    auth: Bearer,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    auth.require("event:read")?;
    let organization = auth.organization(&state, &org).await?;
    let wanted = project_params(raw.as_deref().unwrap_or(""))?;
    let projects = state
        .store
        .projects(organization.id)
        .await
        .map_err(ApiError::from_store)?;
    if let Some(unknown) = wanted
        .iter()
        .find(|id| !projects.iter().any(|p| p.id == **id))
    {
        return Err(ApiError::Forbidden(format!(
            "project {unknown} is not a project of this organization you can access"
        )));
    }
    let ids: Vec<i64> = projects
        .iter()
        .map(|p| p.id)
        .filter(|id| wanted.is_empty() || wanted.contains(id))
        .collect();
    let keys = state
        .store
        .tag_keys(&ids)
        .await
        .map_err(ApiError::from_store)?;
    Ok(Json(keys.iter().map(tag_key_json).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_params_repeat_and_all_is_dropped() {
        assert_eq!(
            project_params("project=3&x=1&project=-1&project=5").ok(),
            Some(vec![3, 5])
        );
        assert!(project_params("project=web").is_err());
        assert_eq!(project_params("").ok(), Some(vec![]));
    }
}
