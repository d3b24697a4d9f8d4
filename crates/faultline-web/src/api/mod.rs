//! The `/api/0/` web API, shaped as Sentry returns it so that `sentry-cli` and integrations
//! work unchanged. Handlers authenticate with [`auth::Bearer`], read through the store and
//! answer with the wire types in [`wire`].

mod auth;
mod events;
mod issues;
mod keys;
mod listing;
mod organizations;
mod pagination;
mod projects;
mod teams;
mod wire;

use axum::Router;
use axum::routing::{get, post, put};

use crate::AppState;

/// Returns the `/api/0/` routes.
pub fn router() -> Router<AppState> {
    Router::new()
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
            "/api/0/organizations/{org}/issues/{issue_id}/",
            get(issues::issue),
        )
        .route("/api/0/organizations/", get(organizations::list))
        .route("/api/0/organizations/{org}/", get(organizations::detail))
        .route(
            "/api/0/organizations/{org}/projects/",
            get(organizations::projects),
        )
        .route(
            "/api/0/organizations/{org}/teams/",
            get(teams::list).post(teams::create),
        )
        .route(
            "/api/0/teams/{org}/{team}/projects/",
            post(teams::create_project),
        )
        .route("/api/0/projects/", get(projects::list))
        .route(
            "/api/0/projects/{org}/{project}/",
            get(projects::detail)
                .put(projects::update)
                .delete(projects::delete),
        )
        .route(
            "/api/0/projects/{org}/{project}/keys/",
            get(keys::list).post(keys::create),
        )
        .route(
            "/api/0/projects/{org}/{project}/keys/{key_id}/",
            put(keys::update).delete(keys::delete),
        )
}
