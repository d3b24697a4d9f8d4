//! `POST /api/{project_id}/envelope/`: the endpoint every current SDK sends everything to.

use crate::ingest::keys::KnownKey;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use faultline_protocol::decode::{self, DecodeError};
use faultline_protocol::envelope::{self, Envelope, EnvelopeError};
use faultline_protocol::limits::ENVELOPE_BYTES_MAX;
use faultline_protocol::process::RequestMeta;
use serde_json::json;
use std::net::SocketAddr;

use super::client_ip::client_ip;
use super::items::{self, Context, Prepared};
use super::request_auth::{
    self, authorize, check_envelope_dsn, parse_project_id, request_credentials,
};
use crate::{ApiError, AppState};

/// Handles one envelope request.
pub(crate) async fn handle(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    let project_id = parse_project_id(&project_id)?;
    let (parts, body) = request.into_parts();
    let credentials = request_credentials(&parts.headers, query.as_deref())?;
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let body = read_body(body).await?;

    // The usual case: the request names its key, so it is checked before the body is touched.
    let known_key = match &credentials {
        Some(c) => Some(authorize(&state, &c.public_key, Some(project_id)).await?),
        None => None,
    };
    let request = IngestRequest {
        encoding: header_str(&parts.headers, header::CONTENT_ENCODING),
        user_agent: header_str(&parts.headers, header::USER_AGENT),
        client_ip: client_ip(&parts.headers, peer, state.config.trust_forwarded_for),
        project_id,
    };

    let outcome = run_blocking(state.clone(), request.clone(), body, known_key).await?;
    let prepared = match outcome {
        Step::Done(prepared) => prepared,
        Step::NeedsKey {
            public_key,
            decoded,
        } => {
            // Envelope-header authentication (JS tunnels): the key lives in the body.
            let key = authorize(&state, &public_key, Some(project_id)).await?;
            let identity = IngestRequest {
                encoding: None,
                ..request
            };
            match run_blocking(state.clone(), identity, decoded, Some(key)).await? {
                Step::Done(prepared) => prepared,
                Step::NeedsKey { .. } => return Err(ApiError::Internal),
            }
        }
    };
    finish(&state, prepared).await
}

/// Reads the raw body up to the envelope limit.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, ENVELOPE_BYTES_MAX)
        .await
        .map_err(|err| {
            if std::error::Error::source(&err)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            {
                ApiError::PayloadTooLarge("request body exceeded the size limit".into())
            } else {
                ApiError::BadRequest("failed to read request body".into())
            }
        })
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[derive(Clone)]
struct IngestRequest {
    encoding: Option<String>,
    user_agent: Option<String>,
    client_ip: Option<std::net::IpAddr>,
    project_id: i64,
}

enum Step {
    Done(Prepared),
    NeedsKey { public_key: String, decoded: Bytes },
}

async fn run_blocking(
    state: AppState,
    request: IngestRequest,
    body: Bytes,
    key: Option<KnownKey>,
) -> Result<Step, ApiError> {
    tokio::task::spawn_blocking(move || ingest_blocking(&state, &request, body, key.as_ref()))
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "ingest task failed");
            ApiError::Internal
        })?
}

/// Decodes, parses, checks and processes the body. CPU-bound, so it runs off the async path.
fn ingest_blocking(
    state: &AppState,
    request: &IngestRequest,
    body: Bytes,
    key: Option<&KnownKey>,
) -> Result<Step, ApiError> {
    let decoded = decode_to_bytes(request.encoding.as_deref(), body, ENVELOPE_BYTES_MAX)?;
    let envelope = Envelope::parse(&decoded).map_err(envelope_error)?;
    let Some(key) = key else {
        let Some(dsn) = envelope.dsn() else {
            return Err(request_auth::auth_error(
                faultline_protocol::auth::AuthError::Missing,
            ));
        };
        let (public_key, dsn_project) = request_auth::envelope_credentials(dsn)?;
        if dsn_project != request.project_id.to_string() {
            return Err(ApiError::BadRequest(
                "invalid event envelope: envelope dsn names another project".into(),
            ));
        }
        return Ok(Step::NeedsKey {
            public_key,
            decoded,
        });
    };
    check_envelope_dsn(envelope.dsn(), &key.key.public_key, request.project_id)?;
    envelope::check_size_limits(&envelope).map_err(|err| ApiError::PayloadTooLarge(err.detail))?;
    let meta = RequestMeta {
        received_at: Utc::now(),
        sent_at: envelope.sent_at().map_err(envelope_error)?,
        envelope_event_id: envelope.event_id().map_err(envelope_error)?,
        client_ip: request.client_ip,
        user_agent: request.user_agent.clone(),
    };
    let ctx = Context {
        key: &key.key,
        rate_limiter: &state.rate_limiter,
        project_config: &key.config,
        meta,
    };
    Ok(Step::Done(items::prepare(&envelope, &ctx)))
}

/// Decodes `body` per its content encoding, keeping identity bodies without a copy.
pub(crate) fn decode_to_bytes(
    encoding: Option<&str>,
    body: Bytes,
    limit_bytes: usize,
) -> Result<Bytes, ApiError> {
    let decoded = decode::decode_body(encoding, &body, limit_bytes).map_err(|err| match err {
        DecodeError::TooLarge { .. } => ApiError::PayloadTooLarge(
            "request body exceeded the size limit after decompression".into(),
        ),
        DecodeError::Corrupt(cause) => {
            ApiError::BadRequest(format!("failed to read request body: {cause}"))
        }
    })?;
    Ok(match decoded {
        std::borrow::Cow::Borrowed(_) => body,
        std::borrow::Cow::Owned(vec) => Bytes::from(vec),
    })
}

pub(crate) fn envelope_error(err: EnvelopeError) -> ApiError {
    match err.status() {
        413 => ApiError::PayloadTooLarge(err.to_string()),
        _ => ApiError::BadRequest(format!("invalid event envelope: {err}")),
    }
}

/// Commits the writes and answers: `200 {"id"}`, or `429` when an item hit a rate limit.
pub(crate) async fn finish(state: &AppState, prepared: Prepared) -> Result<Response, ApiError> {
    for category in &prepared.accepted {
        metrics::counter!("faultline_ingest_items_total", "category" => category.as_str(), "outcome" => "accepted").increment(1);
    }
    for (category, outcome) in &prepared.dropped {
        metrics::counter!("faultline_ingest_items_total", "category" => category.as_str(), "outcome" => *outcome).increment(1);
    }
    if !prepared.ops.is_empty()
        && let Err(err) = state.store.write(prepared.ops).await
    {
        let n = prepared.accepted.len() as u64;
        metrics::counter!("faultline_ingest_items_total", "category" => "all", "outcome" => "queue_full").increment(n);
        return Err(ApiError::from_store(err));
    }
    if let Some((retry_after_secs, rate_limits)) = prepared.limited {
        return Err(ApiError::TooManyRequests {
            detail: "Sentry dropped data due to a quota or internal rate limit being reached. This will not affect your application.".into(),
            retry_after_secs,
            rate_limits,
        });
    }
    let body = match prepared.event_id {
        Some(id) => json!({ "id": id }),
        None => json!({}),
    };
    let mut response = (StatusCode::OK, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
