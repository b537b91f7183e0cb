//! The indicator workbook (rust_xlsxwriter): one row per indicator, printed values
//! as the white paper prints them and the numbers read from them beside.

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::Dataset;
use crate::domain::Period;

const SHEET: &str = "目標指標";
const FIXED_HEADERS: [&str; 6] = ["部", "施策コード", "施策名", "担当課", "指標名", "単位"];

/// Builds the workbook for every department in the dataset.
pub fn indicator_workbook(dataset: &Dataset) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(dataset)?);
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let last_row = write_rows(sheet, dataset)?;
    let last_column = (FIXED_HEADERS.len() + 2 * Period::ALL.len() - 1) as u16;
    sheet.autofilter(0, 0, last_row, last_column)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    workbook.save_to_buffer()
}

/// Fixed metadata so the same data and build time give the same bytes.
fn properties(dataset: &Dataset) -> Result<DocProperties, XlsxError> {
    let created = ExcelDateTime::from_timestamp(dataset.built_at.timestamp())?;
    Ok(DocProperties::new()
        .set_title(format!(
            "{} {} 目標指標の達成状況",
            dataset.city, dataset.fiscal_year
        ))
        .set_author(dataset.city.as_str())
        .set_comment(dataset.plan_name.as_str())
        .set_creation_datetime(&created))
}

fn write_rows(sheet: &mut Worksheet, dataset: &Dataset) -> Result<u32, XlsxError> {
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let number = Format::new()
        .set_num_format("#,##0.##")
        .set_border(FormatBorder::Thin);
    let headers = FIXED_HEADERS
        .iter()
        .map(|h| h.to_string())
        .chain(dataset.period_headers.iter().cloned())
        .chain(
            dataset
                .period_headers
                .iter()
                .map(|h| format!("{}\n(数値)", h.replace('\n', ""))),
        );
    for (column, label) in headers.enumerate() {
        sheet.write_string_with_format(0, column as u16, label, &header)?;
    }
    let mut row = 0;
    for department in &dataset.departments {
        for indicator in &department.indicators {
            row += 1;
            let fixed = std::iter::once(department.department.as_str())
                .chain(indicator.descriptive_fields());
            for (column, value) in fixed.enumerate() {
                sheet.write_string_with_format(row, column as u16, value, &text)?;
            }
            let printed_start = FIXED_HEADERS.len() as u16;
            let value_start = printed_start + Period::ALL.len() as u16;
            for (i, observation) in indicator.observations.iter().enumerate() {
                sheet.write_string_with_format(
                    row,
                    printed_start + i as u16,
                    &observation.printed,
                    &text,
                )?;
                match observation.value() {
                    Some(value) => sheet.write_number_with_format(
                        row,
                        value_start + i as u16,
                        value,
                        &number,
                    )?,
                    None => sheet.write_blank(row, value_start + i as u16, &text)?,
                };
            }
        }
    }
    set_widths(sheet)?;
    Ok(row)
}

fn set_widths(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    let widths = [14, 8, 22, 14, 40, 8];
    for (column, width) in widths.into_iter().enumerate() {
        sheet.set_column_width(column as u16, width)?;
    }
    for i in 0..2 * Period::ALL.len() {
        sheet.set_column_width((widths.len() + i) as u16, 16)?;
    }
    sheet.set_row_height(0, 42)?;
    Ok(())
}
