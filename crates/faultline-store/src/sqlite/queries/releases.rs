//! Releases, their projects and deploys: the reads, the administrative writes (run alone on
//! the writer), and the once-per-batch filing of what the batch's events said about releases.

use rusqlite::{Connection, OptionalExtension, Row};

use super::access::{all, optional};
use crate::StoreError;
use crate::codec::{count, from_micros, micros};
use crate::limits::RELEASE_PAGE_LIMIT_MAX;
use crate::model::{Deploy, NewDeploy, Release, ReleaseChanges, ReleaseProject, ReleaseQuery};

const RELEASE_COLUMNS: &str =
    "r.id, r.organization_id, r.version, r.ref, r.url, r.date_created, r.date_released";
const DEPLOY_COLUMNS: &str = "id, environment, name, url, date_started, date_finished";

/// What a batch's events said about one project's release: new issues, the events' time
/// bounds, and when the first of them was received (the release's creation time when the
/// events bring it into existence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReleaseDelta {
    pub(crate) new_groups: i64,
    pub(crate) first_event_us: i64,
    pub(crate) last_event_us: i64,
    pub(crate) first_received_us: i64,
}

impl ReleaseDelta {
    /// Folds a later delta into this one.
    pub(crate) fn merge(&mut self, later: &ReleaseDelta) {
        self.new_groups += later.new_groups;
        self.first_event_us = self.first_event_us.min(later.first_event_us);
        self.last_event_us = self.last_event_us.max(later.last_event_us);
        self.first_received_us = self.first_received_us.min(later.first_received_us);
    }
}

/// Files what a batch's events said about a project's release: adds the project to the
/// release, counts the new issues and widens the event times; creates the organization's
/// release row first when these are its first events. Called once per (project, release) per
/// batch: one upsert in the usual case (the release exists), three for a new release.
/// Returns `false` when the project no longer exists (nothing is written).
pub(crate) fn record_release(
    conn: &Connection,
    project_id: i64,
    version: &str,
    delta: &ReleaseDelta,
) -> Result<bool, StoreError> {
    if upsert_release_project(conn, project_id, version, delta)? {
        return Ok(true);
    }
    let mut insert_release = conn.prepare_cached(
        "INSERT INTO releases (organization_id, version, date_created)
         SELECT organization_id, ?2, ?3 FROM projects WHERE id = ?1
         ON CONFLICT (organization_id, version) DO NOTHING",
    )?;
    insert_release.execute((project_id, version, delta.first_received_us))?;
    upsert_release_project(conn, project_id, version, delta)
}

/// Upserts the project's `release_projects` row; returns `false` when the release row does
/// not exist yet (nothing was written).
fn upsert_release_project(
    conn: &Connection,
    project_id: i64,
    version: &str,
    delta: &ReleaseDelta,
) -> Result<bool, StoreError> {
    let mut upsert = conn.prepare_cached(
        "INSERT INTO release_projects (release_id, project_id, new_groups, first_event, last_event)
         SELECT r.id, p.id, ?3, ?4, ?5 FROM projects p
         JOIN releases r ON r.organization_id = p.organization_id AND r.version = ?2
         WHERE p.id = ?1
         ON CONFLICT (release_id, project_id) DO UPDATE SET
             new_groups = new_groups + excluded.new_groups,
             first_event = min(coalesce(first_event, excluded.first_event), excluded.first_event),
             last_event = max(coalesce(last_event, excluded.last_event), excluded.last_event)",
    )?;
    let changed = upsert.execute((
        project_id,
        version,
        delta.new_groups,
        delta.first_event_us,
        delta.last_event_us,
    ))?;
    Ok(changed == 1)
}

fn release_id(
    conn: &Connection,
    organization_id: i64,
    version: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id FROM releases WHERE organization_id = ?1 AND version = ?2")?
        .query_row((organization_id, version), |row| row.get(0))
        .optional()?)
}

/// Creates a release (or finds the existing one) and applies `changes`; returns the release
/// and whether the row was created.
pub(crate) fn create_release(
    conn: &Connection,
    organization_id: i64,
    version: &str,
    changes: &ReleaseChanges,
    now_us: i64,
) -> Result<(Release, bool), StoreError> {
    let created = conn
        .prepare_cached(
            "INSERT INTO releases (organization_id, version, date_created) VALUES (?1, ?2, ?3)
             ON CONFLICT (organization_id, version) DO NOTHING",
        )?
        .execute((organization_id, version, now_us))?
        == 1;
    apply_changes(conn, organization_id, version, changes)?;
    let release = release(conn, organization_id, version)?
        .ok_or_else(|| StoreError::Invalid(format!("release {version:?} vanished")))?;
    Ok((release, created))
}

