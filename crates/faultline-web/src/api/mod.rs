//! The `/api/0/` web API, shaped as Sentry returns it so that `sentry-cli` and integrations
//! work unchanged. Handlers authenticate with [`auth::Bearer`], read through the store and
//! answer with the wire types in [`wire`].

mod auth;
mod body;
mod event_lists;
mod events;
mod issue_body;
mod issue_detail;
mod issue_lookup;
mod issue_resources;
mod issue_updates;
mod issues;
mod keys;
mod listing;
mod organizations;
mod pagination;
mod projects;
mod releases;
mod root;
mod tag_facets;
mod teams;
mod wire;

use axum::Router;
use axum::routing::{get, post, put};

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
            get(issues::project_issues)
                .put(issue_updates::update_project_issues)
                .delete(issue_updates::delete_project_issues),
        )
        .route(
            "/api/0/organizations/{org}/issues/",
            get(issues::organization_issues)
                .put(issue_updates::update_organization_issues)
                .delete(issue_updates::delete_organization_issues),
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
        .merge(release_routes())
        .merge(event_read_routes())
        .merge(tag_facet_routes())
}

/// Releases and deploys, by organization and by project.
fn release_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/0/organizations/{org}/releases/",
            get(releases::list_for_organization).post(releases::create_for_organization),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/",
            get(releases::get_release)
                .put(releases::update_release)
                .delete(releases::delete_release),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/deploys/",
            get(releases::list_deploys).post(releases::create_deploy),
        )
        .route(
            "/api/0/projects/{org}/{project}/releases/",
            get(releases::list_for_project).post(releases::create_for_project),
        )
}

/// Tag keys and values across a project's or an organization's issues.
fn tag_facet_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/0/projects/{org}/{project}/tags/",
            get(tag_facets::project_tags),
        )
        .route(
            "/api/0/projects/{org}/{project}/tags/{key}/values/",
            get(tag_facets::project_tag_values),
        )
        .route(
            "/api/0/organizations/{org}/tags/",
            get(tag_facets::organization_tags),
        )
}

/// Event lists, event id lookups, one issue and its sub-resources (also under the legacy
/// `/api/0/issues/{issue_id}/` prefix).
fn event_read_routes() -> Router<AppState> {
    let mut router = Router::new()
        .route(
            "/api/0/projects/{org}/{project}/events/",
            get(event_lists::project_events),
        )
        .route(
            "/api/0/organizations/{org}/eventids/{event_id}/",
            get(event_lists::resolve_event_id),
        );
    for prefix in [
        "/api/0/organizations/{org}/issues/{issue_id}",
        "/api/0/issues/{issue_id}",
    ] {
        router = router
            .route(
                &format!("{prefix}/"),
                get(issue_detail::issue)
                    .put(issue_updates::update_issue)
                    .delete(issue_updates::delete_issue),
            )
            .route(
                &format!("{prefix}/activities/"),
                get(issue_detail::activities),
            )
            .route(&format!("{prefix}/events/"), get(issue_resources::events))
            .route(
                &format!("{prefix}/events/{{event_id}}/"),
                get(issue_resources::event),
            )
            .route(&format!("{prefix}/tags/"), get(issue_resources::tags))
            .route(
                &format!("{prefix}/tags/{{key}}/"),
                get(issue_resources::tag),
            )
            .route(
                &format!("{prefix}/tags/{{key}}/values/"),
                get(issue_resources::tag_values),
            )
            .route(
                &format!("{prefix}/hashes/"),
                get(issue_resources::hashes).delete(issue_updates::unmerge_hashes),
            );
    }
    router
}
