//! The store: SQLite, one file, every submission version kept.
//!
//! Reads and writes are plain SQL kept portable (no SQLite-only syntax in the
//! queries) so that PostgreSQL stays a step, not a rewrite.

mod content;
mod ledger;
mod migrations;
mod outbox;

use std::path::Path;

use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::domain::{Finding, Severity};
use crate::domain::{FiscalYear, Indicator};
use crate::plan::PlanTexts;
use crate::workbook::SubmissionContent;

pub use ledger::{JobRun, RunLease};
pub use migrations::latest_version;
pub use outbox::{
    Claim, Delivery, DeliveryPause, NewMessage, OutboxCounts, Staged, StoredAttachment,
    StoredMessage, UnreportedMessage,
};

/// How long a statement waits for another process's write lock before it fails.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// An open store.
pub struct Store {
    connection: Connection,
}

/// A submission about to be recorded.
pub struct NewSubmission<'a> {
    pub city_code: &'a str,
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub archived_path: &'a str,
    pub department: Option<&'a str>,
    pub fiscal_year: Option<FiscalYear>,
    pub received_at: &'a str,
    pub findings: &'a [Finding],
    /// The content, stored only when the submission is accepted.
    pub accepted: Option<&'a SubmissionContent>,
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
    pub id: i64,
    pub file_name: String,
    pub department: Option<String>,
    pub accepted: bool,
}

/// A department's current submission, with where it came from.
#[derive(Debug, Clone)]
pub struct CurrentSubmission {
    pub submission_id: i64,
    pub file_name: String,
    pub content: SubmissionContent,
}

/// Where a department's latest submission of a year stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionState {
    pub department: String,
    pub accepted: bool,
    pub file_name: String,
    pub received_at: String,
    pub errors: i64,
    pub warnings: i64,
}

impl SubmissionState {
    /// 受理, 受理(要確認) or 差戻し, as a table cell says it.
    pub fn label(&self) -> &'static str {
        crate::texts::Verdict::of(self.accepted, self.warnings > 0).short_label()
    }
}

/// A department's current indicators, with the file they came from.
#[derive(Debug, Clone)]
pub struct DepartmentIndicators {
    pub department: String,
    pub submission_id: i64,
    pub file_name: String,
    pub indicators: Vec<Indicator>,
}

impl CurrentSubmission {
    /// The indicators alone, as the reports print them.
    pub fn indicators(&self) -> DepartmentIndicators {
        DepartmentIndicators {
            department: self.content.department.clone(),
            submission_id: self.submission_id,
            file_name: self.file_name.clone(),
            indicators: self.content.plain_indicators(),
        }
    }
}

