//! Administrative writes, each run alone on the writer thread in its own transaction:
//! `bootstrap` (idempotent provisioning) and project options.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::ids::Numbered;
use super::queries::access::{self, KEY_COLUMNS, ORGANIZATION_COLUMNS, PROJECT_COLUMNS};
use crate::StoreError;
use crate::model::{Bootstrap, BootstrapRequest};
use crate::secret;

/// Every Sentry scope; the bootstrap token gets them all.
pub(crate) const ALL_SCOPES: &[&str] = &[
    "org:read",
    "org:write",
    "org:admin",
    "org:integrations",
    "project:read",
    "project:write",
    "project:admin",
    "project:releases",
    "team:read",
    "team:write",
    "team:admin",
    "member:read",
    "member:write",
    "member:admin",
    "event:read",
    "event:write",
    "event:admin",
    "alerts:read",
    "alerts:write",
];

/// A new administrator's password and its hash, prepared off the writer thread (hashing is
/// slow on purpose) when the administrator did not exist yet.
pub(crate) struct NewAdmin {
    pub(crate) password: String,
    pub(crate) password_hash: String,
}

/// What a bootstrap run on the writer reports.
pub(crate) enum BootstrapRun {
    Done(Box<Bootstrap>),
    /// The administrator does not exist and no password was prepared (it was deleted since
    /// the caller looked): prepare one and run again.
    NeedsAdmin,
}

/// Creates whatever of the request does not exist yet, in one transaction, and returns it all.
pub(crate) fn bootstrap(
    conn: &mut Connection,
    request: &BootstrapRequest,
    new_admin: Option<NewAdmin>,
    now_us: i64,
) -> Result<BootstrapRun, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO organizations (slug, name, date_created) VALUES (?1, ?1, ?2)
         ON CONFLICT (slug) DO NOTHING",
        (&request.org_slug, now_us),
    )?;
    let org = access::optional(
        &tx,
        &format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.slug = ?1"),
        [&request.org_slug],
        access::organization_from_row,
    )?
    .ok_or_else(|| StoreError::Corrupt("organization missing after insert".into()))?;

    let existing_user: Option<i64> = tx
        .query_row(
            "SELECT id FROM users WHERE email = ?1",
            [&request.admin_email],
            |row| row.get(0),
        )
        .optional()?;
    let (user_id, admin_password) = match (existing_user, new_admin) {
        (Some(user_id), _) => (user_id, None),
        (None, None) => return Ok(BootstrapRun::NeedsAdmin),
        (None, Some(admin)) => {
            let user_id = tx.query_row(
                "INSERT INTO users (email, password_hash, is_superuser, date_joined)
                 VALUES (?1, ?2, 1, ?3) RETURNING id",
                (&request.admin_email, &admin.password_hash, now_us),
                |row| row.get(0),
            )?;
            (user_id, Some(admin.password))
        }
    };
    tx.execute(
        "INSERT INTO memberships (organization_id, user_id, role, date_created) VALUES (?1, ?2, 'owner', ?3)
         ON CONFLICT (organization_id, user_id) DO NOTHING",
        (org.id, user_id, now_us),
    )?;
    tx.execute(
        "INSERT INTO teams (organization_id, slug, name, date_created) VALUES (?1, ?2, ?2, ?3)
         ON CONFLICT (organization_id, slug) DO NOTHING",
        (org.id, &request.org_slug, now_us),
    )?;

    let project_sql = format!(
        "SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.organization_id = ?1 AND p.slug = ?2"
    );
    let existing_project = access::optional(
        &tx,
        &project_sql,
        (org.id, &request.project_slug),
        access::project_from_row,
    )?;
    let created = existing_project.is_none();
    let project = match existing_project {
        Some(project) => project,
        None => {
            tx.execute(
                &format!(
                    "INSERT INTO projects (id, organization_id, slug, name, date_created)
                     VALUES ({}, ?1, ?2, ?2, ?3)",
                    Numbered::Projects.next_id_sql()
                ),
                (org.id, &request.project_slug, now_us),
            )?;
            tx.execute(
                "INSERT INTO project_teams (project_id, team_id)
                 SELECT last_insert_rowid(), id FROM teams WHERE organization_id = ?1 AND slug = ?2",
                (org.id, &request.org_slug),
            )?;
            access::optional(
                &tx,
                &project_sql,
                (org.id, &request.project_slug),
                access::project_from_row,
            )?
            .ok_or_else(|| StoreError::Corrupt("project missing after insert".into()))?
        }
    };

    let key_sql = format!(
        "SELECT {KEY_COLUMNS} FROM project_keys k WHERE k.project_id = ?1 ORDER BY k.id LIMIT 1"
    );
    if access::optional(&tx, &key_sql, [project.id], access::key_from_row)?.is_none() {
        tx.execute(
            "INSERT INTO project_keys (project_id, public_key, label, date_created) VALUES (?1, ?2, 'Default', ?3)",
            (project.id, secret::new_public_key(), now_us),
        )?;
    }
    if let Some((count, window_secs)) = request.rate_limit {
        tx.execute(
            "UPDATE project_keys SET rate_limit_count = ?2, rate_limit_window_secs = ?3
             WHERE id = (SELECT min(id) FROM project_keys WHERE project_id = ?1)",
            (project.id, count, window_secs),
        )?;
    }
    let key = access::optional(&tx, &key_sql, [project.id], access::key_from_row)?
        .ok_or_else(|| StoreError::Corrupt("project key missing after insert".into()))?;

    let existing_token: Option<String> = tx
        .query_row(
            "SELECT token FROM bootstrap_secrets WHERE user_id = ?1",
            [user_id],
            |row| row.get(0),
        )
        .optional()?;
    let token = match existing_token {
        Some(token) => token,
        None => {
            let token = secret::new_api_token();
            let last_characters = token
                .get(token.len().saturating_sub(4)..)
                .unwrap_or_default();
            let token_id: i64 = tx.query_row(
                "INSERT INTO api_tokens (user_id, token_hash, token_last_characters, name, scopes, date_created)
                 VALUES (?1, ?2, ?3, 'bootstrap', ?4, ?5) RETURNING id",
                (user_id, secret::token_hash(&token), last_characters, ALL_SCOPES.join(" "), now_us),
                |row| row.get(0),
            )?;
            tx.execute(
                "INSERT INTO bootstrap_secrets (user_id, api_token_id, token) VALUES (?1, ?2, ?3)",
                (user_id, token_id, &token),
            )?;
            token
        }
    };
    tx.commit()?;
    Ok(BootstrapRun::Done(Box::new(Bootstrap {
        org,
        project,
        key,
        token,
        admin_password,
        created,
    })))
}

/// Sets (inserts or replaces) a project's option; returns `false` for an unknown project.
pub(crate) fn set_project_option(
    conn: &mut Connection,
    project_id: i64,
    key: &str,
    value: &serde_json::Value,
    now_us: i64,
) -> Result<bool, StoreError> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT id FROM projects WHERE id = ?1",
            [project_id],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO project_options (project_id, key, value, date_updated) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value,
             date_updated = excluded.date_updated",
        (project_id, key, value.to_string(), now_us),
    )?;
    Ok(true)
}
