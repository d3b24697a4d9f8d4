//! The Sentry protocol, pure: everything between raw request bytes and a processed event,
//! with no I/O, no clock and no database.
//!
//! - [`auth`]: DSNs and the `X-Sentry-Auth` / query / envelope-header credentials.
//! - [`decode`]: `Content-Encoding` bodies (gzip, deflate, br, zstd) decoded under a size cap.
//! - [`envelope`]: envelope framing into typed items.
//! - [`limits`]: every size and count limit, in one place.
//! - [`outcome`]: data categories, outcomes and the `X-Sentry-Rate-Limits` header.
//! - [`event`]: lenient readers for the shapes SDKs send (values wrappers, pair lists, timestamps).
//! - [`process`]: normalize, derive and group one event.

pub mod auth;
pub mod decode;
pub mod envelope;
pub mod event;
pub mod limits;
pub mod outcome;
pub mod process;
