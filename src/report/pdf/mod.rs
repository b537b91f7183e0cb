//! The indicator PDF: A4 landscape, a table per department whose header row repeats
//! on every page, text wrapped inside its cell, figures right-aligned.

pub(super) mod batch;
mod chart;
pub(super) mod deflate;
pub(super) mod department_plans;
pub(super) mod page;
pub(super) mod summary;
pub(super) mod text;
pub(super) mod white_paper;

use super::Edition;
use crate::consolidate::{Cell, Datasets, Submission, SubmittedIndicator};
use page::{save, Align, Canvas, Table, A4_LANDSCAPE};

const MARGIN: f32 = 36.0;
const BODY_SIZE: f32 = 8.0;
/// Column widths in points: 施策, 指標名, then the five periods.
const COLUMNS: [f32; 7] = [130.0, 190.0, 88.0, 88.0, 88.0, 88.0, 88.0];

/// Builds the PDF for the departments that submitted; `label` names the audience.
pub fn indicator_document(
    datasets: &Datasets,
    edition: &Edition,
    label: &str,
) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    let (city, year) = (&datasets.city, &datasets.fiscal_year_label);
    let plan_name = &datasets.white_paper.plan_name;
    let title = format!("{city} {year} 目標指標の達成状況({label})");
    let mut canvas = Canvas::new(fonts, A4_LANDSCAPE, MARGIN);
    canvas.paragraph(&title, 14.0, 0.0, 1.4)?;
    canvas.paragraph(plan_name, 9.0, 0.0, 1.4)?;
    canvas.gap(6.0);
    for submission in &datasets.submissions {
        department_table(&mut canvas, submission, &datasets.period_headers)?;
    }
    if datasets.submissions.is_empty() {
        canvas.paragraph("受け付けた提出がありません。", 10.0, 0.0, 1.4)?;
    }
    let (pages, used) = canvas.finish();
    let built = edition.built_at.format("%Y年%-m月%-d日").to_string();
    let header = format!("{city} {year} 作成 {built}");
    let meta = edition.meta(&title, city, plan_name);
    save(fonts, A4_LANDSCAPE, pages, &used, &header, 0, &meta)
}

fn department_table(
    canvas: &mut Canvas,
    submission: &Submission,
    headers: &[String],
) -> anyhow::Result<()> {
    canvas.ensure_space(80.0);
    canvas.gap(4.0);
    canvas.paragraph(&submission.department, 12.0, 0.0, 1.5)?;
    if submission.indicators.is_empty() {
        return canvas.paragraph("この部が主に担当する目標指標はありません。", 9.0, 8.0, 1.5);
    }
    let header = ["施策", "目標指標"]
        .into_iter()
        .map(String::from)
        .chain(headers.iter().cloned())
        .collect();
    let table = Table {
        widths: COLUMNS.to_vec(),
        align: alignment(&submission.indicators),
        header,
        rows: submission.indicators.iter().map(indicator_cells).collect(),
        size: BODY_SIZE,
    };
    canvas
        .table(&table)
        .map_err(|e| e.context(format!("{} の目標指標", submission.department)))?;
    canvas.gap(6.0);
    Ok(())
}

/// Figures are right-aligned; a column of words (`維持`) reads better from the left.
fn alignment(indicators: &[SubmittedIndicator]) -> Vec<Align> {
    let period_column = |c: usize| indicators.iter().map(move |i| i.cells.get(c - 2));
    (0..COLUMNS.len())
        .map(|c| {
            let figures = c >= 2 && period_column(c).all(|cell| cell.is_none_or(Cell::is_figure));
            if figures {
                Align::Right
            } else {
                Align::Left
            }
        })
        .collect()
}

/// The cells of one indicator row.
fn indicator_cells(indicator: &SubmittedIndicator) -> Vec<String> {
    let policy = format!("{} {}", indicator.policy_code, indicator.policy_name);
    let mut cells = vec![policy, indicator.name.clone()];
    cells.extend(indicator.cells.iter().map(|c| c.printed.clone()));
    cells
}
