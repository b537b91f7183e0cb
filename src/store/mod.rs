//! The store: every submission version kept, the outbox, the ledger of runs.
//!
//! Callers hold a [`Store`], which owns a [`Backend`] and derefs to it, so
//! `store.claim_next(…)` reads the same whatever database is behind it. The backend's
//! traits ([`Submissions`], [`PlanSnapshots`], [`Outbox`], [`Ledger`]) are the whole
//! interface; SQLite ([`sqlite`], one city on one machine) and PostgreSQL
//! ([`postgres`], several cities and replicas) implement them, and [`copy`] moves a
//! whole store from one to the other. Stored states are enums written by their name ([`states`]).

mod backend;
pub mod collections;
#[cfg(test)]
mod collections_tests;
#[cfg(test)]
mod console_tests;
pub mod copy;
mod earlier;
mod ledger;
mod outbox;
pub mod postgres;
pub mod sqlite;
pub mod states;
#[cfg(test)]
pub(crate) mod test_stores;
mod web;
#[cfg(test)]
mod web_tests;

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

use crate::domain::Finding;
use crate::domain::FiscalYear;
use crate::workbook::SubmissionContent;

pub use backend::{Backend, Ledger, Outbox, PlanSnapshots, Submissions};
pub use collections::{CollectionState, Collections};
pub use earlier::{EarlierFigures, FigureKind, SubmittedFigure, NO_EARLIER_FIGURES};
pub use ledger::{
    job_label, JobRun, RunCount, RunLease, ANNUAL_RUN, DIGEST, ESCALATION, JOBS, REMINDERS,
};
pub use outbox::{
    Claim, Delivery, DeliveryPause, NewMessage, OutboxCounts, OutboxEntry, Staged,
    StoredAttachment, StoredMessage, UnreportedMessage,
};
pub use sqlite::latest_version;
pub use states::{DeliveryState, RunOutcome, SubmissionStatus, UnknownState};
pub use web::{NewSignInLink, NewWebSession, WebSession, WebSessions};

/// An open store: a backend behind the [`Backend`] traits, called through `Deref`.
pub struct Store {
    backend: Box<dyn Backend + Send>,
}

/// Where the store is: the configuration's `[store]` ([`crate::config::Config::store_location`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// One SQLite file (`paths.database`): one city, one machine.
    Sqlite(PathBuf),
    /// A PostgreSQL database shared by cities and replicas: `postgres://user@host/db`,
    /// its password read from the environment variable `password_env`.
    Postgres {
        /// The connection URL, without a password.
        url: String,
        /// The environment variable holding the password (may be unset: no password).
        password_env: String,
    },
}

impl std::fmt::Display for StoreLocation {
    /// The store as messages name it: the SQLite file, or PostgreSQL's host, port and
    /// database (never the URL, which could hold a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => write!(f, "SQLite のファイル {}", path.display()),
            StoreLocation::Postgres { url, .. } => f.write_str(&postgres::describe(url)),
        }
    }
}

/// A store a newer hakusho migrated is never written by this one: its tables may
/// hold what this version does not know to keep (every writer opens through the
/// migrations, so this one check covers them all).
pub(crate) fn refuse_newer(applied: i64) -> anyhow::Result<()> {
    let ours = latest_version();
    if applied > ours {
        anyhow::bail!(
            "この保存先は版 {applied} で、この hakusho(版 {ours})より新しい hakusho が移行したものです。この版では読み書きしません。新しい版の hakusho を使ってください"
        );
    }
    Ok(())
}

/// How a command opens the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Created and migrated when need be (the commands that write).
    Writable,
    /// Like `Writable`, its pages checked first: a damaged store is an error, never an
    /// empty answer (`send`).
    Checked,
    /// Read-only (`status`, `export`, `explain`, `template`, `preview-send`): never
    /// created, migrated or written; its pages checked; where no store exists yet, an
    /// empty one in memory (a fresh machine has nothing submitted).
    ReadOnly,
}

impl Store {
    /// Opens the store at `location` as `mode` says: the one way the application and
    /// the commands open it, whichever database is behind it.
    pub fn connect(location: &StoreLocation, mode: OpenMode) -> anyhow::Result<Store> {
        match location {
            StoreLocation::Sqlite(path) => match mode {
                OpenMode::Writable => Store::open(path),
                OpenMode::Checked => Store::open_checked(path),
                OpenMode::ReadOnly if !path.exists() => Store::in_memory(),
                OpenMode::ReadOnly => Store::open_read_only(path),
            },
            StoreLocation::Postgres { url, password_env } => {
                postgres::connect(url, password_env, mode)
            }
        }
    }

    /// The schema version of the store at `location`, read without creating, migrating
    /// or writing anything: 0 where no store was made yet (`hakusho migrate` says it).
    pub fn version_at(location: &StoreLocation) -> anyhow::Result<i64> {
        match location {
            StoreLocation::Sqlite(path) => sqlite::version_at(path),
            StoreLocation::Postgres { url, password_env } => {
                postgres::version_at(url, password_env)
            }
        }
    }

