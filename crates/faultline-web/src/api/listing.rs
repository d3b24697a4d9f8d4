//! What the account routes share: store errors as client errors, and offset-paged lists of
//! small collections (organizations, projects, teams, keys) with Sentry's `Link` header.

use axum::http::Uri;
use axum::response::Response;
use faultline_store::StoreError;
use serde::Deserialize;
use serde_json::Value;

use super::pagination;
use crate::ApiError;

/// Items per page when the client does not say, and at most.
const PAGE_DEFAULT: usize = 100;
const PAGE_MAX: usize = 100;

/// Maps a store refusal to 400/409 and anything else as [`ApiError::from_store`] does.
pub(crate) fn store_error(err: StoreError) -> ApiError {
    match err {
        StoreError::Invalid(detail) => ApiError::BadRequest(detail),
        StoreError::Conflict(detail) => ApiError::Conflict(detail),
        other => ApiError::from_store(other),
    }
}

#[derive(Deserialize)]
pub(crate) struct PageParams {
    cursor: Option<String>,
    per_page: Option<usize>,
}

/// Answers one page of `items` (the whole, small collection) with a `Link` header. Cursors
/// are `0:<offset>:0`, Sentry's cursor format.
pub(crate) fn paged(items: Vec<Value>, params: &PageParams, uri: &Uri, base_url: &str) -> Response {
    let offset = params
        .cursor
        .as_deref()
        .and_then(|c| c.split(':').nth(1))
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let limit = params.per_page.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let next = (offset + limit < total).then(|| format!("0:{}:0", offset + limit));
    let current = format!("0:{offset}:0");
    pagination::page_response(page, uri, base_url, Some(&current), next.as_deref())
}
