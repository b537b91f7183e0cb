//! Writes a submission workbook: the blank template, the sample submissions, and the
//! annotated copy of a rejected file are all this one rendering of a
//! [`SubmissionContent`], so a department always works in the same layout.
//!
//! Input cells are unlocked and tinted; everything else is locked by sheet
//! protection (without a password: it prevents slips, not determined edits).
//! Findings, when given, tint their cell and attach a note with the message.

use std::collections::HashMap;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Note, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use super::content::{ActionItemEntry, IndicatorEntry, KpiEntry, SubmissionContent};
use super::layout::*;
use super::typed::{Typed, TypedCells};
use super::{cell_position, findings_sheet, guide};
use crate::domain::FiscalYear;
use crate::domain::{Finding, Severity};
use crate::plan::Plan;

/// What a rendering needs beside the content.
pub struct Render<'a> {
    /// The plan the locked columns are filled from.
    pub plan: &'a Plan,
    /// The fiscal year the workbook collects (the 達成値 column).
    pub fiscal_year: FiscalYear,
    /// The department's sections, offered as a drop-down.
    pub sections: &'a [String],
    /// Creation time (Unix seconds) for the document properties: fixed input, fixed bytes.
    pub created: i64,
    /// Findings to mark on their cells (the annotated copy); empty for a template.
    pub findings: &'a [Finding],
    /// The instructions sheet's text (`templates/workbook/guide.txt`).
    pub guide: &'a str,
}

/// The tint of an input cell: pale yellow.
pub const TINT_INPUT: u32 = 0xFFFDE7;
/// The tint of a cell with an error: red-pink, nothing like the input cells' yellow.
pub const TINT_ERROR: u32 = 0xFF99A8;
/// The tint of a cell with a warning (注意): amber, between the two and unlike either.
pub const TINT_WARNING: u32 = 0xFFB74D;

/// Renders the workbook (a template, a sample: every cell from the content).
pub fn write_workbook(content: &SubmissionContent, render: &Render) -> Result<Vec<u8>, XlsxError> {
    render_workbook(content, render, &TypedCells::default())
}

/// Renders the correction copy of a file sent back: first the sheet listing its
/// findings (each a link to its cell), then the workbook with each cell the submitter
/// filled written back as it was typed, with its type, and the findings marked.
pub fn write_annotated_copy(
    content: &SubmissionContent,
    render: &Render,
    typed: &TypedCells,
) -> Result<Vec<u8>, XlsxError> {
    render_workbook(content, render, typed)
}

fn render_workbook(
    content: &SubmissionContent,
    render: &Render,
    typed: &TypedCells,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(content, render)?);
    let styles = Styles::new();
    let marks = Marks::new(render.findings);
    if !render.findings.is_empty() {
        findings_sheet::write(workbook.add_worksheet(), &styles, render.findings)?;
    }
    guide::write(
        workbook.add_worksheet(),
        &styles.title,
        &styles.text,
        content,
        render,
    )?;
    let mut sheet = Sheet {
        styles: &styles,
        marks: &marks,
        render,
        typed,
    };
    sheet.info(workbook.add_worksheet(), content)?;
    sheet.profile(workbook.add_worksheet(), content)?;
    sheet.projects(workbook.add_worksheet(), content)?;
    sheet.indicators(workbook.add_worksheet(), content)?;
    sheet.progress(workbook.add_worksheet(), content)?;
    sheet.actions(workbook.add_worksheet(), content)?;
    sheet.kpis(workbook.add_worksheet(), content)?;
    workbook.save_to_buffer()
}

/// The title (department and fiscal year) and the creation time given by the caller,
/// so that the same content gives the same bytes.
fn properties(content: &SubmissionContent, render: &Render) -> Result<DocProperties, XlsxError> {
    let title = format!("{} {} 提出用ブック", content.department, render.fiscal_year);
    let created = ExcelDateTime::from_timestamp(render.created)?;
    Ok(DocProperties::new()
        .set_title(title)
        .set_author("hakusho")
        .set_creation_datetime(&created))
}

