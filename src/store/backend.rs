//! What a database must do to hold hakusho's store: four narrow traits, one per part of
//! the schema, and [`Backend`] that joins them. SQLite ([`super::sqlite`]) and
//! PostgreSQL ([`super::postgres`]) implement them with the same semantics (a test runs
//! every method on both and compares the answers).
//!
//! Each method is one unit of work: where rows must be written together (a submission
//! and its receipt, a message and its deliveries, a batch of failures marked reported),
//! the method opens and commits the transaction itself, so the traits carry no
//! transaction object. Times are UTC stamps as text (`YYYY-MM-DDTHH:MM:SSZ`), which sort
//! as text on every database. No method is generic, so `dyn Backend` works.
//!
//! Several cities share one database: every method that finds rows takes the city's
//! code and must keep to it. The few that take only an id (`findings_of`, `message`, and
//! the claim outcomes `mark_sent`, `mark_retry`, `mark_failed`, `release`) are given ids
//! that a method keyed by the city returned (`current_submissions`, `claim_next`), and an
//! outcome is written only under the claim's token, so one city's work never holds
//! another's ids (`tests/cities.rs` checks it end to end).

use super::{
    Claim, CurrentSubmission, Delivery, DeliveryPause, DeliveryState, EarlierFigures, HistoryEntry,
    JobRun, NewMessage, NewSubmission, OutboxCounts, OutboxEntry, Recorded, RunCount, RunLease,
    RunOutcome, StoredMessage, StoredSubmission, SubmissionState, UnreportedMessage,
};
use crate::domain::{Finding, FiscalYear};
use crate::plan::PlanTexts;

/// Submissions, their findings and their content.
pub trait Submissions {
    /// The submission with these bytes, if they were received before.
    fn submission_by_hash(
        &self,
        city_code: &str,
        sha256: &str,
    ) -> anyhow::Result<Option<StoredSubmission>>;

    /// Records a submission and queues the message that answers it (its receipt) in
    /// one transaction, so a restart finds both or neither. When another process
    /// recorded the same bytes first, nothing is written and its row is returned: the
    /// receipt it queued with it is the one that goes out.
    fn record_answered_submission(
        &mut self,
        new: &NewSubmission,
        answer: Option<&NewMessage>,
        now: &str,
    ) -> anyhow::Result<Recorded>;

    /// Records a submission, its findings and (when accepted) its content, atomically.
    /// Fails when these bytes were recorded before.
    fn record_submission(&mut self, new: &NewSubmission) -> anyhow::Result<i64> {
        match self.record_answered_submission(new, None, "")? {
            Recorded::New(id) => Ok(id),
            Recorded::Known(known) => {
                anyhow::bail!("submission {} was recorded before", known.id)
            }
        }
    }

