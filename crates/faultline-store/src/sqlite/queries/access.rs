//! Organizations, projects, DSN keys, users and API tokens.

use rusqlite::{Connection, OptionalExtension, Row};

use crate::StoreError;
use crate::codec::from_micros;
use crate::model::{Organization, Project, ProjectKey, TokenInfo, User};
use crate::secret;

pub(crate) const ORGANIZATION_COLUMNS: &str = "o.id, o.slug, o.name, o.date_created";
pub(crate) const PROJECT_COLUMNS: &str =
    "p.id, p.organization_id, p.slug, p.name, p.platform, p.date_created";
pub(crate) const KEY_COLUMNS: &str =
    "k.id, k.project_id, k.public_key, k.is_active, k.rate_limit_count, k.rate_limit_window_secs";

pub(crate) fn organization_from_row(row: &Row<'_>) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: row.get(0)?,
        slug: row.get(1)?,
        name: row.get(2)?,
        date_created: from_micros(row.get(3)?)?,
    })
}

pub(crate) fn project_from_row(row: &Row<'_>) -> Result<Project, StoreError> {
    Ok(Project {
        id: row.get(0)?,
        organization_id: row.get(1)?,
        slug: row.get(2)?,
        name: row.get(3)?,
        platform: row.get(4)?,
        date_created: from_micros(row.get(5)?)?,
    })
}

pub(crate) fn key_from_row(row: &Row<'_>) -> Result<ProjectKey, StoreError> {
    Ok(ProjectKey {
        id: row.get(0)?,
        project_id: row.get(1)?,
        public_key: row.get(2)?,
        is_active: row.get(3)?,
        rate_limit_count: row.get(4)?,
        rate_limit_window_secs: row.get(5)?,
    })
}

/// Runs a query expected to return at most one row and maps it.
pub(crate) fn optional<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(params)?;
    match rows.next()? {
        Some(row) => map(row).map(Some),
        None => Ok(None),
    }
}

/// Runs a query and maps every row.
pub(crate) fn all<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl Fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}

pub(crate) fn project_key(
    conn: &Connection,
    public_key: &str,
) -> Result<Option<ProjectKey>, StoreError> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM project_keys k WHERE k.public_key = ?1");
    optional(conn, &sql, [public_key], key_from_row)
}

pub(crate) fn project_keys(
    conn: &Connection,
    project_id: i64,
) -> Result<Vec<ProjectKey>, StoreError> {
    let sql =
        format!("SELECT {KEY_COLUMNS} FROM project_keys k WHERE k.project_id = ?1 ORDER BY k.id");
    all(conn, &sql, [project_id], key_from_row)
}

pub(crate) fn organization_by_slug(
    conn: &Connection,
    slug: &str,
) -> Result<Option<Organization>, StoreError> {
    let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.slug = ?1");
    optional(conn, &sql, [slug], organization_from_row)
}

pub(crate) fn organization_by_id(
    conn: &Connection,
    organization_id: i64,
) -> Result<Option<Organization>, StoreError> {
    let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.id = ?1");
    optional(conn, &sql, [organization_id], organization_from_row)
}

pub(crate) fn has_organizations(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM organizations LIMIT 1")?
        .exists([])?)
}

pub(crate) fn organizations(conn: &Connection) -> Result<Vec<Organization>, StoreError> {
    let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o ORDER BY o.slug");
    all(conn, &sql, [], organization_from_row)
}

pub(crate) fn project_by_slug(
    conn: &Connection,
    org_slug: &str,
    project_slug: &str,
) -> Result<Option<Project>, StoreError> {
    let sql = format!(
        "SELECT {PROJECT_COLUMNS} FROM projects p JOIN organizations o ON o.id = p.organization_id
         WHERE o.slug = ?1 AND p.slug = ?2"
    );
    optional(conn, &sql, [org_slug, project_slug], project_from_row)
}

pub(crate) fn project(conn: &Connection, project_id: i64) -> Result<Option<Project>, StoreError> {
    let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.id = ?1");
    optional(conn, &sql, [project_id], project_from_row)
}

/// Returns a project's option `key`; a stored value that is not JSON is an error.
pub(crate) fn project_option(
    conn: &Connection,
    project_id: i64,
    key: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM project_options WHERE project_id = ?1 AND key = ?2")?
        .query_row((project_id, key), |row| row.get(0))
        .optional()?;
    text.map(|text| {
        serde_json::from_str(&text).map_err(|err| {
            StoreError::Corrupt(format!("project {project_id} option {key:?}: {err}"))
        })
    })
    .transpose()
}

pub(crate) fn projects(
    conn: &Connection,
    organization_id: i64,
) -> Result<Vec<Project>, StoreError> {
    let sql = format!(
        "SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.organization_id = ?1 ORDER BY p.slug"
    );
    all(conn, &sql, [organization_id], project_from_row)
}

pub(crate) fn token(conn: &Connection, token: &str) -> Result<Option<TokenInfo>, StoreError> {
    // Looked up by hash: the comparison happens on a SHA-256 of the input, so its timing
    // tells an attacker nothing about stored tokens.
    let hash = secret::token_hash(token);
    optional(
        conn,
        "SELECT user_id, scopes FROM api_tokens
         WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
        (hash, crate::codec::micros(chrono::Utc::now())),
        |row| {
            let scopes: String = row.get(1)?;
            Ok(TokenInfo {
                user_id: row.get(0)?,
                scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            })
        },
    )
}

fn user_from_row(row: &Row<'_>) -> Result<User, StoreError> {
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        is_superuser: row.get(2)?,
        date_joined: from_micros(row.get(3)?)?,
    })
}

pub(crate) fn user(conn: &Connection, user_id: i64) -> Result<Option<User>, StoreError> {
    optional(
        conn,
        "SELECT id, email, is_superuser, date_joined FROM users WHERE id = ?1",
        [user_id],
        user_from_row,
    )
}

/// Returns the user with `email` and their password hash, if any.
pub(crate) fn user_with_password(
    conn: &Connection,
    email: &str,
) -> Result<Option<(User, Option<String>)>, StoreError> {
    optional(
        conn,
        "SELECT id, email, is_superuser, date_joined, password_hash FROM users WHERE email = ?1",
        [email],
        |row| Ok((user_from_row(row)?, row.get(4)?)),
    )
}

pub(crate) fn user_exists(conn: &Connection, email: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM users WHERE email = ?1")?
        .query_row([email], |_| Ok(()))
        .optional()?
        .is_some())
}
