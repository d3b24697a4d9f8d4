//! `POST /api/{project_id}/store/`: the legacy endpoint taking one JSON event (or an envelope
//! when the content type says so). Pre-2020 SDKs and `sentry-cli send-event` use it.

use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::header;
use axum::response::Response;
use chrono::Utc;
use faultline_protocol::auth::AuthError;
use faultline_protocol::envelope::{self, Envelope, Item, ItemType};
use faultline_protocol::limits::STORE_BODY_BYTES_MAX;
use faultline_protocol::process::RequestMeta;
use std::net::SocketAddr;

use super::client_ip::client_ip;
use super::envelope_endpoint::{decode_to_bytes, envelope_error, finish, read_body};
use super::items::{self, Context};
use super::request_auth::{auth_error, authorize, parse_project_id, request_credentials};
use crate::{ApiError, AppState};

/// Handles one store request.
pub(crate) async fn handle(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    let project_id = parse_project_id(&project_id)?;
    let (parts, body) = request.into_parts();
    let credentials = request_credentials(&parts.headers, query.as_deref())?
        .ok_or_else(|| auth_error(AuthError::Missing))?;
    let key = authorize(&state, &credentials.public_key, Some(project_id)).await?;
    let body = read_body(body).await?;
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let encoding = header(header::CONTENT_ENCODING);
    let is_envelope = header(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.starts_with("application/x-sentry-envelope"));
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = client_ip(&parts.headers, peer, state.config.trust_forwarded_for);
    let user_agent = header(header::USER_AGENT);

    let task_state = state.clone();
    let prepared = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let limit = if is_envelope {
            faultline_protocol::limits::ENVELOPE_BYTES_MAX
        } else {
            STORE_BODY_BYTES_MAX
        };
        let decoded = decode_to_bytes(encoding.as_deref(), body, limit)?;
        let mut meta = RequestMeta {
            received_at: Utc::now(),
            sent_at: None,
            envelope_event_id: None,
            client_ip: ip,
            user_agent,
        };
        let owned;
        let envelope = if is_envelope {
            let envelope = Envelope::parse(&decoded).map_err(envelope_error)?;
            meta.sent_at = envelope.sent_at().map_err(envelope_error)?;
            meta.envelope_event_id = envelope.event_id().map_err(envelope_error)?;
            envelope
        } else {
            let event = Envelope::from_store_body(&decoded).map_err(envelope_error)?;
            owned = serde_json::to_vec(&event).map_err(|_| ApiError::Internal)?;
            let mut headers = serde_json::Map::new();
            headers.insert("type".into(), "event".into());
            Envelope {
                headers: serde_json::Map::new(),
                items: vec![Item {
                    headers,
                    ty: ItemType::Event,
                    payload: &owned,
                }],
            }
        };
        envelope::check_size_limits(&envelope)
            .map_err(|err| ApiError::PayloadTooLarge(err.detail))?;
        let ctx = Context {
            key: &key.key,
            rate_limiter: &task_state.rate_limiter,
            project_config: &key.config,
            meta,
        };
        Ok(items::prepare(&envelope, &ctx))
    })
    .await
    .map_err(|_| ApiError::Internal)??;
    finish(&state, prepared).await
}
