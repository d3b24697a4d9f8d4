//! Event routes: one event, and its grouping information.

use axum::Json;
use axum::extract::{Path, State};
use faultline_protocol::process::group::{GroupingRules, group};
use faultline_store::StoredEvent;
use serde_json::Value;

use super::auth::Bearer;
use super::wire;
use crate::{ApiError, AppState};

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/`
pub(crate) async fn event(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project_slug, event_id)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let event = stored_event(&state, &auth, &org, &project_slug, &event_id).await?;
    Ok(Json(wire::event_json(&event)))
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/grouping-info/`: the variants are
/// recomputed from the stored event, as Sentry does.
pub(crate) async fn grouping_info(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, project_slug, event_id)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let event = stored_event(&state, &auth, &org, &project_slug, &event_id).await?;
    let config = crate::project_settings::load_config(&state.store, event.project_id)
        .await
        .map_err(ApiError::from_store)?;
    let rules = GroupingRules {
        enhancements: config.grouping_enhancements.clone(),
        fingerprinting: config.fingerprinting_rules.clone(),
    };
    let payload = event.payload;
    let info = tokio::task::spawn_blocking(move || group(&payload, &rules).to_json())
        .await
        .map_err(|_| ApiError::Internal)?;
    Ok(Json(info))
}

/// Returns the event `event_id` of `org/project_slug` for a caller allowed to read events.
async fn stored_event(
    state: &AppState,
    auth: &Bearer,
    org: &str,
    project_slug: &str,
    event_id: &str,
) -> Result<StoredEvent, ApiError> {
    auth.require("event:read")?;
    let project = auth.project(state, org, project_slug).await?;
    let event_id = normalize_event_id(event_id)?;
    state
        .store
        .event(project.id, &event_id)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(|| ApiError::NotFound("Event not found".into()))
}

/// Accepts an event id as 32 hex or a hyphenated UUID; returns 32 lowercase hex.
pub(super) fn normalize_event_id(raw: &str) -> Result<String, ApiError> {
    let id: String = raw
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(ApiError::NotFound("Event not found".into()))
    }
}
