//! The submission workbook: its sheets, labels and columns.
//!
//! The layout is ours (departments fill in workbooks we hand them), so the reader in
//! [`crate::intake`] and the writer here share these definitions. A change of layout
//! bumps [`TEMPLATE_VERSION`], which the workbook records so intake knows what it reads.

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::config::Plan;
use crate::domain::{FiscalYear, Indicator, Period};

/// The layout version written into every workbook.
pub const TEMPLATE_VERSION: u32 = 1;

/// The sheet that says what the workbook is.
pub const INFO_SHEET: &str = "提出情報";
/// Labels of the info sheet's column A; the value stands in column B.
pub const LABEL_TEMPLATE_VERSION: &str = "テンプレート版";
pub const LABEL_DEPARTMENT: &str = "部名";
pub const LABEL_FISCAL_YEAR: &str = "年度";

/// The sheet of target indicators (目標指標).
pub const INDICATOR_SHEET: &str = "目標指標";

/// The fixed columns of the indicator sheet, before the five period columns.
pub const FIXED_COLUMNS: [&str; 5] = ["施策コード", "施策名", "担当課", "指標名", "単位"];
/// The first column of the periods (0-based): F.
pub const FIRST_PERIOD_COLUMN: u16 = FIXED_COLUMNS.len() as u16;

/// The header of a period column: `計画策定時\n(平成22年度)`.
pub fn period_header(period: Period, plan: &Plan, fiscal_year: FiscalYear) -> String {
    match period {
        Period::Baseline => format!("計画策定時\n({})", plan.baseline_year.0),
        Period::Early => format!("前期\n({})", plan.early_year.0),
        Period::Middle => format!("中期\n({})", plan.middle_year.0),
        Period::Actual => format!("達成値\n({fiscal_year})"),
        Period::Target => format!("目標値\n({})", plan.target_year.0),
    }
}

/// The first line of a period header, which intake checks.
pub fn period_label(period: Period) -> &'static str {
    match period {
        Period::Baseline => "計画策定時",
        Period::Early => "前期",
        Period::Middle => "中期",
        Period::Actual => "達成値",
        Period::Target => "目標値",
    }
}

/// The A1 name of a cell from 0-based row and column: (1, 5) → `F2`.
pub fn cell_name(row: u32, column: u16) -> String {
    let mut letters = String::new();
    let mut n = u32::from(column) + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.insert(0, char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

/// What a department submits: who, for which year, and its indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionContent {
    pub department: String,
    pub fiscal_year: FiscalYear,
    pub indicators: Vec<Indicator>,
}

/// Writes a submission workbook holding `content`: the sample data is made this way,
/// and it is the starting point of the department templates. `created` (Unix seconds)
/// goes into the document properties, so the same inputs give the same bytes.
pub fn write_submission(
    content: &SubmissionContent,
    plan: &Plan,
    created: i64,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let properties = DocProperties::new()
        .set_title(format!(
            "{} {} 提出用ブック",
            content.department, content.fiscal_year
        ))
        .set_creation_datetime(&ExcelDateTime::from_timestamp(created)?);
    workbook.set_properties(&properties);
    write_info_sheet(workbook.add_worksheet(), content)?;
    write_indicator_sheet(workbook.add_worksheet(), content, plan)?;
    workbook.save_to_buffer()
}

fn write_info_sheet(sheet: &mut Worksheet, content: &SubmissionContent) -> Result<(), XlsxError> {
    sheet.set_name(INFO_SHEET)?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 24)?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, "項目", &bold)?;
    sheet.write_string_with_format(0, 1, "内容", &bold)?;
    let rows = [
        (LABEL_TEMPLATE_VERSION, TEMPLATE_VERSION.to_string()),
        (LABEL_DEPARTMENT, content.department.clone()),
        (LABEL_FISCAL_YEAR, content.fiscal_year.to_string()),
    ];
    for (i, (label, value)) in rows.iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, *label)?;
        sheet.write_string(i as u32 + 1, 1, value)?;
    }
    Ok(())
}

fn write_indicator_sheet(
    sheet: &mut Worksheet,
    content: &SubmissionContent,
    plan: &Plan,
) -> Result<(), XlsxError> {
    sheet.set_name(INDICATOR_SHEET)?;
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    for (column, label) in FIXED_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *label, &header)?;
    }
    for (i, period) in Period::ALL.iter().enumerate() {
        let label = period_header(*period, plan, content.fiscal_year);
        sheet.write_string_with_format(0, FIRST_PERIOD_COLUMN + i as u16, label, &header)?;
    }
    for (i, indicator) in content.indicators.iter().enumerate() {
        let row = i as u32 + 1;
        for (column, value) in indicator.descriptive_fields().into_iter().enumerate() {
            sheet.write_string_with_format(row, column as u16, value, &text)?;
        }
        for (j, observation) in indicator.observations.iter().enumerate() {
            let column = FIRST_PERIOD_COLUMN + j as u16;
            sheet.write_string_with_format(row, column, &observation.printed, &text)?;
        }
    }
    for (column, width) in [8, 20, 14, 36, 8, 16, 16, 16, 16, 16]
        .into_iter()
        .enumerate()
    {
        sheet.set_column_width(column as u16, width)?;
    }
    sheet.set_row_height(0, 32)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cells_in_a1_form() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(1, 5), "F2");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(0, 701), "ZZ1");
        assert_eq!(cell_name(0, 702), "AAA1");
    }
}
