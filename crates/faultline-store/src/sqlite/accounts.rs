//! Account and tenancy writes, each run alone on the writer thread in its own transaction:
//! users, organizations, teams, memberships, projects (with their default key), DSN keys and
//! API tokens. Passwords arrive hashed: hashing is slow and happens off the writer.

use chrono::Utc;
use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use super::SqliteBackend;
use super::ids::Numbered;
use super::queries::access::{self, ORGANIZATION_COLUMNS, PROJECT_COLUMNS};
use super::queries::accounts;
use crate::StoreError;
use crate::codec::micros;
use crate::model::{
    Access, KeyDetails, KeyUpdate, NewProject, Organization, Project, ProjectUpdate, Role, Team,
    User,
};
use crate::secret;

/// Turns a unique-constraint failure into [`StoreError::Conflict`] saying what exists.
fn conflict(what: String) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |err| match err.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => {
            StoreError::Conflict(format!("{what} already exists"))
        }
        _ => StoreError::Sqlite(err),
    }
}

fn create_user(
    conn: &mut Connection,
    email: &str,
    password_hash: Option<&str>,
    is_superuser: bool,
) -> Result<User, StoreError> {
    let user_id: i64 = conn
        .query_row(
            "INSERT INTO users (email, password_hash, is_superuser, date_joined)
             VALUES (?1, ?2, ?3, ?4) RETURNING id",
            (email, password_hash, is_superuser, micros(Utc::now())),
            |row| row.get(0),
        )
        .map_err(conflict(format!("user {email}")))?;
    access::user(conn, user_id)?
        .ok_or_else(|| StoreError::Corrupt("user missing after insert".into()))
}

fn user_id_by_email(conn: &Connection, email: &str) -> Result<i64, StoreError> {
    access::user_with_password(conn, email)?
        .map(|(user, _)| user.id)
        .ok_or_else(|| StoreError::Invalid(format!("no user with e-mail {email}")))
}

/// Creates an organization with a team of the same slug.
fn create_organization(
    conn: &mut Connection,
    slug: &str,
    name: &str,
) -> Result<Organization, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = micros(Utc::now());
    let org_id: i64 = tx
        .query_row(
            "INSERT INTO organizations (slug, name, date_created) VALUES (?1, ?2, ?3) RETURNING id",
            (slug, name, now),
            |row| row.get(0),
        )
        .map_err(conflict(format!("organization {slug}")))?;
    tx.execute(
        "INSERT INTO teams (organization_id, slug, name, date_created) VALUES (?1, ?2, ?2, ?3)",
        (org_id, slug, now),
    )?;
    let org = access::optional(
        &tx,
        &format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.id = ?1"),
        [org_id],
        access::organization_from_row,
    )?
    .ok_or_else(|| StoreError::Corrupt("organization missing after insert".into()))?;
    tx.commit()?;
    Ok(org)
}

fn create_team(
    conn: &mut Connection,
    organization_id: i64,
    slug: &str,
    name: &str,
) -> Result<Team, StoreError> {
    conn.execute(
        "INSERT INTO teams (organization_id, slug, name, date_created) VALUES (?1, ?2, ?3, ?4)",
        (organization_id, slug, name, micros(Utc::now())),
    )
    .map_err(conflict(format!("team {slug}")))?;
    accounts::team_by_slug(conn, organization_id, slug)?
        .ok_or_else(|| StoreError::Corrupt("team missing after insert".into()))
}

/// Adds `email` to the organization with `role`, or changes the role of an existing member.
fn set_membership(
    conn: &mut Connection,
    organization_id: i64,
    email: &str,
    role: Role,
) -> Result<(), StoreError> {
    let user_id = user_id_by_email(conn, email)?;
    conn.execute(
        "INSERT INTO memberships (organization_id, user_id, role, date_created) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (organization_id, user_id) DO UPDATE SET role = excluded.role",
        (organization_id, user_id, role.as_str(), micros(Utc::now())),
    )?;
    Ok(())
}

fn insert_key(conn: &Connection, project_id: i64, label: &str) -> Result<String, StoreError> {
    let public_key = secret::new_public_key();
    conn.execute(
        "INSERT INTO project_keys (project_id, public_key, label, date_created) VALUES (?1, ?2, ?3, ?4)",
        (project_id, &public_key, label, micros(Utc::now())),
    )?;
    Ok(public_key)
}

