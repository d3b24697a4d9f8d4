//! What one batch accumulates in memory while its requests run, and writes once before the
//! commit: issue counters, tag-value counts, hourly buckets, outcome sums, the issues'
//! user e-mail addresses and what the events said about their releases. Aggregating
//! first turns "every event touches ten counter rows" into one upsert per distinct row per
//! batch, and the counts still land in the same transaction as the events they count.
//!
//! Each request fills its own `BatchState` (its scratch); only when the request's savepoint is
//! released is the scratch merged into the batch's, so a rolled-back request leaves no count.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::fmt::Write as _;

use rusqlite::Connection;
use rusqlite::types::ToSql;

use super::queries::releases::{self, ReleaseDelta};
use crate::StoreError;
use crate::codec::hour_start_secs;
use crate::write::{EncodedEvent, EncodedOutcome};

/// Changes to one issue's row: counters, bounds and the fields the latest event sets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IssueDelta {
    pub(crate) times_seen: i64,
    pub(crate) user_count: i64,
    pub(crate) first_seen_us: i64,
    pub(crate) last_seen_us: i64,
    pub(crate) title: String,
    pub(crate) culprit: String,
    pub(crate) level: String,
    pub(crate) metadata_json: String,
    /// The release of the latest event that had one.
    pub(crate) last_release: Option<String>,
}

/// Changes to one `(issue, key, value)` tag count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TagDelta {
    pub(crate) times_seen: i64,
    pub(crate) first_seen_us: i64,
    pub(crate) last_seen_us: i64,
}

type OutcomeKey = (i64, i64, String, String, String);

/// In-memory state of a batch (or of one request inside it). Sorted maps, so the final
/// upserts walk each table's primary key in order.
#[derive(Debug, Default)]
pub(crate) struct BatchState {
    /// project → hash → issue, for hashes known to be mapped in this transaction.
    issue_by_hash: HashMap<i64, HashMap<String, i64>>,
    /// issue → status, as this transaction left it, for the issues filed into.
    status_by_issue: HashMap<i64, String>,
    issues: BTreeMap<i64, IssueDelta>,
    tag_values: BTreeMap<(i64, String, String), TagDelta>,
    buckets: BTreeMap<(i64, i64), i64>,
    /// `(issue, e-mail)` of the events' users, for `user.email:` search.
    user_emails: BTreeSet<(i64, String)>,
    outcomes: BTreeMap<OutcomeKey, i64>,
    /// `(project, release version)` → what the events said about that release.
    releases: BTreeMap<(i64, String), ReleaseDelta>,
    /// Error/default/security events inserted (duplicates excluded).
    pub(crate) events_written: u64,
    /// Transactions inserted (duplicates excluded).
    pub(crate) transactions_written: u64,
}

impl BatchState {
    /// Returns the issue a hash is known to map to in this transaction, looking at `self`
    /// (the request's scratch) and then at the batch.
    pub(crate) fn cached_issue(
        &self,
        batch: &BatchState,
        project_id: i64,
        hash: &str,
    ) -> Option<i64> {
        let find = |state: &BatchState| state.issue_by_hash.get(&project_id)?.get(hash).copied();
        find(self).or_else(|| find(batch))
    }

    /// Records that `hash` maps to `issue_id`.
    pub(crate) fn remember_hash(&mut self, project_id: i64, hash: &str, issue_id: i64) {
        self.issue_by_hash
            .entry(project_id)
            .or_default()
            .insert(hash.to_owned(), issue_id);
    }

