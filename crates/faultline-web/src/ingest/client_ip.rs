//! The client address an event is attributed to.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// Returns the client IP: the first `X-Forwarded-For` entry when the proxy is trusted,
/// else the socket peer.
pub(crate) fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|p| p.ip())
}
