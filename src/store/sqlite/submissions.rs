//! Submissions, their findings and content, and the plan snapshots, on SQLite.

use anyhow::Context;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::{content, earlier, history, outbox, SqliteStore};
use crate::domain::{Finding, FiscalYear, Severity};
use crate::plan::PlanTexts;
use crate::store::{
    CurrentSubmission, EarlierFigures, HistoryEntry, NewMessage, NewSubmission, PlanSnapshots,
    Recorded, StoredSubmission, SubmissionState, SubmissionStatus, Submissions,
};
use crate::workbook::SubmissionContent;

impl Submissions for SqliteStore {
    fn submission_by_hash(
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
                        status: row.get(3)?,
                    })
                },
            )
            .optional()?;
        Ok(found)
    }

    fn record_answered_submission(
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

    fn current_submissions(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<CurrentSubmission>> {
        let mut statement = self.connection.prepare(
            "SELECT s.department, s.id, s.file_name, s.submitter, s.contact FROM submissions s
             WHERE s.city_code = ?1 AND s.fiscal_year = ?2 AND s.status = ?3
               AND s.id = (SELECT MAX(t.id) FROM submissions t
                           WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year
                             AND t.department = s.department AND t.status = ?3)
             ORDER BY s.department",
        )?;
        let year = fiscal_year.start_year();
        let heads = statement
            .query_map(
                params![city_code, year, SubmissionStatus::Accepted],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                },
            )?
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

    fn earlier_figures(
        &self,
        city_code: &str,
        before: FiscalYear,
    ) -> anyhow::Result<EarlierFigures> {
        earlier::load(&self.connection, city_code, before)
    }

    fn latest_by_department(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<SubmissionState>> {
        let mut statement = self.connection.prepare(
            "SELECT s.department, s.status, s.file_name, s.received_at,
                    (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = ?3),
                    (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = ?4)
             FROM submissions s
             WHERE s.city_code = ?1 AND s.fiscal_year = ?2 AND s.department IS NOT NULL
               AND s.id = (SELECT MAX(t.id) FROM submissions t
                           WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year AND t.department = s.department)
             ORDER BY s.department",
        )?;
        let year = fiscal_year.start_year();
        let severities = (Severity::Error, Severity::Warning);
        let rows = statement.query_map(
            params![city_code, year, severities.0, severities.1],
            |row| {
                Ok(SubmissionState {
                    department: row.get(0)?,
                    status: row.get(1)?,
                    file_name: row.get(2)?,
                    received_at: row.get(3)?,
                    errors: row.get(4)?,
                    warnings: row.get(5)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn fiscal_years(&self, city_code: &str) -> anyhow::Result<Vec<FiscalYear>> {
        let mut statement = self.connection.prepare(
            "SELECT DISTINCT fiscal_year FROM submissions
             WHERE city_code = ?1 AND status = ?2 AND fiscal_year IS NOT NULL ORDER BY fiscal_year",
        )?;
        let years = statement.query_map(params![city_code, SubmissionStatus::Accepted], |row| {
            row.get::<_, i32>(0)
        })?;
        Ok(years.map(|y| y.map(FiscalYear)).collect::<Result<_, _>>()?)
    }

    fn findings_of(&self, submission_id: i64) -> anyhow::Result<Vec<Finding>> {
        let mut statement = self
            .connection
            .prepare("SELECT severity, sheet, cell, message FROM findings WHERE submission_id = ?1 ORDER BY position")?;
        let rows = statement.query_map([submission_id], |row| {
            Ok(Finding {
                severity: row.get(0)?,
                sheet: row.get(1)?,
                cell: row.get(2)?,
                message: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn department_history(
        &self,
        city_code: &str,
        department: &str,
        fiscal_year: Option<FiscalYear>,
    ) -> anyhow::Result<Vec<HistoryEntry>> {
        history::history(&self.connection, city_code, department, fiscal_year)
    }

    fn department_submission(
        &self,
        city_code: &str,
        department: &str,
        id: i64,
    ) -> anyhow::Result<Option<HistoryEntry>> {
        history::one(&self.connection, city_code, department, id)
    }
}

impl PlanSnapshots for SqliteStore {
    fn plan_snapshot(
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

    fn keep_plan_snapshot(
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
        // The primary key keeps the first snapshot: a later one gives way to it.
        self.connection.execute(
            "INSERT INTO plan_snapshots (city_code, fiscal_year, sha256, basic_plan, strategy, action_plan)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (city_code, fiscal_year) DO NOTHING",
            params![city_code, fiscal_year.start_year(), hash, texts.basic_plan, texts.strategy, texts.action_plan],
        )?;
        Ok(())
    }
}

/// Inserts a submission with its findings and content; `None` when a row with the same
/// bytes is there already (recorded by another process a moment before).
fn insert_submission(tx: &Transaction, new: &NewSubmission) -> rusqlite::Result<Option<i64>> {
    let (submitter, contact) = new
        .accepted
        .map_or(("", ""), |c| (c.submitter.as_str(), c.contact.as_str()));
    let status = match new.accepted {
        Some(_) => SubmissionStatus::Accepted,
        None => SubmissionStatus::Rejected,
    };
    let inserted = tx.prepare_cached(
        "INSERT INTO submissions (city_code, sha256, file_name, archived_path, department, fiscal_year, status,
                                  received_at, submitter, contact, uploaded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (city_code, sha256) DO NOTHING
         RETURNING id")?.query_row(
        params![
            new.city_code,
            new.sha256,
            new.file_name,
            new.archived_path,
            new.department,
            new.fiscal_year.map(|y| y.start_year()),
            status,
            new.received_at,
            submitter,
            contact,
            new.uploaded_by,
        ],
        |row| row.get::<_, i64>(0),
    ).optional()?;
    let Some(id) = inserted else {
        return Ok(None);
    };
    insert_findings(tx, id, new.findings)?;
    if let Some(content) = new.accepted {
        content::insert(tx, id, content)?;
    }
    Ok(Some(id))
}

fn insert_findings(tx: &Transaction, id: i64, findings: &[Finding]) -> rusqlite::Result<()> {
    for (position, finding) in findings.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO findings (submission_id, position, severity, sheet, cell, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
            params![id, position as i64, finding.severity, finding.sheet, finding.cell, finding.message],
        )?;
    }
    Ok(())
}
