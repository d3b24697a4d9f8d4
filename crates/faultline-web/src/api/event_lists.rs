//! Event list routes: a project's events (cursor-paged, list shape or `full=true` bodies) and
//! an event id resolved across an organization.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use faultline_store::{EventPage, StoredEvent};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Bearer;
use super::events::normalize_event_id;
use super::releases::store_error;
use super::{pagination, wire};
use crate::{ApiError, AppState};

/// Events per page when the client does not say.
pub(super) const EVENTS_PAGE_DEFAULT: usize = 100;
/// Events per page at most.
pub(super) const EVENTS_PAGE_MAX: usize = 100;

#[derive(Deserialize)]
pub(crate) struct EventListParams {
    pub(super) cursor: Option<String>,
    pub(super) full: Option<String>,
    pub(super) per_page: Option<usize>,
    pub(super) limit: Option<usize>,
}

impl EventListParams {
    pub(super) fn page_size(&self) -> usize {
        self.per_page
            .or(self.limit)
            .unwrap_or(EVENTS_PAGE_DEFAULT)
            .clamp(1, EVENTS_PAGE_MAX)
    }

    fn full(&self) -> bool {
        matches!(self.full.as_deref(), Some("true" | "1"))
    }
}

/// Returns the list shape of an event (Sentry's `SimpleEventSerializer`): the full JSON's
/// summary fields, without entries.
pub(super) fn event_summary_json(event: &StoredEvent) -> Value {
    let full = wire::event_json(event);
    let field = |key: &str| full.get(key).cloned().unwrap_or(Value::Null);
    json!({
        "id": field("id"),
        "eventID": field("eventID"),
        "groupID": field("groupID"),
        "projectID": field("projectID"),
        "title": field("title"),
        "message": field("message"),
        "dateCreated": field("dateCreated"),
        "user": field("user"),
        "tags": field("tags"),
        "platform": field("platform"),
        "culprit": field("culprit"),
        "location": field("location"),
        "event.type": event.event_type,
    })
}

/// Answers a page of events with its `Link` header.
pub(super) fn event_page_response(
    state: &AppState,
    uri: &Uri,
    params: &EventListParams,
    page: EventPage,
) -> Response {
    let full = params.full();
    let body: Vec<Value> = page
        .events
        .iter()
        .map(|event| {
            if full {
                wire::event_json(event)
            } else {
                event_summary_json(event)
            }
        })
        .collect();
    pagination::page_response(
        body,
        uri,
        &state.config.public_url,
        params.cursor.as_deref(),
        page.next_cursor.as_deref(),
    )
}

/// `GET /api/0/projects/{org}/{project}/events/`: newest first.
pub(crate) async fn project_events(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path((org, project_slug)): Path<(String, String)>,
    Query(params): Query<EventListParams>,
) -> Result<Response, ApiError> {
    auth.require("event:read")?;
    let project = auth.project(&state, &org, &project_slug).await?;
    let page = state
        .store
        .project_events(project.id, params.page_size(), params.cursor.as_deref())
        .await
        .map_err(store_error)?;
    Ok(event_page_response(&state, &uri, &params, page))
}

/// `GET /api/0/organizations/{org}/eventids/{event_id}/`
pub(crate) async fn resolve_event_id(
    State(state): State<AppState>,
    auth: Bearer,
    Path((org, event_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    auth.require("event:read")?;
    let organization = auth.organization(&state, &org).await?;
    let event_id = normalize_event_id(&event_id)?;
    let not_found = || ApiError::NotFound("An event with this ID could not be found".into());
    let event = state
        .store
        .organization_event(organization.id, &event_id)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(not_found)?;
    let project = state
        .store
        .project_by_id(event.project_id)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(not_found)?;
    Ok(Json(json!({
        "organizationSlug": organization.slug,
        "projectSlug": project.slug,
        "groupId": event.issue_id.map(|id| id.to_string()),
        "eventId": event.event_id,
        "event": wire::event_json(&event),
    })))
}
