//! Turns a parsed envelope into store writes: each item is processed, rate limited or kept
//! raw, and every dropped item becomes an outcome with its reason. Runs on the blocking pool.

use chrono::{DateTime, Utc};
use faultline_protocol::envelope::{self, Envelope, Item, ItemType};
use faultline_protocol::outcome::{self, DataCategory, Outcome, RateLimit, RateLimitScope};
use faultline_protocol::process::{self, EventItemKind, ProjectConfig, RequestMeta};
use faultline_store::{ProjectKey, WriteOp};
use serde_json::Value;

use super::rate_limit::{Decision, RateLimiter};

/// Categories a key's rate limit covers: the error-like events, as Sentry's key quotas do.
const KEY_LIMITED_CATEGORIES: [DataCategory; 3] = [
    DataCategory::Error,
    DataCategory::Default,
    DataCategory::Security,
];

/// What the store should write for one envelope, and what the client must be told.
pub(crate) struct Prepared {
    pub ops: Vec<WriteOp>,
    /// The id answered to the client.
    pub event_id: Option<String>,
    /// Set when some item hit a rate limit: `(retry_after_secs, X-Sentry-Rate-Limits)`.
    pub limited: Option<(u64, String)>,
    /// Items dropped, per outcome name, for metrics.
    pub dropped: Vec<(DataCategory, &'static str)>,
    pub accepted: Vec<DataCategory>,
}

pub(crate) struct Context<'a> {
    pub key: &'a ProjectKey,
    pub rate_limiter: &'a RateLimiter,
    pub project_config: &'a ProjectConfig,
    pub meta: RequestMeta,
}

/// Processes every item of `envelope` into writes.
pub(crate) fn prepare(envelope: &Envelope<'_>, ctx: &Context<'_>) -> Prepared {
    let project_id = ctx.key.project_id;
    let received_at = ctx.meta.received_at;
    let mut prepared = Prepared {
        ops: Vec::with_capacity(envelope.items.len()),
        event_id: ctx.meta.envelope_event_id.clone(),
        limited: None,
        dropped: Vec::new(),
        accepted: Vec::new(),
    };
    let mut event_limited = false;

    for item in &envelope.items {
        let category = item.category();
        if let Some(category) = category
            && let Some(retry_after_secs) = rate_limited(ctx, category, received_at)
        {
            event_limited |= item.ty.requires_event();
            drop_item(
                &mut prepared,
                project_id,
                category,
                Outcome::RateLimited("key_quota".into()),
                received_at,
            );
            let header = outcome::format_rate_limits(&[RateLimit {
                categories: KEY_LIMITED_CATEGORIES.to_vec(),
                scope: RateLimitScope::Key,
                retry_after_secs,
                reason: None,
            }]);
            prepared.limited = Some((retry_after_secs, header));
            continue;
        }
        match &item.ty {
            ItemType::Event | ItemType::Transaction => {
                let kind = if item.ty == ItemType::Event {
                    EventItemKind::Event
                } else {
                    EventItemKind::Transaction
                };
                process_event(&mut prepared, item, kind, ctx);
            }
            ItemType::ClientReport => match outcome::parse_client_report(item.payload) {
                Ok(discarded) => {
                    for d in discarded {
                        prepared.ops.push(WriteOp::Outcome {
                            project_id,
                            category: d.category,
                            outcome: Outcome::ClientDiscard(d.reason.clone()).name().to_owned(),
                            reason: Some(d.reason),
                            quantity: d.quantity,
                            timestamp: received_at,
                        });
                    }
                }
                Err(err) => {
                    let reason = format!("invalid client report: {err}");
                    drop_item(
                        &mut prepared,
                        project_id,
                        DataCategory::Internal,
                        Outcome::Invalid(reason),
                        received_at,
                    );
                }
            },
            ItemType::Log | ItemType::TraceMetric => match envelope::validate_container(item) {
                Ok(_) => {
                    let event_id = event_id_for(&mut prepared, item);
                    keep_raw(&mut prepared, item, event_id, project_id, received_at)
                }
                Err(err) => {
                    let category = category.unwrap_or(DataCategory::Unknown);
                    drop_item(
                        &mut prepared,
                        project_id,
                        category,
                        Outcome::Invalid(err.to_string()),
                        received_at,
                    );
                }
            },
            _ => {
                if event_limited && item.ty == ItemType::Attachment {
                    // An attachment travels with its event: a limited event takes it along.
                    drop_item(
                        &mut prepared,
                        project_id,
                        DataCategory::Attachment,
                        Outcome::RateLimited("key_quota".into()),
                        received_at,
                    );
                    continue;
                }
                {
                    let event_id = event_id_for(&mut prepared, item);
                    keep_raw(&mut prepared, item, event_id, project_id, received_at)
                };
            }
        }
    }
    prepared
}

