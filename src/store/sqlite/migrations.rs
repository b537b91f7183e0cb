//! Schema migrations: the SQL files in `migrations/`, applied in order at start-up.
//!
//! Several processes may open a new or older store at once (`run --once` beside
//! `serve`): the migrations are applied under the database's write lock, and the
//! version is read again once the lock is held, so each runs exactly once and the
//! others wait for it instead of failing.

use anyhow::Context;
use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order. A new one is appended, never edited once released.
pub(super) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "submissions",
        include_str!("../../../migrations/0001_submissions.sql"),
    ),
    (
        2,
        "plan_snapshots",
        include_str!("../../../migrations/0002_plan_snapshots.sql"),
    ),
    (
        3,
        "outbox",
        include_str!("../../../migrations/0003_outbox.sql"),
    ),
    (
        4,
        "job_runs",
        include_str!("../../../migrations/0004_job_runs.sql"),
    ),
    (
        5,
        "delivery_leases",
        include_str!("../../../migrations/0005_delivery_leases.sql"),
    ),
    (
        6,
        "job_run_leases",
        include_str!("../../../migrations/0006_job_run_leases.sql"),
    ),
    (
        7,
        "run_failures",
        include_str!("../../../migrations/0007_run_failures.sql"),
    ),
    (
        8,
        "provisional_figures",
        include_str!("../../../migrations/0008_provisional_figures.sql"),
    ),
    (
        9,
        "web_sessions",
        include_str!("../../../migrations/0009_web_sessions.sql"),
    ),
    (
        10,
        "uploaded_by",
        include_str!("../../../migrations/0010_uploaded_by.sql"),
    ),
    (
        11,
        "one_unfinished_run",
        include_str!("../../../migrations/0011_one_unfinished_run.sql"),
    ),
    (
        12,
        "collections",
        include_str!("../../../migrations/0012_collections.sql"),
    ),
];

/// Applies the migrations the database has not seen yet, all in one transaction that
/// holds the write lock from its start (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL an
/// advisory lock plays that part). An up-to-date store takes no lock at all.
pub fn apply(connection: &mut Connection) -> anyhow::Result<()> {
    let applied = applied_version(connection).unwrap_or(0);
    crate::store::refuse_newer(applied)?;
    if applied >= latest_version() {
        return Ok(());
    }
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
         )",
    )?;
    // Read again under the lock: another process may have migrated meanwhile.
    let applied = applied_version(&tx)?;
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > applied) {
        tx.execute_batch(sql)
            .with_context(|| format!("applying migration {version:04}_{name}"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
            (version, name),
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The newest version applied; an error when the table does not exist yet.
fn applied_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )
}

/// The newest migration version the code knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
}

#[cfg(test)]
mod tests {
    use crate::store::sqlite::SqliteStore as Store;
    use crate::store::Backend;

    #[test]
    fn processes_opening_a_new_store_at_once_all_succeed_and_migrate_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hakusho.sqlite3");
        let start = std::sync::Arc::new(std::sync::Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let (path, start) = (path.clone(), std::sync::Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    Store::open(&path).map(|store| store.schema_version().unwrap())
                })
            })
            .collect();
        for opener in openers {
            assert_eq!(opener.join().unwrap().unwrap(), super::latest_version());
        }
        let store = Store::open(&path).unwrap();
        let rows: i64 = store
            .connection
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, super::latest_version());
    }
}