/// Applies `changes` to an existing release; returns `None` when there is no such release.
pub(crate) fn update_release(
    conn: &Connection,
    organization_id: i64,
    version: &str,
    changes: &ReleaseChanges,
) -> Result<Option<Release>, StoreError> {
    if release_id(conn, organization_id, version)?.is_none() {
        return Ok(None);
    }
    apply_changes(conn, organization_id, version, changes)?;
    release(conn, organization_id, version)
}

fn apply_changes(
    conn: &Connection,
    organization_id: i64,
    version: &str,
    changes: &ReleaseChanges,
) -> Result<(), StoreError> {
    let release_id = release_id(conn, organization_id, version)?
        .ok_or_else(|| StoreError::Invalid(format!("unknown release {version:?}")))?;
    conn.prepare_cached(
        "UPDATE releases SET ref = coalesce(?2, ref), url = coalesce(?3, url),
             date_released = coalesce(?4, date_released)
         WHERE id = ?1",
    )?
    .execute((
        release_id,
        &changes.git_ref,
        &changes.url,
        changes.date_released.map(micros),
    ))?;
    let mut add_project = conn.prepare_cached(
        "INSERT INTO release_projects (release_id, project_id)
         SELECT ?1, id FROM projects WHERE id = ?2 AND organization_id = ?3
         ON CONFLICT (release_id, project_id) DO NOTHING",
    )?;
    for project_id in &changes.project_ids {
        add_project.execute((release_id, project_id, organization_id))?;
    }
    Ok(())
}

/// Deletes a release with its project rows and deploys; returns `false` when there was none.
pub(crate) fn delete_release(
    conn: &Connection,
    organization_id: i64,
    version: &str,
) -> Result<bool, StoreError> {
    let Some(release_id) = release_id(conn, organization_id, version)? else {
        return Ok(false);
    };
    conn.prepare_cached("DELETE FROM deploys WHERE release_id = ?1")?
        .execute([release_id])?;
    conn.prepare_cached("DELETE FROM release_projects WHERE release_id = ?1")?
        .execute([release_id])?;
    conn.prepare_cached("DELETE FROM releases WHERE id = ?1")?
        .execute([release_id])?;
    Ok(true)
}

/// Records a deploy of a release; returns `None` when there is no such release.
pub(crate) fn create_deploy(
    conn: &Connection,
    organization_id: i64,
    version: &str,
    deploy: &NewDeploy,
    now_us: i64,
) -> Result<Option<Deploy>, StoreError> {
    let Some(release_id) = release_id(conn, organization_id, version)? else {
        return Ok(None);
    };
    let sql = format!(
        "INSERT INTO deploys (release_id, environment, name, url, date_started, date_finished)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING {DEPLOY_COLUMNS}"
    );
    optional(
        conn,
        &sql,
        (
            release_id,
            &deploy.environment,
            &deploy.name,
            &deploy.url,
            deploy.date_started.map(micros),
            deploy.date_finished.map_or(now_us, micros),
        ),
        deploy_from_row,
    )
}

fn deploy_from_row(row: &Row<'_>) -> Result<Deploy, StoreError> {
    let date_started: Option<i64> = row.get(4)?;
    Ok(Deploy {
        id: row.get(0)?,
        environment: row.get(1)?,
        name: row.get(2)?,
        url: row.get(3)?,
        date_started: date_started.map(from_micros).transpose()?,
        date_finished: from_micros(row.get(5)?)?,
    })
}

/// Returns a release's deploys, newest first.
pub(crate) fn deploys(conn: &Connection, release_id: i64) -> Result<Vec<Deploy>, StoreError> {
    let sql = format!(
        "SELECT {DEPLOY_COLUMNS} FROM deploys WHERE release_id = ?1
         ORDER BY date_finished DESC, id DESC"
    );
    all(conn, &sql, [release_id], deploy_from_row)
}