/// Creates a project in a team, with one DSN key named `Default`.
fn create_project(
    conn: &mut Connection,
    new: &NewProject,
) -> Result<(Project, KeyDetails), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let project_id: i64 = tx
        .query_row(
            &format!(
                "INSERT INTO projects (id, organization_id, slug, name, platform, date_created)
                 VALUES ({}, ?1, ?2, ?3, ?4, ?5) RETURNING id",
                Numbered::Projects.next_id_sql()
            ),
            (
                new.organization_id,
                &new.slug,
                &new.name,
                &new.platform,
                micros(Utc::now()),
            ),
            |row| row.get(0),
        )
        .map_err(conflict(format!("project {}", new.slug)))?;
    tx.execute(
        "INSERT INTO project_teams (project_id, team_id) VALUES (?1, ?2)",
        (project_id, new.team_id),
    )?;
    let public_key = insert_key(&tx, project_id, "Default")?;
    let project = access::project(&tx, project_id)?
        .ok_or_else(|| StoreError::Corrupt("project missing after insert".into()))?;
    let key = accounts::key_detail(&tx, project_id, &public_key)?
        .ok_or_else(|| StoreError::Corrupt("key missing after insert".into()))?;
    tx.commit()?;
    Ok((project, key))
}

fn update_project(
    conn: &mut Connection,
    project_id: i64,
    update: &ProjectUpdate,
) -> Result<Option<Project>, StoreError> {
    let slug = update.slug.clone().unwrap_or_default();
    conn.execute(
        "UPDATE projects SET slug = coalesce(?2, slug), name = coalesce(?3, name),
                platform = coalesce(?4, platform)
         WHERE id = ?1",
        (project_id, &update.slug, &update.name, &update.platform),
    )
    .map_err(conflict(format!("project {slug}")))?;
    let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.id = ?1");
    access::optional(conn, &sql, [project_id], access::project_from_row)
}

/// Deletes a project with its events, issues, transactions, raw items, outcomes and keys.
fn delete_project(conn: &mut Connection, project_id: i64) -> Result<bool, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for table in ["issue_users", "issue_tag_values", "issue_buckets"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE issue_id IN (SELECT id FROM issues WHERE project_id = ?1)"),
            [project_id],
        )?;
    }
    for table in [
        "grouphashes",
        "issues",
        "events",
        "transactions",
        "raw_items",
        "outcomes",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE project_id = ?1"),
            [project_id],
        )?;
    }
    // Keys and team links go with the project (ON DELETE CASCADE).
    let deleted = tx.execute("DELETE FROM projects WHERE id = ?1", [project_id])?;
    if deleted == 1 {
        Numbered::Projects.retire(&tx, project_id)?;
    }
    tx.commit()?;
    Ok(deleted == 1)
}

fn update_key(
    conn: &mut Connection,
    project_id: i64,
    public_key: &str,
    update: &KeyUpdate,
) -> Result<Option<KeyDetails>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE project_keys SET label = coalesce(?3, label), is_active = coalesce(?4, is_active)
         WHERE project_id = ?1 AND public_key = ?2",
        (project_id, public_key, &update.label, update.is_active),
    )?;
    if let Some(limit) = update.rate_limit {
        tx.execute(
            "UPDATE project_keys SET rate_limit_count = ?3, rate_limit_window_secs = ?4
             WHERE project_id = ?1 AND public_key = ?2",
            (
                project_id,
                public_key,
                limit.map(|l| l.0),
                limit.map(|l| l.1),
            ),
        )?;
    }
    let key = accounts::key_detail(&tx, project_id, public_key)?;
    tx.commit()?;
    Ok(key)
}

/// Mints a token for `email` with `scopes`; returns its plain text (stored only as a hash).
fn create_token(
    conn: &mut Connection,
    email: &str,
    scopes: &[String],
    name: Option<&str>,
    expires_at_us: Option<i64>,
) -> Result<String, StoreError> {
    let user_id = user_id_by_email(conn, email)?;
    let token = secret::new_api_token();
    let last_characters = token
        .get(token.len().saturating_sub(4)..)
        .unwrap_or_default();
    conn.execute(
        "INSERT INTO api_tokens (user_id, token_hash, token_last_characters, name, scopes, date_created, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (
            user_id,
            secret::token_hash(&token),
            last_characters,
            name,
            scopes.join(" "),
            micros(Utc::now()),
            expires_at_us,
        ),
    )?;
    Ok(token)
}

impl SqliteBackend {
    pub(crate) async fn user_by_email(&self, email: String) -> Result<Option<User>, StoreError> {
        self.reads
            .run(move |conn| Ok(access::user_with_password(conn, &email)?.map(|(user, _)| user)))
            .await
    }

