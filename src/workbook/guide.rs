//! The 記入のしかた sheet: the instructions from `templates/workbook/guide.txt`.

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use super::content::SubmissionContent;
use super::layout::GUIDE_SHEET;
use super::writer::Render;

/// Writes the instructions, the first line as the title.
pub fn write(
    sheet: &mut Worksheet,
    title: &Format,
    text: &Format,
    content: &SubmissionContent,
    render: &Render,
) -> Result<(), XlsxError> {
    sheet.set_name(GUIDE_SHEET)?;
    sheet.set_column_width(0, 120)?;
    let filled = render
        .guide
        .replace("{{department}}", &content.department)
        .replace("{{fiscal_year}}", &render.fiscal_year.to_string());
    for (row, line) in filled.lines().enumerate() {
        let format = if row == 0 { title } else { text };
        sheet.write_string_with_format(row as u32, 0, line, format)?;
    }
    super::writer::print_on_a4(sheet.set_landscape());
    sheet.protect();
    // A correction copy opens on its list of findings instead.
    sheet.set_active(render.findings.is_empty());
    Ok(())
}
