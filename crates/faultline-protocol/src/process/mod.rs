//! Event processing: a pure function from a received payload to a [`ProcessedEvent`].
//!
//! `process` runs the passes in order: [`normalize`] (timestamps, clock drift, defaults, IP,
//! request, tags), [`user_agent`] (browser/OS/device contexts), [`scrub`] (sensitive data out),
//! [`group`] (grouping hashes) and [`derive`] (title, culprit, metadata, tags). No clock, database or network inside: the caller
//! passes the receive time and the client address in [`RequestMeta`].

pub mod derive;
pub mod group;
pub mod normalize;
pub mod scrub;
pub mod user_agent;

mod pipeline;

pub use pipeline::{ProcessError, process};

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::net::IpAddr;

/// What kind of event item a payload arrived as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventItemKind {
    /// An `event` item or a `store` body: an error or message event.
    Event,
    /// A `transaction` item.
    Transaction,
    /// A `security` / `raw_security` report already shaped as an event.
    Security,
}

/// Per-project settings that change processing.
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    /// Extra stack-trace rules (grouping enhancements), one per line.
    pub grouping_enhancements: String,
    /// Extra server-side fingerprint rules, one per line.
    pub fingerprinting_rules: String,
    /// Data scrubbing (on, with the default rules, unless the project says otherwise).
    pub scrubbing: scrub::ScrubConfig,
}

/// Facts about the request an event arrived in, supplied by the HTTP layer.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// When the request arrived.
    pub received_at: DateTime<Utc>,
    /// The envelope header `sent_at`, if any (for clock-drift correction).
    pub sent_at: Option<DateTime<Utc>>,
    /// The envelope header `event_id`, which wins over the payload's.
    pub envelope_event_id: Option<String>,
    /// The client address (socket peer, or trusted `X-Forwarded-For`).
    pub client_ip: Option<IpAddr>,
    /// The request's `User-Agent` header (security reports copy it into the event).
    pub user_agent: Option<String>,
}

/// An event after processing: the normalized payload plus the columns the store indexes.
#[derive(Debug, Clone)]
pub struct ProcessedEvent {
    /// 32 lowercase hex characters.
    pub event_id: String,
    /// The normalized event JSON, as stored and served.
    pub payload: Value,
    /// `error`, `default`, `csp`, `hpkp`, `expectct`, `expectstaple`, `nel` or `transaction`.
    pub event_type: String,
    /// When the event happened (after clock-drift correction), UTC.
    pub timestamp: DateTime<Utc>,
    /// When the request arrived.
    pub received_at: DateTime<Utc>,
    pub level: String,
    pub platform: String,
    pub environment: Option<String>,
    pub release: Option<String>,
    pub transaction: Option<String>,
    pub trace_id: Option<String>,
    /// Issue title as Sentry derives it (`Type: value`, or the message).
    pub title: String,
    /// Culprit as Sentry derives it (transaction, or the top in-app frame `module in function`).
    pub culprit: String,
    /// Issue metadata (`type`, `value`, `filename`, `function`, `title`, ...), as Sentry's `metadata`.
    pub metadata: Value,
    /// Tags as stored and indexed: the event's own plus derived ones (`level`, `environment`,
    /// `release`, `browser`, `os`, `url`, `user`, ...). Keys unique, first wins.
    pub tags: Vec<(String, String)>,
    /// A stable identity of the user for user counts (`id:..`, `email:..`, `ip:..`), if any.
    pub user_ident: Option<String>,
    /// Grouping result: config, hashes and variants.
    pub grouping: group::GroupingResult,
}
