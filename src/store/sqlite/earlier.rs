//! The figures of earlier fiscal years, read from each department's current (latest
//! accepted) submission of each year before the one asked for.

use rusqlite::{params, Connection};

use crate::domain::{FiscalYear, Period};
use crate::store::{EarlierFigures, FigureKind, SubmissionStatus, SubmittedFigure};

/// The department's current submission of a year: its latest accepted one.
const CURRENT: &str = "s.city_code = ?1 AND s.fiscal_year < ?2 AND s.status = ?3
    AND s.id = (SELECT MAX(t.id) FROM submissions t
                WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year
                  AND t.department = s.department AND t.status = ?3)";

/// Every indicator's 達成値 and KPI's 実績値 of the years before `before`, the latest kept.
pub fn load(
    connection: &Connection,
    city_code: &str,
    before: FiscalYear,
) -> anyhow::Result<EarlierFigures> {
    let indicators = format!(
        "SELECT s.department, s.fiscal_year, i.indicator_ref, o.printed, o.provisional
         FROM submissions s JOIN indicators i ON i.submission_id = s.id
         JOIN observations o ON o.indicator_id = i.id AND o.period = '{}'
         WHERE {CURRENT}",
        Period::Actual.key()
    );
    let kpis = format!(
        "SELECT s.department, s.fiscal_year, k.kpi_id, k.actual, k.actual_provisional
         FROM submissions s JOIN kpi_values k ON k.submission_id = s.id
         WHERE {CURRENT}"
    );
    let mut figures = EarlierFigures::default();
    for (kind, sql) in [(FigureKind::Indicator, indicators), (FigureKind::Kpi, kpis)] {
        let mut statement = connection.prepare(&sql)?;
        let rows = statement.query_map(
            params![city_code, before.start_year(), SubmissionStatus::Accepted],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i32>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<String>>(4)?,
                ))
            },
        )?;
        for row in rows {
            let (department, year, id, printed, provisional) = row?;
            let figure = SubmittedFigure {
                fiscal_year: FiscalYear(year),
                printed,
                provisional,
            };
            figures.keep(kind, &department, &id, figure);
        }
    }
    Ok(figures)
}