/// The cell formats of the workbook.
pub(super) struct Styles {
    pub title: Format,
    pub text: Format,
    pub header: Format,
    locked: Format,
    input: Format,
    amendable: Format,
    /// The input and amendable formats of a figure column: text (`@`), so a typed
    /// `35.6%` or `1/2` stays as typed.
    input_figure: Format,
    amendable_figure: Format,
}

impl Styles {
    fn new() -> Self {
        let cell = Format::new()
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top);
        let input = cell
            .clone()
            .set_unlocked()
            .set_background_color(Color::RGB(TINT_INPUT));
        let amendable = cell
            .clone()
            .set_unlocked()
            .set_background_color(Color::RGB(0xEAF4FF));
        Styles {
            input_figure: input.clone().set_num_format("@"),
            amendable_figure: amendable.clone().set_num_format("@"),
            title: Format::new().set_bold().set_font_size(14),
            text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            header: cell
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2)),
            locked: cell.set_background_color(Color::RGB(0xF2F2F2)),
            input,
            amendable,
        }
    }

    fn for_column(&self, column: &Column) -> &Format {
        match (column.input, column.amendable, column.figure) {
            (_, true, false) => &self.amendable,
            (_, true, true) => &self.amendable_figure,
            (true, false, false) => &self.input,
            (true, false, true) => &self.input_figure,
            (false, false, _) => &self.locked,
        }
    }
}

/// Findings by sheet and cell, to tint the cell and attach a note.
struct Marks<'a> {
    by_cell: HashMap<(&'a str, u32, u16), Vec<&'a Finding>>,
}

impl<'a> Marks<'a> {
    fn new(findings: &'a [Finding]) -> Self {
        let mut by_cell: HashMap<_, Vec<_>> = HashMap::new();
        for finding in findings {
            let (Some(sheet), Some(cell)) = (&finding.sheet, &finding.cell) else {
                continue;
            };
            if let Some((row, column)) = cell_position(cell) {
                by_cell
                    .entry((sheet.as_str(), row, column))
                    .or_default()
                    .push(finding);
            }
        }
        Marks { by_cell }
    }

    /// Writes the note and returns the tint for a marked cell.
    fn apply(
        &self,
        sheet: &mut Worksheet,
        name: &str,
        row: u32,
        column: u16,
        base: &Format,
    ) -> Result<Option<Format>, XlsxError> {
        let Some(found) = self.by_cell.get(&(name, row, column)) else {
            return Ok(None);
        };
        let text: Vec<String> = found
            .iter()
            .map(|f| format!("[{}] {}", f.severity.label(), f.message))
            .collect();
        sheet.insert_note(
            row,
            column,
            &Note::new(text.join("\n"))
                .set_author("hakusho")
                .set_width(300)
                .set_height(120),
        )?;
        let error = found.iter().any(|f| f.severity == Severity::Error);
        let tint = if error { TINT_ERROR } else { TINT_WARNING };
        Ok(Some(base.clone().set_background_color(Color::RGB(tint))))
    }
}

/// Writes the sheets of one workbook.
struct Sheet<'a> {
    styles: &'a Styles,
    marks: &'a Marks<'a>,
    render: &'a Render<'a>,
    /// The cells as the submitter typed them (a correction copy); empty otherwise.
    typed: &'a TypedCells,
}

