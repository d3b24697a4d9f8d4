//! One issue as Sentry's issue page reads it: the list JSON plus its activity log, series and
//! the page's other fields (`GET .../issues/{id}/`), and the activity log alone
//! (`GET .../issues/{id}/activities/`). Both under the organization and the legacy prefix.

use axum::Json;
use axum::extract::{Path, State};
use chrono::Utc;
use faultline_store::StatsPeriod;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::Bearer;
use super::issue_lookup::{ScopedIssue, find_issue, issue_extras};
use super::wire;
use crate::{ApiError, AppState};

/// The path of one issue: `(org, issue)` or, on the legacy route, `issue` alone.
#[derive(Deserialize)]
pub(crate) struct OneIssuePath {
    pub(crate) org: Option<String>,
    pub(crate) issue_id: String,
}

impl OneIssuePath {
    /// The issue the path names, for a caller holding `scope` (see [`find_issue`]).
    pub(crate) async fn find(
        &self,
        state: &AppState,
        auth: &Bearer,
        scope: &str,
    ) -> Result<ScopedIssue, ApiError> {
        find_issue(state, auth, self.org.as_deref(), &self.issue_id, scope).await
    }
}

/// Returns one issue's full JSON: the list JSON plus its activity log and what Sentry's issue
/// page reads.
pub(crate) async fn issue_detail_json(
    state: &AppState,
    auth: &Bearer,
    scoped: &ScopedIssue,
) -> Result<Value, ApiError> {
    let extras = issue_extras(
        state,
        auth.0.user_id,
        scoped.organization.id,
        std::slice::from_ref(&scoped.issue),
    )
    .await?;
    let mut body = wire::issue_json(
        &scoped.issue,
        &scoped.project,
        &scoped.organization.slug,
        &state.config.public_url,
        extras.first().unwrap_or(&wire::IssueExtras::default()),
    );
    let activity = activity_json(state, &scoped.issue).await?;
    // Sentry's issue page shows the last day by hour and the last month by day.
    let mut stats = Map::new();
    for period in [StatsPeriod::Hours24, StatsPeriod::Days30] {
        let series = state
            .store
            .issue_stats(&[scoped.issue.id], period, Utc::now())
            .await
            .map_err(ApiError::from_store)?;
        let points = series
            .into_iter()
            .next()
            .map(|s| s.points)
            .unwrap_or_default();
        if let Value::Object(json) = wire::issue_stats_json(period, &points) {
            stats.extend(json);
        }
    }
    if let Value::Object(fields) = &mut body {
        fields.insert("stats".into(), Value::Object(stats));
        fields.insert("activity".into(), Value::Array(activity));
        fields.insert("seenBy".into(), json!([]));
        fields.insert("participants".into(), json!([]));
        fields.insert("pluginActions".into(), json!([]));
        fields.insert("pluginIssues".into(), json!([]));
        fields.insert("pluginContexts".into(), json!([]));
        fields.insert("userReportCount".into(), json!(0));
    }
    Ok(body)
}

/// An issue's activity log as Sentry shows it, newest first, ending with `first_seen`.
async fn activity_json(
    state: &AppState,
    issue: &faultline_store::Issue,
) -> Result<Vec<Value>, ApiError> {
    let log = state
        .store
        .issue_activity(issue.id)
        .await
        .map_err(ApiError::from_store)?;
    let mut users: std::collections::HashMap<i64, Value> = std::collections::HashMap::new();
    let mut entries = Vec::with_capacity(log.len() + 1);
    for entry in log {
        let user = match entry.user_id {
            Some(user_id) => match users.get(&user_id) {
                Some(known) => known.clone(),
                None => {
                    let found = state
                        .store
                        .user(user_id)
                        .await
                        .map_err(ApiError::from_store)?
                        .map(|u| json!({"id": u.id.to_string(), "name": u.email, "email": u.email}))
                        .unwrap_or(Value::Null);
                    users.insert(user_id, found.clone());
                    found
                }
            },
            None => Value::Null,
        };
        entries.push(json!({
            "id": entry.id.to_string(),
            "type": entry.kind,
            "user": user,
            "data": entry.data,
            "dateCreated": wire::iso(entry.date_created),
        }));
    }
    entries.push(json!({
        "id": format!("{}-first-seen", issue.id),
        "type": "first_seen",
        "user": null,
        "data": {},
        "dateCreated": wire::iso(issue.first_seen),
    }));
    Ok(entries)
}

/// `GET /api/0/organizations/{org}/issues/{id}/` and `/api/0/issues/{id}/`
pub(crate) async fn issue(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
) -> Result<Json<Value>, ApiError> {
    let scoped = path.find(&state, &auth, "event:read").await?;
    Ok(Json(issue_detail_json(&state, &auth, &scoped).await?))
}

/// `GET .../issues/{id}/activities/`: `{"activity": [...]}`, newest first.
pub(crate) async fn activities(
    State(state): State<AppState>,
    auth: Bearer,
    Path(path): Path<OneIssuePath>,
) -> Result<Json<Value>, ApiError> {
    let scoped = path.find(&state, &auth, "event:read").await?;
    let activity = activity_json(&state, &scoped.issue).await?;
    Ok(Json(json!({"activity": activity})))
}
