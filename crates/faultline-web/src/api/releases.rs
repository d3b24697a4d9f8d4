//! Release routes: an organization's (and a project's) releases, one release, its deploys.
//! `sentry-cli releases new/finalize/deploys` and the SDKs' `release` option meet here.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use faultline_store::{
    Deploy, NewDeploy, Organization, Release, ReleaseChanges, ReleaseQuery, StoreError,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Bearer;
use super::pagination;
use super::wire::iso;
use crate::{ApiError, AppState};

/// Releases per page when the client does not say.
const RELEASES_PAGE_DEFAULT: usize = 25;
/// Releases per page at most.
const RELEASES_PAGE_MAX: usize = 100;

/// Answers a store refusal (a bad version, a malformed cursor) as `400`, anything else as
/// [`ApiError::from_store`] does.
pub(super) fn store_error(err: StoreError) -> ApiError {
    match err {
        StoreError::Invalid(detail) => ApiError::BadRequest(detail),
        other => ApiError::from_store(other),
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound("The requested resource does not exist".into())
}

/// Checks that the caller may read releases (`project:read` or `project:releases`).
fn require_read(auth: &Bearer) -> Result<(), ApiError> {
    auth.require("project:read")
        .or_else(|_| auth.require("project:releases"))
}

/// Checks that the caller may change releases (`project:releases`, `project:write` or admin).
fn require_write(auth: &Bearer) -> Result<(), ApiError> {
    auth.require("project:releases")
        .or_else(|_| auth.require("project:write"))
}

/// Parses a JSON body; a malformed one is a `400` with the reason.
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|err| ApiError::BadRequest(format!("invalid body: {err}")))
}

/// Parses an optional ISO 8601 / RFC 3339 time field.
fn parse_time(field: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    value
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|time| time.with_timezone(&Utc))
                .map_err(|_| ApiError::BadRequest(format!("{field}: invalid datetime {text:?}")))
        })
        .transpose()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReleaseBody {
    version: Option<String>,
    projects: Option<Vec<String>>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    url: Option<String>,
    date_released: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    query: Option<String>,
    cursor: Option<String>,
    per_page: Option<usize>,
    limit: Option<usize>,
}

/// Returns Sentry's `shortVersion`: the part after a `package@`, a 40-hex commit shortened
/// to 12 characters.
fn short_version(version: &str) -> String {
    let tail = version.split_once('@').map_or(version, |(_, tail)| tail);
    let tail = if tail.is_empty() { version } else { tail };
    if tail.len() == 40 && tail.bytes().all(|b| b.is_ascii_hexdigit()) {
        tail[..12].to_owned()
    } else {
        tail.to_owned()
    }
}

fn deploy_json(deploy: &Deploy) -> Value {
    json!({
        "id": deploy.id.to_string(),
        "environment": deploy.environment,
        "name": deploy.name,
        "url": deploy.url,
        "dateStarted": deploy.date_started.map(iso),
        "dateFinished": iso(deploy.date_finished),
    })
}

/// Returns the Sentry JSON of a release.
fn release_json(release: &Release) -> Value {
    let projects: Vec<Value> = release
        .projects
        .iter()
        .map(|p| {
            json!({
                "id": p.project_id,
                "slug": p.slug,
                "name": p.name,
                "newGroups": p.new_groups,
                "platform": p.platform,
                "platforms": p.platform.iter().collect::<Vec<_>>(),
                "hasHealthData": false,
            })
        })
        .collect();
    json!({
        "id": release.id,
        "version": release.version,
        "shortVersion": short_version(&release.version),
        "versionInfo": null,
        "ref": release.git_ref,
        "url": release.url,
        "dateCreated": iso(release.date_created),
        "dateReleased": release.date_released.map(iso),
        "newGroups": release.new_groups(),
        "commitCount": 0,
        "lastCommit": null,
        "deployCount": release.deploy_count,
        "lastDeploy": release.last_deploy.as_ref().map(deploy_json),
        "firstEvent": release.first_event().map(iso),
        "lastEvent": release.last_event().map(iso),
        "authors": [],
        "owner": null,
        "projects": projects,
        "data": {},
        "status": "open",
        "userAgent": null,
    })
}

