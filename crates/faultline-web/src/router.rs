//! The route table: every path the server answers, assembled in one place.

use axum::extract::Request;
use axum::http::Uri;
use axum::Router;
use tower::ServiceExt;

use crate::{api, ingest, ops, ApiError, AppState};

/// Returns the whole application. Repeated slashes in a path are folded into one before
/// routing, as Relay does (`//api//42/envelope/` is `/api/42/envelope/`): DSNs whose path
/// prefix ends in `/` produce them.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(ingest::router())
        .merge(api::router())
        .merge(ops::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    let folded = routes.map_request(fold_slashes);
    Router::new().fallback_service(folded)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("not found".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

fn fold_slashes(mut request: Request) -> Request {
    let path = request.uri().path();
    if !path.contains("//") {
        return request;
    }
    let mut folded = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && folded.ends_with('/')) {
            folded.push(c);
        }
    }
    if let Some(query) = request.uri().query() {
        folded.push('?');
        folded.push_str(query);
    }
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = folded.parse() {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}
