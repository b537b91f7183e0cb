//! A department's history on PostgreSQL: its every version, newest first, and one
//! version of its own (never a row of another city or department).

use postgres::{Client, Row};

use super::state;
use super::submissions::year_of;
use crate::domain::{FiscalYear, Severity};
use crate::store::states::StoredName;
use crate::store::HistoryEntry;

/// The columns of a [`HistoryEntry`], read by [`entry`]; `$2` and `$3` are the severities.
const ENTRY: &str =
    "SELECT s.id, s.file_name, s.sha256, s.archived_path, s.fiscal_year, s.received_at,
        s.status, s.uploaded_by,
        (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = $2),
        (SELECT COUNT(*) FROM findings f WHERE f.submission_id = s.id AND f.severity = $3)
 FROM submissions s
 WHERE s.city_code = $1 AND s.department = $4";

/// Every version of `department` (of one year, or all when `fiscal_year` is `None`).
pub(super) fn history(
    client: &mut Client,
    city_code: &str,
    department: &str,
    fiscal_year: Option<FiscalYear>,
) -> anyhow::Result<Vec<HistoryEntry>> {
    let sql = format!("{ENTRY} AND ($5::bigint IS NULL OR s.fiscal_year = $5) ORDER BY s.id DESC");
    let year = fiscal_year.map(|y| i64::from(y.start_year()));
    let (errors, warnings) = (Severity::Error.as_str(), Severity::Warning.as_str());
    let rows = client.query(&sql, &[&city_code, &errors, &warnings, &department, &year])?;
    rows.iter().map(entry).collect()
}

/// Version `id`, when it is `department`'s of `city_code`.
pub(super) fn one(
    client: &mut Client,
    city_code: &str,
    department: &str,
    id: i64,
) -> anyhow::Result<Option<HistoryEntry>> {
    let sql = format!("{ENTRY} AND s.id = $5");
    let (errors, warnings) = (Severity::Error.as_str(), Severity::Warning.as_str());
    let row = client.query_opt(&sql, &[&city_code, &errors, &warnings, &department, &id])?;
    row.as_ref().map(entry).transpose()
}

fn entry(row: &Row) -> anyhow::Result<HistoryEntry> {
    let year: Option<i64> = row.try_get(4)?;
    Ok(HistoryEntry {
        id: row.try_get(0)?,
        file_name: row.try_get(1)?,
        sha256: row.try_get(2)?,
        archived_path: row.try_get(3)?,
        fiscal_year: match year {
            Some(_) => Some(FiscalYear(year_of(row, 4)?)),
            None => None,
        },
        received_at: row.try_get(5)?,
        status: state(row, 6)?,
        uploaded_by: row.try_get(7)?,
        errors: row.try_get(8)?,
        warnings: row.try_get(9)?,
    })
}