    pub(crate) async fn access(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> Result<Option<Access>, StoreError> {
        self.reads
            .run(move |conn| accounts::access(conn, organization_id, user_id))
            .await
    }

    pub(crate) async fn visible_organizations(
        &self,
        user_id: i64,
    ) -> Result<Vec<Organization>, StoreError> {
        self.reads
            .run(move |conn| accounts::visible_organizations(conn, user_id))
            .await
    }

    pub(crate) async fn visible_projects(&self, user_id: i64) -> Result<Vec<Project>, StoreError> {
        self.reads
            .run(move |conn| accounts::visible_projects(conn, user_id))
            .await
    }

    pub(crate) async fn teams(&self, organization_id: i64) -> Result<Vec<Team>, StoreError> {
        self.reads
            .run(move |conn| accounts::teams(conn, organization_id))
            .await
    }

    pub(crate) async fn team_by_slug(
        &self,
        organization_id: i64,
        slug: String,
    ) -> Result<Option<Team>, StoreError> {
        self.reads
            .run(move |conn| accounts::team_by_slug(conn, organization_id, &slug))
            .await
    }

    pub(crate) async fn project_teams(&self, project_id: i64) -> Result<Vec<Team>, StoreError> {
        self.reads
            .run(move |conn| accounts::project_teams(conn, project_id))
            .await
    }

    pub(crate) async fn key_details(&self, project_id: i64) -> Result<Vec<KeyDetails>, StoreError> {
        self.reads
            .run(move |conn| accounts::key_details(conn, project_id))
            .await
    }

    pub(crate) async fn create_user(
        &self,
        email: String,
        password_hash: Option<String>,
        is_superuser: bool,
    ) -> Result<User, StoreError> {
        self.exclusive(move |conn| {
            create_user(conn, &email, password_hash.as_deref(), is_superuser)
        })
        .await
    }

    pub(crate) async fn create_organization(
        &self,
        slug: String,
        name: String,
    ) -> Result<Organization, StoreError> {
        self.exclusive(move |conn| create_organization(conn, &slug, &name))
            .await
    }

    pub(crate) async fn create_team(
        &self,
        organization_id: i64,
        slug: String,
        name: String,
    ) -> Result<Team, StoreError> {
        self.exclusive(move |conn| create_team(conn, organization_id, &slug, &name))
            .await
    }

    pub(crate) async fn set_membership(
        &self,
        organization_id: i64,
        email: String,
        role: Role,
    ) -> Result<(), StoreError> {
        self.exclusive(move |conn| set_membership(conn, organization_id, &email, role))
            .await
    }

    pub(crate) async fn create_project(
        &self,
        new: NewProject,
    ) -> Result<(Project, KeyDetails), StoreError> {
        self.exclusive(move |conn| create_project(conn, &new)).await
    }

    pub(crate) async fn update_project(
        &self,
        project_id: i64,
        update: ProjectUpdate,
    ) -> Result<Option<Project>, StoreError> {
        self.exclusive(move |conn| update_project(conn, project_id, &update))
            .await
    }

    pub(crate) async fn delete_project(&self, project_id: i64) -> Result<bool, StoreError> {
        self.exclusive(move |conn| delete_project(conn, project_id))
            .await
    }

    pub(crate) async fn create_key(
        &self,
        project_id: i64,
        label: String,
    ) -> Result<KeyDetails, StoreError> {
        self.exclusive(move |conn| {
            let public_key = insert_key(conn, project_id, &label)?;
            accounts::key_detail(conn, project_id, &public_key)?
                .ok_or_else(|| StoreError::Corrupt("key missing after insert".into()))
        })
        .await
    }

    pub(crate) async fn update_key(
        &self,
        project_id: i64,
        public_key: String,
        update: KeyUpdate,
    ) -> Result<Option<KeyDetails>, StoreError> {
        self.exclusive(move |conn| update_key(conn, project_id, &public_key, &update))
            .await
    }

    pub(crate) async fn delete_key(
        &self,
        project_id: i64,
        public_key: String,
    ) -> Result<bool, StoreError> {
        self.exclusive(move |conn| {
            let deleted = conn.execute(
                "DELETE FROM project_keys WHERE project_id = ?1 AND public_key = ?2",
                (project_id, &public_key),
            )?;
            Ok(deleted == 1)
        })
        .await
    }

    pub(crate) async fn create_token(
        &self,
        email: String,
        scopes: Vec<String>,
        name: Option<String>,
        expires_at_us: Option<i64>,
    ) -> Result<String, StoreError> {
        self.exclusive(move |conn| {
            create_token(conn, &email, &scopes, name.as_deref(), expires_at_us)
        })
        .await
    }
}
