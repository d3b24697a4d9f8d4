//! The JSON body of the API's write routes. Unlike axum's `Json`, whose rejections are plain
//! text (and a 415 without `Content-Type: application/json`), a bad body here is an
//! [`ApiError`]: `400 {"detail": ...}` for malformed or mistyped JSON, `413` for a body over
//! the server's limit. The `Content-Type` is not checked, as Sentry does not for these routes.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A request body parsed as JSON into `T`.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|err| {
            if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(err.body_text())
            } else {
                ApiError::BadRequest(err.body_text())
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|err| ApiError::BadRequest(format!("invalid body: {err}")))
    }
}