impl Sheet<'_> {
    fn info(
        &mut self,
        sheet: &mut Worksheet,
        content: &SubmissionContent,
    ) -> Result<(), XlsxError> {
        let version = TEMPLATE_VERSION.to_string();
        let year = content
            .fiscal_year
            .unwrap_or(self.render.fiscal_year)
            .to_string();
        let rows = [
            (LABEL_TEMPLATE_VERSION, version.as_str(), false),
            (LABEL_DEPARTMENT, content.department.as_str(), false),
            (LABEL_FISCAL_YEAR, year.as_str(), false),
            (LABEL_SUBMITTER, content.submitter.as_str(), true),
            (LABEL_CONTACT, content.contact.as_str(), true),
        ];
        self.form(sheet, INFO_SHEET, &rows, 14.0)
    }

    fn profile(
        &mut self,
        sheet: &mut Worksheet,
        content: &SubmissionContent,
    ) -> Result<(), XlsxError> {
        let profile = &content.profile;
        let sections = profile.sections.join("\n");
        let rows = [
            (LABEL_SECTIONS, sections.as_str(), true),
            (LABEL_STAFF, profile.staff_count.as_str(), true),
            (LABEL_BUDGET, profile.budget.as_str(), true),
            (LABEL_POLICY, profile.operating_policy.as_str(), true),
            (LABEL_COVID, profile.covid_response.as_str(), true),
        ];
        self.form(sheet, PROFILE_SHEET, &rows, 80.0)?;
        profile_validations(sheet)?;
        sheet.write_string_with_format(
            6,
            0,
            "職員数は人、予算規模は千円単位。組織構成は1行に1課ずつ。",
            &self.styles.text,
        )?;
        for row in [1, 4, 5] {
            sheet.set_row_height(row, 90)?;
        }
        Ok(())
    }

    fn projects(
        &mut self,
        sheet: &mut Worksheet,
        content: &SubmissionContent,
    ) -> Result<(), XlsxError> {
        let columns = project_columns();
        let rows = project_rows(content);
        self.table(sheet, PROJECT_SHEET, &columns, &rows)?;
        if !self.render.sections.is_empty() {
            let list = DataValidation::new()
                .allow_list_strings(self.render.sections)?
                .set_error_message("この部の課から選んでください")?;
            sheet.add_data_validation(
                1,
                project::SECTION as u16,
                rows.len() as u32,
                project::SECTION as u16,
                &list,
            )?;
        }
        Ok(())
    }

    fn indicators(
        &mut self,
        sheet: &mut Worksheet,
        content: &SubmissionContent,
    ) -> Result<(), XlsxError> {
        let columns = indicator_columns(&self.render.plan.basic, self.render.fiscal_year);
        let rows = content
            .indicators
            .iter()
            .enumerate()
            .map(|(i, entry)| (row_of(entry.row, i), indicator_cells(entry)))
            .collect::<Vec<_>>();
        self.table(sheet, INDICATOR_SHEET, &columns, &rows)
    }

    fn progress(
        &mut self,
        sheet: &mut Worksheet,
        content: &SubmissionContent,
    ) -> Result<(), XlsxError> {
        let rows = content
            .progress
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    row_of(p.row, i),
                    vec![p.policy_code.clone(), p.policy_name.clone(), p.text.clone()],
                )
            })
            .collect::<Vec<_>>();
        self.table(sheet, PROGRESS_SHEET, &progress_columns(), &rows)
    }

    fn actions(
        &mut self,
        sheet: &mut Worksheet,
        content: &SubmissionContent,
    ) -> Result<(), XlsxError> {
        let rows = content
            .action_items
            .iter()
            .enumerate()
            .map(|(i, a)| (row_of(a.row, i), action_cells(a)))
            .collect::<Vec<_>>();
        self.table(
            sheet,
            ACTION_SHEET,
            &action_columns(self.render.fiscal_year),
            &rows,
        )
    }

    fn kpis(
        &mut self,
        sheet: &mut Worksheet,
        content: &SubmissionContent,
    ) -> Result<(), XlsxError> {
        let rows = content
            .kpis
            .iter()
            .enumerate()
            .map(|(i, k)| (row_of(k.row, i), kpi_cells(k)))
            .collect::<Vec<_>>();
        self.table(
            sheet,
            KPI_SHEET,
            &kpi_columns(&self.render.plan.strategy, self.render.fiscal_year),
            &rows,
        )
    }

    /// A label/value form: labels in column A, values in column B.
    fn form(
        &mut self,
        sheet: &mut Worksheet,
        name: &str,
        rows: &[(&str, &str, bool)],
        value_width: f64,
    ) -> Result<(), XlsxError> {
        sheet.set_name(name)?;
        sheet.set_column_width(0, 30)?;
        sheet.set_column_width(1, value_width)?;
        sheet.write_string_with_format(0, 0, "項目", &self.styles.header)?;
        sheet.write_string_with_format(0, 1, "内容", &self.styles.header)?;
        for (i, (label, value, input)) in rows.iter().enumerate() {
            let row = i as u32 + 1;
            let base = if *input {
                &self.styles.input
            } else {
                &self.styles.locked
            };
            sheet.write_string_with_format(row, 0, *label, &self.styles.locked)?;
            self.cell(sheet, name, (row, 1), value, base, *input)?;
        }
        print_on_a4(sheet);
        protect(sheet);
        Ok(())
    }

    /// One entry's cells, styled by their column, the row tall enough for them.
    fn table_row(
        &mut self,
        sheet: &mut Worksheet,
        name: &str,
        columns: &[Column],
        row: u32,
        cells: &[String],
    ) -> Result<(), XlsxError> {
        for (c, (text, column)) in cells.iter().zip(columns).enumerate() {
            let format = self.styles.for_column(column);
            let editable = column.input || column.amendable;
            self.cell(sheet, name, (row, c as u16), text, format, editable)?;
        }
        sheet.set_row_height(row, row_height(cells, columns))?;
        Ok(())
    }

    /// A table: header row, then one row per entry at the row it belongs to.
    fn table(
        &mut self,
        sheet: &mut Worksheet,
        name: &str,
        columns: &[Column],
        rows: &[(u32, Vec<String>)],
    ) -> Result<(), XlsxError> {
        sheet.set_name(name)?;
        for (c, column) in columns.iter().enumerate() {
            sheet.set_column_width(c as u16, column.width)?;
            sheet.write_string_with_format(0, c as u16, &column.header, &self.styles.header)?;
        }
        sheet.set_row_height(0, 36)?;
        for (row, cells) in rows {
            self.table_row(sheet, name, columns, *row, cells)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.set_repeat_rows(0, 0)?;
        print_on_a4(sheet.set_landscape());
        protect(sheet);
        Ok(())
    }

    /// One cell: what the submitter typed there when it is theirs to fill (a correction
    /// copy), else `text`; a locked cell always gets `text` (the version, department
    /// and year the copy is for, the plan's figures), as they could not change it there.
    fn cell(
        &self,
        sheet: &mut Worksheet,
        name: &str,
        (row, column): (u32, u16),
        text: &str,
        base: &Format,
        editable: bool,
    ) -> Result<(), XlsxError> {
        let marked = self.marks.apply(sheet, name, row, column, base)?;
        let format = marked.as_ref().unwrap_or(base);
        let typed = self.typed.get(name, row, column).filter(|_| editable);
        match typed {
            Some(typed) => write_typed(sheet, row, column, typed, format)?,
            None => sheet.write_string_with_format(row, column, text, format)?,
        };
        Ok(())
    }
}

