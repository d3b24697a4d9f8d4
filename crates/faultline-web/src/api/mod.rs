//! The `/api/0/` web API, shaped as Sentry returns it so that `sentry-cli` and integrations
//! work unchanged. Handlers authenticate with [`auth::Bearer`], read through the store and
//! answer with the wire types in [`wire`].

mod auth;
mod events;
mod issues;
mod pagination;
mod root;
mod wire;

use axum::Router;
use axum::routing::get;

use crate::AppState;

/// Returns the `/api/0/` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/0/", get(root::root))
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/",
            get(events::event),
        )
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/grouping-info/",
            get(events::grouping_info),
        )
        .route(
            "/api/0/projects/{org}/{project}/issues/",
            get(issues::project_issues),
        )
        .route(
            "/api/0/organizations/{org}/issues/",
            get(issues::organization_issues),
        )
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/",
            get(issues::issue),
        )
}
