//! Shared state handed to every handler.

use std::sync::Arc;

use faultline_store::Store;

use crate::ingest::keys::KeyCache;
use crate::ingest::rate_limit::RateLimiter;

/// Settings of the HTTP layer, passed in by the binary.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The URL the server is reached at (used in DSNs and links).
    pub public_url: String,
    /// Whether to take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

/// State shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub(crate) keys: Arc<KeyCache>,
    pub(crate) rate_limiter: Arc<RateLimiter>,
    /// Renders the Prometheus text exposition; `None` when no recorder is installed.
    pub(crate) metrics_render: Option<Arc<dyn Fn() -> String + Send + Sync>>,
}

impl AppState {
    /// Returns state over `store` with the given config.
    pub fn new(store: Store, config: WebConfig) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            keys: Arc::new(KeyCache::default()),
            rate_limiter: Arc::new(RateLimiter::default()),
            metrics_render: None,
        }
    }

    /// Sets the function that renders `/metrics`.
    pub fn with_metrics(mut self, render: Arc<dyn Fn() -> String + Send + Sync>) -> Self {
        self.metrics_render = Some(render);
        self
    }
}
