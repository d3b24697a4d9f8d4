//! The one HTTP error type: each variant names its status; the body is `{"detail": ...}`.

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answered to a client. Internal causes are logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Rate limited: carries the `Retry-After` seconds and the `X-Sentry-Rate-Limits` value.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
        rate_limits: String,
    },
    #[error("{0}")]
    Unavailable(String),
    #[error("internal server error")]
    Internal,
}

impl ApiError {
    /// Returns the HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs a store failure and returns the error the client sees.
    pub(crate) fn from_store(err: faultline_store::StoreError) -> ApiError {
        match err {
            faultline_store::StoreError::QueueFull => ApiError::TooManyRequests {
                detail: "event queue is full, retry later".into(),
                retry_after_secs: 1,
                rate_limits: "1::organization:queue_full".into(),
            },
            faultline_store::StoreError::ShuttingDown => {
                ApiError::Unavailable("server is shutting down".into())
            }
            faultline_store::StoreError::Invalid(detail) => ApiError::BadRequest(detail),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::Internal
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(json!({ "detail": self.to_string() }))).into_response();
        if let ApiError::TooManyRequests {
            retry_after_secs,
            rate_limits,
            ..
        } = &self
        {
            let headers = response.headers_mut();
            headers.insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(*retry_after_secs),
            );
            if let Ok(value) = HeaderValue::from_str(rate_limits) {
                headers.insert(HeaderName::from_static("x-sentry-rate-limits"), value);
            }
        }
        if (status.is_client_error() || status.is_server_error())
            && let Ok(value) = HeaderValue::from_str(&self.to_string())
        {
            response
                .headers_mut()
                .insert(HeaderName::from_static("x-sentry-error"), value);
        }
        response
    }
}