    /// Returns the status an issue filed into earlier in this transaction has now.
    pub(crate) fn cached_status<'a>(
        &'a self,
        batch: &'a BatchState,
        issue_id: i64,
    ) -> Option<&'a str> {
        self.status_by_issue
            .get(&issue_id)
            .or_else(|| batch.status_by_issue.get(&issue_id))
            .map(String::as_str)
    }

    /// Records the status an issue has after filing an event into it.
    pub(crate) fn remember_status(&mut self, issue_id: i64, status: &str) {
        if self.status_by_issue.get(&issue_id).map(String::as_str) != Some(status) {
            self.status_by_issue.insert(issue_id, status.to_owned());
        }
    }

    /// Counts one inserted event on `issue_id`: counters, latest fields, tags, its hour.
    pub(crate) fn add_event(&mut self, issue_id: i64, event: &EncodedEvent, new_user: bool) {
        let delta = IssueDelta {
            times_seen: 1,
            user_count: i64::from(new_user),
            first_seen_us: event.timestamp_us,
            last_seen_us: event.timestamp_us,
            title: event.title.clone(),
            culprit: event.culprit.clone(),
            level: event.level.clone(),
            metadata_json: event.metadata_json.clone(),
            last_release: event.release.clone(),
        };
        merge_issue(&mut self.issues, issue_id, delta);
        for (key, value) in &event.tags {
            let tag = TagDelta {
                times_seen: 1,
                first_seen_us: event.timestamp_us,
                last_seen_us: event.timestamp_us,
            };
            merge_tag(
                &mut self.tag_values,
                (issue_id, key.clone(), value.clone()),
                tag,
            );
        }
        *self
            .buckets
            .entry((issue_id, hour_start_secs(event.timestamp_us)))
            .or_default() += 1;
        if let Some(email) = &event.user_email {
            self.user_emails.insert((issue_id, email.clone()));
        }
        self.events_written += 1;
    }

    /// Counts an inserted event for its release (if it names one); `new_issue` when it
    /// started an issue.
    pub(crate) fn add_release(&mut self, event: &EncodedEvent, new_issue: bool) {
        let Some(version) = &event.release else {
            return;
        };
        let delta = ReleaseDelta {
            new_groups: i64::from(new_issue),
            first_event_us: event.timestamp_us,
            last_event_us: event.timestamp_us,
            first_received_us: event.received_us,
        };
        merge_release(
            &mut self.releases,
            (event.project_id, version.clone()),
            &delta,
        );
    }

    /// Adds an outcome's quantity to its hourly sum.
    pub(crate) fn add_outcome(&mut self, outcome: &EncodedOutcome) {
        let key = (
            outcome.project_id,
            outcome.hour_secs,
            outcome.category.clone(),
            outcome.outcome.clone(),
            outcome.reason.clone(),
        );
        let sum = self.outcomes.entry(key).or_default();
        *sum = sum.saturating_add(outcome.quantity);
    }

    /// Folds a committed request's scratch into the batch; `later` comes after `self`.
    pub(crate) fn merge(&mut self, later: BatchState) {
        for (project_id, hashes) in later.issue_by_hash {
            self.issue_by_hash
                .entry(project_id)
                .or_default()
                .extend(hashes);
        }
        self.status_by_issue.extend(later.status_by_issue);
        for (issue_id, delta) in later.issues {
            merge_issue(&mut self.issues, issue_id, delta);
        }
        for (key, tag) in later.tag_values {
            merge_tag(&mut self.tag_values, key, tag);
        }
        for (key, count) in later.buckets {
            *self.buckets.entry(key).or_default() += count;
        }
        self.user_emails.extend(later.user_emails);
        for (key, delta) in later.releases {
            merge_release(&mut self.releases, key, &delta);
        }
        for (key, quantity) in later.outcomes {
            let sum = self.outcomes.entry(key).or_default();
            *sum = sum.saturating_add(quantity);
        }
        self.events_written += later.events_written;
        self.transactions_written += later.transactions_written;
    }

    /// Writes every accumulated count, inside the batch's transaction.
    pub(crate) fn flush(&self, conn: &Connection) -> Result<(), StoreError> {
        let mut update_issue = conn.prepare_cached(
            "UPDATE issues SET
                 times_seen = times_seen + ?2,
                 user_count = user_count + ?3,
                 first_seen = min(first_seen, ?4),
                 last_seen = max(last_seen, ?5),
                 title = ?6, culprit = ?7, level = ?8, metadata = ?9,
                 last_release = coalesce(?10, last_release)
             WHERE id = ?1",
        )?;
        for (issue_id, d) in &self.issues {
            debug_assert!(d.times_seen > 0 && d.user_count <= d.times_seen, "{d:?}");
            let changed = update_issue.execute((
                issue_id,
                d.times_seen,
                d.user_count,
                d.first_seen_us,
                d.last_seen_us,
                &d.title,
                &d.culprit,
                &d.level,
                &d.metadata_json,
                &d.last_release,
            ))?;
            // The issue was found or created in this same transaction.
            assert_eq!(changed, 1, "issue {issue_id} counted but missing");
        }
        let tags: Vec<[&dyn ToSql; 6]> = self
            .tag_values
            .iter()
            .map(|((issue_id, key, value), t)| -> [&dyn ToSql; 6] {
                [
                    issue_id,
                    key,
                    value,
                    &t.times_seen,
                    &t.first_seen_us,
                    &t.last_seen_us,
                ]
            })
            .collect();
        upsert_rows(
            conn,
            "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, last_seen)",
            "ON CONFLICT (issue_id, key, value) DO UPDATE SET
                 times_seen = issue_tag_values.times_seen + excluded.times_seen,
                 first_seen = min(issue_tag_values.first_seen, excluded.first_seen),
                 last_seen = max(issue_tag_values.last_seen, excluded.last_seen)",
            &tags,
        )?;
        let buckets: Vec<[&dyn ToSql; 3]> = self
            .buckets
            .iter()
            .map(|((issue_id, hour_secs), count)| -> [&dyn ToSql; 3] {
                [issue_id, hour_secs, count]
            })
            .collect();
        upsert_rows(
            conn,
            "INSERT INTO issue_buckets (issue_id, hour_secs, event_count)",
            "ON CONFLICT (issue_id, hour_secs) DO UPDATE SET
                 event_count = issue_buckets.event_count + excluded.event_count",
            &buckets,
        )?;
        let emails: Vec<[&dyn ToSql; 2]> = self
            .user_emails
            .iter()
            .map(|(issue_id, email)| -> [&dyn ToSql; 2] { [issue_id, email] })
            .collect();
        upsert_rows(
            conn,
            "INSERT INTO issue_user_emails (issue_id, email)",
            "ON CONFLICT (issue_id, email) DO NOTHING",
            &emails,
        )?;
        for ((project_id, version), delta) in &self.releases {
            // A project deleted while its events were in flight: the events are kept, the
            // release bookkeeping of a project that is gone is not (and fails no other request).
            if !releases::record_release(conn, *project_id, version, delta)? {
                tracing::warn!(
                    project_id,
                    version,
                    "release of a deleted project not filed"
                );
            }
        }
        let outcomes: Vec<[&dyn ToSql; 6]> = self
            .outcomes
            .iter()
            .map(|((project_id, hour_secs, category, outcome, reason), quantity)| -> [&dyn ToSql; 6] {
                [project_id, hour_secs, category, outcome, reason, quantity]
            })
            .collect();
        upsert_rows(
            conn,
            "INSERT INTO outcomes (project_id, hour_secs, category, outcome, reason, quantity)",
            "ON CONFLICT (project_id, hour_secs, category, outcome, reason) DO UPDATE SET
                 quantity = outcomes.quantity + excluded.quantity",
            &outcomes,
        )?;
        Ok(())
    }
}

