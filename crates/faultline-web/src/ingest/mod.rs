//! The Sentry ingest endpoints: authenticate the DSN key, decode and parse the body, apply
//! limits and rate limits, process each item and hand the result to the store. A request is
//! answered `200` only after the store committed what it accepted.

mod client_ip;
mod envelope_endpoint;
mod items;
pub(crate) mod keys;
pub(crate) mod rate_limit;
mod request_auth;
mod store_endpoint;

use axum::Router;
use axum::http::{HeaderName, Method};
use axum::routing::post;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::AppState;

/// Returns the ingest routes with their CORS layer.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/{project_id}/envelope/",
            post(envelope_endpoint::handle),
        )
        .route(
            "/api/{project_id}/envelope",
            post(envelope_endpoint::handle),
        )
        .route("/api/{project_id}/store/", post(store_endpoint::handle))
        .route("/api/{project_id}/store", post(store_endpoint::handle))
        .layer(cors())
}

/// Returns the CORS policy browsers need (spec §2.3): any origin, the headers SDKs may add,
/// and the rate-limit headers exposed so browser SDKs can back off.
fn cors() -> CorsLayer {
    let allowed = [
        "x-sentry-auth",
        "x-requested-with",
        "x-forwarded-for",
        "origin",
        "referer",
        "accept",
        "content-type",
        "authentication",
        "authorization",
        "content-encoding",
        "transfer-encoding",
    ];
    let exposed = ["x-sentry-error", "x-sentry-rate-limits", "retry-after"];
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
        .allow_headers(allowed.map(HeaderName::from_static))
        .expose_headers(exposed.map(HeaderName::from_static))
        .max_age(Duration::from_secs(3600))
}
