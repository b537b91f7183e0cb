//! The indicator PDF: A4 landscape, a table per department whose header row repeats
//! on every page, text wrapped inside its cell, figures right-aligned.

mod chart;
pub(super) mod department_plans;
pub(super) mod page;
pub(super) mod summary;
pub(super) mod text;
pub(super) mod white_paper;

use super::{Dataset, Edition};
use crate::domain::{Indicator, Observation, ObservationKind};
use crate::store::DepartmentIndicators;
use page::{save, Align, Canvas, Table, A4_LANDSCAPE};

const MARGIN: f32 = 36.0;
const BODY_SIZE: f32 = 8.0;
/// Column widths in points: 施策, 指標名, then the five periods.
const COLUMNS: [f32; 7] = [130.0, 190.0, 88.0, 88.0, 88.0, 88.0, 88.0];

/// Builds the PDF for the departments of `dataset`; `label` names the audience.
pub fn indicator_document(
    dataset: &Dataset,
    edition: &Edition,
    label: &str,
) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    let title = format!(
        "{} {} 目標指標の達成状況({label})",
        dataset.city, dataset.fiscal_year
    );
    let mut canvas = Canvas::new(fonts, A4_LANDSCAPE, MARGIN);
    canvas.paragraph(&title, 14.0, 0.0, 1.4)?;
    canvas.paragraph(&dataset.plan_name, 9.0, 0.0, 1.4)?;
    canvas.gap(6.0);
    for department in &dataset.departments {
        department_table(&mut canvas, department, &dataset.period_headers)?;
    }
    if dataset.departments.is_empty() {
        canvas.paragraph("受け付けた提出がありません。", 10.0, 0.0, 1.4)?;
    }
    let (pages, used) = canvas.finish();
    let built = dataset.built_at.format("%Y年%-m月%-d日").to_string();
    let header = format!("{} {} 作成 {built}", dataset.city, dataset.fiscal_year);
    let meta = edition.meta(&title, &dataset.city, &dataset.plan_name);
    save(fonts, A4_LANDSCAPE, pages, &used, &header, 0, &meta)
}

fn department_table(
    canvas: &mut Canvas,
    department: &DepartmentIndicators,
    headers: &[String],
) -> anyhow::Result<()> {
    canvas.ensure_space(80.0);
    canvas.gap(4.0);
    canvas.paragraph(&department.department, 12.0, 0.0, 1.5)?;
    if department.indicators.is_empty() {
        return canvas.paragraph("この部が主に担当する目標指標はありません。", 9.0, 8.0, 1.5);
    }
    let rows: Vec<Vec<String>> = department.indicators.iter().map(indicator_cells).collect();
    // Figures are right-aligned; a column of words (`維持`) reads better from the left.
    let align = (0..COLUMNS.len())
        .map(|c| {
            if c >= 2 && rows.iter().all(|r| is_figure(&r[c])) {
                Align::Right
            } else {
                Align::Left
            }
        })
        .collect();
    let header = ["施策", "目標指標"]
        .into_iter()
        .map(String::from)
        .chain(headers.iter().cloned())
        .collect();
    let table = Table {
        widths: COLUMNS.to_vec(),
        align,
        header,
        rows,
        size: BODY_SIZE,
    };
    canvas
        .table(&table)
        .map_err(|e| e.context(format!("{} の目標指標", department.department)))?;
    canvas.gap(6.0);
    Ok(())
}

fn is_figure(text: &str) -> bool {
    !matches!(Observation::parse(text).kind, ObservationKind::Qualitative)
}

/// The cells of one indicator row.
fn indicator_cells(indicator: &Indicator) -> Vec<String> {
    let policy = format!("{} {}", indicator.policy_code, indicator.policy_name);
    let mut cells = vec![policy, indicator.name.clone()];
    cells.extend(indicator.observations.iter().map(|o| o.printed.clone()));
    cells
}
