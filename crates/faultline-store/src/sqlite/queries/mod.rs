//! Read queries on a read-only connection, by area; each returns domain rows from `model`.
//!
//! - `access`: organizations, projects, DSN keys, users and API tokens.
//! - `issues`: issue lists (keyset-paged), one issue, its hashes and tag values.
//! - `search`: issue search (the compiled `search::IssueSearch`), sorted and keyset-paged.
//! - `events`: stored events, payloads decompressed.
//! - `stats`: counts and outcomes.

pub(crate) mod access;
pub(crate) mod events;
pub(crate) mod issues;
pub(crate) mod search;
pub(crate) mod stats;
