//! The 指摘一覧 sheet, first in a correction copy: one row per finding (重要度, シート,
//! セル, 内容), the cell a link to the cell it names, and a legend of the tints.

use rust_xlsxwriter::{Color, Format, Url, Worksheet, XlsxError};

use super::layout::FINDINGS_SHEET;
use super::writer::{print_on_a4, Styles, TINT_ERROR, TINT_INPUT, TINT_WARNING};
use crate::domain::{Finding, Severity};

/// The headings of the list, in column order.
const HEADINGS: [(&str, f64); 4] = [
    ("重要度", 8.0),
    ("シート", 16.0),
    ("セル", 8.0),
    ("内容", 90.0),
];

/// The legend, beside the list: what each tint means.
const LEGEND_COLUMN: u16 = 5;

/// Writes the list of `findings` and the legend, and makes the sheet the one that opens.
pub fn write(
    sheet: &mut Worksheet,
    styles: &Styles,
    findings: &[Finding],
) -> Result<(), XlsxError> {
    sheet.set_name(FINDINGS_SHEET)?;
    for (c, (heading, width)) in HEADINGS.iter().enumerate() {
        sheet.set_column_width(c as u16, *width)?;
        sheet.write_string_with_format(0, c as u16, *heading, &styles.header)?;
    }
    let text = styles.text.clone();
    for (i, finding) in findings.iter().enumerate() {
        write_finding(sheet, i as u32 + 1, finding, &text)?;
    }
    write_legend(sheet, styles)?;
    sheet.set_freeze_panes(1, 0)?;
    print_on_a4(sheet.set_landscape());
    sheet.set_active(true);
    Ok(())
}

/// One finding's row; its cell (or its sheet, for a finding about a whole sheet) links
/// to where it is.
fn write_finding(
    sheet: &mut Worksheet,
    row: u32,
    finding: &Finding,
    text: &Format,
) -> Result<(), XlsxError> {
    let tinted = text
        .clone()
        .set_background_color(Color::RGB(tint(finding.severity)));
    sheet.write_string_with_format(row, 0, finding.severity.label(), &tinted)?;
    sheet.write_string_with_format(row, 3, &finding.message, text)?;
    let Some(name) = &finding.sheet else {
        return sheet
            .write_string_with_format(row, 1, "(ファイル全体)", text)
            .map(|_| ());
    };
    let target = finding.cell.as_deref().unwrap_or("A1");
    let link = Url::new(internal_link(name, target));
    let linked = text
        .clone()
        .set_font_color(Color::Blue)
        .set_underline(rust_xlsxwriter::FormatUnderline::Single);
    sheet.write_url_with_format(row, 1, link.clone().set_text(name), &linked)?;
    match &finding.cell {
        Some(cell) => sheet.write_url_with_format(row, 2, link.set_text(cell), &linked)?,
        None => sheet.write_string_with_format(row, 2, "", text)?,
    };
    Ok(())
}

/// `internal:'目標指標'!I5`: the sheet name quoted (Japanese, spaces), a quote in it doubled.
pub fn internal_link(sheet: &str, cell: &str) -> String {
    format!("internal:'{}'!{cell}", sheet.replace('\'', "''"))
}

/// The tint a finding's cell gets in the copy.
pub fn tint(severity: Severity) -> u32 {
    match severity {
        Severity::Error => TINT_ERROR,
        Severity::Warning => TINT_WARNING,
    }
}

/// 凡例: the three tints a clerk meets in the copy.
fn write_legend(sheet: &mut Worksheet, styles: &Styles) -> Result<(), XlsxError> {
    let rows = [
        (
            TINT_ERROR,
            Severity::Error.label(),
            "直してから提出し直してください",
        ),
        (
            TINT_WARNING,
            Severity::Warning.label(),
            "確かめてください(そのままでも受け付けます)",
        ),
        (TINT_INPUT, "入力欄", "記入するセル"),
    ];
    let column = LEGEND_COLUMN;
    sheet.set_column_width(column, 10)?;
    sheet.set_column_width(column + 1, 44)?;
    sheet.write_string_with_format(0, column, "凡例", &styles.header)?;
    sheet.write_string_with_format(0, column + 1, "意味", &styles.header)?;
    for (i, (tint, label, meaning)) in rows.into_iter().enumerate() {
        let row = i as u32 + 1;
        let tinted = styles.text.clone().set_background_color(Color::RGB(tint));
        sheet.write_string_with_format(row, column, label, &tinted)?;
        sheet.write_string_with_format(row, column + 1, meaning, &styles.text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::internal_link;

    #[test]
    fn links_quote_the_sheet_name() {
        assert_eq!(internal_link("目標指標", "I5"), "internal:'目標指標'!I5");
        assert_eq!(internal_link("O'Neil", "A1"), "internal:'O''Neil'!A1");
    }
}
