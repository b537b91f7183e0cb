//! Reading cells as a person reads them, and the two sheet shapes of our workbook:
//! label/value forms and tables with a header row.

use std::collections::HashMap;

use crate::domain::japanese::fold_width;
use calamine::{Data, Range};

use crate::domain::format_quantity;
use crate::domain::{Finding, Severity};
use crate::texts::intake as texts;
use crate::workbook::layout::{Column, INFO_SHEET};
use crate::workbook::{cell_name, Typed, TypedCells};

/// A worksheet as calamine gives it.
pub type Sheet = Range<Data>;

/// The text of a cell as a person would read it. Numbers get `unit` glued on
/// (`202850` → `202,850件`); dates become `2021年4月1日`.
pub fn cell_text(sheet: &Sheet, row: u32, column: u16, unit: &str) -> String {
    match sheet.get_value((row, u32::from(column))) {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(text)) => text.trim().replace("\r\n", "\n"),
        Some(Data::Float(value)) => format_quantity(*value, unit),
        Some(Data::Int(value)) => format_quantity(*value as f64, unit),
        Some(Data::DateTime(date)) => serial_date(date.as_f64()),
        Some(Data::DateTimeIso(text)) => text.clone(),
        Some(Data::Error(error)) => format!("#{error:?}"),
        Some(other) => other.to_string(),
    }
}

/// Every filled cell of the data sheets as typed, with its type, for the correction
/// copy of a file sent back (intake itself reads text: [`cell_text`]).
pub fn typed_cells<'a>(sheets: impl Iterator<Item = (&'a str, &'a Sheet)>) -> TypedCells {
    let mut typed = TypedCells::default();
    for (name, sheet) in sheets {
        let (top, left) = sheet.start().unwrap_or((0, 0));
        for (row, column, data) in sheet.used_cells() {
            let Some(value) = typed_value(data) else {
                continue;
            };
            let (row, column) = (top + row as u32, left + column as u32);
            if let Ok(column) = u16::try_from(column) {
                typed.insert(name, row, column, value);
            }
        }
    }
    typed
}

/// A cell's value with its type; `None` for an empty cell or an error value (the copy
/// writes what intake read there).
fn typed_value(data: &Data) -> Option<Typed> {
    Some(match data {
        Data::Float(x) => Typed::Number(*x),
        Data::Int(n) => Typed::Number(*n as f64),
        Data::String(text) => Typed::Text(text.clone()),
        Data::Bool(b) => Typed::Bool(*b),
        Data::DateTime(date) => Typed::Date(date.as_f64()),
        Data::DateTimeIso(text) | Data::DurationIso(text) => Typed::Text(text.clone()),
        Data::Empty | Data::Error(_) => return None,
    })
}

/// A spreadsheet date serial (days since 1899-12-30) as `2021年4月1日`.
pub fn serial_date(serial: f64) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
    match epoch.checked_add_days(chrono::Days::new(serial.max(0.0) as u64)) {
        Some(date) => date.format("%Y年%-m月%-d日").to_string(),
        None => serial.to_string(),
    }
}

/// A formula that failed (`#DIV/0!`) is an error wherever it stands.
pub fn check_error_value(
    sheet: &Sheet,
    name: &str,
    row: u32,
    column: u16,
    findings: &mut Vec<Finding>,
) -> bool {
    if let Some(Data::Error(error)) = sheet.get_value((row, u32::from(column))) {
        findings.push(Finding::at(
            Severity::Error,
            name,
            cell_name(row, column),
            crate::texts::intake::error_value(error),
        ));
        return true;
    }
    false
}

/// A number cell in a row of `%`: Excel stores `35.6%` typed into a cell of the
/// General format as 0.356 (and `100%` as 1) and shows it with a % format, which does
/// not come through; 35.6 typed as is stays 35.6. So the number could mean itself or a
/// hundred times itself: an error naming both, never a guess. The template's figure
/// cells are text, so what is typed there never becomes such a number.
fn check_percent_number(
    sheet: &Sheet,
    name: &str,
    (row, column): (u32, u16),
    unit: &str,
    findings: &mut Vec<Finding>,
) {
    if fold_width(unit).trim() != "%" {
        return;
    }
    let value = match sheet.get_value((row, u32::from(column))) {
        Some(Data::Float(x)) => *x,
        Some(Data::Int(n)) => *n as f64,
        _ => return,
    };
    if value != 0.0 {
        findings.push(Finding::at(
            Severity::Error,
            name,
            cell_name(row, column),
            crate::texts::intake::percent_as_fraction(value),
        ));
    }
}

/// A form's values by label: label → (cell of the value, value).
pub fn read_form(sheet: &Sheet) -> HashMap<String, (String, String)> {
    let last = sheet.end().map_or(0, |(row, _)| row);
    (0..=last)
        .map(|row| (cell_text(sheet, row, 0, ""), row))
        .filter(|(label, _)| !label.is_empty())
        .map(|(label, row)| (label, (cell_name(row, 1), cell_text(sheet, row, 1, ""))))
        .collect()
}

