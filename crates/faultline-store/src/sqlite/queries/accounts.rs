//! Tenancy reads: what a user may do in an organization, which organizations and projects
//! they see, teams, and DSN key details.

use rusqlite::{Connection, Row};

use super::access::{
    KEY_COLUMNS, ORGANIZATION_COLUMNS, PROJECT_COLUMNS, all, key_from_row, optional,
    organization_from_row, project_from_row,
};
use crate::StoreError;
use crate::codec::from_micros;
use crate::model::{Access, KeyDetails, Organization, Project, Role, Team};

const TEAM_COLUMNS: &str = "t.id, t.organization_id, t.slug, t.name, t.date_created";

fn team_from_row(row: &Row<'_>) -> Result<Team, StoreError> {
    Ok(Team {
        id: row.get(0)?,
        organization_id: row.get(1)?,
        slug: row.get(2)?,
        name: row.get(3)?,
        date_created: from_micros(row.get(4)?)?,
    })
}

/// Returns what `user_id` may do in `organization_id`; `None` when the user does not exist.
pub(crate) fn access(
    conn: &Connection,
    organization_id: i64,
    user_id: i64,
) -> Result<Option<Access>, StoreError> {
    optional(
        conn,
        "SELECT u.is_superuser, m.role FROM users u
         LEFT JOIN memberships m ON m.user_id = u.id AND m.organization_id = ?2
         WHERE u.id = ?1",
        (user_id, organization_id),
        |row| {
            let role: Option<String> = row.get(1)?;
            Ok(Access {
                is_superuser: row.get(0)?,
                role: role.as_deref().and_then(Role::parse),
            })
        },
    )
}

/// Returns the organizations `user_id` is a member of (every one for a superuser), by slug.
pub(crate) fn visible_organizations(
    conn: &Connection,
    user_id: i64,
) -> Result<Vec<Organization>, StoreError> {
    let sql = format!(
        "SELECT {ORGANIZATION_COLUMNS} FROM organizations o
         WHERE (SELECT is_superuser FROM users WHERE id = ?1)
            OR EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = o.id AND m.user_id = ?1)
         ORDER BY o.slug"
    );
    all(conn, &sql, [user_id], organization_from_row)
}

/// Returns the projects of the organizations `user_id` sees, by organization then slug.
pub(crate) fn visible_projects(
    conn: &Connection,
    user_id: i64,
) -> Result<Vec<Project>, StoreError> {
    let sql = format!(
        "SELECT {PROJECT_COLUMNS} FROM projects p
         WHERE (SELECT is_superuser FROM users WHERE id = ?1)
            OR EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = p.organization_id AND m.user_id = ?1)
         ORDER BY p.organization_id, p.slug"
    );
    all(conn, &sql, [user_id], project_from_row)
}

pub(crate) fn teams(conn: &Connection, organization_id: i64) -> Result<Vec<Team>, StoreError> {
    let sql =
        format!("SELECT {TEAM_COLUMNS} FROM teams t WHERE t.organization_id = ?1 ORDER BY t.slug");
    all(conn, &sql, [organization_id], team_from_row)
}

pub(crate) fn team_by_slug(
    conn: &Connection,
    organization_id: i64,
    slug: &str,
) -> Result<Option<Team>, StoreError> {
    let sql =
        format!("SELECT {TEAM_COLUMNS} FROM teams t WHERE t.organization_id = ?1 AND t.slug = ?2");
    optional(conn, &sql, (organization_id, slug), team_from_row)
}

/// Returns the teams a project belongs to, by slug.
pub(crate) fn project_teams(conn: &Connection, project_id: i64) -> Result<Vec<Team>, StoreError> {
    let sql = format!(
        "SELECT {TEAM_COLUMNS} FROM teams t JOIN project_teams pt ON pt.team_id = t.id
         WHERE pt.project_id = ?1 ORDER BY t.slug"
    );
    all(conn, &sql, [project_id], team_from_row)
}

fn key_details_from_row(row: &Row<'_>) -> Result<KeyDetails, StoreError> {
    Ok(KeyDetails {
        key: key_from_row(row)?,
        label: row.get(6)?,
        date_created: from_micros(row.get(7)?)?,
    })
}

/// Returns a project's DSN keys with their names, oldest first.
pub(crate) fn key_details(
    conn: &Connection,
    project_id: i64,
) -> Result<Vec<KeyDetails>, StoreError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS}, k.label, k.date_created FROM project_keys k
         WHERE k.project_id = ?1 ORDER BY k.id"
    );
    all(conn, &sql, [project_id], key_details_from_row)
}

/// Returns one DSN key of a project by its public key.
pub(crate) fn key_detail(
    conn: &Connection,
    project_id: i64,
    public_key: &str,
) -> Result<Option<KeyDetails>, StoreError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS}, k.label, k.date_created FROM project_keys k
         WHERE k.project_id = ?1 AND k.public_key = ?2"
    );
    optional(conn, &sql, (project_id, public_key), key_details_from_row)
}