/// A cell as it was typed: a number stays a number, a date a date, text text.
fn write_typed<'s>(
    sheet: &'s mut Worksheet,
    row: u32,
    column: u16,
    typed: &Typed,
    format: &Format,
) -> Result<&'s mut Worksheet, XlsxError> {
    match typed {
        Typed::Number(n) => sheet.write_number_with_format(row, column, *n, format),
        Typed::Date(serial) => {
            let date = format.clone().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
            sheet.write_number_with_format(row, column, *serial, &date)
        }
        Typed::Text(text) => sheet.write_string_with_format(row, column, text, format),
        Typed::Bool(b) => sheet.write_boolean_with_format(row, column, *b, format),
    }
}

/// The row an entry goes to: where it was read from, or the next one of a new template.
fn row_of(read_from: u32, index: usize) -> u32 {
    if read_from > 0 {
        read_from
    } else {
        index as u32 + 1
    }
}

/// The cells of an indicator row, in column order.
fn indicator_cells(entry: &IndicatorEntry) -> Vec<String> {
    let ind = &entry.indicator;
    let mut cells = vec![String::new(); indicator::COUNT];
    cells[indicator::ID] = entry.id.clone();
    cells[indicator::POLICY] = format!("{} {}", ind.policy_code, ind.policy_name);
    cells[indicator::SECTION] = ind.section.clone();
    cells[indicator::NAME] = ind.name.clone();
    cells[indicator::UNIT] = ind.unit.clone();
    for (column, observation) in indicator::PERIODS.iter().zip(&ind.observations) {
        cells[*column] = observation.printed.clone();
    }
    cells[indicator::OBSERVED_AT] = entry.observed_at.clone();
    cells[indicator::PREVIOUS] = entry.previous.clone();
    cells[indicator::REASON] = entry.reason.clone();
    cells[indicator::NOTE] = entry.note.clone();
    cells
}

