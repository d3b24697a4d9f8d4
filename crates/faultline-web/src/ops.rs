//! Operations endpoints: liveness, readiness and Prometheus metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;

/// Returns `/health`, `/ready` and `/metrics`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics_text))
}

/// Liveness: the process answers.
async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness: the database answers and the write queue has room.
async fn ready(State(state): State<AppState>) -> Response {
    let depth = state.store.queue_depth();
    let capacity = state.store.queue_capacity();
    let database = state.store.ping().await;
    let queue_ok = depth < capacity;
    let body = Json(json!({
        "database": if database.is_ok() { "ok" } else { "unreachable" },
        "queue_depth": depth,
        "queue_capacity": capacity,
    }));
    if database.is_ok() && queue_ok {
        (StatusCode::OK, body).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
    }
}

/// Prometheus text exposition of every counter, gauge and histogram.
async fn metrics_text(State(state): State<AppState>) -> Response {
    metrics::gauge!("faultline_store_queue_depth").set(state.store.queue_depth() as f64);
    let text = state
        .metrics_render
        .as_ref()
        .map(|render| render())
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
