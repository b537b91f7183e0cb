//! Schema migrations on PostgreSQL: the files in `migrations/postgres/`, numbered and
//! meaning as SQLite's in `migrations/`, in PostgreSQL's dialect.
//!
//! Replicas starting at once on a new or older database must migrate it once: the
//! migrations are applied in one transaction that first takes a transaction-level
//! advisory lock (`pg_advisory_xact_lock`, SQLite's `BEGIN IMMEDIATE` here), and the
//! version is read again once the lock is held; the others wait for it, then find
//! nothing left to do.

use anyhow::Context;
use postgres::{Client, GenericClient};

/// Every migration, in order: the same numbers and names as SQLite's.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "submissions",
        include_str!("../../../migrations/postgres/0001_submissions.sql"),
    ),
    (
        2,
        "plan_snapshots",
        include_str!("../../../migrations/postgres/0002_plan_snapshots.sql"),
    ),
    (
        3,
        "outbox",
        include_str!("../../../migrations/postgres/0003_outbox.sql"),
    ),
    (
        4,
        "job_runs",
        include_str!("../../../migrations/postgres/0004_job_runs.sql"),
    ),
    (
        5,
        "delivery_leases",
        include_str!("../../../migrations/postgres/0005_delivery_leases.sql"),
    ),
    (
        6,
        "job_run_leases",
        include_str!("../../../migrations/postgres/0006_job_run_leases.sql"),
    ),
    (
        7,
        "run_failures",
        include_str!("../../../migrations/postgres/0007_run_failures.sql"),
    ),
    (
        8,
        "provisional_figures",
        include_str!("../../../migrations/postgres/0008_provisional_figures.sql"),
    ),
    (
        9,
        "web_sessions",
        include_str!("../../../migrations/postgres/0009_web_sessions.sql"),
    ),
    (
        10,
        "uploaded_by",
        include_str!("../../../migrations/postgres/0010_uploaded_by.sql"),
    ),
    (
        11,
        "one_unfinished_run",
        include_str!("../../../migrations/postgres/0011_one_unfinished_run.sql"),
    ),
    (
        12,
        "collections",
        include_str!("../../../migrations/postgres/0012_collections.sql"),
    ),
];

/// The advisory lock's key: "hakusho" in ASCII, one number for every replica.
const MIGRATION_LOCK: i64 = 0x0068_616b_7573_686f;

/// The bookkeeping table, as SQLite's (its default time written as SQLite writes it).
const SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
)";

/// Applies the migrations the database has not seen yet, in one transaction under the
/// advisory lock. An up-to-date database takes no lock at all.
pub fn apply(client: &mut Client) -> anyhow::Result<()> {
    let applied = applied_version(client)?;
    crate::store::refuse_newer(applied)?;
    if applied >= latest_version() {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(SCHEMA_MIGRATIONS)?;
    // Read again under the lock: another replica may have migrated meanwhile.
    let applied = applied_version(&mut tx)?;
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > applied) {
        tx.batch_execute(sql)
            .with_context(|| format!("applying migration {version:04}_{name}"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The newest version applied; 0 when the database holds no store yet.
pub fn applied_version(client: &mut impl GenericClient) -> anyhow::Result<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?
        .try_get(0)?;
    if !exists {
        return Ok(0);
    }
    let row = client.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?;
    Ok(row.try_get(0)?)
}

/// The newest migration version of the PostgreSQL folder.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
}

/// The version numbers, in order (compared with SQLite's in the tests).
#[cfg(test)]
pub fn versions() -> Vec<(i64, &'static str)> {
    MIGRATIONS.iter().map(|(v, name, _)| (*v, *name)).collect()
}