/// Resolves project slugs of an organization to ids; an unknown slug is a `400`.
async fn project_ids(
    state: &AppState,
    organization: &Organization,
    slugs: &[String],
) -> Result<Vec<i64>, ApiError> {
    let projects = state
        .store
        .projects(organization.id)
        .await
        .map_err(ApiError::from_store)?;
    slugs
        .iter()
        .map(|slug| {
            projects
                .iter()
                .find(|p| &p.slug == slug)
                .map(|p| p.id)
                .ok_or_else(|| ApiError::BadRequest(format!("Invalid project slug {slug:?}")))
        })
        .collect()
}

/// Creates (201) or finds (208, as Sentry answers for an existing release) a release.
async fn create(
    state: &AppState,
    organization: &Organization,
    body: ReleaseBody,
    project_ids: Vec<i64>,
) -> Result<Response, ApiError> {
    let version = body
        .version
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::BadRequest("version: This field is required.".into()))?;
    let changes = ReleaseChanges {
        git_ref: body.git_ref,
        url: body.url,
        date_released: parse_time("dateReleased", body.date_released.as_deref())?,
        project_ids,
    };
    let (release, created) = state
        .store
        .create_release(organization.id, &version, changes)
        .await
        .map_err(store_error)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::ALREADY_REPORTED
    };
    Ok((status, Json(release_json(&release))).into_response())
}

/// `POST /api/0/organizations/{org}/releases/`
pub(crate) async fn create_for_organization(
    State(state): State<AppState>,
    auth: Bearer,
    Path(org): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_write(&auth)?;
    let organization = auth.organization(&state, &org).await?;
    let body: ReleaseBody = parse_body(&body)?;
    let slugs = body.projects.clone().unwrap_or_default();
    if slugs.is_empty() {
        return Err(ApiError::BadRequest(
            "projects: This field is required.".into(),
        ));
    }
    let ids = project_ids(&state, &organization, &slugs).await?;
    create(&state, &organization, body, ids).await
}

/// `POST /api/0/projects/{org}/{project}/releases/`
pub(crate) async fn create_for_project(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project_slug)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_write(&auth)?;
    let project = auth.project(&state, &org, &project_slug).await?;
    let organization = auth.organization(&state, &org).await?;
    let body: ReleaseBody = parse_body(&body)?;
    create(&state, &organization, body, vec![project.id]).await
}

async fn list(
    state: &AppState,
    uri: &axum::http::Uri,
    organization: &Organization,
    project_id: Option<i64>,
    params: ListParams,
) -> Result<Response, ApiError> {
    let limit = params
        .per_page
        .or(params.limit)
        .unwrap_or(RELEASES_PAGE_DEFAULT)
        .clamp(1, RELEASES_PAGE_MAX);
    let query = ReleaseQuery {
        limit: limit + 1,
        cursor: params.cursor.clone(),
        version_prefix: params.query.filter(|q| !q.is_empty()),
        project_id,
    };
    let mut releases = state
        .store
        .releases(organization.id, query)
        .await
        .map_err(store_error)?;
    let has_more = releases.len() > limit;
    releases.truncate(limit);
    let next = has_more
        .then(|| releases.last().map(Release::cursor))
        .flatten();
    let body: Vec<Value> = releases.iter().map(release_json).collect();
    Ok(pagination::page_response(
        body,
        uri,
        &state.config.public_url,
        params.cursor.as_deref(),
        next.as_deref(),
    ))
}

/// `GET /api/0/organizations/{org}/releases/`: newest first, `query` filters by prefix.
pub(crate) async fn list_for_organization(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path(org): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    require_read(&auth)?;
    let organization = auth.organization(&state, &org).await?;
    list(&state, &uri, &organization, None, params).await
}