fn merge_release(
    releases: &mut BTreeMap<(i64, String), ReleaseDelta>,
    key: (i64, String),
    delta: &ReleaseDelta,
) {
    releases
        .entry(key)
        .and_modify(|known| known.merge(delta))
        .or_insert(*delta);
}

/// Rows per multi-row upsert at most (6 columns x 32 rows = 192 parameters, far below
/// SQLite's limit). One statement per row would pay statement overhead ten times per event
/// for tags alone.
const UPSERT_ROWS_MAX: usize = 32;

/// Executes `head VALUES (..), (..) tail` over `rows`, in chunks of [`UPSERT_ROWS_MAX`] and
/// then of falling powers of two, so that few statement shapes reach the statement cache.
fn upsert_rows<const N: usize>(
    conn: &Connection,
    head: &str,
    tail: &str,
    rows: &[[&dyn ToSql; N]],
) -> Result<(), StoreError> {
    let mut rest = rows;
    while !rest.is_empty() {
        let size = chunk_rows(rest.len());
        let (chunk, after) = rest.split_at(size);
        let mut statement = conn.prepare_cached(&values_sql(head, N, size, tail))?;
        statement.execute(rusqlite::params_from_iter(chunk.iter().flatten()))?;
        rest = after;
    }
    Ok(())
}

/// Returns how many of `remaining` rows the next statement takes.
fn chunk_rows(remaining: usize) -> usize {
    if remaining >= UPSERT_ROWS_MAX {
        UPSERT_ROWS_MAX
    } else {
        1 << remaining.ilog2()
    }
}

/// Returns `head VALUES (?1, ?2), (?3, ?4) tail` for `rows` rows of `columns` columns.
fn values_sql(head: &str, columns: usize, rows: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * columns * 6 + 16);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            // Writing to a String cannot fail.
            let _ = write!(sql, "?{}", row * columns + column + 1);
        }
        sql.push(')');
    }
    sql.push(' ');
    sql.push_str(tail);
    sql
}

