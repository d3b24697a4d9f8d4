//! An issue's sub-resources: its events (paged, latest, oldest, one by id), tags and their
//! values, and its grouphashes. Each is served under `/api/0/organizations/{org}/issues/{id}/`
//! and under the legacy `/api/0/issues/{id}/`.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Response;
use faultline_store::{Issue, IssueTagValue};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Bearer;
use super::event_lists::{EventListParams, event_page_response};
use super::events::normalize_event_id;
use super::issue_lookup::{find_issue, not_found};
use super::releases::store_error;
use super::{pagination, wire};
use crate::{ApiError, AppState};

/// Values of each key shown in `topValues`, as Sentry shows them.
const TOP_VALUES_MAX: usize = 9;

/// The path of an issue sub-resource: `(org, issue)` or, on legacy routes, `issue` alone.
#[derive(Deserialize)]
pub(crate) struct IssuePath {
    org: Option<String>,
    issue_id: String,
    event_id: Option<String>,
    key: Option<String>,
}

impl IssuePath {
    async fn issue(&self, state: &AppState, auth: &Bearer) -> Result<Issue, ApiError> {
        let scoped = find_issue(
            state,
            auth,
            self.org.as_deref(),
            &self.issue_id,
            "event:read",
        )
        .await?;
        Ok(scoped.issue)
    }
}

/// `GET .../issues/{issue_id}/events/`: newest first, cursor-paged.
pub(crate) async fn events(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path(path): Path<IssuePath>,
    Query(params): Query<EventListParams>,
) -> Result<Response, ApiError> {
    let issue = path.issue(&state, &auth).await?;
    let page = state
        .store
        .issue_event_page(issue.id, params.page_size(), params.cursor.as_deref())
        .await
        .map_err(store_error)?;
    Ok(event_page_response(&state, &uri, &params, page))
}

/// `GET .../issues/{issue_id}/events/{event_id}/`, where `event_id` may also be `latest`,
/// `oldest` (or `recommended`, answered as `latest`).
pub(crate) async fn event(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<IssuePath>,
) -> Result<Json<Value>, ApiError> {
    let issue = path.issue(&state, &auth).await?;
    let event_not_found = || ApiError::NotFound("Event not found".into());
    let wanted = path.event_id.as_deref().unwrap_or("latest");
    let event = match wanted {
        "latest" | "recommended" => state.store.issue_edge_event(issue.id, false).await,
        "oldest" => state.store.issue_edge_event(issue.id, true).await,
        other => {
            let event_id = normalize_event_id(other)?;
            state
                .store
                .event(issue.project_id, &event_id)
                .await
                .map(|found| found.filter(|e| e.issue_id == Some(issue.id)))
        }
    }
    .map_err(ApiError::from_store)?
    .ok_or_else(event_not_found)?;
    Ok(Json(wire::event_json(&event)))
}

