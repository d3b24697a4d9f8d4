//! Sentry's cursor pagination: a `Link` header with `rel="previous"` and `rel="next"`, each
//! saying whether more `results` exist and the opaque `cursor` to fetch them.

use axum::Json;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Answers one page of a list: `body` as JSON with the `Link` header of [`link_header`].
pub(crate) fn page_response(
    body: impl Serialize,
    uri: &Uri,
    base_url: &str,
    current: Option<&str>,
    next: Option<&str>,
) -> Response {
    let mut response = Json(body).into_response();
    if let Some(link) = link_header(uri, base_url, current, next) {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}

/// Builds the `Link` header for a page of `path` whose next page starts at `next`.
pub(crate) fn link_header(
    uri: &Uri,
    base_url: &str,
    current: Option<&str>,
    next: Option<&str>,
) -> Option<HeaderValue> {
    let path = uri.path();
    let kept: Vec<String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
        .map(str::to_owned)
        .collect();
    let href = |cursor: &str| {
        let mut query = kept.clone();
        query.push(format!("cursor={cursor}"));
        format!("<{base_url}{path}?{}>", query.join("&"))
    };
    // Keyset cursors only walk forward, so "previous" never has results of its own; clients
    // (sentry-cli included) follow `next` until `results="false"`.
    let previous_cursor = current.unwrap_or("0:0:1");
    let next_cursor = next.unwrap_or("0:0:0");
    let value = format!(
        "{}; rel=\"previous\"; results=\"false\"; cursor=\"{previous_cursor}\", {}; rel=\"next\"; results=\"{}\"; cursor=\"{next_cursor}\"",
        href(previous_cursor),
        href(next_cursor),
        next.is_some(),
    );
    HeaderValue::from_str(&value).ok()
}
