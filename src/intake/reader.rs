//! Reads a submission workbook (any format calamine opens) into a [`SubmissionContent`].

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Range, Reader};

use super::finding::{Finding, Severity};
use crate::config::Config;
use crate::domain::{format_quantity, FiscalYear, Indicator, Observation, ObservationKind, Period};
use crate::workbook::{
    cell_name, period_label, SubmissionContent, FIRST_PERIOD_COLUMN, FIXED_COLUMNS,
    INDICATOR_SHEET, INFO_SHEET, LABEL_DEPARTMENT, LABEL_FISCAL_YEAR, LABEL_TEMPLATE_VERSION,
    TEMPLATE_VERSION,
};

/// What reading one workbook gave.
#[derive(Debug, Default)]
pub struct Reading {
    /// The content, when the workbook could be read at all.
    pub content: Option<SubmissionContent>,
    /// The 0-based sheet row of each indicator in `content`, for lineage.
    pub indicator_rows: Vec<u32>,
    pub findings: Vec<Finding>,
}

impl Reading {
    /// True when nothing in the file is an error.
    pub fn is_acceptable(&self) -> bool {
        self.content.is_some() && self.findings.iter().all(|f| f.severity != Severity::Error)
    }

    fn refused(finding: Finding) -> Self {
        Reading {
            findings: vec![finding],
            ..Reading::default()
        }
    }
}

type Sheet = Range<Data>;

/// Reads a workbook's bytes. Never panics on bad input: every problem becomes a finding.
pub fn read_submission(bytes: &[u8], config: &Config) -> Reading {
    let mut workbook = match open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => {
            return Reading::refused(Finding::file_error(format!(
                "Excel/ODS のブックとして開けません({e})。xlsx, xlsm, xls, xlsb, ods のいずれかで提出してください"
            )))
        }
    };
    let mut sheet = |name: &str| workbook.worksheet_range(name).ok();
    let Some(info) = sheet(INFO_SHEET) else {
        return Reading::refused(missing_sheet(INFO_SHEET));
    };
    let Some(indicators) = sheet(INDICATOR_SHEET) else {
        return Reading::refused(missing_sheet(INDICATOR_SHEET));
    };
    let mut findings = Vec::new();
    let header = read_info(&info, config, &mut findings);
    check_indicator_header(&indicators, &mut findings);
    let (rows, indicator_rows) = read_indicator_rows(&indicators, &mut findings);
    let content = header.map(|(department, fiscal_year)| SubmissionContent {
        department,
        fiscal_year,
        indicators: rows,
    });
    Reading {
        content,
        indicator_rows,
        findings,
    }
}

fn missing_sheet(name: &str) -> Finding {
    Finding::file_error(format!(
        "シート「{name}」がありません。hakusho が配布した提出用ブックに記入してください"
    ))
}

