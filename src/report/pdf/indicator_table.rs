//! The indicator PDF (`目標指標_全庁.pdf`): A4 landscape, a table per department whose
//! header row repeats on every page, text wrapped inside its cell. The five period
//! columns are right-aligned whatever their rows hold (as in the white paper), the
//! status is centred, and every footnote marker a table prints has its note under it.

use super::footnotes::{markers, note_key};
use super::page::{save, Align, Canvas, Table, A4_LANDSCAPE};
use crate::consolidate::{Datasets, Indicator, Policy, Submission, SubmittedIndicator};
use crate::domain::japanese::era_date;
use crate::report::Edition;
use crate::texts::report as texts;

const MARGIN: f32 = 36.0;
const BODY_SIZE: f32 = 8.0;
const NOTE_SIZE: f32 = 7.0;
/// Column widths in points: 施策, 指標名, the five periods, 状態.
const COLUMNS: [f32; 8] = [118.0, 180.0, 82.0, 82.0, 82.0, 82.0, 82.0, 52.0];

/// Builds the PDF for the departments that submitted; `label` names the audience.
pub fn indicator_document(
    datasets: &Datasets,
    edition: &Edition,
    label: &str,
) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    let (city, year) = (&datasets.city, &datasets.fiscal_year_label);
    let plan_name = &datasets.white_paper.plan_name;
    let title = texts::indicator_title(city, year, label);
    let mut canvas = Canvas::new(fonts, A4_LANDSCAPE, MARGIN);
    canvas.paragraph(&title, 14.0, 0.0, 1.4)?;
    canvas.paragraph(plan_name, 9.0, 0.0, 1.4)?;
    canvas.paragraph(
        &crate::domain::status::status_rule_text(),
        NOTE_SIZE,
        0.0,
        1.4,
    )?;
    canvas.gap(6.0);
    for submission in &datasets.submissions {
        department_table(&mut canvas, datasets, submission)?;
    }
    if datasets.submissions.is_empty() {
        canvas.paragraph(texts::NO_SUBMISSIONS, 10.0, 0.0, 1.4)?;
    }
    let (pages, used) = canvas.finish();
    let built = era_date(edition.built_at.date_naive());
    let header = texts::indicator_header(city, year, &built);
    let meta = edition.meta(&title, city, plan_name);
    save(fonts, A4_LANDSCAPE, pages, &used, &header, 0, &meta)
}

fn department_table(
    canvas: &mut Canvas,
    datasets: &Datasets,
    submission: &Submission,
) -> anyhow::Result<()> {
    canvas.ensure_space(80.0);
    canvas.gap(4.0);
    canvas.subheading(&submission.department, 12.0, 1.5)?;
    if submission.indicators.is_empty() {
        return canvas.paragraph(texts::NO_INDICATORS, 9.0, 8.0, 1.5);
    }
    let rows: Vec<Vec<String>> = submission
        .indicators
        .iter()
        .map(|i| indicator_cells(i, rated(datasets, &i.id)))
        .collect();
    let table = Table {
        widths: COLUMNS.to_vec(),
        align: alignment(),
        header: header(&datasets.period_headers),
        rows,
        size: BODY_SIZE,
    };
    canvas
        .table(&table)
        .map_err(|e| e.context(format!("{} の目標指標", submission.department)))?;
    let notes = footnotes(datasets, &submission.indicators, &table.rows);
    if !notes.is_empty() {
        canvas.gap(2.0);
    }
    for note in notes {
        canvas.paragraph(&note, NOTE_SIZE, 0.0, 1.4)?;
    }
    canvas.gap(6.0);
    Ok(())
}

fn header(periods: &[String]) -> Vec<String> {
    let mut header: Vec<String> = texts::INDICATOR_COLUMNS.map(String::from).to_vec();
    header.extend(periods.iter().cloned());
    header.push(texts::STATUS_COLUMN.to_string());
    header
}

/// One rule for every table: the names from the left, the five periods from the right
/// whatever a row holds (`維持` as well as `34,677件`), the status centred.
fn alignment() -> Vec<Align> {
    let mut align = vec![Align::Left; 2];
    align.extend([Align::Right; 5]);
    align.push(Align::Center);
    align
}

/// The white paper's record of an indicator, where its status was rated.
fn rated<'d>(datasets: &'d Datasets, id: &str) -> Option<&'d Indicator> {
    policies(datasets)
        .flat_map(|p| &p.indicators)
        .find(|i| i.id == id)
}

fn policies(datasets: &Datasets) -> impl Iterator<Item = &Policy> {
    datasets.white_paper.parts.iter().flat_map(|p| &p.policies)
}

/// The cells of one indicator row: policy, name, the five periods, the status.
fn indicator_cells(indicator: &SubmittedIndicator, rated: Option<&Indicator>) -> Vec<String> {
    let policy = format!("{} {}", indicator.policy_code, indicator.policy_name);
    let mut cells = vec![policy, indicator.name.clone()];
    cells.extend(indicator.cells.iter().map(|c| c.printed.clone()));
    cells.push(rated.map_or_else(String::new, |i| i.status_label.clone()));
    cells
}

/// The note of every marker the rows print, once, in the order the markers come, each
/// after its policy's code (two policies of one table may both have a `(注)`). A
/// marker is looked up in its own policy's notes first, then in any policy's.
fn footnotes(
    datasets: &Datasets,
    indicators: &[SubmittedIndicator],
    rows: &[Vec<String>],
) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    for (indicator, row) in indicators.iter().zip(rows) {
        let code = &indicator.policy_code;
        for key in markers(&row.join("\n")) {
            let Some((owner, note)) = note_of(datasets, code, &key) else {
                continue;
            };
            let line = format!("{owner} {note}");
            if !notes.contains(&line) {
                notes.push(line);
            }
        }
    }
    notes
}

/// The policy code and text of the note `key` names, from the policy `code` if it has one.
fn note_of<'d>(datasets: &'d Datasets, code: &str, key: &str) -> Option<(&'d str, &'d str)> {
    let own = policies(datasets).filter(|p| p.code == code);
    let others = policies(datasets).filter(|p| p.code != code);
    own.chain(others).find_map(|policy| {
        let note = policy
            .notes
            .iter()
            .find(|n| note_key(n).as_deref() == Some(key))?;
        Some((policy.code.as_str(), note.as_str()))
    })
}
