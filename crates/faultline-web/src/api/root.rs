//! `GET /api/0/`: who the caller is. `sentry-cli info` reads `auth.scopes` and `user` from it;
//! without a token Sentry answers with nulls rather than 401 (a rejected token is still 401).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use serde_json::{Value, json};

use super::auth::Bearer;
use super::wire::iso;
use crate::{ApiError, AppState};

/// `GET /api/0/`
pub(crate) async fn root(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<Bearer, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let token = match auth {
        Ok(Bearer(token)) => token,
        // A header that was sent but not accepted is still an error, as in Sentry.
        Err(err) if headers.contains_key(AUTHORIZATION) => return Err(err),
        Err(_) => return Ok(Json(json!({"version": "0", "auth": null, "user": null}))),
    };
    let user = state
        .store
        .user(token.user_id)
        .await
        .map_err(ApiError::from_store)?
        .map(|user| {
            json!({
                "id": user.id.to_string(),
                "name": user.email,
                "username": user.email,
                "email": user.email,
                "isSuperuser": user.is_superuser,
                "dateJoined": iso(user.date_joined),
            })
        });
    Ok(Json(json!({
        "version": "0",
        "auth": {"scopes": token.scopes},
        "user": user,
    })))
}
