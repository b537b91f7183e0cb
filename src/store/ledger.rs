//! The ledger of scheduled runs: claimed before a run starts, closed when it ends.

use super::RunOutcome;

/// One scheduled run as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The job's name.
    pub job: String,
    /// The scheduled time it runs for (the ledger's key with the job).
    pub scheduled_for: String,
    /// When it was claimed.
    pub started_at: String,
    /// When it ended; none while it runs.
    pub finished_at: Option<String>,
    /// How it ended; none while it runs.
    pub outcome: Option<RunOutcome>,
    /// Why it failed, when it did (the error with its causes).
    pub failure: Option<String>,
    /// Until when its daemon holds it (renewed while it runs); none for old runs.
    pub lease_until: Option<String>,
}

/// Who holds a run, and until when (a UTC stamp as the ledger writes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLease {
    /// The daemon holding it.
    pub owner: String,
    /// When the lease runs out unless renewed.
    pub until: String,
}

/// How many runs of a job ended one way (`/metrics`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCount {
    /// The job's name.
    pub job: String,
    /// How they ended; `None` for runs not finished (running, or left by a daemon).
    pub outcome: Option<RunOutcome>,
    /// How many.
    pub count: i64,
}
