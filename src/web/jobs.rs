//! What the daemon lets the pages do with its jobs. The web does not know the daemon
//! (the daemon starts the web): `hakusho serve` hands the portal an implementation
//! (`daemon::jobs::DaemonJobs`), a portal started without one (a test of pages only)
//! answers that the daemon is not there.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::app::App;

/// What pressing 「今すぐ実行」 did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunNow {
    /// A run was entered in the ledger for this time (a UTC stamp) and started.
    Started {
        /// The ledger's time of the run.
        scheduled_for: String,
    },
    /// The annual run already has an unfinished run (started by the schedule, an
    /// earlier press or another replica): nothing new was started.
    AlreadyRunning {
        /// The ledger's time of the running one.
        scheduled_for: String,
    },
}

/// A boxed future, as the trait's methods return.
pub type Pending<T> = Pin<Box<dyn Future<Output = anyhow::Result<T>> + Send + 'static>>;

/// The daemon's jobs as the pages see them.
pub trait Jobs: Send + Sync + 'static {
    /// Starts the city's annual run now, through the ledger like a scheduled time: two
    /// presses at once (in one process or on two replicas) start one run. Returns once
    /// the run is entered; the run goes on in the background, in the city's turn.
    fn run_now(&self, app: &App) -> Pending<RunNow>;

    /// When the daemon last showed it is alive (its workers beat every half minute);
    /// `None` before the first beat.
    fn last_beat(&self) -> Option<DateTime<Utc>>;
}
