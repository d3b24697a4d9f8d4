//! Finding the issue a path names for a caller allowed to see it, and what its JSON needs
//! besides the issue row: the assignee as Sentry's actor JSON and the caller's bookmarks.

use std::collections::HashMap;

use faultline_store::{Assignee, Issue, Organization, Project};
use serde_json::{Value, json};

use super::auth::Bearer;
use super::wire::{self, IssueExtras};
use crate::{ApiError, AppState};

pub(crate) fn not_found() -> ApiError {
    ApiError::NotFound("The requested resource does not exist".into())
}

/// An issue with the project and organization it belongs to.
pub(crate) struct ScopedIssue {
    pub(crate) issue: Issue,
    pub(crate) project: Project,
    pub(crate) organization: Organization,
}

/// Returns the issue `issue_id` when the caller holds `scope` and may see its organization;
/// the organization is `org` when the route names one, else the issue's own (legacy
/// `/api/0/issues/{id}/` routes). Under an organization the id may also be a short id
/// (`WEB-1A`). An unknown issue, or one of another organization than the
/// path names, is 404.
pub(crate) async fn find_issue(
    state: &AppState,
    auth: &Bearer,
    org: Option<&str>,
    issue_id: &str,
    scope: &str,
) -> Result<ScopedIssue, ApiError> {
    auth.require(scope)?;
    let issue = match (issue_id.parse::<i64>(), org) {
        (Ok(issue_id), _) => state.store.issue(issue_id).await,
        // `WEB-1A`: Sentry's organization issue routes take a short id too.
        (Err(_), Some(org)) => {
            let (slug, number) = wire::parse_short_id(issue_id).ok_or_else(not_found)?;
            let project = state
                .store
                .project_by_slug(org, &slug)
                .await
                .map_err(ApiError::from_store)?
                .ok_or_else(not_found)?;
            state.store.issue_by_short_id(project.id, number).await
        }
        (Err(_), None) => return Err(not_found()),
    }
    .map_err(ApiError::from_store)?
    .ok_or_else(not_found)?;
    let project = state
        .store
        .project_by_id(issue.project_id)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(not_found)?;
    let org_slug = match org {
        Some(slug) => slug.to_owned(),
        None => state
            .store
            .organization_by_id(project.organization_id)
            .await
            .map_err(ApiError::from_store)?
            .map(|o| o.slug)
            .ok_or_else(not_found)?,
    };
    let organization = auth.organization(state, &org_slug).await?;
    if organization.id != project.organization_id {
        return Err(not_found());
    }
    Ok(ScopedIssue {
        issue,
        project,
        organization,
    })
}

/// Returns the JSON extras of each issue (same order): assignees looked up once each, the
/// caller's bookmarks in one query.
pub(crate) async fn issue_extras(
    state: &AppState,
    viewer_user_id: i64,
    organization_id: i64,
    issues: &[Issue],
) -> Result<Vec<IssueExtras>, ApiError> {
    let ids: Vec<i64> = issues.iter().map(|issue| issue.id).collect();
    let bookmarked = state
        .store
        .bookmarked(viewer_user_id, &ids)
        .await
        .map_err(ApiError::from_store)?;
    let mut actors: HashMap<Assignee, Option<Value>> = HashMap::new();
    let mut teams = None;
    for issue in issues {
        let Some(assignee) = issue.workflow.assignee else {
            continue;
        };
        if actors.contains_key(&assignee) {
            continue;
        }
        let actor = match assignee {
            Assignee::User(user_id) => state
                .store
                .user(user_id)
                .await
                .map_err(ApiError::from_store)?
                .map(|user| user_actor(user.id, &user.email)),
            Assignee::Team(team_id) => {
                if teams.is_none() {
                    teams = Some(
                        state
                            .store
                            .teams(organization_id)
                            .await
                            .map_err(ApiError::from_store)?,
                    );
                }
                teams
                    .iter()
                    .flatten()
                    .find(|team| team.id == team_id)
                    .map(|team| team_actor(team.id, &team.slug))
            }
        };
        actors.insert(assignee, actor);
    }
    Ok(issues
        .iter()
        .map(|issue| IssueExtras {
            assigned_to: issue
                .workflow
                .assignee
                .and_then(|a| actors.get(&a).cloned().flatten()),
            is_bookmarked: bookmarked.contains(&issue.id),
        })
        .collect())
}

/// Sentry's actor JSON for a user.
pub(crate) fn user_actor(user_id: i64, email: &str) -> Value {
    json!({"type": "user", "id": user_id.to_string(), "name": email, "email": email})
}

/// Sentry's actor JSON for a team.
pub(crate) fn team_actor(team_id: i64, slug: &str) -> Value {
    json!({"type": "team", "id": team_id.to_string(), "name": slug})
}
