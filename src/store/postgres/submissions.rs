//! Submissions, their findings and content, and the plan snapshots, on PostgreSQL.

use anyhow::Context;
use postgres::{Client, Row, Transaction};

use super::{content, history, outbox, state, PostgresStore};
use crate::domain::{Finding, FiscalYear, Severity};
use crate::plan::PlanTexts;
use crate::store::states::StoredName;
use crate::store::{
    CurrentSubmission, EarlierFigures, HistoryEntry, NewMessage, NewSubmission, PlanSnapshots,
    Recorded, StoredSubmission, SubmissionState, SubmissionStatus, Submissions,
};
use crate::workbook::SubmissionContent;

impl Submissions for PostgresStore {
    fn submission_by_hash(
        &self,
        city_code: &str,
        sha256: &str,
    ) -> anyhow::Result<Option<StoredSubmission>> {
        self.run(|client| by_hash(client, city_code, sha256))
    }

    fn record_answered_submission(
        &mut self,
        new: &NewSubmission,
        answer: Option<&NewMessage>,
        now: &str,
    ) -> anyhow::Result<Recorded> {
        self.run(|client| {
            // A concurrent intake of the same bytes waits on the unique index until
            // the first commits, then inserts nothing: the row it finds is the answer.
            let mut tx = client.transaction()?;
            let Some(id) = insert_submission(&mut tx, new)? else {
                tx.rollback()?;
                let known = by_hash(client, new.city_code, new.sha256)?
                    .context("a submission that gave way to another is not in the store")?;
                return Ok(Recorded::Known(known));
            };
            if let Some(message) = answer {
                outbox::insert_message(&mut tx, new.city_code, message, now)?;
            }
            tx.commit()?;
            Ok(Recorded::New(id))
        })
    }

