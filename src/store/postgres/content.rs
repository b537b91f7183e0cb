//! Writing and reading the content of an accepted submission, table by table, and the
//! figures of earlier years, on PostgreSQL (as `sqlite/content.rs` and `earlier.rs`).

use postgres::types::ToSql;
use postgres::{Client, Row, Transaction};

use super::submissions::year_of;
use crate::domain::{FiscalYear, Indicator, Period, Reading};
use crate::store::states::StoredName;
use crate::store::{EarlierFigures, FigureKind, SubmissionStatus, SubmittedFigure};
use crate::workbook::{
    ActionItemEntry, DepartmentProfile, IndicatorEntry, KpiEntry, PolicyProgress, PriorityProject,
    SubmissionContent,
};

/// Runs one insert with these parameters.
fn put(tx: &mut Transaction, sql: &str, params: &[&(dyn ToSql + Sync)]) -> anyhow::Result<()> {
    tx.execute(sql, params)?;
    Ok(())
}

/// Stores every part of `content` under `id`.
pub fn insert(tx: &mut Transaction, id: i64, content: &SubmissionContent) -> anyhow::Result<()> {
    let p = &content.profile;
    put(tx, "INSERT INTO department_profiles (submission_id, sections, staff_count, budget, operating_policy, covid_response)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&id, &p.sections.join("\n"), &p.staff_count, &p.budget, &p.operating_policy, &p.covid_response])?;
    for (i, x) in content.projects.iter().enumerate() {
        put(tx, "INSERT INTO priority_projects (submission_id, position, sheet_row, number, title, section, indicator, target, previous)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[&id, &(i as i64), &i64::from(x.row), &x.number, &x.title, &x.section, &x.indicator, &x.target, &x.previous])?;
    }
    for (i, entry) in content.indicators.iter().enumerate() {
        insert_indicator(tx, id, i, entry)?;
    }
    for (i, x) in content.progress.iter().enumerate() {
        put(tx, "INSERT INTO policy_progress (submission_id, position, sheet_row, policy_code, policy_name, text)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&id, &(i as i64), &i64::from(x.row), &x.policy_code, &x.policy_name, &x.text])?;
    }
    for (i, x) in content.action_items.iter().enumerate() {
        put(tx, "INSERT INTO action_item_reports (submission_id, position, sheet_row, item_id, major, title, departments, overview, progress)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[&id, &(i as i64), &i64::from(x.row), &x.id, &i64::from(x.major), &x.title, &x.departments, &x.overview, &x.progress])?;
    }
    for (i, x) in content.kpis.iter().enumerate() {
        put(tx, "INSERT INTO kpi_values (submission_id, position, sheet_row, kpi_id, goal, name, earlier, baseline, actual, target, note, actual_provisional)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[&id, &(i as i64), &i64::from(x.row), &x.id, &x.goal, &x.name, &x.earlier, &x.baseline, &x.actual, &x.target, &x.note, &x.actual_provisional])?;
    }
    Ok(())
}

fn insert_indicator(
    tx: &mut Transaction,
    submission_id: i64,
    position: usize,
    entry: &IndicatorEntry,
) -> anyhow::Result<()> {
    let ind = &entry.indicator;
    // RETURNING where SQLite reads its last row id.
    let indicator_id: i64 = tx.query_one(
        "INSERT INTO indicators (submission_id, position, sheet_row, indicator_ref, policy_code, policy_name, section,
                                 name, unit, observed_at, reason, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        &[
            &submission_id, &(position as i64), &i64::from(entry.row), &entry.id, &ind.policy_code, &ind.policy_name,
            &ind.section, &ind.name, &ind.unit, &entry.observed_at, &entry.reason, &entry.note,
        ],
    )?.try_get(0)?;
    for reading in &entry.readings {
        put(tx, "INSERT INTO observations (indicator_id, period, cell, printed, value, provisional) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&indicator_id, &reading.period.key(), &reading.address(), &reading.printed, &reading.value, &reading.provisional])?;
    }
    Ok(())
}

/// A sheet row as stored (BIGINT) back into the workbook's type.
fn sheet_row(r: &Row, index: usize) -> anyhow::Result<u32> {
    Ok(u32::try_from(r.try_get::<_, i64>(index)?)?)
}

/// The rows of one content table for a submission, each read by `map`.
fn rows<T>(
    client: &mut Client,
    sql: &str,
    id: i64,
    map: impl Fn(&Row) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    client.query(sql, &[&id])?.iter().map(map).collect()
}

/// Reads back the content stored under `id` (header fields are the caller's).
pub fn load(client: &mut Client, id: i64, content: &mut SubmissionContent) -> anyhow::Result<()> {
    content.profile = load_profile(client, id)?;
    content.projects = rows(client, "SELECT number, title, section, indicator, target, previous, sheet_row FROM priority_projects WHERE submission_id = $1 ORDER BY position", id, |r| {
        Ok(PriorityProject { number: r.try_get(0)?, title: r.try_get(1)?, section: r.try_get(2)?, indicator: r.try_get(3)?, target: r.try_get(4)?, previous: r.try_get(5)?, row: sheet_row(r, 6)? })
    })?;
    content.indicators = load_indicators(client, id)?;
    content.progress = rows(client, "SELECT policy_code, policy_name, text, sheet_row FROM policy_progress WHERE submission_id = $1 ORDER BY position", id, |r| {
        Ok(PolicyProgress { policy_code: r.try_get(0)?, policy_name: r.try_get(1)?, text: r.try_get(2)?, row: sheet_row(r, 3)? })
    })?;
    content.action_items = rows(client, "SELECT item_id, major, title, departments, overview, progress, sheet_row FROM action_item_reports WHERE submission_id = $1 ORDER BY position", id, |r| {
        Ok(ActionItemEntry { id: r.try_get(0)?, major: r.try_get::<_, i64>(1)? != 0, title: r.try_get(2)?, departments: r.try_get(3)?, overview: r.try_get(4)?, progress: r.try_get(5)?, row: sheet_row(r, 6)? })
    })?;
    content.kpis = rows(client, "SELECT kpi_id, goal, name, earlier, baseline, actual, target, note, sheet_row, actual_provisional FROM kpi_values WHERE submission_id = $1 ORDER BY position", id, |r| {
        Ok(KpiEntry { id: r.try_get(0)?, goal: r.try_get(1)?, name: r.try_get(2)?, earlier: r.try_get(3)?, baseline: r.try_get(4)?, previous: String::new(), actual: r.try_get(5)?, target: r.try_get(6)?, note: r.try_get(7)?, row: sheet_row(r, 8)?, actual_provisional: r.try_get(9)? })
    })?;
    Ok(())
}

fn load_profile(client: &mut Client, id: i64) -> anyhow::Result<DepartmentProfile> {
    let found = rows(client, "SELECT sections, staff_count, budget, operating_policy, covid_response FROM department_profiles WHERE submission_id = $1", id, |r| {
        Ok(DepartmentProfile {
            sections: r.try_get::<_, String>(0)?.lines().map(String::from).collect(),
            staff_count: r.try_get(1)?,
            budget: r.try_get(2)?,
            operating_policy: r.try_get(3)?,
            covid_response: r.try_get(4)?,
        })
    })?;
    Ok(found.into_iter().next().unwrap_or_default())
}

fn load_indicators(client: &mut Client, id: i64) -> anyhow::Result<Vec<IndicatorEntry>> {
    let heads = rows(client, "SELECT id, indicator_ref, policy_code, policy_name, section, name, unit, observed_at, reason, note, sheet_row FROM indicators WHERE submission_id = $1 ORDER BY position", id, |r| {
        let entry = IndicatorEntry {
            id: r.try_get(1)?,
            indicator: Indicator { policy_code: r.try_get(2)?, policy_name: r.try_get(3)?, section: r.try_get(4)?, name: r.try_get(5)?, unit: r.try_get(6)?, observations: Vec::new() },
            readings: Vec::new(),
            observed_at: r.try_get(7)?,
            reason: r.try_get(8)?,
            // Shown in a workbook only, never stored.
            previous: String::new(),
            note: r.try_get(9)?,
            row: sheet_row(r, 10)?,
        };
        Ok((r.try_get::<_, i64>(0)?, entry))
    })?;
    heads
        .into_iter()
        .map(|(key, mut entry)| {
            entry.readings = load_readings(client, key)?;
            Ok(entry)
        })
        .collect()
}

/// The readings of an indicator as intake stored them, in period order.
fn load_readings(client: &mut Client, indicator_id: i64) -> anyhow::Result<Vec<Reading>> {
    let mut readings = rows(
        client,
        "SELECT period, cell, printed, value, provisional FROM observations WHERE indicator_id = $1",
        indicator_id,
        |r| {
            let key: String = r.try_get(0)?;
            let period = Period::from_key(&key).ok_or_else(|| unknown_period(key))?;
            let (sheet, cell) = Reading::split_address(&r.try_get::<_, String>(1)?);
            Ok(Reading {
                period,
                printed: r.try_get(2)?,
                value: r.try_get(3)?,
                sheet,
                cell,
                provisional: r.try_get(4)?,
            })
        },
    )?;
    readings.sort_by_key(|r| r.period);
    Ok(readings)
}

/// A stored period this version does not know: the read fails and names it.
fn unknown_period(key: String) -> crate::store::UnknownState {
    crate::store::UnknownState {
        kind: "指標の期間",
        name: key,
        known: Period::ALL.iter().map(|p| p.key()).collect(),
    }
}

/// The department's current submission of a year: its latest accepted one.
const CURRENT: &str = "s.city_code = $1 AND s.fiscal_year < $2 AND s.status = $3
    AND s.id = (SELECT MAX(t.id) FROM submissions t
                WHERE t.city_code = s.city_code AND t.fiscal_year = s.fiscal_year
                  AND t.department = s.department AND t.status = $3)";

/// Every indicator's 達成値 and KPI's 実績値 of the years before `before`, the latest kept.
pub fn earlier(
    client: &mut Client,
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
    let year = i64::from(before.start_year());
    let accepted = SubmissionStatus::Accepted.as_str();
    for (kind, sql) in [(FigureKind::Indicator, indicators), (FigureKind::Kpi, kpis)] {
        for r in client.query(&sql, &[&city_code, &year, &accepted])? {
            let figure = SubmittedFigure {
                fiscal_year: FiscalYear(year_of(&r, 1)?),
                printed: r.try_get(3)?,
                provisional: r.try_get(4)?,
            };
            let (department, id): (String, String) = (r.try_get(0)?, r.try_get(2)?);
            figures.keep(kind, &department, &id, figure);
        }
    }
    Ok(figures)
}
