//! The only crate that speaks SQL: the schema and its migrations, the batch writer that turns
//! processed events into events, issues, grouphashes and counters, and the read queries the API,
//! UI and ingest auth run.
//!
//! Entry point: [`Store::open`]. Writes go through [`Store::write`], which enqueues a request
//! on a bounded queue and answers once the batch holding it is committed (accepted means
//! durable); reads run on a small pool of read-only connections.
//!
//! - [`model`]: the rows the store hands out (organizations, projects, keys, issues, events).
//! - [`write`](mod@write): the write requests ([`WriteOp`]) and their receipt.
//! - `store`: the backend-neutral [`Store`] facade.
//! - `sqlite`: the SQLite backend (connections, migrations, writer thread, queries). A
//!   PostgreSQL backend would sit beside it as `postgres`, behind the same facade.
//! - [`search`]: Sentry's issue search syntax, parsed (compiled to SQL by the backend).
//! - [`limits`]: the store's named limits and defaults.
//!
//! **Invariant**: no other crate sees SQL, a connection or a backend type.

mod codec;
mod cursor;
mod error;
pub mod limits;
pub mod model;
pub mod search;
mod secret;
mod sqlite;
mod store;
pub mod write;

pub use error::StoreError;
pub use model::{Access, KeyDetails, KeyUpdate, NewProject, ProjectUpdate, Role, Team};
pub use model::{
    Activity, Assignee, IgnoreCondition, IssueUpdate, IssueWorkflow, MergeOutcome,
    REGRESSION_GRACE_SECS, Resolution, Snooze, StatusChange,
};
pub use model::{
    Bootstrap, BootstrapRequest, GroupHash, Issue, IssueQuery, IssueSearchRequest, IssueSort,
    IssueTagValue, Organization, OutcomeCount, Project, ProjectKey, StoredEvent, TokenInfo, User,
};
pub use model::{
    Deploy, EventPage, NewDeploy, Release, ReleaseChanges, ReleaseProject, ReleaseQuery,
    TagValuePage,
};
pub use model::{IssueStats, StatsPeriod, TagKey};
pub use secret::new_password;
pub use store::{Durability, Store, StoreOptions};
pub use write::{WriteOp, WriteReceipt};