/// Returns Sentry's label of a tag key: `sentry:` dropped, words capitalized.
pub(super) fn tag_key_name(key: &str) -> String {
    let key = key.strip_prefix("sentry:").unwrap_or(key);
    key.split(['_', '.'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn tag_value_json(value: &IssueTagValue) -> Value {
    json!({
        "key": value.key,
        "name": value.value,
        "value": value.value,
        "count": value.times_seen,
        "lastSeen": wire::iso(value.last_seen),
        "firstSeen": wire::iso(value.first_seen),
    })
}

/// Returns the JSON of one tag key from its values (most seen first).
fn tag_key_json(key: &str, values: &[&IssueTagValue]) -> Value {
    let total: u64 = values.iter().map(|v| v.times_seen).sum();
    let top: Vec<Value> = values
        .iter()
        .take(TOP_VALUES_MAX)
        .map(|v| tag_value_json(v))
        .collect();
    json!({
        "key": key,
        "name": tag_key_name(key),
        "totalValues": total,
        "uniqueValues": values.len(),
        "topValues": top,
    })
}

/// Groups tag values (ordered by key, most seen first) into `tag_key_json` per key.
fn tag_keys_json(values: &[IssueTagValue]) -> Vec<Value> {
    let mut keys = Vec::new();
    let mut start = 0;
    while start < values.len() {
        let key = &values[start].key;
        let end = values[start..]
            .iter()
            .position(|v| &v.key != key)
            .map_or(values.len(), |offset| start + offset);
        let group: Vec<&IssueTagValue> = values[start..end].iter().collect();
        keys.push(tag_key_json(key, &group));
        start = end;
    }
    keys
}

/// `GET .../issues/{issue_id}/tags/`: every key with its top values.
pub(crate) async fn tags(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<IssuePath>,
) -> Result<Json<Value>, ApiError> {
    let issue = path.issue(&state, &auth).await?;
    let values = state
        .store
        .issue_tag_values(issue.id)
        .await
        .map_err(ApiError::from_store)?;
    Ok(Json(Value::Array(tag_keys_json(&values))))
}

/// `GET .../issues/{issue_id}/tags/{key}/`
pub(crate) async fn tag(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<IssuePath>,
) -> Result<Json<Value>, ApiError> {
    let issue = path.issue(&state, &auth).await?;
    let key = path.key.as_deref().unwrap_or_default();
    let values = state
        .store
        .issue_tag_values(issue.id)
        .await
        .map_err(ApiError::from_store)?;
    let values: Vec<&IssueTagValue> = values.iter().filter(|v| v.key == key).collect();
    if values.is_empty() {
        return Err(not_found());
    }
    Ok(Json(tag_key_json(key, &values)))
}

#[derive(Deserialize)]
pub(crate) struct TagValueParams {
    cursor: Option<String>,
    per_page: Option<usize>,
    limit: Option<usize>,
}

/// `GET .../issues/{issue_id}/tags/{key}/values/`: most seen first, cursor-paged.
pub(crate) async fn tag_values(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path(path): Path<IssuePath>,
    Query(params): Query<TagValueParams>,
) -> Result<Response, ApiError> {
    let issue = path.issue(&state, &auth).await?;
    let key = path.key.as_deref().unwrap_or_default();
    let limit = params
        .per_page
        .or(params.limit)
        .unwrap_or(super::event_lists::EVENTS_PAGE_DEFAULT)
        .clamp(1, super::event_lists::EVENTS_PAGE_MAX);
    let page = state
        .store
        .issue_tag_key_values(issue.id, key, limit, params.cursor.as_deref())
        .await
        .map_err(store_error)?;
    let body: Vec<Value> = page.values.iter().map(tag_value_json).collect();
    Ok(pagination::page_response(
        body,
        &uri,
        &state.config.public_url,
        params.cursor.as_deref(),
        page.next_cursor.as_deref(),
    ))
}

/// `GET .../issues/{issue_id}/hashes/`: each grouphash with the latest event filed under it.
pub(crate) async fn hashes(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<IssuePath>,
) -> Result<Json<Value>, ApiError> {
    let issue = path.issue(&state, &auth).await?;
    let hashes = state
        .store
        .issue_hashes(issue.id)
        .await
        .map_err(ApiError::from_store)?;
    let mut body = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let latest = state
            .store
            .hash_latest_event(issue.id, &hash.hash)
            .await
            .map_err(ApiError::from_store)?;
        body.push(json!({
            "id": hash.hash,
            "latestEvent": latest.as_ref().map(wire::event_json),
            "mergedBySeer": false,
        }));
    }
    Ok(Json(Value::Array(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_key_names_are_labels() {
        assert_eq!(tag_key_name("sentry:user"), "User");
        assert_eq!(tag_key_name("browser.name"), "Browser Name");
        assert_eq!(tag_key_name("server_name"), "Server Name");
        assert_eq!(tag_key_name("level"), "Level");
    }
}