    /// Opens (creating if need be) the SQLite database file and applies the migrations.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        Ok(Store::over(Box::new(sqlite::SqliteStore::open(path)?)))
    }

    /// Opens the SQLite store and checks its pages first: a damaged or unreadable file
    /// is an error in Japanese, never an empty result (`send` and `status` must not say
    /// 「送信 0 件」 over a broken store).
    pub fn open_checked(path: &Path) -> anyhow::Result<Store> {
        Ok(Store::over(Box::new(sqlite::SqliteStore::open_checked(
            path,
        )?)))
    }

    /// Opens an existing, migrated SQLite store read-only: the read-only commands
    /// (`export`, `explain`, `status`, `template`, `preview-send`) cannot write to it.
    pub fn open_read_only(path: &Path) -> anyhow::Result<Store> {
        Ok(Store::over(Box::new(sqlite::SqliteStore::open_read_only(
            path,
        )?)))
    }

    /// An empty store in memory: a read-only command on a machine with no store yet.
    pub fn in_memory() -> anyhow::Result<Store> {
        Ok(Store::over(Box::new(sqlite::SqliteStore::in_memory()?)))
    }

    /// A store over any backend.
    pub fn over(backend: Box<dyn Backend + Send>) -> Store {
        Store { backend }
    }
}

impl Deref for Store {
    type Target = dyn Backend + Send;

    fn deref(&self) -> &Self::Target {
        self.backend.as_ref()
    }
}

impl DerefMut for Store {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.backend.as_mut()
    }
}

/// A submission about to be recorded.
pub struct NewSubmission<'a> {
    /// The city it was sent to.
    pub city_code: &'a str,
    /// The SHA-256 of its bytes (the same bytes are one submission).
    pub sha256: &'a str,
    /// The file name it came under.
    pub file_name: &'a str,
    /// Where the archive keeps its bytes.
    pub archived_path: &'a str,
    /// The department it names, when it could be read.
    pub department: Option<&'a str>,
    /// The fiscal year it names, when it could be read.
    pub fiscal_year: Option<FiscalYear>,
    /// When it was received (RFC 3339).
    pub received_at: &'a str,
    /// What the checks found, in order.
    pub findings: &'a [Finding],
    /// The content, stored only when the submission is accepted.
    pub accepted: Option<&'a SubmissionContent>,
    /// Who uploaded it through the web portal (the signed-in address); `None` for a
    /// file of the inbox.
    pub uploaded_by: Option<&'a str>,
}

/// What recording a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded now under this id, with its answer queued.
    New(i64),
    /// The same bytes were recorded before (by another process, a moment ago): that
    /// row, and the answer queued with it, stand.
    Known(StoredSubmission),
}

/// A submission already in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubmission {
    /// Its id in the store.
    pub id: i64,
    /// The file name it came under.
    pub file_name: String,
    /// The department it named, when it could be read.
    pub department: Option<String>,
    /// Accepted or sent back.
    pub status: SubmissionStatus,
}

/// A department's current submission, with where it came from.
#[derive(Debug, Clone)]
pub struct CurrentSubmission {
    /// The stored version (`提出#3`).
    pub submission_id: i64,
    /// The file name it came under.
    pub file_name: String,
    /// What was read from it.
    pub content: SubmissionContent,
}

/// One version of a department's submissions, as its history and its page show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its id in the store (`提出#3`).
    pub id: i64,
    /// The file name it came under.
    pub file_name: String,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// Where the archive keeps its bytes.
    pub archived_path: String,
    /// The fiscal year it named, when it could be read.
    pub fiscal_year: Option<FiscalYear>,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// Accepted or sent back.
    pub status: SubmissionStatus,
    /// How many errors it drew.
    pub errors: i64,
    /// How many warnings it drew.
    pub warnings: i64,
    /// Who uploaded it through the web portal; `None` for a file of the inbox.
    pub uploaded_by: Option<String>,
}

impl HistoryEntry {
    /// The verdict it drew: 受理, 受理(要確認) or 差戻し.
    pub fn verdict(&self) -> crate::texts::Verdict {
        crate::texts::Verdict::of(self.status == SubmissionStatus::Accepted, self.warnings > 0)
    }
}

/// Where a department's latest submission of a year stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionState {
    /// The department.
    pub department: String,
    /// Accepted or sent back.
    pub status: SubmissionStatus,
    /// The file name it came under.
    pub file_name: String,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// How many errors it drew.
    pub errors: i64,
    /// How many warnings it drew.
    pub warnings: i64,
}

impl SubmissionState {
    /// 受理, 受理(要確認) or 差戻し, as a table cell says it.
    pub fn label(&self) -> &'static str {
        crate::texts::Verdict::of(self.status == SubmissionStatus::Accepted, self.warnings > 0)
            .short_label()
    }
}