/// The release row before its projects and deploys are attached.
fn bare_release(row: &Row<'_>) -> Result<Release, StoreError> {
    let date_released: Option<i64> = row.get(6)?;
    Ok(Release {
        id: row.get(0)?,
        organization_id: row.get(1)?,
        version: row.get(2)?,
        git_ref: row.get(3)?,
        url: row.get(4)?,
        date_created: from_micros(row.get(5)?)?,
        date_released: date_released.map(from_micros).transpose()?,
        projects: Vec::new(),
        deploy_count: 0,
        last_deploy: None,
    })
}

fn attach_details(conn: &Connection, mut release: Release) -> Result<Release, StoreError> {
    release.projects = all(
        conn,
        "SELECT p.id, p.slug, p.name, p.platform, rp.new_groups, rp.first_event, rp.last_event
         FROM release_projects rp JOIN projects p ON p.id = rp.project_id
         WHERE rp.release_id = ?1 ORDER BY p.slug",
        [release.id],
        |row| {
            let first_event: Option<i64> = row.get(5)?;
            let last_event: Option<i64> = row.get(6)?;
            Ok(ReleaseProject {
                project_id: row.get(0)?,
                slug: row.get(1)?,
                name: row.get(2)?,
                platform: row.get(3)?,
                new_groups: count(row.get(4)?)?,
                first_event: first_event.map(from_micros).transpose()?,
                last_event: last_event.map(from_micros).transpose()?,
            })
        },
    )?;
    release.deploy_count = count(
        conn.prepare_cached("SELECT count(*) FROM deploys WHERE release_id = ?1")?
            .query_row([release.id], |row| row.get(0))?,
    )?;
    let sql = format!(
        "SELECT {DEPLOY_COLUMNS} FROM deploys WHERE release_id = ?1
         ORDER BY date_finished DESC, id DESC LIMIT 1"
    );
    release.last_deploy = optional(conn, &sql, [release.id], deploy_from_row)?;
    Ok(release)
}

/// Returns an organization's release `version` with its projects and deploys.
pub(crate) fn release(
    conn: &Connection,
    organization_id: i64,
    version: &str,
) -> Result<Option<Release>, StoreError> {
    let sql = format!(
        "SELECT {RELEASE_COLUMNS} FROM releases r WHERE r.organization_id = ?1 AND r.version = ?2"
    );
    match optional(conn, &sql, (organization_id, version), bare_release)? {
        Some(release) => attach_details(conn, release).map(Some),
        None => Ok(None),
    }
}

/// Parses a release cursor `<date_created_micros>:<id>` (client input).
fn parse_cursor(text: &str) -> Result<(i64, i64), StoreError> {
    let invalid = || StoreError::Invalid(format!("malformed release cursor: {text:?}"));
    let (created, id) = text.split_once(':').ok_or_else(invalid)?;
    Ok((
        created.parse().map_err(|_| invalid())?,
        id.parse().map_err(|_| invalid())?,
    ))
}

/// Returns a page of an organization's releases, newest first (keyset on `(date_created, id)`).
pub(crate) fn releases(
    conn: &Connection,
    organization_id: i64,
    query: &ReleaseQuery,
) -> Result<Vec<Release>, StoreError> {
    let (created_us, id) = match &query.cursor {
        Some(text) => parse_cursor(text)?,
        None => (i64::MAX, i64::MAX),
    };
    let limit = query.limit.clamp(1, RELEASE_PAGE_LIMIT_MAX) as i64;
    let prefix = query.version_prefix.clone().unwrap_or_default();
    let sql = format!(
        "SELECT {RELEASE_COLUMNS} FROM releases r
         WHERE r.organization_id = ?1 AND (r.date_created, r.id) < (?2, ?3)
           AND substr(r.version, 1, length(?4)) = ?4
           AND (?5 IS NULL OR EXISTS (SELECT 1 FROM release_projects rp
                                      WHERE rp.release_id = r.id AND rp.project_id = ?5))
         ORDER BY r.date_created DESC, r.id DESC LIMIT ?6"
    );
    let bare = all(
        conn,
        &sql,
        rusqlite::params![
            organization_id,
            created_us,
            id,
            prefix,
            query.project_id,
            limit
        ],
        bare_release,
    )?;
    bare.into_iter()
        .map(|release| attach_details(conn, release))
        .collect()
}