/// Returns the event id a raw item belongs to: the envelope's, else that of the event
/// processed before it, else a fresh one for event-bound items (attachments without a
/// header id still need one to be found by).
fn event_id_for(prepared: &mut Prepared, item: &Item<'_>) -> Option<String> {
    if !item.ty.requires_event() {
        return prepared.event_id.clone();
    }
    Some(
        prepared
            .event_id
            .get_or_insert_with(|| uuid::Uuid::new_v4().simple().to_string())
            .clone(),
    )
}

/// Returns `Some(retry_after_secs)` when the key's limit rejects one more item of `category`.
fn rate_limited(ctx: &Context<'_>, category: DataCategory, now: DateTime<Utc>) -> Option<u64> {
    let (Some(count), Some(window_secs)) =
        (ctx.key.rate_limit_count, ctx.key.rate_limit_window_secs)
    else {
        return None;
    };
    if !KEY_LIMITED_CATEGORIES.contains(&category) {
        return None;
    }
    let now_secs = u64::try_from(now.timestamp()).unwrap_or(0);
    match ctx
        .rate_limiter
        .check(ctx.key.id, count, window_secs, 1, now_secs)
    {
        Decision::Allowed => None,
        Decision::Limited { retry_after_secs } => Some(retry_after_secs),
    }
}

fn process_event(prepared: &mut Prepared, item: &Item<'_>, kind: EventItemKind, ctx: &Context<'_>) {
    let project_id = ctx.key.project_id;
    let received_at = ctx.meta.received_at;
    let category = item.ty.category().unwrap_or(DataCategory::Error);
    let payload: Value = match serde_json::from_slice(item.payload) {
        Ok(value) => value,
        Err(err) => {
            drop_item(
                prepared,
                project_id,
                category,
                Outcome::Invalid(format!("invalid json: {err}")),
                received_at,
            );
            return;
        }
    };
    match process::process(payload, kind, ctx.project_config, &ctx.meta) {
        Ok(event) => {
            prepared
                .event_id
                .get_or_insert_with(|| event.event_id.clone());
            prepared.accepted.push(category);
            prepared.ops.push(match kind {
                EventItemKind::Transaction => WriteOp::Transaction { project_id, event },
                _ => WriteOp::Event { project_id, event },
            });
        }
        Err(err) => {
            drop_item(
                prepared,
                project_id,
                category,
                Outcome::Invalid(err.to_string()),
                received_at,
            );
        }
    }
}

fn keep_raw(
    prepared: &mut Prepared,
    item: &Item<'_>,
    event_id: Option<String>,
    project_id: i64,
    received_at: DateTime<Utc>,
) {
    prepared
        .accepted
        .push(item.ty.category().unwrap_or(DataCategory::Unknown));
    prepared.ops.push(WriteOp::RawItem {
        project_id,
        event_id,
        item_type: item.ty.as_str().to_owned(),
        headers: Value::Object(item.headers.clone()),
        payload: item.payload.to_vec(),
        received_at,
    });
}

fn drop_item(
    prepared: &mut Prepared,
    project_id: i64,
    category: DataCategory,
    outcome: Outcome,
    at: DateTime<Utc>,
) {
    tracing::debug!(
        project_id,
        category = category.as_str(),
        outcome = outcome.name(),
        reason = outcome.reason(),
        "dropped envelope item"
    );
    prepared.dropped.push((category, outcome.name()));
    prepared.ops.push(WriteOp::Outcome {
        project_id,
        category: category.as_str().to_owned(),
        outcome: outcome.name().to_owned(),
        reason: outcome.reason().map(str::to_owned),
        quantity: 1,
        timestamp: at,
    });
}
