//! The issue-list cursor: a keyset position `(last_seen, id)` written as
//! `<last_seen_micros>:<id>`, so a page continues strictly after the last issue shown no matter
//! what was inserted since.

use crate::StoreError;
use crate::model::Issue;

/// A position in the `last_seen DESC, id DESC` order of issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IssueCursor {
    pub(crate) last_seen_us: i64,
    pub(crate) id: i64,
}

impl IssueCursor {
    /// Returns the position just after `issue`.
    pub(crate) fn after(issue: &Issue) -> IssueCursor {
        IssueCursor {
            last_seen_us: crate::codec::micros(issue.last_seen),
            id: issue.id,
        }
    }

    /// Returns the cursor's text form.
    pub(crate) fn encode(self) -> String {
        format!("{}:{}", self.last_seen_us, self.id)
    }

    /// Parses a cursor from a client (it travels through query strings, so it is input).
    pub(crate) fn parse(text: &str) -> Result<IssueCursor, StoreError> {
        let invalid = || StoreError::Invalid(format!("malformed issue cursor: {text:?}"));
        let (last_seen, id) = text.split_once(':').ok_or_else(invalid)?;
        let last_seen_us = last_seen.parse().map_err(|_| invalid())?;
        let id = id.parse().map_err(|_| invalid())?;
        Ok(IssueCursor { last_seen_us, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<(i64, i64)>) {
        let parsed = IssueCursor::parse(text)
            .ok()
            .map(|c| (c.last_seen_us, c.id));
        assert_eq!(parsed, expected, "{text:?}");
    }

    #[test]
    fn parses_what_it_encodes() {
        let cursor = IssueCursor {
            last_seen_us: 1_700_000_000_123_456,
            id: 42,
        };
        assert_eq!(IssueCursor::parse(&cursor.encode()).ok(), Some(cursor));
    }

    #[test]
    fn accepts_well_formed_cursors() {
        check("0:1", Some((0, 1)));
        check("-5:9", Some((-5, 9)));
    }

    #[test]
    fn rejects_malformed_cursors() {
        check("", None);
        check("12", None);
        check("a:1", None);
        check("1:b", None);
        check("1:2:3", None);
        check("1700000000:0:0", None);
    }
}
