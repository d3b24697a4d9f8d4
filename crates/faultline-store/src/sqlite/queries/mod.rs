//! Read queries on a read-only connection, by area; each returns domain rows from `model`.
//!
//! - `access`: organizations, projects, DSN keys, users and API tokens.
//! - `accounts`: memberships, teams, visible projects and key details.
//! - `issues`: issue lists (keyset-paged), one issue, its hashes and tag values.
//! - `search`: issue search (the compiled `search::IssueSearch`), sorted and keyset-paged.
//! - `events`: stored events, payloads decompressed.
//! - `stats`: counts and outcomes.
//! - `releases`: releases, their projects and deploys (and filing an event's release).
//! - `event_reads`: paged event lists, event id lookups, tag values of one key.
//! - `facets`: tag keys and values over many issues, issue-list event series.

pub(crate) mod access;
pub(crate) mod accounts;
pub(crate) mod event_reads;
pub(crate) mod events;
pub(crate) mod facets;
pub(crate) mod issues;
pub(crate) mod releases;
pub(crate) mod search;
pub(crate) mod stats;
