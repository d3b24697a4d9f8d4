//! Bearer-token authentication and the organization/project lookups every route starts with,
//! which is where tenancy is enforced.
//!
//! A request passes two checks. The token's **scopes** say what kind of request it may make
//! ([`Bearer::require`]). The token's **user** must belong to the organization the path names:
//! - any member (role `member`, `admin`, `owner`) reads and writes its events and issues
//!   ([`Bearer::organization`], [`Bearer::project`]);
//! - `admin` and `owner` also manage its projects, DSN keys and teams
//!   ([`Bearer::organization_admin`], [`Bearer::project_admin`]);
//! - superusers pass both as if they were owners of every organization.
//!
//! No token or an unknown one is `401`; a missing scope, another organization's data or too
//! weak a role is `403`; an organization or project that does not exist stays `404`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use faultline_store::{Organization, Project, Role, TokenInfo};

use crate::{ApiError, AppState};

/// An authenticated API caller.
pub(crate) struct Bearer(pub TokenInfo);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::Unauthorized("Authentication credentials were not provided.".into())
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::Unauthorized("Invalid token header.".into()))?;
        match state
            .store
            .token(token)
            .await
            .map_err(ApiError::from_store)?
        {
            Some(info) => Ok(Bearer(info)),
            None => Err(ApiError::Unauthorized("Invalid token".into())),
        }
    }
}

impl Bearer {
    /// Checks that the token carries `scope` (or a broader `*:admin`/`*:write` of its family).
    pub(crate) fn require(&self, scope: &str) -> Result<(), ApiError> {
        let family = scope.split(':').next().unwrap_or(scope);
        let granted = self.0.scopes.iter().any(|s| {
            s == scope
                || s == &format!("{family}:admin")
                || (scope.ends_with(":read") && s == &format!("{family}:write"))
        });
        if granted {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "You do not have permission to perform this action.".into(),
            ))
        }
    }
}

/// The answer to a caller outside the organization or with too weak a role.
fn forbidden() -> ApiError {
    ApiError::Forbidden("You do not have permission to perform this action.".into())
}

fn not_found() -> ApiError {
    ApiError::NotFound("The requested resource does not exist".into())
}

impl Bearer {
    /// Returns the organization with this slug, or 404, when the caller is a member of it
    /// (any role) or a superuser; 403 otherwise. Every route that names an organization
    /// starts here.
    pub(crate) async fn organization(
        &self,
        state: &AppState,
        slug: &str,
    ) -> Result<Organization, ApiError> {
        self.organization_with_role(state, slug, Role::Member).await
    }

    /// As [`Bearer::organization`], but the caller must be an admin or owner (managing
    /// projects, keys and teams).
    pub(crate) async fn organization_admin(
        &self,
        state: &AppState,
        slug: &str,
    ) -> Result<Organization, ApiError> {
        self.organization_with_role(state, slug, Role::Admin).await
    }

    async fn organization_with_role(
        &self,
        state: &AppState,
        slug: &str,
        role: Role,
    ) -> Result<Organization, ApiError> {
        let org = state
            .store
            .organization_by_slug(slug)
            .await
            .map_err(ApiError::from_store)?
            .ok_or_else(not_found)?;
        let access = state
            .store
            .access(org.id, self.0.user_id)
            .await
            .map_err(ApiError::from_store)?;
        if access.is_some_and(|a| a.allows(role)) {
            Ok(org)
        } else {
            Err(forbidden())
        }
    }

    /// Returns the project `org/project`, or 404; access as for [`Bearer::organization`].
    pub(crate) async fn project(
        &self,
        state: &AppState,
        org: &str,
        project: &str,
    ) -> Result<Project, ApiError> {
        self.organization(state, org).await?;
        find_project(state, org, project).await
    }

    /// Returns the project `org/project` for an admin or owner of its organization.
    pub(crate) async fn project_admin(
        &self,
        state: &AppState,
        org: &str,
        project: &str,
    ) -> Result<Project, ApiError> {
        self.organization_admin(state, org).await?;
        find_project(state, org, project).await
    }
}

async fn find_project(state: &AppState, org: &str, project: &str) -> Result<Project, ApiError> {
    state
        .store
        .project_by_slug(org, project)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(not_found)
}
