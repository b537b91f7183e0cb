//! The ledger of scheduled runs on PostgreSQL.

use postgres::types::ToSql;
use postgres::Row;

use super::{optional_state, PostgresStore};
use crate::store::states::StoredName;
use crate::store::{JobRun, Ledger, RunCount, RunLease, RunOutcome};

impl Ledger for PostgresStore {
    fn claim_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        now: &str,
        lease: &RunLease,
    ) -> anyhow::Result<bool> {
        // The primary key is the claim: of replicas inserting the same time at once,
        // one inserts and the others wait for it, then insert nothing.
        let inserted = self.changed(
            "INSERT INTO job_runs (city_code, job, scheduled_for, started_at, owner, lease_until)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[
                &city_code,
                &job,
                &scheduled_for,
                &now,
                &lease.owner,
                &lease.until,
            ],
        )?;
        Ok(inserted == 1)
    }

    fn take_over_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        now: &str,
        lease: &RunLease,
    ) -> anyhow::Result<bool> {
        // The row lock serialises two replicas; the second re-reads the condition on
        // the row the first wrote (a lease now in the future) and changes nothing.
        let changed = self.changed(
            "UPDATE job_runs SET owner = $5, lease_until = $6
             WHERE city_code = $1 AND job = $2 AND scheduled_for = $3 AND finished_at IS NULL
               AND (lease_until IS NULL OR lease_until < $4)",
            &[
                &city_code,
                &job,
                &scheduled_for,
                &now,
                &lease.owner,
                &lease.until,
            ],
        )?;
        Ok(changed == 1)
    }

    fn renew_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        lease: &RunLease,
    ) -> anyhow::Result<bool> {
        let changed = self.changed(
            "UPDATE job_runs SET lease_until = $5
             WHERE city_code = $1 AND job = $2 AND scheduled_for = $3 AND owner = $4
               AND finished_at IS NULL",
            &[&city_code, &job, &scheduled_for, &lease.owner, &lease.until],
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
        self.changed(
            "UPDATE job_runs SET finished_at = $4, outcome = $5, failure = $6
             WHERE city_code = $1 AND job = $2 AND scheduled_for = $3",
            &[
                &city_code,
                &job,
                &scheduled_for,
                &now,
                &outcome.as_str(),
                &failure,
            ],
        )?;
        Ok(())
    }

    fn unfinished_run(&self, city_code: &str, job: &str) -> anyhow::Result<Option<JobRun>> {
        let runs = self.runs(
            &format!(
                "SELECT {RUN_COLUMNS} FROM job_runs
                 WHERE city_code = $1 AND job = $2 AND finished_at IS NULL ORDER BY scheduled_for LIMIT 1"
            ),
            &[&city_code, &job],
        )?;
        Ok(runs.into_iter().next())
    }

    fn last_run(&self, city_code: &str, job: &str) -> anyhow::Result<Option<JobRun>> {
        let runs = self.runs(
            &format!(
                "SELECT {RUN_COLUMNS} FROM job_runs
                 WHERE city_code = $1 AND job = $2 ORDER BY scheduled_for DESC LIMIT 1"
            ),
            &[&city_code, &job],
        )?;
        Ok(runs.into_iter().next())
    }

    fn runs_of(&self, city_code: &str, job: &str) -> anyhow::Result<Vec<JobRun>> {
        self.runs(
            &format!(
                "SELECT {RUN_COLUMNS} FROM job_runs
                 WHERE city_code = $1 AND job = $2 ORDER BY scheduled_for"
            ),
            &[&city_code, &job],
        )
    }

    fn recent_runs(&self, city_code: &str, job: &str, limit: i64) -> anyhow::Result<Vec<JobRun>> {
        self.runs(
            &format!(
                "SELECT {RUN_COLUMNS} FROM job_runs
                 WHERE city_code = $1 AND job = $2 ORDER BY scheduled_for DESC LIMIT $3"
            ),
            &[&city_code, &job, &limit],
        )
    }

    fn run_counts(&self, city_code: &str) -> anyhow::Result<Vec<RunCount>> {
        let sql = "SELECT job, outcome, COUNT(*) FROM job_runs
                   WHERE city_code = $1 GROUP BY job, outcome ORDER BY job, COALESCE(outcome, '')";
        self.run(|client| {
            let rows = client.query(sql, &[&city_code])?;
            rows.iter()
                .map(|r| {
                    Ok(RunCount {
                        job: r.try_get(0)?,
                        outcome: optional_state(r, 1)?,
                        count: r.try_get(2)?,
                    })
                })
                .collect()
        })
    }
}

impl PostgresStore {
    /// The runs a query selects, read by [`read_run`].
    fn runs(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> anyhow::Result<Vec<JobRun>> {
        self.run(|client| client.query(sql, params)?.iter().map(read_run).collect())
    }
}

/// The columns [`read_run`] reads, in its order.
const RUN_COLUMNS: &str =
    "job, scheduled_for, started_at, finished_at, outcome, failure, lease_until";

fn read_run(r: &Row) -> anyhow::Result<JobRun> {
    Ok(JobRun {
        job: r.try_get(0)?,
        scheduled_for: r.try_get(1)?,
        started_at: r.try_get(2)?,
        finished_at: r.try_get(3)?,
        outcome: optional_state(r, 4)?,
        failure: r.try_get(5)?,
        lease_until: r.try_get(6)?,
    })
}
