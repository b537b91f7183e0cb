//! A department's history on SQLite: its every version, newest first, and one version
//! of its own (never a row of another city or department).

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::domain::{FiscalYear, Severity};
use crate::store::HistoryEntry;

/// The columns of a [`HistoryEntry`], read by [`entry`]; `?2` and `?3` are the severities.
const ENTRY: &str =
    "SELECT s.id, s.file_name, s.sha256, s.archived_path, s.fiscal_year, s.received_at,
        s.status, s.uploaded_by,
        (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = ?2),
        (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = ?3)
 FROM submissions s
 WHERE s.city_code = ?1 AND s.department = ?4";

/// Every version of `department` (of one year, or all when `fiscal_year` is `None`).
pub(super) fn history(
    connection: &Connection,
    city_code: &str,
    department: &str,
    fiscal_year: Option<FiscalYear>,
) -> anyhow::Result<Vec<HistoryEntry>> {
    let sql = format!("{ENTRY} AND (?5 IS NULL OR s.fiscal_year = ?5) ORDER BY s.id DESC");
    let mut statement = connection.prepare_cached(&sql)?;
    let year = fiscal_year.map(|y| y.start_year());
    let (errors, warnings) = (Severity::Error, Severity::Warning);
    let rows = statement.query_map(
        params![city_code, errors, warnings, department, year],
        entry,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Version `id`, when it is `department`'s of `city_code`.
pub(super) fn one(
    connection: &Connection,
    city_code: &str,
    department: &str,
    id: i64,
) -> anyhow::Result<Option<HistoryEntry>> {
    let sql = format!("{ENTRY} AND s.id = ?5");
    let mut statement = connection.prepare_cached(&sql)?;
    let (errors, warnings) = (Severity::Error, Severity::Warning);
    let found = statement
        .query_row(params![city_code, errors, warnings, department, id], entry)
        .optional()?;
    Ok(found)
}

fn entry(row: &Row) -> rusqlite::Result<HistoryEntry> {
    Ok(HistoryEntry {
        id: row.get(0)?,
        file_name: row.get(1)?,
        sha256: row.get(2)?,
        archived_path: row.get(3)?,
        fiscal_year: row.get::<_, Option<i32>>(4)?.map(FiscalYear),
        received_at: row.get(5)?,
        status: row.get(6)?,
        uploaded_by: row.get(7)?,
        errors: row.get(8)?,
        warnings: row.get(9)?,
    })
}