/// `GET /api/0/projects/{org}/{project}/releases/`
pub(crate) async fn list_for_project(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path((org, project_slug)): Path<(String, String)>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    require_read(&auth)?;
    let project = auth.project(&state, &org, &project_slug).await?;
    let organization = auth.organization(&state, &org).await?;
    list(&state, &uri, &organization, Some(project.id), params).await
}

/// The organization's release `version`, or 404.
async fn find_release(
    state: &AppState,
    organization: &Organization,
    version: &str,
) -> Result<Release, ApiError> {
    state
        .store
        .release(organization.id, version)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)
}

/// `GET /api/0/organizations/{org}/releases/{version}/`
pub(crate) async fn get_release(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, version)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    require_read(&auth)?;
    let organization = auth.organization(&state, &org).await?;
    let release = find_release(&state, &organization, &version).await?;
    Ok(Json(release_json(&release)))
}

/// `PUT /api/0/organizations/{org}/releases/{version}/`: `dateReleased` (what
/// `sentry-cli releases finalize` sends), `ref`, `url`, `projects` (added).
pub(crate) async fn update_release(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, version)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    require_write(&auth)?;
    let organization = auth.organization(&state, &org).await?;
    let body: ReleaseBody = parse_body(&body)?;
    let project_ids =
        project_ids(&state, &organization, &body.projects.unwrap_or_default()).await?;
    let changes = ReleaseChanges {
        git_ref: body.git_ref,
        url: body.url,
        date_released: parse_time("dateReleased", body.date_released.as_deref())?,
        project_ids,
    };
    let release = state
        .store
        .update_release(organization.id, &version, changes)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)?;
    Ok(Json(release_json(&release)))
}

/// `DELETE /api/0/organizations/{org}/releases/{version}/` → `204`.
pub(crate) async fn delete_release(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, version)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    require_write(&auth)?;
    let organization = auth.organization(&state, &org).await?;
    if state
        .store
        .delete_release(organization.id, &version)
        .await
        .map_err(store_error)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeployBody {
    environment: Option<String>,
    name: Option<String>,
    url: Option<String>,
    date_started: Option<String>,
    date_finished: Option<String>,
}

/// `POST /api/0/organizations/{org}/releases/{version}/deploys/` → `201`.
pub(crate) async fn create_deploy(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, version)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_write(&auth)?;
    let organization = auth.organization(&state, &org).await?;
    let body: DeployBody = parse_body(&body)?;
    let environment = body
        .environment
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("environment: This field is required.".into()))?;
    let deploy = NewDeploy {
        environment,
        name: body.name,
        url: body.url,
        date_started: parse_time("dateStarted", body.date_started.as_deref())?,
        date_finished: parse_time("dateFinished", body.date_finished.as_deref())?,
    };
    let deploy = state
        .store
        .create_deploy(organization.id, &version, deploy)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)?;
    Ok((StatusCode::CREATED, Json(deploy_json(&deploy))).into_response())
}

/// `GET /api/0/organizations/{org}/releases/{version}/deploys/`: newest first.
pub(crate) async fn list_deploys(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, version)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    require_read(&auth)?;
    let organization = auth.organization(&state, &org).await?;
    let release = find_release(&state, &organization, &version).await?;
    let deploys = state
        .store
        .deploys(release.id)
        .await
        .map_err(ApiError::from_store)?;
    Ok(Json(Value::Array(
        deploys.iter().map(deploy_json).collect(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_versions_drop_the_package_and_shorten_commits() {
        assert_eq!(short_version("app@1.2.3"), "1.2.3");
        assert_eq!(short_version("1.2.3"), "1.2.3");
        assert_eq!(
            short_version("app@0123456789abcdef0123456789abcdef01234567"),
            "0123456789ab"
        );
        assert_eq!(short_version("app@"), "app@");
    }
}
