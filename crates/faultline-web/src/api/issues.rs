//! Issue lists (a project's, an organization's) with Sentry's search syntax. Changing issues
//! is `issue_updates`; one issue's reads are `issue_updates::issue` and `issue_resources`.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::response::Response;
use faultline_store::search::{self, IssueSearch};
use faultline_store::{IssueSearchRequest, IssueSort, Organization, Project, StatsPeriod};
use serde_json::Value;

use super::auth::Bearer;
use super::issue_lookup::issue_extras;
use super::{pagination, wire};
use crate::{ApiError, AppState};

/// Issues per page when the client does not say.
const ISSUES_PAGE_DEFAULT: usize = 25;
/// Issues per page at most.
const ISSUES_PAGE_MAX: usize = 100;

/// The query string of an issue list, as Sentry's issue endpoints read it.
pub(crate) struct ListParams {
    pub(crate) query: Option<String>,
    pub(crate) environments: Vec<String>,
    pub(crate) projects: Vec<i64>,
    pub(crate) sort: IssueSort,
    pub(crate) limit: usize,
    pub(crate) cursor: Option<String>,
    /// The series each issue carries as `stats`: `groupStatsPeriod`, else `statsPeriod`,
    /// else 24 hours; `None` for `""`.
    pub(crate) stats: Option<StatsPeriod>,
}

impl ListParams {
    /// Reads the parameters; repeated `environment` and `project` accumulate.
    pub(crate) fn parse(raw: Option<&str>) -> Result<ListParams, ApiError> {
        let bad = |detail: String| ApiError::BadRequest(detail);
        let mut params = ListParams {
            query: None,
            environments: Vec::new(),
            projects: Vec::new(),
            sort: IssueSort::Date,
            limit: ISSUES_PAGE_DEFAULT,
            cursor: None,
            stats: Some(StatsPeriod::Hours24),
        };
        let mut group_stats_given = false;
        for (key, value) in query_pairs(raw.unwrap_or("")) {
            match key.as_str() {
                "query" => params.query = Some(value),
                "environment" if !value.is_empty() => params.environments.push(value),
                "project" => {
                    let id = value
                        .parse()
                        .map_err(|_| bad(format!("project must be a project id, not {value:?}")))?;
                    if id != -1 {
                        params.projects.push(id);
                    }
                }
                "sort" => {
                    params.sort = IssueSort::from_param(&value).ok_or_else(|| {
                        bad(format!(
                            "sort must be one of date, new, freq, user; not {value:?}"
                        ))
                    })?;
                }
                "limit" => {
                    let limit: usize = value
                        .parse()
                        .map_err(|_| bad(format!("limit must be a number, not {value:?}")))?;
                    params.limit = limit.clamp(1, ISSUES_PAGE_MAX);
                }
                "cursor" if !value.is_empty() => params.cursor = Some(value),
                "statsPeriod" | "groupStatsPeriod"
                    if !matches!(value.as_str(), "" | "24h" | "14d" | "auto") =>
                {
                    return Err(bad(format!(
                        "{key} must be one of \"\", \"24h\", \"14d\" or \"auto\"; not {value:?}"
                    )));
                }
                "groupStatsPeriod" => {
                    params.stats = stats_period(&value);
                    group_stats_given = true;
                }
                "statsPeriod" if !group_stats_given => params.stats = stats_period(&value),
                _ => {}
            }
        }
        Ok(params)
    }

    /// The parsed search: Sentry implies `is:unresolved` when no `query` is given at all.
    pub(crate) fn search(&self) -> Result<IssueSearch, ApiError> {
        let query = self.query.as_deref().unwrap_or("is:unresolved");
        search::parse(query, chrono::Utc::now())
            .map_err(|err| ApiError::BadRequest(format!("Error parsing search query: {err}")))
    }
}

