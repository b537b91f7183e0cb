//! The ledger of scheduled runs on SQLite.

use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::store::{JobRun, Ledger, RunCount, RunLease, RunOutcome};

impl Ledger for SqliteStore {
    /// Claims a scheduled time for a job under a lease; `false` when it was claimed
    /// before (the run happened, or is happening). Several daemons on one database:
    /// one wins.
    fn claim_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        now: &str,
        lease: &RunLease,
    ) -> anyhow::Result<bool> {
        let inserted = self.connection.execute(
            // The primary key is the claim: a second insert of the same time is ignored.
            "INSERT INTO job_runs (city_code, job, scheduled_for, started_at, owner, lease_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            params![city_code, job, scheduled_for, now, lease.owner, lease.until],
        )?;
        Ok(inserted == 1)
    }

    /// Takes over an unfinished run whose lease ran out (its daemon died); `false` when
    /// it is finished or still held. One statement, so two daemons never both win.
    fn take_over_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        now: &str,
        lease: &RunLease,
    ) -> anyhow::Result<bool> {
        let changed = self.connection.execute(
            "UPDATE job_runs SET owner = ?5, lease_until = ?6
             WHERE city_code = ?1 AND job = ?2 AND scheduled_for = ?3 AND finished_at IS NULL
               AND (lease_until IS NULL OR lease_until < ?4)",
            params![city_code, job, scheduled_for, now, lease.owner, lease.until],
        )?;
        Ok(changed == 1)
    }

    /// Extends the lease of a run this owner still holds; `false` when it no longer does.
    fn renew_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        lease: &RunLease,
    ) -> anyhow::Result<bool> {
        let changed = self.connection.execute(
            "UPDATE job_runs SET lease_until = ?5
             WHERE city_code = ?1 AND job = ?2 AND scheduled_for = ?3 AND owner = ?4
               AND finished_at IS NULL",
            params![city_code, job, scheduled_for, lease.owner, lease.until],
        )?;
        Ok(changed == 1)
    }

    fn finish_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        now: &str,
        outcome: RunOutcome,
        failure: Option<&str>,
    ) -> anyhow::Result<()> {
        self.connection.execute(
            "UPDATE job_runs SET finished_at = ?4, outcome = ?5, failure = ?6
             WHERE city_code = ?1 AND job = ?2 AND scheduled_for = ?3",
            params![city_code, job, scheduled_for, now, outcome, failure],
        )?;
        Ok(())
    }

    /// A run of the job that was started and never finished, if any.
    fn unfinished_run(&self, city_code: &str, job: &str) -> anyhow::Result<Option<JobRun>> {
        Ok(self
            .connection
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM job_runs
                 WHERE city_code = ?1 AND job = ?2 AND finished_at IS NULL ORDER BY scheduled_for LIMIT 1"),
                params![city_code, job],
                read_run,
            )
            .optional()?)
    }

    /// The latest run of a job.
    fn last_run(&self, city_code: &str, job: &str) -> anyhow::Result<Option<JobRun>> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM job_runs
                 WHERE city_code = ?1 AND job = ?2 ORDER BY scheduled_for DESC LIMIT 1"
                ),
                params![city_code, job],
                read_run,
            )
            .optional()?)
    }

    /// Every run of a job, oldest first.
    fn runs_of(&self, city_code: &str, job: &str) -> anyhow::Result<Vec<JobRun>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM job_runs
             WHERE city_code = ?1 AND job = ?2 ORDER BY scheduled_for"
        ))?;
        let rows = statement.query_map(params![city_code, job], read_run)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn recent_runs(&self, city_code: &str, job: &str, limit: i64) -> anyhow::Result<Vec<JobRun>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM job_runs
             WHERE city_code = ?1 AND job = ?2 ORDER BY scheduled_for DESC LIMIT ?3"
        ))?;
        let rows = statement.query_map(params![city_code, job, limit], read_run)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn run_counts(&self, city_code: &str) -> anyhow::Result<Vec<RunCount>> {
        let mut statement = self.connection.prepare(
            "SELECT job, outcome, COUNT(*) FROM job_runs
             WHERE city_code = ?1 GROUP BY job, outcome ORDER BY job, COALESCE(outcome, '')",
        )?;
        let rows = statement.query_map(params![city_code], |r| {
            Ok(RunCount {
                job: r.get(0)?,
                outcome: r.get(1)?,
                count: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The columns [`read_run`] reads, in its order.
const RUN_COLUMNS: &str =
    "job, scheduled_for, started_at, finished_at, outcome, failure, lease_until";

fn read_run(r: &rusqlite::Row) -> rusqlite::Result<JobRun> {
    Ok(JobRun {
        job: r.get(0)?,
        scheduled_for: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
        outcome: r.get(4)?,
        failure: r.get(5)?,
        lease_until: r.get(6)?,
    })
}
