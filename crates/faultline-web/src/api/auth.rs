//! Bearer-token authentication and the organization/project lookups every route starts with.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use faultline_store::{Organization, Project, TokenInfo};

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

impl Bearer {
    /// Returns the organization with this slug, or 404. Every route that names an
    /// organization starts here, so this is where access to it is decided.
    pub(crate) async fn organization(
        &self,
        state: &AppState,
        slug: &str,
    ) -> Result<Organization, ApiError> {
        state
            .store
            .organization_by_slug(slug)
            .await
            .map_err(ApiError::from_store)?
            .ok_or_else(|| ApiError::NotFound("The requested resource does not exist".into()))
    }

    /// Returns the project `org/project`, or 404; access as for [`Bearer::organization`].
    pub(crate) async fn project(
        &self,
        state: &AppState,
        org: &str,
        project: &str,
    ) -> Result<Project, ApiError> {
        self.organization(state, org).await?;
        state
            .store
            .project_by_slug(org, project)
            .await
            .map_err(ApiError::from_store)?
            .ok_or_else(|| ApiError::NotFound("The requested resource does not exist".into()))
    }
}