    fn current_submissions(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<CurrentSubmission>> {
        self.run(|client| current(client, city_code, fiscal_year))
    }

    fn earlier_figures(
        &self,
        city_code: &str,
        before: FiscalYear,
    ) -> anyhow::Result<EarlierFigures> {
        self.run(|client| content::earlier(client, city_code, before))
    }

    fn latest_by_department(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<SubmissionState>> {
        let year = i64::from(fiscal_year.start_year());
        let (errors, warnings) = (Severity::Error.as_str(), Severity::Warning.as_str());
        // Ordered by the name's bytes ("C"), as SQLite orders text, whatever the
        // database's collation: the summary's mail key digests the states in this order.
        self.run(|client| {
            let rows = client.query(
                "SELECT s.department, s.status, s.file_name, s.received_at,
                        (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = $3),
                        (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = $4)
                 FROM submissions s
                 WHERE s.city_code = $1 AND s.fiscal_year = $2 AND s.department IS NOT NULL
                   AND s.id = (SELECT MAX(t.id) FROM submissions t
                               WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year AND t.department = s.department)
                 ORDER BY s.department COLLATE \"C\"",
                &[&city_code, &year, &errors, &warnings],
            )?;
            rows.iter().map(read_state).collect()
        })
    }

    fn fiscal_years(&self, city_code: &str) -> anyhow::Result<Vec<FiscalYear>> {
        self.run(|client| {
            let rows = client.query(
                "SELECT DISTINCT fiscal_year FROM submissions
                 WHERE city_code = $1 AND status = $2 AND fiscal_year IS NOT NULL ORDER BY fiscal_year",
                &[&city_code, &SubmissionStatus::Accepted.as_str()],
            )?;
            rows.iter().map(|r| Ok(FiscalYear(year_of(r, 0)?))).collect()
        })
    }

    fn findings_of(&self, submission_id: i64) -> anyhow::Result<Vec<Finding>> {
        self.run(|client| {
            let rows = client.query(
                "SELECT severity, sheet, cell, message FROM findings WHERE submission_id = $1 ORDER BY position",
                &[&submission_id],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(Finding {
                        severity: state(r, 0)?,
                        sheet: r.try_get(1)?,
                        cell: r.try_get(2)?,
                        message: r.try_get(3)?,
                    })
                })
                .collect()
        })
    }

    fn department_history(
        &self,
        city_code: &str,
        department: &str,
        fiscal_year: Option<FiscalYear>,
    ) -> anyhow::Result<Vec<HistoryEntry>> {
        self.run(|client| history::history(client, city_code, department, fiscal_year))
    }

    fn department_submission(
        &self,
        city_code: &str,
        department: &str,
        id: i64,
    ) -> anyhow::Result<Option<HistoryEntry>> {
        self.run(|client| history::one(client, city_code, department, id))
    }
}

/// A fiscal year as stored (BIGINT) back into the domain's type.
pub(super) fn year_of(row: &Row, index: usize) -> anyhow::Result<i32> {
    let year: i64 = row.try_get(index)?;
    Ok(i32::try_from(year)?)
}

fn read_state(r: &Row) -> anyhow::Result<SubmissionState> {
    Ok(SubmissionState {
        department: r.try_get(0)?,
        status: state(r, 1)?,
        file_name: r.try_get(2)?,
        received_at: r.try_get(3)?,
        errors: r.try_get(4)?,
        warnings: r.try_get(5)?,
    })
}

fn by_hash(
    client: &mut Client,
    city_code: &str,
    sha256: &str,
) -> anyhow::Result<Option<StoredSubmission>> {
    let row = client.query_opt(
        "SELECT id, file_name, department, status FROM submissions WHERE city_code = $1 AND sha256 = $2",
        &[&city_code, &sha256],
    )?;
    row.map(|r| {
        Ok(StoredSubmission {
            id: r.try_get(0)?,
            file_name: r.try_get(1)?,
            department: r.try_get(2)?,
            status: state(&r, 3)?,
        })
    })
    .transpose()
}

/// Each department's latest accepted submission of the year, its content loaded.
fn current(
    client: &mut Client,
    city_code: &str,
    fiscal_year: FiscalYear,
) -> anyhow::Result<Vec<CurrentSubmission>> {
    let rows = client.query(
        "SELECT s.department, s.id, s.file_name, s.submitter, s.contact FROM submissions s
         WHERE s.city_code = $1 AND s.fiscal_year = $2 AND s.status = $3
           AND s.id = (SELECT MAX(t.id) FROM submissions t
                       WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year
                         AND t.department = s.department AND t.status = $3)
         ORDER BY s.department COLLATE \"C\"",
        &[
            &city_code,
            &i64::from(fiscal_year.start_year()),
            &SubmissionStatus::Accepted.as_str(),
        ],
    )?;
    rows.iter()
        .map(|r| {
            let submission_id: i64 = r.try_get(1)?;
            let mut content = SubmissionContent {
                department: r.try_get(0)?,
                fiscal_year: Some(fiscal_year),
                submitter: r.try_get(3)?,
                contact: r.try_get(4)?,
                ..Default::default()
            };
            content::load(client, submission_id, &mut content)?;
            Ok(CurrentSubmission {
                submission_id,
                file_name: r.try_get(2)?,
                content,
            })
        })
        .collect()
}

impl PlanSnapshots for PostgresStore {
    fn plan_snapshot(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Option<PlanTexts>> {
        let year = i64::from(fiscal_year.start_year());
        self.run(|client| {
            let row = client.query_opt(
                "SELECT basic_plan, strategy, action_plan FROM plan_snapshots WHERE city_code = $1 AND fiscal_year = $2",
                &[&city_code, &year],
            )?;
            row.map(|r| {
                Ok(PlanTexts {
                    basic_plan: r.try_get(0)?,
                    strategy: r.try_get(1)?,
                    action_plan: r.try_get(2)?,
                })
            })
            .transpose()
        })
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
        let year = i64::from(fiscal_year.start_year());
        // The primary key keeps the first snapshot: a later one gives way to it.
        self.run(|client| {
            client.execute(
                "INSERT INTO plan_snapshots (city_code, fiscal_year, sha256, basic_plan, strategy, action_plan)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (city_code, fiscal_year) DO NOTHING",
                &[&city_code, &year, &hash, &texts.basic_plan, &texts.strategy, &texts.action_plan],
            )?;
            Ok(())
        })
    }
}

/// Inserts a submission with its findings and content; `None` when a row with the same
/// bytes is there already (recorded by another replica a moment before).
fn insert_submission(tx: &mut Transaction, new: &NewSubmission) -> anyhow::Result<Option<i64>> {
    let (submitter, contact) = new
        .accepted
        .map_or(("", ""), |c| (c.submitter.as_str(), c.contact.as_str()));
    let status = match new.accepted {
        Some(_) => SubmissionStatus::Accepted,
        None => SubmissionStatus::Rejected,
    };
    let year = new.fiscal_year.map(|y| i64::from(y.start_year()));
    let inserted = tx.query_opt(
        // NOT EXISTS first: an insert that gives way still draws an id from the
        // identity sequence, and the ids are shown (提出#3); only a true race skips one.
        "INSERT INTO submissions (city_code, sha256, file_name, archived_path, department, fiscal_year, status,
                                  received_at, submitter, contact, uploaded_by)
         SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::bigint, $7::text, $8::text, $9::text, $10::text,
                $11::text
         WHERE NOT EXISTS (SELECT 1 FROM submissions WHERE city_code = $1 AND sha256 = $2)
         ON CONFLICT (city_code, sha256) DO NOTHING
         RETURNING id",
        &[
            &new.city_code,
            &new.sha256,
            &new.file_name,
            &new.archived_path,
            &new.department,
            &year,
            &status.as_str(),
            &new.received_at,
            &submitter,
            &contact,
            &new.uploaded_by,
        ],
    )?;
    let Some(row) = inserted else {
        return Ok(None);
    };
    let id: i64 = row.try_get(0)?;
    insert_findings(tx, id, new.findings)?;
    if let Some(content) = new.accepted {
        content::insert(tx, id, content)?;
    }
    Ok(Some(id))
}

fn insert_findings(tx: &mut Transaction, id: i64, findings: &[Finding]) -> anyhow::Result<()> {
    let statement = tx.prepare(
        "INSERT INTO findings (submission_id, position, severity, sheet, cell, message) VALUES ($1, $2, $3, $4, $5, $6)",
    )?;
    for (position, f) in findings.iter().enumerate() {
        tx.execute(
            &statement,
            &[
                &id,
                &(position as i64),
                &f.severity.as_str(),
                &f.sheet,
                &f.cell,
                &f.message,
            ],
        )?;
    }
    Ok(())
}