    /// For each department, its latest accepted submission for the year.
    fn current_submissions(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<CurrentSubmission>>;

    /// For each department, indicator and KPI, the figure of its latest accepted
    /// submission of a fiscal year before `before` (last year's when there is one).
    fn earlier_figures(
        &self,
        city_code: &str,
        before: FiscalYear,
    ) -> anyhow::Result<EarlierFigures>;

    /// Each department's latest submission for the year (accepted or not), with how
    /// many errors and warnings it drew.
    fn latest_by_department(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<SubmissionState>>;

    /// The fiscal years with an accepted submission, oldest first.
    fn fiscal_years(&self, city_code: &str) -> anyhow::Result<Vec<FiscalYear>>;

    /// The findings recorded for a submission, in the order they were found.
    fn findings_of(&self, submission_id: i64) -> anyhow::Result<Vec<Finding>>;

    /// Every version a department submitted (of `fiscal_year`, or of every year and
    /// none read when `None`), newest first, with who uploaded it and its verdict. Only
    /// the rows of this city and this department: what a department's page lists.
    fn department_history(
        &self,
        city_code: &str,
        department: &str,
        fiscal_year: Option<FiscalYear>,
    ) -> anyhow::Result<Vec<HistoryEntry>>;

    /// One version, when it is of this city and this department (`None` otherwise, as
    /// for an id that does not exist: a department never reads another's rows).
    fn department_submission(
        &self,
        city_code: &str,
        department: &str,
        id: i64,
    ) -> anyhow::Result<Option<HistoryEntry>>;
}

/// The plan's reference data as used for each fiscal year.
pub trait PlanSnapshots {
    /// The plan's reference data used for a fiscal year, if it was kept.
    fn plan_snapshot(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Option<PlanTexts>>;

    /// Keeps the plan's reference data for a fiscal year (the first one kept stays).
    fn keep_plan_snapshot(
        &mut self,
        city_code: &str,
        fiscal_year: FiscalYear,
        texts: &PlanTexts,
    ) -> anyhow::Result<()>;
}

/// Messages, one delivery per recipient, claims on deliveries, and delivery pauses.
///
/// A copy is taken by [`Outbox::claim_next`], one statement that marks it
/// [`DeliveryState::Sending`] with the sender's claim token and a lease expiry; an
/// outcome is written only where the claim is still the sender's (`false` otherwise).
pub trait Outbox {
    /// Writes a message and a delivery per recipient, unless a message with the same
    /// key exists: then nothing is written and `false` is returned.
    fn enqueue_message(
        &mut self,
        city_code: &str,
        message: &NewMessage,
        now: &str,
    ) -> anyhow::Result<bool>;

    /// Whether a message with this key was queued before (sent or not).
    fn has_message(&self, city_code: &str, key: &str) -> anyhow::Result<bool>;

    /// Every delivery in a state, oldest first.
    fn deliveries_in(&self, city_code: &str, state: DeliveryState)
        -> anyhow::Result<Vec<Delivery>>;

    /// A stored message with its attachments.
    fn message(&self, id: i64) -> anyhow::Result<StoredMessage>;

    /// Claims the first copy after `after_id` that is due, or whose sender's lease
    /// expired: it becomes `sending` with this claim's token and lease, and counts one
    /// attempt. `None` when nothing is left to claim. Two claims never get one copy.
    fn claim_next(
        &mut self,
        city_code: &str,
        after_id: i64,
        claim: Claim,
    ) -> anyhow::Result<Option<Delivery>>;

    /// The server accepted the copy. `false` when the claim was no longer ours (its
    /// lease ran out and another sender took the copy): nothing is changed then.
    fn mark_sent(&mut self, delivery: i64, token: &str, now: &str) -> anyhow::Result<bool>;

    /// A transient failure: try again at `next`. `false` when the claim was lost.
    fn mark_retry(
        &mut self,
        delivery: i64,
        token: &str,
        next: &str,
        error: &str,
    ) -> anyhow::Result<bool>;

    /// A permanent failure, or too many transient ones: give up on this copy.
    /// `false` when the claim was lost.
    fn mark_failed(&mut self, delivery: i64, token: &str, error: &str) -> anyhow::Result<bool>;

    /// Gives a copy back untried, its attempt not counted: the sender's own setting
    /// failed, not this copy. `false` when the claim was lost.
    fn release(&mut self, delivery: i64, token: &str, error: &str) -> anyhow::Result<bool>;

    /// Copies marked undeliverable go back to the queue, due at `now`, with their
    /// attempts reset (the operator fixed the cause). Returns how many.
    fn requeue_failed(&mut self, city_code: &str, now: &str) -> anyhow::Result<usize>;

    /// Records that delivery is paused (or still is, as of `now`). `true` when it was
    /// not paused before.
    fn pause_delivery(&mut self, city_code: &str, reason: &str, now: &str) -> anyhow::Result<bool>;

    /// Ends a pause; `true` when delivery was paused.
    fn resume_delivery(&mut self, city_code: &str) -> anyhow::Result<bool>;

    /// The pause in force, if delivery is paused.
    fn delivery_pause(&self, city_code: &str) -> anyhow::Result<Option<DeliveryPause>>;

    /// Failed copies not yet reported to the managers; marks them reported, in one
    /// transaction, so two processes never both report the same copy.
    fn take_unreported_failures(
        &mut self,
        city_code: &str,
    ) -> anyhow::Result<Vec<(Delivery, UnreportedMessage)>>;

    /// Deliveries by state.
    fn outbox_counts(&self, city_code: &str) -> anyhow::Result<OutboxCounts>;

    /// The city's latest `limit` copies in a state, newest first, with their subjects.
    fn outbox_entries(
        &self,
        city_code: &str,
        state: DeliveryState,
        limit: i64,
    ) -> anyhow::Result<Vec<OutboxEntry>>;

    /// One copy of the city, if it is the city's.
    fn outbox_entry(&self, city_code: &str, delivery: i64) -> anyhow::Result<Option<OutboxEntry>>;

    /// Puts ONE undeliverable copy of the city back in the queue, due at `now`, its
    /// attempts reset; `false` when it is not the city's or not marked undeliverable
    /// (one statement: two presses requeue it once).
    fn requeue_one(&mut self, city_code: &str, delivery: i64, now: &str) -> anyhow::Result<bool>;
}

/// The ledger of scheduled runs: claimed before a run starts, closed when it ends.
pub trait Ledger {
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
    ) -> anyhow::Result<bool>;

    /// Takes over an unfinished run whose lease ran out (its daemon died); `false` when
    /// it is finished or still held. One statement, so two daemons never both win.
    fn take_over_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        now: &str,
        lease: &RunLease,
    ) -> anyhow::Result<bool>;

    /// Extends the lease of a run this owner still holds; `false` when it no longer does.
    fn renew_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        lease: &RunLease,
    ) -> anyhow::Result<bool>;

    /// Closes a run with its outcome and, when it failed, why.
    fn finish_run(
        &mut self,
        city_code: &str,
        job: &str,
        scheduled_for: &str,
        now: &str,
        outcome: RunOutcome,
        failure: Option<&str>,
    ) -> anyhow::Result<()>;

    /// A run of the job that was started and never finished, if any.
    fn unfinished_run(&self, city_code: &str, job: &str) -> anyhow::Result<Option<JobRun>>;

    /// The latest run of a job.
    fn last_run(&self, city_code: &str, job: &str) -> anyhow::Result<Option<JobRun>>;

    /// Every run of a job, oldest first.
    fn runs_of(&self, city_code: &str, job: &str) -> anyhow::Result<Vec<JobRun>>;

    /// The latest `limit` runs of a job, newest first.
    fn recent_runs(&self, city_code: &str, job: &str, limit: i64) -> anyhow::Result<Vec<JobRun>>;

    /// How many runs of each job ended each way (unfinished ones with no outcome),
    /// by job then outcome: one cheap query for `/metrics`.
    fn run_counts(&self, city_code: &str) -> anyhow::Result<Vec<RunCount>>;
}

/// A database that holds the whole store (and can copy it, row by row: `copy-store`).
pub trait Backend:
    Submissions
    + PlanSnapshots
    + Outbox
    + Ledger
    + super::WebSessions
    + super::Collections
    + super::copy::RowCopy
{
    /// The schema version in force.
    fn schema_version(&self) -> anyhow::Result<i64>;
}
