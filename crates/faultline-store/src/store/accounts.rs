//! The [`Store`] API for accounts and tenancy: users, organizations, teams, memberships,
//! projects, DSN keys and API tokens. The web API and the `faultline` admin subcommands both
//! call these, so both check input the same way.

use chrono::{DateTime, Utc};

use super::{Store, check_email, check_slug};
use crate::StoreError;
use crate::codec::micros;
use crate::model::{
    Access, KeyDetails, KeyUpdate, NewProject, Organization, Project, ProjectUpdate, Role, Team,
    User,
};
use crate::secret;

/// Names (of organizations, teams, projects, keys, tokens) at most, in bytes.
const NAME_BYTES_MAX: usize = 200;

fn check_name(what: &str, name: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() || name.len() > NAME_BYTES_MAX {
        return Err(StoreError::Invalid(format!(
            "{what} name must be 1-{NAME_BYTES_MAX} bytes"
        )));
    }
    Ok(())
}

impl Store {
    /// Returns what `user_id` may do in `organization_id` (`None`: no such user).
    pub async fn access(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> Result<Option<Access>, StoreError> {
        self.sqlite().access(organization_id, user_id).await
    }

    /// Returns the user with this e-mail address.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.sqlite().user_by_email(email.to_owned()).await
    }

    /// Returns the organizations the user is a member of (all of them for a superuser).
    pub async fn visible_organizations(
        &self,
        user_id: i64,
    ) -> Result<Vec<Organization>, StoreError> {
        self.sqlite().visible_organizations(user_id).await
    }

    /// Returns the projects of the organizations the user sees.
    pub async fn visible_projects(&self, user_id: i64) -> Result<Vec<Project>, StoreError> {
        self.sqlite().visible_projects(user_id).await
    }

    /// Returns an organization's teams by slug.
    pub async fn teams(&self, organization_id: i64) -> Result<Vec<Team>, StoreError> {
        self.sqlite().teams(organization_id).await
    }

    pub async fn team_by_slug(
        &self,
        organization_id: i64,
        slug: &str,
    ) -> Result<Option<Team>, StoreError> {
        self.sqlite()
            .team_by_slug(organization_id, slug.to_owned())
            .await
    }

    /// Returns the teams a project belongs to.
    pub async fn project_teams(&self, project_id: i64) -> Result<Vec<Team>, StoreError> {
        self.sqlite().project_teams(project_id).await
    }

    /// Returns a project's DSN keys with names and creation times, oldest first.
    pub async fn key_details(&self, project_id: i64) -> Result<Vec<KeyDetails>, StoreError> {
        self.sqlite().key_details(project_id).await
    }

    /// Creates a user; `password` is hashed with Argon2id on the blocking pool. `Conflict`
    /// when the e-mail address is taken.
    pub async fn create_user(
        &self,
        email: &str,
        password: Option<&str>,
        is_superuser: bool,
    ) -> Result<User, StoreError> {
        check_email(email)?;
        let password_hash = match password {
            Some(password) => {
                let password = password.to_owned();
                Some(tokio::task::spawn_blocking(move || secret::hash_password(&password)).await??)
            }
            None => None,
        };
        self.sqlite()
            .create_user(email.to_owned(), password_hash, is_superuser)
            .await
    }

    /// Creates an organization with a team of the same slug.
    pub async fn create_organization(
        &self,
        slug: &str,
        name: &str,
    ) -> Result<Organization, StoreError> {
        check_slug("organization", slug)?;
        check_name("organization", name)?;
        self.sqlite()
            .create_organization(slug.to_owned(), name.to_owned())
            .await
    }

    pub async fn create_team(
        &self,
        organization_id: i64,
        slug: &str,
        name: &str,
    ) -> Result<Team, StoreError> {
        check_slug("team", slug)?;
        check_name("team", name)?;
        self.sqlite()
            .create_team(organization_id, slug.to_owned(), name.to_owned())
            .await
    }

    /// Makes the user with `email` a member with `role` (or changes their role).
    pub async fn set_membership(
        &self,
        organization_id: i64,
        email: &str,
        role: Role,
    ) -> Result<(), StoreError> {
        self.sqlite()
            .set_membership(organization_id, email.to_owned(), role)
            .await
    }

    /// Creates a project in a team, with a default DSN key.
    pub async fn create_project(
        &self,
        new: NewProject,
    ) -> Result<(Project, KeyDetails), StoreError> {
        check_slug("project", &new.slug)?;
        check_name("project", &new.name)?;
        self.sqlite().create_project(new).await
    }

    /// Changes a project's slug, name or platform; `None` when there is no such project.
    pub async fn update_project(
        &self,
        project_id: i64,
        update: ProjectUpdate,
    ) -> Result<Option<Project>, StoreError> {
        if let Some(slug) = &update.slug {
            check_slug("project", slug)?;
        }
        if let Some(name) = &update.name {
            check_name("project", name)?;
        }
        self.sqlite().update_project(project_id, update).await
    }

    /// Deletes a project and everything stored for it (events, issues, keys).
    pub async fn delete_project(&self, project_id: i64) -> Result<bool, StoreError> {
        self.sqlite().delete_project(project_id).await
    }

    pub async fn create_key(&self, project_id: i64, label: &str) -> Result<KeyDetails, StoreError> {
        check_name("key", label)?;
        self.sqlite().create_key(project_id, label.to_owned()).await
    }

    /// Changes a key's name, active flag or rate limit; `None` when the project has no such key.
    pub async fn update_key(
        &self,
        project_id: i64,
        public_key: &str,
        update: KeyUpdate,
    ) -> Result<Option<KeyDetails>, StoreError> {
        if let Some(label) = &update.label {
            check_name("key", label)?;
        }
        if let Some(Some((_, 0))) = update.rate_limit {
            return Err(StoreError::Invalid(
                "rate limit window must be at least 1 second".into(),
            ));
        }
        self.sqlite()
            .update_key(project_id, public_key.to_owned(), update)
            .await
    }

    pub async fn delete_key(&self, project_id: i64, public_key: &str) -> Result<bool, StoreError> {
        self.sqlite()
            .delete_key(project_id, public_key.to_owned())
            .await
    }

    /// Mints an API token for the user with `email`; returns its plain text, the only time it
    /// is available (the store keeps a SHA-256 of it).
    pub async fn create_token(
        &self,
        email: &str,
        scopes: &[String],
        name: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<String, StoreError> {
        if scopes.is_empty() {
            return Err(StoreError::Invalid(
                "a token needs at least one scope".into(),
            ));
        }
        if let Some(unknown) = scopes
            .iter()
            .find(|s| !crate::sqlite::ALL_SCOPES.contains(&s.as_str()))
        {
            return Err(StoreError::Invalid(format!("unknown scope {unknown:?}")));
        }
        self.sqlite()
            .create_token(
                email.to_owned(),
                scopes.to_vec(),
                name.map(str::to_owned),
                expires_at.map(micros),
            )
            .await
    }
}