/// Reads the info sheet: template version, department, fiscal year.
fn read_info(
    info: &Sheet,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Option<(String, FiscalYear)> {
    let values = labelled_values(info);
    let mut field = |label: &str| -> Option<(String, String)> {
        let found = values.get(label).cloned();
        if found.as_ref().is_none_or(|(_, v)| v.is_empty()) {
            let cell = found.map_or_else(|| "A:B".to_string(), |(cell, _)| cell);
            findings.push(Finding::at(
                Severity::Error,
                INFO_SHEET,
                cell,
                format!("「{label}」が記入されていません"),
            ));
            return None;
        }
        found
    };
    let version = field(LABEL_TEMPLATE_VERSION);
    let department = field(LABEL_DEPARTMENT);
    let fiscal_year = field(LABEL_FISCAL_YEAR);
    check_version(version, findings);
    let department = check_department(department?, config, findings);
    let fiscal_year = check_fiscal_year(fiscal_year?, config, findings);
    Some((department?, fiscal_year?))
}

/// Column A labels mapped to (cell of the value, value) from column B.
fn labelled_values(sheet: &Sheet) -> HashMap<String, (String, String)> {
    let (first, last) = (
        sheet.start().unwrap_or((0, 0)).0,
        sheet.end().unwrap_or((0, 0)).0,
    );
    (first..=last)
        .map(|row| (cell_text(sheet, row, 0, ""), row))
        .filter(|(label, _)| !label.is_empty())
        .map(|(label, row)| (label, (cell_name(row, 1), cell_text(sheet, row, 1, ""))))
        .collect()
}

fn check_version(version: Option<(String, String)>, findings: &mut Vec<Finding>) {
    let Some((cell, text)) = version else { return };
    if text.trim() != TEMPLATE_VERSION.to_string() {
        findings.push(Finding::at(
            Severity::Error,
            INFO_SHEET,
            cell,
            format!("テンプレート版「{text}」のブックは読めません(対応している版: {TEMPLATE_VERSION})。最新の提出用ブックを使ってください"),
        ));
    }
}

fn check_department(
    (cell, name): (String, String),
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let name = name.trim().to_string();
    if config.department(&name).is_some() {
        return Some(name);
    }
    let known: Vec<&str> = config.departments.iter().map(|d| d.name.as_str()).collect();
    findings.push(Finding::at(
        Severity::Error,
        INFO_SHEET,
        cell,
        format!(
            "部名「{name}」は登録されていません(登録済み: {})",
            known.join("、")
        ),
    ));
    None
}

fn check_fiscal_year(
    (cell, text): (String, String),
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Option<FiscalYear> {
    let expected = config.fiscal_year();
    match FiscalYear::parse(&text) {
        Ok(year) if year == expected => Some(year),
        Ok(year) => {
            findings.push(Finding::at(
                Severity::Error,
                INFO_SHEET,
                cell,
                format!("{year}のブックです。いま受け付けているのは{expected}分です"),
            ));
            None
        }
        Err(e) => {
            findings.push(Finding::at(
                Severity::Error,
                INFO_SHEET,
                cell,
                e.to_string(),
            ));
            None
        }
    }
}

/// The header row must be ours, or every column would be misread.
fn check_indicator_header(sheet: &Sheet, findings: &mut Vec<Finding>) {
    let period_labels = Period::ALL.map(period_label);
    let expected = FIXED_COLUMNS.iter().chain(period_labels.iter());
    for (column, label) in expected.enumerate() {
        let found = cell_text(sheet, 0, column as u16, "");
        let first_line = found.lines().next().unwrap_or("").trim();
        if first_line != *label {
            findings.push(Finding::at(
                Severity::Error,
                INDICATOR_SHEET,
                cell_name(0, column as u16),
                format!("見出しは「{label}」のはずですが「{found}」でした。列を動かさずに記入してください"),
            ));
        }
    }
}

fn read_indicator_rows(sheet: &Sheet, findings: &mut Vec<Finding>) -> (Vec<Indicator>, Vec<u32>) {
    let last_row = sheet.end().map_or(0, |(row, _)| row);
    let mut indicators = Vec::new();
    let mut rows = Vec::new();
    for row in 1..=last_row {
        if let Some(indicator) = read_indicator_row(sheet, row, findings) {
            indicators.push(indicator);
            rows.push(row);
        }
    }
    (indicators, rows)
}

fn read_indicator_row(sheet: &Sheet, row: u32, findings: &mut Vec<Finding>) -> Option<Indicator> {
    let column_count = FIRST_PERIOD_COLUMN + Period::ALL.len() as u16;
    let unit = cell_text(sheet, row, 4, "");
    let texts: Vec<String> = (0..column_count)
        .map(|column| cell_text(sheet, row, column, &unit))
        .collect();
    if texts.iter().all(String::is_empty) {
        return None;
    }
    for (column, text) in texts.iter().enumerate() {
        check_cell(sheet, row, column as u16, text, findings);
    }
    let observations: Vec<Observation> = texts[FIRST_PERIOD_COLUMN as usize..]
        .iter()
        .map(|t| Observation::parse(t))
        .collect();
    for (i, observation) in observations.iter().enumerate() {
        check_unit(
            observation,
            &unit,
            row,
            FIRST_PERIOD_COLUMN + i as u16,
            findings,
        );
    }
    Some(Indicator {
        policy_code: texts[0].clone(),
        policy_name: texts[1].clone(),
        section: texts[2].clone(),
        name: texts[3].clone(),
        unit,
        observations,
    })
}

/// Required fixed cells and spreadsheet error values.
fn check_cell(sheet: &Sheet, row: u32, column: u16, text: &str, findings: &mut Vec<Finding>) {
    let cell = cell_name(row, column);
    if let Some(Data::Error(error)) = sheet.get_value((row, u32::from(column))) {
        findings.push(Finding::at(
            Severity::Error,
            INDICATOR_SHEET,
            cell,
            format!("セルがエラー値({error})になっています。数式を値に直してください"),
        ));
    } else if text.is_empty() && [0, 3].contains(&column) {
        let label = FIXED_COLUMNS[usize::from(column)];
        findings.push(Finding::at(
            Severity::Error,
            INDICATOR_SHEET,
            cell,
            format!("「{label}」が空です"),
        ));
    }
}

/// A figure whose unit is not the declared one is probably a typing slip.
fn check_unit(
    observation: &Observation,
    declared: &str,
    row: u32,
    column: u16,
    findings: &mut Vec<Finding>,
) {
    if observation.kind != ObservationKind::Measured || declared.is_empty() {
        return;
    }
    let units: Vec<&str> = observation
        .quantities
        .iter()
        .map(|q| q.unit.as_str())
        .collect();
    if units.join("・") != declared && units.iter().any(|u| !u.is_empty()) {
        findings.push(Finding::at(
            Severity::Warning,
            INDICATOR_SHEET,
            cell_name(row, column),
            format!(
                "単位は「{declared}」のはずですが「{}」と記入されています",
                observation.printed
            ),
        ));
    }
}

/// The text of a cell as a person would read it; numbers get the row's unit.
fn cell_text(sheet: &Sheet, row: u32, column: u16, unit: &str) -> String {
    match sheet.get_value((row, u32::from(column))) {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(text)) => text.trim().to_string(),
        Some(Data::Float(value)) => format_quantity(*value, unit),
        Some(Data::Int(value)) => format_quantity(*value as f64, unit),
        Some(Data::Error(error)) => format!("#{error:?}"),
        Some(other) => other.to_string(),
    }
}
