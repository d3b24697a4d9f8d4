//! The one error grouping reports: a project rule that does not parse.
//!
//! Grouping itself never fails; a bad rule line is skipped and reported, so the rest of the
//! project's rules still apply.

/// A project grouping rule that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupingError {
    /// A stack-trace rule (grouping enhancement) line is malformed.
    #[error("invalid stack trace rule on line {line}: {reason}")]
    InvalidStacktraceRule { line: usize, reason: String },
    /// A server-side fingerprint rule line is malformed.
    #[error("invalid fingerprint rule on line {line}: {reason}")]
    InvalidFingerprintRule { line: usize, reason: String },
}
