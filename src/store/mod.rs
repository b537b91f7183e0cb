//! The store: SQLite, one file, every submission version kept.
//!
//! Reads and writes are plain SQL kept portable (no SQLite-only syntax in the
//! queries) so that PostgreSQL stays a step, not a rewrite.

mod migrations;

use std::path::Path;

use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{FiscalYear, Indicator, Observation, Period};
use crate::intake::{Finding, Severity};
use crate::workbook::{cell_name, FIRST_PERIOD_COLUMN, INDICATOR_SHEET};

pub use migrations::latest_version;

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
    pub accepted: bool,
    pub received_at: &'a str,
    pub findings: &'a [Finding],
    /// The indicators with their 0-based sheet rows (accepted submissions only).
    pub indicators: &'a [(Indicator, u32)],
}

/// A submission already in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubmission {
    pub id: i64,
    pub file_name: String,
    pub department: Option<String>,
    pub accepted: bool,
}

/// A department's current indicators, with where each came from.
#[derive(Debug, Clone)]
pub struct DepartmentIndicators {
    pub department: String,
    pub submission_id: i64,
    pub file_name: String,
    pub indicators: Vec<Indicator>,
}

impl Store {
    /// Opens (creating if need be) the database file and applies the migrations.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let mut connection = Connection::open(path)
            .with_context(|| format!("opening the database {}", path.display()))?;
        connection.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;",
        )?;
        migrations::apply(&mut connection)?;
        Ok(Store { connection })
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
                "SELECT id, file_name, department, status FROM submissions
                 WHERE city_code = ?1 AND sha256 = ?2",
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

    /// Records a submission, its findings and (when accepted) its indicators, atomically.
    pub fn record_submission(&mut self, new: &NewSubmission) -> anyhow::Result<i64> {
        let tx = self.connection.transaction()?;
        tx.execute(
            "INSERT INTO submissions (city_code, sha256, file_name, archived_path, department,
                                      fiscal_year, status, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.city_code,
                new.sha256,
                new.file_name,
                new.archived_path,
                new.department,
                new.fiscal_year.map(|y| y.start_year()),
                if new.accepted { "accepted" } else { "rejected" },
                new.received_at,
            ],
        )?;
        let id = tx.last_insert_rowid();
        insert_findings(&tx, id, new.findings)?;
        for (position, (indicator, row)) in new.indicators.iter().enumerate() {
            insert_indicator(&tx, id, position, indicator, *row)?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// For each department, the indicators of its latest accepted submission for the year.
    pub fn current_indicators(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Vec<DepartmentIndicators>> {
        let mut statement = self.connection.prepare(
            "SELECT s.department, s.id, s.file_name FROM submissions s
             WHERE s.city_code = ?1 AND s.fiscal_year = ?2 AND s.status = 'accepted'
               AND s.id = (SELECT MAX(t.id) FROM submissions t
                           WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year
                             AND t.department = s.department AND t.status = 'accepted')
             ORDER BY s.department",
        )?;
        let heads = statement
            .query_map(params![city_code, fiscal_year.start_year()], |row| {
                Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<Result<Vec<(String, i64, String)>, _>>()?;
        heads
            .into_iter()
            .map(|(department, submission_id, file_name)| {
                let indicators = self.indicators_of(submission_id)?;
                Ok(DepartmentIndicators {
                    department,
                    submission_id,
                    file_name,
                    indicators,
                })
            })
            .collect()
    }

    /// The findings recorded for a submission, in the order they were found.
    pub fn findings_of(&self, submission_id: i64) -> anyhow::Result<Vec<Finding>> {
        let mut statement = self.connection.prepare(
            "SELECT severity, sheet, cell, message FROM findings
             WHERE submission_id = ?1 ORDER BY position",
        )?;
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

    fn indicators_of(&self, submission_id: i64) -> anyhow::Result<Vec<Indicator>> {
        let mut statement = self.connection.prepare(
            "SELECT id, policy_code, policy_name, section, name, unit FROM indicators
             WHERE submission_id = ?1 ORDER BY position",
        )?;
        let rows = statement
            .query_map([submission_id], |row| {
                let indicator = Indicator {
                    policy_code: row.get(1)?,
                    policy_name: row.get(2)?,
                    section: row.get(3)?,
                    name: row.get(4)?,
                    unit: row.get(5)?,
                    observations: Vec::new(),
                };
                Ok((row.get::<_, i64>(0)?, indicator))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, mut indicator)| {
                indicator.observations = self.observations_of(id)?;
                Ok(indicator)
            })
            .collect()
    }

    fn observations_of(&self, indicator_id: i64) -> anyhow::Result<Vec<Observation>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT period, printed FROM observations WHERE indicator_id = ?1")?;
        let rows = statement
            .query_map([indicator_id], |row| {
                Ok((row.get::<_, String>(0)?, row.get(1)?))
            })?
            .collect::<Result<Vec<(String, String)>, _>>()?;
        let mut cells: Vec<(Period, String)> = rows
            .into_iter()
            .filter_map(|(key, printed)| Some((Period::from_key(&key)?, printed)))
            .collect();
        cells.sort_by_key(|(period, _)| *period);
        Ok(cells
            .iter()
            .map(|(_, printed)| Observation::parse(printed))
            .collect())
    }
}

fn insert_findings(
    tx: &rusqlite::Transaction,
    id: i64,
    findings: &[Finding],
) -> rusqlite::Result<()> {
    for (position, finding) in findings.iter().enumerate() {
        tx.execute(
            "INSERT INTO findings (submission_id, position, severity, sheet, cell, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                position as i64,
                finding.severity.key(),
                finding.sheet,
                finding.cell,
                finding.message
            ],
        )?;
    }
    Ok(())
}

fn insert_indicator(
    tx: &rusqlite::Transaction,
    submission_id: i64,
    position: usize,
    indicator: &Indicator,
    row: u32,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO indicators (submission_id, position, sheet, sheet_row, policy_code,
                                 policy_name, section, name, unit)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            submission_id,
            position as i64,
            INDICATOR_SHEET,
            i64::from(row) + 1,
            indicator.policy_code,
            indicator.policy_name,
            indicator.section,
            indicator.name,
            indicator.unit,
        ],
    )?;
    let indicator_id = tx.last_insert_rowid();
    for (i, (period, observation)) in Period::ALL.iter().zip(&indicator.observations).enumerate() {
        tx.execute(
            "INSERT INTO observations (indicator_id, period, cell, printed, value)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                indicator_id,
                period.key(),
                cell_name(row, FIRST_PERIOD_COLUMN + i as u16),
                observation.printed,
                observation.value(),
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
