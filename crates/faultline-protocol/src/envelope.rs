//! Envelope framing into typed items (ingest-protocol.md §4 and §6).
//!
//! An envelope is one line of JSON headers followed by items, each a line of JSON item
//! headers and a payload of explicit `length` or running to the next newline:
//!
//! ```text
//! {"event_id":"0123456789abcdef0123456789abcdef","sent_at":"2026-05-01T10:00:00Z"}
//! {"type":"event","length":16}
//! {"message":"hi"}
//! {"type":"attachment","length":6,"filename":"note.txt"}
//! hello!
//! ```
//!
//! - [`parse`]: the framing itself, the envelope headers and legacy store bodies.
//! - [`item`]: item types and what each one counts as.
//! - [`size`]: the per-envelope item budgets (a violation is an HTTP 413).
//! - [`container`]: `log`, `trace_metric` and v2 `span` containers.
//!
//! Parsing is zero-copy: item payloads borrow the request body. Nothing here decides what to
//! store; it only says what arrived and whether it is well-formed.

pub mod container;
pub mod item;
pub mod parse;
pub mod size;

pub use container::{
    Container, ContainerError, ContainerKind, parse_container, validate_container,
};
pub use item::{Item, ItemType};
pub use parse::{Envelope, EnvelopeError};
pub use size::{SizeLimitError, check_size_limits};
