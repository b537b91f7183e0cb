//! Writing and reading the content of an accepted submission, table by table.

use rusqlite::{params, Connection, Transaction};

use crate::domain::{Indicator, Period, Reading};
use crate::workbook::{
    ActionItemEntry, DepartmentProfile, IndicatorEntry, KpiEntry, PolicyProgress, PriorityProject,
    SubmissionContent,
};

/// Stores every part of `content` under `id`.
pub fn insert(tx: &Transaction, id: i64, content: &SubmissionContent) -> rusqlite::Result<()> {
    let p = &content.profile;
    tx.prepare_cached(
        "INSERT INTO department_profiles (submission_id, sections, staff_count, budget, operating_policy, covid_response)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
        params![id, p.sections.join("\n"), p.staff_count, p.budget, p.operating_policy, p.covid_response],
    )?;
    for (i, x) in content.projects.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO priority_projects (submission_id, position, sheet_row, number, title, section, indicator, target, previous)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?.execute(
            params![id, i as i64, x.row, x.number, x.title, x.section, x.indicator, x.target, x.previous],
        )?;
    }
    for (i, entry) in content.indicators.iter().enumerate() {
        insert_indicator(tx, id, i, entry)?;
    }
    for (i, x) in content.progress.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO policy_progress (submission_id, position, sheet_row, policy_code, policy_name, text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
            params![id, i as i64, x.row, x.policy_code, x.policy_name, x.text],
        )?;
    }
    for (i, x) in content.action_items.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO action_item_reports (submission_id, position, sheet_row, item_id, major, title, departments, overview, progress)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?.execute(
            params![id, i as i64, x.row, x.id, x.major, x.title, x.departments, x.overview, x.progress],
        )?;
    }
    for (i, x) in content.kpis.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO kpi_values (submission_id, position, sheet_row, kpi_id, goal, name, earlier, baseline, actual, target, note, actual_provisional)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")?.execute(
            params![id, i as i64, x.row, x.id, x.goal, x.name, x.earlier, x.baseline, x.actual, x.target, x.note, x.actual_provisional],
        )?;
    }
    Ok(())
}

fn insert_indicator(
    tx: &Transaction,
    submission_id: i64,
    position: usize,
    entry: &IndicatorEntry,
) -> rusqlite::Result<()> {
    let ind = &entry.indicator;
    tx.prepare_cached(
        "INSERT INTO indicators (submission_id, position, sheet_row, indicator_ref, policy_code, policy_name, section,
                                 name, unit, observed_at, reason, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")?.execute(
        params![
            submission_id, position as i64, entry.row, entry.id, ind.policy_code, ind.policy_name, ind.section,
            ind.name, ind.unit, entry.observed_at, entry.reason, entry.note
        ],
    )?;
    let indicator_id = tx.last_insert_rowid();
    for reading in &entry.readings {
        tx.prepare_cached(
            "INSERT INTO observations (indicator_id, period, cell, printed, value, provisional) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
            params![indicator_id, reading.period.key(), reading.address(), reading.printed, reading.value, reading.provisional],
        )?;
    }
    Ok(())
}

/// Reads back the content stored under `id` (header fields are the caller's).
pub fn load(
    connection: &Connection,
    id: i64,
    content: &mut SubmissionContent,
) -> anyhow::Result<()> {
    content.profile = load_profile(connection, id)?;
    content.projects = rows(connection, "SELECT number, title, section, indicator, target, previous, sheet_row FROM priority_projects WHERE submission_id = ?1 ORDER BY position", id, |r| {
        Ok(PriorityProject { number: r.get(0)?, title: r.get(1)?, section: r.get(2)?, indicator: r.get(3)?, target: r.get(4)?, previous: r.get(5)?, row: r.get(6)? })
    })?;
    content.indicators = load_indicators(connection, id)?;
    content.progress = rows(connection, "SELECT policy_code, policy_name, text, sheet_row FROM policy_progress WHERE submission_id = ?1 ORDER BY position", id, |r| {
        Ok(PolicyProgress { policy_code: r.get(0)?, policy_name: r.get(1)?, text: r.get(2)?, row: r.get(3)? })
    })?;
    content.action_items = rows(connection, "SELECT item_id, major, title, departments, overview, progress, sheet_row FROM action_item_reports WHERE submission_id = ?1 ORDER BY position", id, |r| {
        Ok(ActionItemEntry { id: r.get(0)?, major: r.get(1)?, title: r.get(2)?, departments: r.get(3)?, overview: r.get(4)?, progress: r.get(5)?, row: r.get(6)? })
    })?;
    content.kpis = rows(connection, "SELECT kpi_id, goal, name, earlier, baseline, actual, target, note, sheet_row, actual_provisional FROM kpi_values WHERE submission_id = ?1 ORDER BY position", id, |r| {
        Ok(KpiEntry { id: r.get(0)?, goal: r.get(1)?, name: r.get(2)?, earlier: r.get(3)?, baseline: r.get(4)?, previous: String::new(), actual: r.get(5)?, target: r.get(6)?, note: r.get(7)?, row: r.get(8)?, actual_provisional: r.get(9)? })
    })?;
    Ok(())
}

