//! Embedded migrations. Each file `migrations/sqlite/NNNN_name.sql` is compiled in and applied
//! once, in its own transaction, recorded in `schema_migrations`. Migrations are append-only:
//! an applied file is never edited, a change is a new file.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// One embedded migration.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

/// Every migration, in version order (a test checks this against the directory).
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "project_options",
        sql: include_str!("../../migrations/sqlite/0002_project_options.sql"),
    },
    Migration {
        version: 3,
        name: "releases",
        sql: include_str!("../../migrations/sqlite/0003_releases.sql"),
    },
    Migration {
        version: 4,
        name: "accounts",
        sql: include_str!("../../migrations/sqlite/0004_accounts.sql"),
    },
    Migration {
        version: 5,
        name: "workflow",
        sql: include_str!("../../migrations/sqlite/0005_workflow.sql"),
    },
    Migration {
        version: 6,
        name: "search",
        sql: include_str!("../../migrations/sqlite/0006_search.sql"),
    },
    Migration {
        version: 7,
        name: "issue_ids",
        sql: include_str!("../../migrations/sqlite/0007_issue_ids.sql"),
    },
];

/// Applies the migrations the database lacks and returns how many ran.
///
/// Fails without changing anything when the database was migrated by a newer faultline
/// (it has versions this binary does not know), rather than run on a schema it cannot read.
pub(crate) fn run(conn: &mut Connection, now_us: i64) -> Result<usize, StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT    NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let current: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )?;
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if current > known {
        return Err(StoreError::Invalid(format!(
            "database schema version {current} is newer than this faultline ({known}); upgrade faultline"
        )));
    }
    let mut applied = 0;
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            (migration.version, migration.name, now_us),
        )?;
        tx.commit()?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_match_the_directory_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.ends_with(".sql"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let expected: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{:04}_{}.sql", m.version, m.name))
            .collect();
        assert_eq!(files, expected);
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                migration.version,
                index as i64 + 1,
                "versions are 1, 2, 3, ..."
            );
        }
    }

    #[test]
    fn running_twice_applies_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(run(&mut conn, 0).unwrap(), MIGRATIONS.len());
        assert_eq!(run(&mut conn, 0).unwrap(), 0);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, 0).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations VALUES (999, 'future', 0)",
            [],
        )
        .unwrap();
        assert!(matches!(run(&mut conn, 0), Err(StoreError::Invalid(_))));
    }
}