impl Store {
    /// Opens (creating if need be) the database file and applies the migrations.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let mut connection = Connection::open(path)
            .with_context(|| format!("データベース {} を開けません", path.display()))?;
        // Set before anything else touches the file: a process that meets another's
        // write lock (a migration, a claim, a run) waits for it instead of failing.
        connection.busy_timeout(BUSY_TIMEOUT)?;
        let unreadable = || format!("データベース {} を読めません", path.display());
        connection
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .with_context(unreadable)?;
        set_up(&mut connection).with_context(unreadable)?;
        Ok(Store { connection })
    }

    /// Opens the store and checks its pages first: a damaged or unreadable file is an
    /// error in Japanese, never an empty result (`send` and `status` must not say
    /// 「送信 0 件」 over a broken store).
    pub fn open_checked(path: &Path) -> anyhow::Result<Store> {
        let store = Store::open(path)?;
        let verdict: String = store
            .connection
            .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))
            .with_context(|| format!("データベース {} を読めません", path.display()))?;
        if verdict != "ok" {
            anyhow::bail!(
                "データベース {} が壊れています({verdict})。バックアップから戻してください",
                path.display()
            );
        }
        Ok(store)
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> anyhow::Result<i64> {
        Ok(self.connection.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |row| row.get(0),
        )?)
    }

    /// The submission with these bytes, if they were received before.
    pub fn submission_by_hash(
        &self,
        city_code: &str,
        sha256: &str,
    ) -> anyhow::Result<Option<StoredSubmission>> {
        let found = self
            .connection
            .query_row(
                "SELECT id, file_name, department, status FROM submissions WHERE city_code = ?1 AND sha256 = ?2",
                params![city_code, sha256],
                |row| {
                    Ok(StoredSubmission {
                        id: row.get(0)?,
                        file_name: row.get(1)?,
                        department: row.get(2)?,
                        accepted: row.get::<_, String>(3)? == "accepted",
                    })
                },
            )
            .optional()?;
        Ok(found)
    }

    /// Records a submission, its findings and (when accepted) its content, atomically.
    /// Fails when these bytes were recorded before.
    pub fn record_submission(&mut self, new: &NewSubmission) -> anyhow::Result<i64> {
        match self.record_answered_submission(new, None, "")? {
            Recorded::New(id) => Ok(id),
            Recorded::Known(known) => {
                anyhow::bail!("submission {} was recorded before", known.id)
            }
        }
    }

    /// Records a submission and queues the message that answers it (its receipt) in
    /// one transaction, so a restart finds both or neither. When another process
    /// recorded the same bytes first, nothing is written and its row is returned: the
    /// receipt it queued with it is the one that goes out.
    pub fn record_answered_submission(
        &mut self,
        new: &NewSubmission,
        answer: Option<&NewMessage>,
        now: &str,
    ) -> anyhow::Result<Recorded> {
        // Immediate: the write lock is taken (or waited for) at the start, so a
        // concurrent intake of the same bytes waits here, then sees the row.
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(id) = insert_submission(&tx, new)? else {
            drop(tx);
            let known = self
                .submission_by_hash(new.city_code, new.sha256)?
                .context("a submission that gave way to another is not in the store")?;
            return Ok(Recorded::Known(known));
        };
        if let Some(message) = answer {
            outbox::insert_message(&tx, new.city_code, message, now)?;
        }
        tx.commit()?;
        Ok(Recorded::New(id))
    }

    /// For each department, its latest accepted submission for the year.
    pub fn current_submissions(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<CurrentSubmission>> {
        let mut statement = self.connection.prepare(
            "SELECT s.department, s.id, s.file_name, s.submitter, s.contact FROM submissions s
             WHERE s.city_code = ?1 AND s.fiscal_year = ?2 AND s.status = 'accepted'
               AND s.id = (SELECT MAX(t.id) FROM submissions t
                           WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year
                             AND t.department = s.department AND t.status = 'accepted')
             ORDER BY s.department",
        )?;
        let heads = statement
            .query_map(params![city_code, fiscal_year.start_year()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        heads
            .into_iter()
            .map(
                |(department, submission_id, file_name, submitter, contact)| {
                    let mut content = SubmissionContent {
                        department,
                        fiscal_year: Some(fiscal_year),
                        submitter,
                        contact,
                        ..Default::default()
                    };
                    content::load(&self.connection, submission_id, &mut content)?;
                    Ok(CurrentSubmission {
                        submission_id,
                        file_name,
                        content,
                    })
                },
            )
            .collect()
    }

    /// The plan's reference data used for a fiscal year, if it was kept.
    pub fn plan_snapshot(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Option<PlanTexts>> {
        let found = self
            .connection
            .query_row(
                "SELECT basic_plan, strategy, action_plan FROM plan_snapshots WHERE city_code = ?1 AND fiscal_year = ?2",
                params![city_code, fiscal_year.start_year()],
                |row| Ok(PlanTexts { basic_plan: row.get(0)?, strategy: row.get(1)?, action_plan: row.get(2)? }),
            )
            .optional()?;
        Ok(found)
    }

    /// Keeps the plan's reference data for a fiscal year (the first one kept stays).
    pub fn keep_plan_snapshot(
        &mut self,
        city_code: &str,
        fiscal_year: FiscalYear,
        texts: &PlanTexts,
    ) -> anyhow::Result<()> {
        let hash = crate::archive::sha256_hex(
            format!(
                "{}{}{}",
                texts.basic_plan, texts.strategy, texts.action_plan
            )
            .as_bytes(),
        );
        self.connection.execute(
            "INSERT INTO plan_snapshots (city_code, fiscal_year, sha256, basic_plan, strategy, action_plan)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6
             WHERE NOT EXISTS (SELECT 1 FROM plan_snapshots WHERE city_code = ?1 AND fiscal_year = ?2)",
            params![city_code, fiscal_year.start_year(), hash, texts.basic_plan, texts.strategy, texts.action_plan],
        )?;
        Ok(())
    }

    /// Each department's latest submission for the year (accepted or not), with how
    /// many errors and warnings it drew.
    pub fn latest_by_department(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<SubmissionState>> {
        let mut statement = self.connection.prepare(
            "SELECT s.department, s.status, s.file_name, s.received_at,
                    (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = 'error'),
                    (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = 'warning')
             FROM submissions s
             WHERE s.city_code = ?1 AND s.fiscal_year = ?2 AND s.department IS NOT NULL
               AND s.id = (SELECT MAX(t.id) FROM submissions t
                           WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year AND t.department = s.department)",
        )?;
        let rows = statement.query_map(params![city_code, fiscal_year.start_year()], |row| {
            Ok(SubmissionState {
                department: row.get(0)?,
                accepted: row.get::<_, String>(1)? == "accepted",
                file_name: row.get(2)?,
                received_at: row.get(3)?,
                errors: row.get(4)?,
                warnings: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The fiscal years with an accepted submission, oldest first.
    pub fn fiscal_years(&self, city_code: &str) -> anyhow::Result<Vec<FiscalYear>> {
        let mut statement = self.connection.prepare(
            "SELECT DISTINCT fiscal_year FROM submissions
             WHERE city_code = ?1 AND status = 'accepted' AND fiscal_year IS NOT NULL ORDER BY fiscal_year",
        )?;
        let years = statement.query_map([city_code], |row| row.get::<_, i32>(0))?;
        Ok(years.map(|y| y.map(FiscalYear)).collect::<Result<_, _>>()?)
    }

    /// For each department, the indicators of its latest accepted submission for the year.
    pub fn current_indicators(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<DepartmentIndicators>> {
        Ok(self
            .current_submissions(city_code, fiscal_year)?
            .iter()
            .map(CurrentSubmission::indicators)
            .collect())
    }

    /// The findings recorded for a submission, in the order they were found.
    pub fn findings_of(&self, submission_id: i64) -> anyhow::Result<Vec<Finding>> {
        let mut statement = self
            .connection
            .prepare("SELECT severity, sheet, cell, message FROM findings WHERE submission_id = ?1 ORDER BY position")?;
        let rows = statement.query_map([submission_id], |row| {
            let severity = match row.get::<_, String>(0)?.as_str() {
                "error" => Severity::Error,
                _ => Severity::Warning,
            };
            Ok(Finding {
                severity,
                sheet: row.get(1)?,
                cell: row.get(2)?,
                message: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Inserts a submission with its findings and content; `None` when a row with the same
/// bytes is there already (recorded by another process a moment before).
fn insert_submission(
    tx: &rusqlite::Transaction,
    new: &NewSubmission,
) -> rusqlite::Result<Option<i64>> {
    let (submitter, contact) = new
        .accepted
        .map_or(("", ""), |c| (c.submitter.as_str(), c.contact.as_str()));
    let inserted = tx.prepare_cached(
        "INSERT INTO submissions (city_code, sha256, file_name, archived_path, department, fiscal_year, status,
                                  received_at, submitter, contact)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (city_code, sha256) DO NOTHING")?.execute(
        params![
            new.city_code,
            new.sha256,
            new.file_name,
            new.archived_path,
            new.department,
            new.fiscal_year.map(|y| y.start_year()),
            if new.accepted.is_some() { "accepted" } else { "rejected" },
            new.received_at,
            submitter,
            contact,
        ],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = tx.last_insert_rowid();
    insert_findings(tx, id, new.findings)?;
    if let Some(content) = new.accepted {
        content::insert(tx, id, content)?;
    }
    Ok(Some(id))
}

fn insert_findings(
    tx: &rusqlite::Transaction,
    id: i64,
    findings: &[Finding],
) -> rusqlite::Result<()> {
    for (position, finding) in findings.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO findings (submission_id, position, severity, sheet, cell, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
            params![id, position as i64, finding.severity.key(), finding.sheet, finding.cell, finding.message],
        )?;
    }
    Ok(())
}

/// Switches the database to write-ahead logging and applies the migrations. Processes
/// opening a new store at the same moment meet SQLite's "busy" in places where its
/// busy timeout does not wait (switching the journal, reading the WAL index while
/// another process builds it); each such answer means "try again", so the set-up is
/// tried again for a while (it is idempotent: the migrations run in one transaction).
fn set_up(connection: &mut Connection) -> anyhow::Result<()> {
    let mut tries = 0;
    loop {
        let result = connection
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .map_err(anyhow::Error::from)
            .and_then(|_| migrations::apply(connection));
        match result {
            Err(e) if is_busy(&e) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Whether an error is SQLite's "busy" (another process holds the lock).
fn is_busy(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy
        )
    })
}

#[cfg(test)]
mod tests;
