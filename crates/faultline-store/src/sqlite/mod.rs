//! The SQLite backend: one file `<data_dir>/faultline.db` in WAL mode, one writer thread that
//! owns the only write connection, and a small pool of read-only connections.
//!
//! SQL here uses `?N` placeholders. SQLite also accepts `$N`, but only as a *named*
//! parameter whose index is its order of first appearance, so `$2 … $1` would bind
//! silently wrong; a PostgreSQL backend rewrites `?N` to `$N` mechanically. Otherwise the SQL
//! keeps to what both engines accept (`ON CONFLICT … DO UPDATE/NOTHING`, `RETURNING`, row
//! values, integer times), except the two-argument `min`/`max`, which PostgreSQL spells
//! `LEAST`/`GREATEST`.
//!
//! - `backend`: the backend handle the [`crate::Store`] facade calls.
//! - `connection`: opening connections and their pragmas (the durability choice is there).
//! - `migrate`: embedded migrations and the `schema_migrations` table.
//! - `writer`: the writer thread: queue, batches, commit, replies, metrics.
//! - `batch`: what a batch accumulates in memory and writes once at its end.
//! - `apply`: executing one request's ops (filing events under issues, raw items, outcomes).
//! - `accounts`: users, organizations, teams, memberships, projects, keys and tokens.
//! - `admin`: administrative writes (bootstrap, issue status) run alone on the writer.
//! - `ids`: issue and project ids are never reused.
//! - `read`: the read-only connection pool.
//! - `queries`: the read queries, by area.
//! - `workflow`: issue status changes, assignment, bookmarks, merge, unmerge, delete, and the
//!   writer's regression and snooze decisions; the activity log.
//! - `release_reads`: releases and deploys (writes on the writer) and the event read routes.
//! - `facet_reads`: tag facets over many issues and issue-list event series.

mod accounts;
mod admin;
mod apply;
mod backend;
mod batch;
mod connection;
mod facet_reads;
mod ids;
mod migrate;
mod queries;
mod read;
mod release_reads;
mod workflow;
mod writer;

#[cfg(test)]
mod tests;

pub(crate) use admin::ALL_SCOPES;
pub(crate) use backend::SqliteBackend;
