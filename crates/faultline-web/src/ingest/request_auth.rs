//! Which project key a request speaks for: credentials from the header, the query string or
//! the envelope's own `dsn` header (exactly one source), checked against the path's project.

use crate::ingest::keys::KnownKey;
use axum::http::HeaderMap;
use faultline_protocol::auth::{self, AuthError, Credentials, Dsn};

use crate::{ApiError, AppState};

/// Returns the credentials carried by the request itself (not its body).
pub(crate) fn request_credentials(
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Option<Credentials>, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    auth::from_request(header("x-sentry-auth"), header("authorization"), query).map_err(auth_error)
}

/// Maps a protocol auth error to its HTTP answer.
pub(crate) fn auth_error(err: AuthError) -> ApiError {
    match err.status() {
        401 => ApiError::Unauthorized(err.to_string()),
        _ => ApiError::BadRequest(err.to_string()),
    }
}

/// Parses the `{project_id}` path segment.
pub(crate) fn parse_project_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<u64>()
        .ok()
        .and_then(|id| i64::try_from(id).ok())
        .ok_or_else(|| auth_error(AuthError::BadProjectPath))
}

/// Credentials taken from an envelope's `dsn` header: the key and the project it names.
pub(crate) fn envelope_credentials(dsn: &str) -> Result<(String, String), ApiError> {
    let dsn: Dsn = dsn
        .parse()
        .map_err(|_| auth_error(AuthError::BadEnvelopeHeader))?;
    let credentials = dsn.credentials().map_err(auth_error)?;
    Ok((credentials.public_key, dsn.project_id))
}

/// Checks that an envelope `dsn` header agrees with the request's own credentials.
pub(crate) fn check_envelope_dsn(
    dsn: Option<&str>,
    public_key: &str,
    project_id: i64,
) -> Result<(), ApiError> {
    let Some(dsn) = dsn else { return Ok(()) };
    let (dsn_key, dsn_project) = envelope_credentials(dsn)?;
    if dsn_key != public_key || dsn_project != project_id.to_string() {
        return Err(ApiError::BadRequest(
            "invalid event envelope: envelope dsn does not match the request".into(),
        ));
    }
    Ok(())
}

/// Looks up the key and checks that it may send to `project_id`.
pub(crate) async fn authorize(
    state: &AppState,
    public_key: &str,
    project_id: Option<i64>,
) -> Result<KnownKey, ApiError> {
    let known = state
        .keys
        .get(&state.store, public_key)
        .await
        .map_err(ApiError::from_store)?;
    let rejected = |reason: &str| {
        ApiError::Forbidden(format!("event submission rejected with_reason: {reason}"))
    };
    let Some(known) = known else {
        return Err(rejected("ProjectKeyNotFound"));
    };
    let key = &known.key;
    if !key.is_active {
        return Err(rejected("DisabledKey"));
    }
    if project_id.is_some_and(|id| id != key.project_id) {
        return Err(rejected("ProjectIdMismatch"));
    }
    Ok(known)
}