/// Returns the series of a (validated) stats period: `""` has none, `auto` is 24 hours.
fn stats_period(value: &str) -> Option<StatsPeriod> {
    match value {
        "" => None,
        "14d" => Some(StatsPeriod::Days14),
        _ => Some(StatsPeriod::Hours24),
    }
}

/// Splits a query string into decoded `(key, value)` pairs (`+` is a space).
pub(crate) fn query_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}

/// Runs a list request over `projects` and answers the page with its `Link` header.
async fn list_issues(
    state: &AppState,
    auth: &Bearer,
    uri: &axum::http::Uri,
    params: ListParams,
    projects: Vec<Project>,
    org: &Organization,
) -> Result<Response, ApiError> {
    let search = params.search()?;
    let limit = params.limit;
    let request = IssueSearchRequest {
        project_ids: projects.iter().map(|p| p.id).collect(),
        search,
        environments: params.environments.clone(),
        sort: params.sort,
        // One more than asked, to learn whether a next page exists.
        limit: limit + 1,
        cursor: params.cursor.clone(),
        viewer_user_id: Some(auth.0.user_id),
    };
    let mut issues = state
        .store
        .search_issues(request)
        .await
        .map_err(ApiError::from_store)?;
    let has_more = issues.len() > limit;
    issues.truncate(limit);
    let next = has_more
        .then(|| issues.last().map(|i| i.cursor_for(params.sort)))
        .flatten();
    let base = &state.config.public_url;
    let stats = match params.stats {
        Some(period) => {
            let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
            let series = state
                .store
                .issue_stats(&ids, period, chrono::Utc::now())
                .await
                .map_err(ApiError::from_store)?;
            Some((period, series))
        }
        None => None,
    };
    let extras = issue_extras(state, auth.0.user_id, org.id, &issues).await?;
    let body: Vec<Value> = issues
        .iter()
        .zip(&extras)
        .enumerate()
        .filter_map(|(index, (issue, extras))| {
            let project = projects.iter().find(|p| p.id == issue.project_id)?;
            let mut json = wire::issue_json(issue, project, &org.slug, base, extras);
            // The store answers in the order of the ids asked.
            if let Some((period, series)) = &stats
                && let Some(series) = series.get(index)
            {
                debug_assert_eq!(series.issue_id, issue.id);
                json["stats"] = wire::issue_stats_json(*period, &series.points);
            }
            Some(json)
        })
        .collect();
    Ok(pagination::page_response(
        body,
        uri,
        base,
        params.cursor.as_deref(),
        next.as_deref(),
    ))
}

/// `GET /api/0/projects/{org}/{project}/issues/`: Sentry's search syntax in `query`,
/// `environment` (repeatable), `sort` (date, new, freq, user), `limit` and `cursor`.
pub(crate) async fn project_issues(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path((org, project_slug)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    auth.require("event:read")?;
    let organization = auth.organization(&state, &org).await?;
    let project = auth.project(&state, &org, &project_slug).await?;
    let params = ListParams::parse(raw.as_deref())?;
    list_issues(&state, &auth, &uri, params, vec![project], &organization).await
}

/// `GET /api/0/organizations/{org}/issues/`: as the project list, across the organization's
/// projects (or those named by repeated `project=ID`).
pub(crate) async fn organization_issues(
    State(state): State<AppState>,
    auth: Bearer,
    OriginalUri(uri): OriginalUri,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    auth.require("event:read")?;
    let organization = auth.organization(&state, &org).await?;
    let params = ListParams::parse(raw.as_deref())?;
    let mut projects = state
        .store
        .projects(organization.id)
        .await
        .map_err(ApiError::from_store)?;
    if !params.projects.is_empty() {
        if let Some(unknown) = params
            .projects
            .iter()
            .find(|id| !projects.iter().any(|p| p.id == **id))
        {
            return Err(ApiError::Forbidden(format!(
                "project {unknown} is not a project of this organization you can access"
            )));
        }
        projects.retain(|p| params.projects.contains(&p.id));
    }
    list_issues(&state, &auth, &uri, params, projects, &organization).await
}