/// A table row: where it stands and its cells as text, in column order.
pub struct TableRow {
    /// The 1-based sheet row.
    pub row: u32,
    /// Its cells as text, one per column of the layout.
    pub cells: Vec<String>,
}

/// Reads a table under its header row. A header that is not ours is an error named
/// by its cell (a moved or inserted column would shift every value); blank rows are
/// skipped. `unit_of` gives the unit to glue onto numbers in a row.
pub fn read_table(
    sheet: &Sheet,
    name: &str,
    columns: &[Column],
    unit_column: Option<usize>,
    findings: &mut Vec<Finding>,
) -> Vec<TableRow> {
    if !check_header(sheet, name, columns, findings) {
        return Vec::new();
    }
    let last = sheet.end().map_or(0, |(row, _)| row);
    let mut rows = Vec::new();
    for row in 1..=last {
        let unit = unit_column
            .map(|c| cell_text(sheet, row, c as u16, ""))
            .unwrap_or_default();
        let cells: Vec<String> = (0..columns.len())
            .map(|c| cell_text(sheet, row, c as u16, &unit))
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        for column in 0..columns.len() {
            check_error_value(sheet, name, row, column as u16, findings);
            check_percent_number(sheet, name, (row, column as u16), &unit, findings);
        }
        rows.push(TableRow { row, cells });
    }
    rows
}

fn check_header(
    sheet: &Sheet,
    name: &str,
    columns: &[Column],
    findings: &mut Vec<Finding>,
) -> bool {
    let mut ok = true;
    for (c, column) in columns.iter().enumerate() {
        let found = cell_text(sheet, 0, c as u16, "");
        let cell = cell_name(0, c as u16);
        if let Some(years) = other_years(&column.header, &found) {
            // Last year's workbook with its year cell typed over: its headings still
            // carry its year. Said once, and its table is still read.
            let message = texts::heading_of_another_year(years.0, years.1);
            let said = |f: &Finding| f.message.ends_with(texts::ANOTHER_YEARS_WORKBOOK);
            if !findings.iter().any(|f| said(f) || refuses_the_form(f)) {
                findings.push(Finding::at(Severity::Error, name, cell, message));
            }
        } else if found.lines().next().unwrap_or("").trim() != column.label() {
            ok = false;
            let message = crate::texts::intake::wrong_heading(column.label(), &found);
            findings.push(Finding::at(Severity::Error, name, cell, message));
        }
    }
    ok
}

/// An error on 提出情報 (the year, version or department): the workbook is refused for
/// it already, and its headings' years only repeat it.
fn refuses_the_form(finding: &Finding) -> bool {
    finding.severity == Severity::Error && finding.sheet.as_deref() == Some(INFO_SHEET)
}

/// The year a heading carries (`令和2年度`) and the one it should, when the two
/// headings differ only by their years.
fn other_years<'a>(expected: &'a str, found: &'a str) -> Option<(&'a str, &'a str)> {
    let found = found.trim();
    if expected == found {
        return None;
    }
    let (expected_parts, expected_years) = split_years(expected);
    let (found_parts, found_years) = split_years(found);
    if expected_parts != found_parts || expected_years.len() != found_years.len() {
        return None;
    }
    let mut pairs = found_years.into_iter().zip(expected_years);
    pairs.find(|(found, expected)| found != expected)
}

/// A heading cut at its Japanese fiscal years (`令和3年度`, `平成30年度`, `令和元年度`):
/// the text around them, and the years.
fn split_years(text: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut parts, mut years) = (Vec::new(), Vec::new());
    let mut rest = text;
    while let Some((start, end)) = next_year(rest) {
        parts.push(&rest[..start]);
        years.push(&rest[start..end]);
        rest = &rest[end..];
    }
    parts.push(rest);
    (parts, years)
}

/// Where the next `令和N年度` / `平成N年度` stands in `text`, as byte offsets.
fn next_year(text: &str) -> Option<(usize, usize)> {
    let starts = ["令和", "平成"].iter().filter_map(|era| text.find(era));
    for start in starts.collect::<std::collections::BTreeSet<_>>() {
        let after = &text[start + "令和".len()..];
        let digits: usize = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || ('０'..='９').contains(c) || *c == '元')
            .map(char::len_utf8)
            .sum();
        if digits > 0 && after[digits..].starts_with("年度") {
            return Some((start, start + "令和".len() + digits + "年度".len()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_date_serials_as_japanese_dates() {
        assert_eq!(serial_date(44287.0), "2021年4月1日");
        assert_eq!(serial_date(43466.5), "2019年1月1日");
    }
}
