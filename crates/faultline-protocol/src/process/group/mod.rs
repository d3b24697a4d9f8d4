//! Grouping: computes Sentry-compatible grouping hashes (config `newstyle:2023-01-11`) for an
//! event, as `spec/grouping.md` describes.
//!
//! [`group`] reads the event (normalized or raw), normalizes its frames on a borrowed view,
//! applies server-side fingerprint rules, runs the strategies in score order (exception,
//! threads, stacktrace, template, security reports, message), turns their component trees into
//! variants and hashes each as the MD5 of its contributing leaves. The caller's event is never
//! changed. Project rules come in as [`GroupingRules`]; [`CompiledRules`] is their parsed form
//! for callers that group many events of one project.

mod checksum;
mod component;
mod enhancements;
mod error;
mod exception;
mod exception_group;
mod fingerprint;
mod frame;
mod function_trim;
mod glob;
mod grouping;
mod hash;
mod input;
mod message;
mod normalize;
mod parameterize;
mod result;
mod rules;
mod security;
mod stacktrace;
mod strategy;
mod template;
mod threads;
mod variant_name;
mod view;

pub use component::{Component, ComponentValue};
pub use error::GroupingError;
pub use function_trim::trim_function_name;
pub use grouping::{group, group_with};
pub use hash::{EMPTY_HASH, hash_values};
pub use parameterize::{normalize_message, parameterize, trim_message};
pub use result::{GROUPING_CONFIG_ID, GroupingResult, Variant};
pub use rules::{CompiledRules, GroupingRules};