/// 職員数 as a whole number of people, 予算規模 as a number of thousand yen.
fn profile_validations(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    let staff = DataValidation::new()
        .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
        .set_error_message("職員数は0以上の整数(人)で記入してください")?;
    sheet.add_data_validation(2, 1, 2, 1, &staff)?;
    let budget = DataValidation::new()
        .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
        .set_input_message("一般会計の当初予算額を千円単位の数値で記入します")?
        .set_error_message("予算規模は0以上の数値(千円)で記入してください")?;
    sheet.add_data_validation(3, 1, 3, 1, &budget)?;
    Ok(())
}

/// At least the ten places ①…⑩, each with last year's project beside it.
fn project_rows(content: &SubmissionContent) -> Vec<(u32, Vec<String>)> {
    (0..PROJECT_ROWS.max(content.projects.len()))
        .map(|i| {
            let p = content.projects.get(i).cloned().unwrap_or_default();
            let number = if p.number.is_empty() {
                CIRCLED.get(i).copied().unwrap_or("").to_string()
            } else {
                p.number
            };
            let cells = vec![
                number,
                p.title,
                p.section,
                p.indicator,
                p.target,
                p.previous,
            ];
            (i as u32 + 1, cells)
        })
        .collect()
}

/// An action-plan item's cells, in [`super::layout::action`] order.
fn action_cells(a: &ActionItemEntry) -> Vec<String> {
    let major = if a.major { "主要" } else { "" }.to_string();
    vec![
        a.id.clone(),
        major,
        a.title.clone(),
        a.departments.clone(),
        a.overview.clone(),
        a.progress.clone(),
    ]
}

/// A KPI's cells, in [`super::layout::kpi`] order.
fn kpi_cells(k: &KpiEntry) -> Vec<String> {
    vec![
        k.id.clone(),
        k.goal.clone(),
        k.name.clone(),
        k.earlier.clone(),
        k.baseline.clone(),
        k.previous.clone(),
        k.actual.clone(),
        k.target.clone(),
        k.note.clone(),
    ]
}

/// Tall enough for the cell with the most lines, within Excel's 409 points.
fn row_height(cells: &[String], columns: &[Column]) -> f64 {
    let lines = cells
        .iter()
        .zip(columns)
        .map(|(text, column)| lines_in(text, column.width))
        .max()
        .unwrap_or(1);
    (lines as f64 * 13.5 + 4.0).min(409.0)
}

/// How many lines `text` takes in a column `width` characters wide, counting
/// full-width characters as two.
fn lines_in(text: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(1.0);
    text.lines()
        .map(|line| {
            let units: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
                .sum();
            (units / per_line).ceil().max(1.0) as usize
        })
        .sum::<usize>()
        .max(1)
}

/// A4, as wide as one page, as many pages long as needed.
pub(super) fn print_on_a4(sheet: &mut Worksheet) {
    sheet.set_paper_size(9).set_print_fit_to_pages(1, 0);
}

/// Locks everything but the input cells, while letting people resize rows and columns.
fn protect(sheet: &mut Worksheet) {
    let options = ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    };
    sheet.protect_with_options(&options);
}
