//! The only crate that knows HTTP: routes, status codes and wire JSON.
//!
//! - [`ingest`]: the Sentry ingest endpoints (`/api/{project_id}/envelope/`, `/store/`), with
//!   key authentication, rate limits and CORS.
//! - [`api`]: the `/api/0/` web API read path, with Bearer tokens.
//! - [`ops`]: `/health`, `/ready` and `/metrics`.
//! - [`project_settings`]: per-project processing settings (data scrubbing), stored as
//!   project options.
//!
//! [`app`] assembles them into one router; it is the seam every test goes through.

pub mod api;
mod error;
pub mod ingest;
pub mod ops;
pub mod project_settings;
mod router;
mod state;

pub use error::ApiError;
pub use router::app;
pub use state::{AppState, WebConfig};
