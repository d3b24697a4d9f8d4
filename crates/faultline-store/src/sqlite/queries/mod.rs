//! Read queries on a read-only connection, by area; each returns domain rows from `model`.
//!
//! - `access`: organizations, projects, DSN keys, users and API tokens.
//! - `accounts`: memberships, teams, visible projects and key details.
//! - `issues`: issue lists (keyset-paged), one issue, its hashes and tag values.
//! - `events`: stored events, payloads decompressed.
//! - `stats`: counts and outcomes.

pub(crate) mod access;
pub(crate) mod accounts;
pub(crate) mod events;
pub(crate) mod issues;
pub(crate) mod stats;