fn merge_issue(issues: &mut BTreeMap<i64, IssueDelta>, issue_id: i64, later: IssueDelta) {
    match issues.get_mut(&issue_id) {
        None => {
            issues.insert(issue_id, later);
        }
        Some(d) => {
            d.times_seen += later.times_seen;
            d.user_count += later.user_count;
            d.first_seen_us = d.first_seen_us.min(later.first_seen_us);
            d.last_seen_us = d.last_seen_us.max(later.last_seen_us);
            d.title = later.title;
            d.culprit = later.culprit;
            d.level = later.level;
            d.metadata_json = later.metadata_json;
            if later.last_release.is_some() {
                d.last_release = later.last_release;
            }
        }
    }
}

fn merge_tag(
    tags: &mut BTreeMap<(i64, String, String), TagDelta>,
    key: (i64, String, String),
    later: TagDelta,
) {
    let tag = tags.entry(key).or_insert(TagDelta {
        times_seen: 0,
        ..later
    });
    tag.times_seen += later.times_seen;
    tag.first_seen_us = tag.first_seen_us.min(later.first_seen_us);
    tag.last_seen_us = tag.last_seen_us.max(later.last_seen_us);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(
        times_seen: i64,
        first: i64,
        last: i64,
        title: &str,
        release: Option<&str>,
    ) -> IssueDelta {
        IssueDelta {
            times_seen,
            user_count: 0,
            first_seen_us: first,
            last_seen_us: last,
            title: title.into(),
            culprit: String::new(),
            level: "error".into(),
            metadata_json: "{}".into(),
            last_release: release.map(str::to_owned),
        }
    }

    #[test]
    fn merging_issue_deltas_sums_counts_and_keeps_the_latest_fields() {
        let mut issues = BTreeMap::new();
        merge_issue(&mut issues, 1, delta(2, 50, 60, "first", Some("1.0")));
        merge_issue(&mut issues, 1, delta(1, 10, 20, "second", None));
        let merged = &issues[&1];
        assert_eq!(
            (merged.times_seen, merged.first_seen_us, merged.last_seen_us),
            (3, 10, 60)
        );
        assert_eq!(merged.title, "second");
        assert_eq!(
            merged.last_release.as_deref(),
            Some("1.0"),
            "a release-less event keeps it"
        );
    }

    #[test]
    fn merging_tag_deltas_sums_and_widens_bounds() {
        let mut tags = BTreeMap::new();
        let key = (1, "browser".to_owned(), "Firefox".to_owned());
        merge_tag(
            &mut tags,
            key.clone(),
            TagDelta {
                times_seen: 1,
                first_seen_us: 5,
                last_seen_us: 5,
            },
        );
        merge_tag(
            &mut tags,
            key.clone(),
            TagDelta {
                times_seen: 2,
                first_seen_us: 3,
                last_seen_us: 9,
            },
        );
        assert_eq!(
            tags[&key],
            TagDelta {
                times_seen: 3,
                first_seen_us: 3,
                last_seen_us: 9
            }
        );
    }

    #[test]
    fn multi_row_sql_numbers_parameters_row_by_row() {
        assert_eq!(
            values_sql("INSERT INTO t (a, b)", 2, 2, "ON CONFLICT DO NOTHING"),
            "INSERT INTO t (a, b) VALUES (?1, ?2), (?3, ?4) ON CONFLICT DO NOTHING"
        );
    }

    #[test]
    fn chunks_are_the_max_then_falling_powers_of_two() {
        let mut sizes = Vec::new();
        let mut remaining = UPSERT_ROWS_MAX * 2 + 11;
        while remaining > 0 {
            let size = chunk_rows(remaining);
            sizes.push(size);
            remaining -= size;
        }
        assert_eq!(sizes, vec![UPSERT_ROWS_MAX, UPSERT_ROWS_MAX, 8, 2, 1]);
        assert_eq!(chunk_rows(UPSERT_ROWS_MAX + 1), UPSERT_ROWS_MAX);
        assert_eq!(chunk_rows(UPSERT_ROWS_MAX - 1), UPSERT_ROWS_MAX / 2);
    }

    #[test]
    fn scratch_lookups_fall_back_to_the_batch() {
        let mut batch = BatchState::default();
        batch.remember_hash(1, "a", 10);
        let mut scratch = BatchState::default();
        scratch.remember_hash(1, "b", 11);
        assert_eq!(scratch.cached_issue(&batch, 1, "a"), Some(10));
        assert_eq!(scratch.cached_issue(&batch, 1, "b"), Some(11));
        assert_eq!(scratch.cached_issue(&batch, 2, "a"), None);
        batch.merge(scratch);
        assert_eq!(BatchState::default().cached_issue(&batch, 1, "b"), Some(11));
    }
}
