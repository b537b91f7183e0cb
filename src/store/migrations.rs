//! Schema migrations: the SQL files in `migrations/`, applied in order at start-up.

use anyhow::Context;
use rusqlite::Connection;

/// Every migration, in order. A new one is appended, never edited once released.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "submissions",
        include_str!("../../migrations/0001_submissions.sql"),
    ),
    (
        2,
        "plan_snapshots",
        include_str!("../../migrations/0002_plan_snapshots.sql"),
    ),
    (
        3,
        "outbox",
        include_str!("../../migrations/0003_outbox.sql"),
    ),
    (
        4,
        "job_runs",
        include_str!("../../migrations/0004_job_runs.sql"),
    ),
];

/// Applies the migrations the database has not seen yet, each in its own transaction.
pub fn apply(connection: &mut Connection) -> anyhow::Result<()> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
         )",
    )?;
    for (version, name, sql) in MIGRATIONS {
        if is_applied(connection, *version)? {
            continue;
        }
        let tx = connection.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("applying migration {version:04}_{name}"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
            (version, name),
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn is_applied(connection: &Connection, version: i64) -> rusqlite::Result<bool> {
    connection.query_row(
        "SELECT COUNT(*) FROM schema_migrations WHERE version = ?1",
        [version],
        |row| row.get::<_, i64>(0).map(|n| n > 0),
    )
}

/// The newest migration version the code knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
}
