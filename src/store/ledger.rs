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

/// The ledger's name of the annual run: ingest, consolidate, build every report, mail them.
pub const ANNUAL_RUN: &str = "annual_run";
/// The job that reminds departments before the deadline (`[schedule] reminders`).
pub const REMINDERS: &str = "reminders";
/// The job that tells the managers who is missing after the deadline.
pub const ESCALATION: &str = "escalation";
/// The job that mails the managers a digest of the collection.
pub const DIGEST: &str = "digest";

/// Every job with its Japanese name, as staff read it (logs, the console's ledger).
pub const JOBS: [(&str, &str); 4] = [
    (ANNUAL_RUN, "年次実行"),
    (REMINDERS, "提出の督促"),
    (ESCALATION, "期限超過の報告"),
    (DIGEST, "週次の提出状況"),
];

/// The Japanese name of a job.
pub fn job_label(job: &str) -> &'static str {
    JOBS.iter()
        .find(|(name, _)| *name == job)
        .map_or("その他のジョブ", |(_, label)| label)
}
