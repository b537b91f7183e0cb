//! The ledger of scheduled runs: claimed before a run starts, closed when it ends.

use rusqlite::{params, OptionalExtension};

use super::Store;

/// One scheduled run as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The job's name (`annual_run`, `reminders`, …).
    pub job: String,
    /// The slot it ran for, a UTC stamp (one run per job and slot).
    pub scheduled_for: String,
    /// When a daemon claimed it, a UTC stamp.
    pub started_at: String,
    /// When it ended; none while it runs or after its daemon died.
    pub finished_at: Option<String>,
    /// `ok` or what failed; none until it ends.
    pub outcome: Option<String>,
    /// Until when its daemon holds it (renewed while it runs); none for old runs.
    pub lease_until: Option<String>,
}

/// Who holds a run, and until when (a UTC stamp as the ledger writes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLease {
    /// The daemon holding it (host and process id).
    pub owner: String,
    /// Until when, a UTC stamp.
    pub until: String,
}

impl Store {
    /// Claims a scheduled time for a job under a lease; `false` when it was claimed
    /// before (the run happened, or is happening). Several daemons on one database:
    /// one wins.
    pub fn claim_run(
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
    pub fn take_over_run(
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
    pub fn renew_run(
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

    /// Closes a run with its outcome (`ok` or the error).
    pub fn finish_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        now: &str,
        outcome: &str,
    ) -> anyhow::Result<()> {
        self.connection.execute(
            "UPDATE job_runs SET finished_at = ?4, outcome = ?5 WHERE city_code = ?1 AND job = ?2 AND scheduled_for = ?3",
            params![city_code, job, scheduled_for, now, outcome],
        )?;
        Ok(())
    }

    /// A run of the job that was started and never finished, if any.
    pub fn unfinished_run(&self, city_code: &str, job: &str) -> anyhow::Result<Option<JobRun>> {
        Ok(self
            .connection
            .query_row(
                "SELECT job, scheduled_for, started_at, finished_at, outcome, lease_until FROM job_runs
                 WHERE city_code = ?1 AND job = ?2 AND finished_at IS NULL ORDER BY scheduled_for LIMIT 1",
                params![city_code, job],
                read_run,
            )
            .optional()?)
    }

    /// The latest run of a job.
    pub fn last_run(&self, city_code: &str, job: &str) -> anyhow::Result<Option<JobRun>> {
        Ok(self
            .connection
            .query_row(
                "SELECT job, scheduled_for, started_at, finished_at, outcome, lease_until FROM job_runs
                 WHERE city_code = ?1 AND job = ?2 ORDER BY scheduled_for DESC LIMIT 1",
                params![city_code, job],
                read_run,
            )
            .optional()?)
    }

    /// Every run of a job, oldest first.
    pub fn runs_of(&self, city_code: &str, job: &str) -> anyhow::Result<Vec<JobRun>> {
        let mut statement = self.connection.prepare(
            "SELECT job, scheduled_for, started_at, finished_at, outcome, lease_until FROM job_runs
             WHERE city_code = ?1 AND job = ?2 ORDER BY scheduled_for",
        )?;
        let rows = statement.query_map(params![city_code, job], read_run)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn read_run(r: &rusqlite::Row) -> rusqlite::Result<JobRun> {
    Ok(JobRun {
        job: r.get(0)?,
        scheduled_for: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
        outcome: r.get(4)?,
        lease_until: r.get(5)?,
    })
}