fn rows<T>(
    connection: &Connection,
    sql: &str,
    id: i64,
    map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let mut statement = connection.prepare_cached(sql)?;
    let rows = statement.query_map([id], map)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn load_profile(connection: &Connection, id: i64) -> anyhow::Result<DepartmentProfile> {
    let found = rows(connection, "SELECT sections, staff_count, budget, operating_policy, covid_response FROM department_profiles WHERE submission_id = ?1", id, |r| {
        Ok(DepartmentProfile {
            sections: r.get::<_, String>(0)?.lines().map(String::from).collect(),
            staff_count: r.get(1)?,
            budget: r.get(2)?,
            operating_policy: r.get(3)?,
            covid_response: r.get(4)?,
        })
    })?;
    Ok(found.into_iter().next().unwrap_or_default())
}

fn load_indicators(connection: &Connection, id: i64) -> anyhow::Result<Vec<IndicatorEntry>> {
    let heads = rows(connection, "SELECT id, indicator_ref, policy_code, policy_name, section, name, unit, observed_at, reason, note, sheet_row FROM indicators WHERE submission_id = ?1 ORDER BY position", id, |r| {
        let entry = IndicatorEntry {
            id: r.get(1)?,
            indicator: Indicator { policy_code: r.get(2)?, policy_name: r.get(3)?, section: r.get(4)?, name: r.get(5)?, unit: r.get(6)?, observations: Vec::new() },
            readings: Vec::new(),
            observed_at: r.get(7)?,
            reason: r.get(8)?,
            // Shown in a workbook only, never stored.
            previous: String::new(),
            note: r.get(9)?,
            row: r.get(10)?,
        };
        Ok((r.get::<_, i64>(0)?, entry))
    })?;
    heads
        .into_iter()
        .map(|(key, mut entry)| {
            entry.readings = load_readings(connection, key)?;
            Ok(entry)
        })
        .collect()
}

/// The readings of an indicator as intake stored them, in period order.
fn load_readings(connection: &Connection, indicator_id: i64) -> anyhow::Result<Vec<Reading>> {
    let stored = rows(
        connection,
        "SELECT period, cell, printed, value, provisional FROM observations WHERE indicator_id = ?1",
        indicator_id,
        |r| {
            let key: String = r.get(0)?;
            let period = Period::from_key(&key).ok_or_else(|| unknown_period(key))?;
            let (sheet, cell) = Reading::split_address(&r.get::<_, String>(1)?);
            Ok(Reading {
                period,
                printed: r.get(2)?,
                value: r.get(3)?,
                sheet,
                cell,
                provisional: r.get(4)?,
            })
        },
    )?;
    let mut readings: Vec<Reading> = stored;
    readings.sort_by_key(|r| r.period);
    Ok(readings)
}

/// A stored period this version does not know: the read fails and names it, rather
/// than leaving the figure out.
fn unknown_period(key: String) -> rusqlite::Error {
    let unknown = crate::store::UnknownState {
        kind: "指標の期間",
        name: key,
        known: Period::ALL.iter().map(|p| p.key()).collect(),
    };
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(unknown))
}
