//! The route table: every path the server answers, assembled in one place.

use axum::Router;
use axum::extract::Request;
use axum::http::Uri;
use tower::ServiceExt;

use crate::{ApiError, AppState, api, ingest, ops};

/// Returns the whole application. Repeated slashes in a path are folded into one before
/// routing, as Relay does (`//api//42/envelope/` is `/api/42/envelope/`): DSNs whose path
/// prefix ends in `/` produce them.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(ingest::router())
        .merge(api::router())
        .merge(ops::router())
        .fallback(not_found)
        .with_state(state);
    let folded = routes
        .map_request(fold_slashes)
        .map_response(json_method_not_allowed);
    Router::new().fallback_service(folded)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("not found".into())
}

/// Gives axum's bare `405` answers the JSON `detail` body every other error has. (A
/// router-wide `method_not_allowed_fallback` would also do it, but it bypasses the CORS layer
/// for preflight requests.)
fn json_method_not_allowed(response: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    if response.status() != axum::http::StatusCode::METHOD_NOT_ALLOWED
        || response
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE)
    {
        return response;
    }
    let (mut parts, _) = ApiError::MethodNotAllowed.into_response().into_parts();
    let allow = response.headers().get(axum::http::header::ALLOW).cloned();
    if let Some(allow) = allow {
        parts.headers.insert(axum::http::header::ALLOW, allow);
    }
    let body = serde_json::json!({"detail": ApiError::MethodNotAllowed.to_string()}).to_string();
    axum::response::Response::from_parts(parts, axum::body::Body::from(body))
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Method, StatusCode};
    use faultline_store::{Store, StoreOptions};

    async fn app_for_test() -> (Router, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), StoreOptions::default()).expect("store");
        let config = crate::WebConfig {
            public_url: "http://127.0.0.1:9000".into(),
            trust_forwarded_for: false,
        };
        (app(AppState::new(store, config)), dir)
    }

    #[tokio::test]
    async fn cors_preflight_on_envelope_is_answered() {
        let (app, _dir) = app_for_test().await;
        let request = Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/42/envelope/")
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, x-sentry-auth",
            )
            .body(Body::empty())
            .expect("request");
        let response = app.oneshot(request).await.expect("response");
        assert!(
            response.status().is_success(),
            "status {}",
            response.status()
        );
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], "*");
        let methods = headers["access-control-allow-methods"]
            .to_str()
            .unwrap_or_default();
        assert!(methods.contains("POST"), "{methods}");
        let allowed = headers["access-control-allow-headers"]
            .to_str()
            .unwrap_or_default();
        assert!(
            allowed.contains("x-sentry-auth") && allowed.contains("content-type"),
            "{allowed}"
        );
    }

    #[tokio::test]
    async fn repeated_slashes_are_folded_before_routing() {
        let (app, _dir) = app_for_test().await;
        let request = Request::builder()
            .uri("//health")
            .body(Body::empty())
            .expect("request");
        let response = app.oneshot(request).await.expect("response");
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn wrong_method_answers_405_with_json_detail() {
        let (app, _dir) = app_for_test().await;
        let request = Request::builder()
            .uri("/api/42/envelope/")
            .body(Body::empty())
            .expect("request");
        let response = app.oneshot(request).await.expect("response");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["detail"], "method not allowed");
    }

    #[tokio::test]
    async fn unknown_paths_answer_json_detail() {
        let (app, _dir) = app_for_test().await;
        let request = Request::builder()
            .uri("/nope")
            .body(Body::empty())
            .expect("request");
        let response = app.oneshot(request).await.expect("response");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert!(json["detail"].is_string());
    }
}
