//! Reads a submission workbook (any format calamine opens) into a [`SubmissionContent`].
//!
//! Reading never stops at the first problem: every sheet is read, every problem
//! becomes a finding, and the content read so far is kept, so that a rejected file
//! can be sent back annotated in its own layout.

use std::collections::HashMap;

use super::cells::{cell_text, read_form, read_table, typed_cells, Sheet, TableRow};
use super::checks;
use super::figures;
use super::sandbox::{parse_in_process, Answer, LongText, MAX_CELL_CHARS};
use super::Intake;
use crate::config::Config;
use crate::domain::FiscalYear;
use crate::domain::{Finding, Severity};
use crate::plan::Plan;
use crate::report::Coverage;
use crate::store::{EarlierFigures, FigureKind, NO_EARLIER_FIGURES};
use crate::texts::intake as texts;
use crate::texts::Verdict;
use crate::workbook::layout::{self, *};
use crate::workbook::{
    cell_name, paragraphs, ActionItemEntry, DepartmentProfile, IndicatorEntry, KpiEntry,
    PolicyProgress, PriorityProject, SubmissionContent, TypedCells,
};

/// What reading one workbook gave.
#[derive(Debug, Default)]
pub struct Reading {
    /// The content, when the workbook's sheets could be found at all.
    pub content: Option<SubmissionContent>,
    /// What is wrong or doubtful in it, with sheet and cell.
    pub findings: Vec<Finding>,
    /// The data sheets' cells as typed (for the correction copy of a file sent back).
    pub typed: TypedCells,
}

impl Reading {
    /// True when the content was read and nothing in it is an error.
    pub fn is_acceptable(&self) -> bool {
        self.content.is_some() && !self.has_errors()
    }

    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// What `hakusho check` says of the file: sent back on any error, accepted with
    /// warnings on any other finding.
    pub fn verdict(&self) -> Verdict {
        Verdict::of(!self.has_errors(), !self.findings.is_empty())
    }

    /// A file refused as a whole.
    pub fn refused(finding: Finding) -> Self {
        Reading {
            findings: vec![finding],
            ..Reading::default()
        }
    }
}

/// The sheets intake reads; the 記入のしかた sheet and any extra sheet are not read.
pub const DATA_SHEETS: [&str; 7] = [
    INFO_SHEET,
    PROFILE_SHEET,
    PROJECT_SHEET,
    INDICATOR_SHEET,
    PROGRESS_SHEET,
    ACTION_SHEET,
    KPI_SHEET,
];

/// The sheets hakusho writes that are not read back: the instructions, and the list of
/// findings a correction copy opens on (the corrected copy is submitted with it).
const NOT_READ: [&str; 2] = [GUIDE_SHEET, FINDINGS_SHEET];

/// Reads a workbook's bytes in this process, its figures compared with the plan's
/// (no earlier submission). Only for files we trust (the tests' own workbooks):
/// untrusted files go through [`super::sandbox::parse_isolated`].
pub fn read_submission(bytes: &[u8], config: &Config, plan: &Plan, fonts: &Coverage) -> Reading {
    let intake = Intake {
        config,
        plan,
        fonts,
        earlier: &NO_EARLIER_FIGURES,
        upload: None,
    };
    read_submission_with(bytes, intake)
}

/// [`read_submission`] with the earlier figures `intake` holds.
pub fn read_submission_with(bytes: &[u8], intake: Intake) -> Reading {
    read_answer(parse_in_process(bytes, &DATA_SHEETS), intake)
}

/// Reads what the reader child answered into the submission's content. Never
/// panics on bad input: every problem becomes a finding.
pub fn read_answer(answer: Answer, intake: Intake) -> Reading {
    let Intake {
        config,
        plan,
        fonts,
        earlier,
        upload,
    } = intake;
    let parsed = match answer {
        Answer::Parsed(parsed) => parsed,
        Answer::Refused(reason) => return Reading::refused(Finding::file_error(reason)),
    };
    let mut findings = Vec::new();
    let mut sheets = HashMap::new();
    for name in DATA_SHEETS {
        match parsed.sheets.iter().find(|s| s.name == name) {
            Some(sheet) => {
                sheets.insert(name, sheet.to_range());
            }
            None => findings.push(Finding::file_error(texts::missing_sheet(name))),
        }
    }
    if sheets.len() < DATA_SHEETS.len() {
        findings.extend(parsed.notes.into_iter().map(Finding::file_warning));
        return Reading {
            findings,
            ..Reading::default()
        };
    }
    for extra in parsed
        .sheet_names
        .iter()
        .filter(|n| !DATA_SHEETS.contains(&n.as_str()) && !NOT_READ.contains(&n.as_str()))
    {
        findings.push(Finding::file_warning(texts::extra_sheet(extra)));
    }
    findings.extend(parsed.too_long.iter().map(too_long));
    let read = DATA_SHEETS.iter().map(|name| (*name, &sheets[name]));
    checks::check_printable_cells(read, fonts, &mut findings);
    let read = DATA_SHEETS.iter().map(|name| (*name, &sheets[name]));
    super::chinese_forms::check_chinese_form_cells(read, &mut findings);
    let content = Context {
        config,
        plan,
        earlier,
        expected: upload.map(|u| u.department),
        sheets: &sheets,
        findings: &mut findings,
    }
    .read();
    findings.extend(parsed.notes.into_iter().map(Finding::file_warning));
    Reading {
        content: Some(content),
        findings,
        typed: typed_cells(sheets.iter().map(|(name, sheet)| (*name, sheet))),
    }
}

/// A text longer than a cell may hold: Excel cannot have written it, and no report
/// could print it whole.
fn too_long(text: &LongText) -> Finding {
    Finding::at(
        Severity::Error,
        &text.sheet,
        cell_name(text.row, text.column as u16),
        texts::text_too_long(text.chars, MAX_CELL_CHARS),
    )
}

/// What the 提出情報 sheet says about the workbook.
struct Info {
    /// The department named (trimmed; empty when not filled in).
    department: String,
    /// The cell that names it.
    department_cell: String,
    /// Whether the template version is one this hakusho reads.
    version_known: bool,
    /// The fiscal year, when it is the one being taken in.
    fiscal_year: Option<FiscalYear>,
    /// The year the tables' headings are read with.
    year_of_headings: FiscalYear,
}

struct Context<'a> {
    config: &'a Config,
    plan: &'a Plan,
    earlier: &'a EarlierFigures,
    /// The department signed in, for an upload: its workbook only.
    expected: Option<&'a str>,
    sheets: &'a HashMap<&'static str, Sheet>,
    findings: &'a mut Vec<Finding>,
}

impl Context<'_> {
    fn read(&mut self) -> SubmissionContent {
        let form = read_form(&self.sheets[INFO_SHEET]);
        let info = self.read_info(&form);
        let mut content = SubmissionContent {
            department: info.department.clone(),
            fiscal_year: info.fiscal_year,
            submitter: value(&form, LABEL_SUBMITTER),
            contact: value(&form, LABEL_CONTACT),
            ..SubmissionContent::default()
        };
        // A template of another version has another layout: every cell read from it
        // would be a finding that only repeats this one.
        if !info.version_known {
            return self.info_only(&info, content);
        }
        // Rows are held to the department's ownership only when it is one of the city's
        // and the rows are its own (not another department's workbook renamed).
        let known = self.config.department(&info.department).is_some()
            && !self.not_the_uploaders(&info)
            && !self.of_another_department(&info);
        let department = if known { info.department.as_str() } else { "" };
        let year = info.year_of_headings;
        content.profile = self.read_profile();
        content.projects = self.read_projects();
        content.indicators = self.read_indicators(department, year);
        content.progress = self.read_progress(department);
        content.action_items = self.read_actions(department, year);
        content.kpis = self.read_kpis(department, year);
        // A workbook of another year (or none) is that one error: its cells are not
        // held to this year's rules as well.
        if known && info.fiscal_year.is_some() {
            let (config, plan) = (self.config, self.plan);
            checks::check_content(&mut content, config, plan, self.earlier, self.findings);
            super::same_fact::check_same_facts(&content, self.plan, year, self.findings);
        }
        content
    }

    /// A workbook of another template version: its columns are not ours, so nothing
    /// past 提出情報 is read (each moved column would be one more error, all of them
    /// misleading); the one error is the version's. The content is the department's
    /// rows as this version's template has them, so the copy sent back is a workbook
    /// of this version to fill in.
    fn info_only(&self, info: &Info, content: SubmissionContent) -> SubmissionContent {
        let year = info.year_of_headings;
        let mut blank = match self.config.department(&info.department) {
            Some(known) => crate::template::prefilled(self.plan, known, year, None),
            None => SubmissionContent::default(),
        };
        show_last_year(&mut blank, self.earlier, year);
        SubmissionContent {
            department: content.department,
            fiscal_year: content.fiscal_year,
            submitter: content.submitter,
            contact: content.contact,
            ..blank
        }
    }

    /// Template version, department and fiscal year; problems are findings.
    fn read_info(&mut self, form: &HashMap<String, (String, String)>) -> Info {
        let mut field = |label: &str| -> Option<(String, String)> {
            let found = form.get(label).cloned().filter(|(_, v)| !v.is_empty());
            if found.is_none() {
                let cell = form
                    .get(label)
                    .map_or_else(|| "B".to_string(), |(cell, _)| cell.clone());
                self.findings.push(Finding::at(
                    Severity::Error,
                    INFO_SHEET,
                    cell,
                    texts::not_filled_in(label),
                ));
            }
            found
        };
        let version = field(LABEL_TEMPLATE_VERSION);
        let department = field(LABEL_DEPARTMENT);
        let fiscal_year = field(LABEL_FISCAL_YEAR);
        let version_known = match version {
            Some((cell, text)) => checks::check_version(&cell, &text, self.findings),
            None => true,
        };
        let (department_cell, department_name) = department
            .as_ref()
            .map(|(cell, d)| (cell.clone(), d.trim().to_string()))
            .unwrap_or_default();
        if let Some((cell, name)) = department {
            checks::check_department(&cell, name.trim(), self.config, self.findings);
        }
        let year = fiscal_year.and_then(|(cell, text)| {
            checks::check_fiscal_year(&cell, &text, self.config, self.plan, self.findings)
        });
        Info {
            department: department_name,
            department_cell,
            version_known,
            fiscal_year: year,
            year_of_headings: year.unwrap_or_else(|| self.year_the_headings_name()),
        }
    }

    /// Whether an uploaded workbook names a department of the city other than the one
    /// signed in: one error at the department's cell naming both, and its cells are
    /// not checked further (the department cannot submit it whatever they hold).
    fn not_the_uploaders(&mut self, info: &Info) -> bool {
        let Some(expected) = self.expected else {
            return false;
        };
        if info.department == expected {
            return false;
        }
        self.findings.push(Finding::at(
            Severity::Error,
            INFO_SHEET,
            info.department_cell.clone(),
            texts::workbook_not_the_uploaders(&info.department, expected),
        ));
        true
    }

    /// Whether every row of the tables belongs to one other department: the workbook is
    /// that department's, under another name. One error at the department's cell, not
    /// one per row.
    fn of_another_department(&mut self, info: &Info) -> bool {
        let owners = self.owners_of_rows();
        let [owner] = owners.as_slice() else {
            return false;
        };
        if *owner == info.department {
            return false;
        }
        self.findings.push(Finding::at(
            Severity::Error,
            INFO_SHEET,
            info.department_cell.clone(),
            texts::workbook_of_another_department(&info.department, owner),
        ));
        true
    }

    /// The departments that own the indicator, policy and KPI rows of the tables, by
    /// the ids in their first column (action-plan items may be shared: not counted).
    fn owners_of_rows(&self) -> Vec<String> {
        let plan = self.plan;
        let ids = |sheet: &str| -> Vec<String> {
            let sheet = &self.sheets[sheet];
            let last = sheet.end().map_or(0, |(row, _)| row);
            (1..=last).map(|row| cell_text(sheet, row, 0, "")).collect()
        };
        let indicators = ids(INDICATOR_SHEET).into_iter().filter_map(|id| {
            let policy = plan.policy(&plan.indicator(&id)?.policy)?;
            Some(policy.department.clone())
        });
        let policies = ids(PROGRESS_SHEET)
            .into_iter()
            .filter_map(|code| Some(plan.policy(&code)?.department.clone()));
        let kpis = ids(KPI_SHEET)
            .into_iter()
            .filter_map(|id| Some(plan.kpi(&id)?.department.clone()));
        let mut owners: Vec<String> = indicators.chain(policies).chain(kpis).collect();
        owners.sort();
        owners.dedup();
        owners
    }

    /// The year the action plan's heading names (the one heading that carries it): a
    /// workbook whose year cell is wrong or unreadable is read with the headings it
    /// was made with, so that the year is one finding, not one more per heading.
    fn year_the_headings_name(&self) -> FiscalYear {
        let expected = self.config.fiscal_year();
        let column = action_columns(expected)
            .iter()
            .position(|c| c.label().contains(&expected.to_string()));
        column
            .and_then(|c| {
                let heading = cell_text(&self.sheets[ACTION_SHEET], 0, c as u16, "");
                let end = heading.find("年度")? + "年度".len();
                FiscalYear::parse(&heading[..end]).ok()
            })
            .unwrap_or(expected)
    }

    fn read_profile(&mut self) -> DepartmentProfile {
        let form = read_form(&self.sheets[PROFILE_SHEET]);
        DepartmentProfile {
            sections: paragraphs(&value(&form, LABEL_SECTIONS)),
            staff_count: value(&form, LABEL_STAFF),
            budget: value(&form, LABEL_BUDGET),
            operating_policy: value(&form, LABEL_POLICY),
            covid_response: value(&form, LABEL_COVID),
        }
    }

    fn table(
        &mut self,
        name: &'static str,
        columns: &[Column],
        unit_column: Option<usize>,
    ) -> Vec<TableRow> {
        read_table(
            &self.sheets[name],
            name,
            columns,
            unit_column,
            self.findings,
        )
    }

    fn read_projects(&mut self) -> Vec<PriorityProject> {
        let projects = self.filled_projects();
        // Rows added below ⑩ would publish more than the booklet and the newsletter
        // have room for (and each may hold a whole cell of text). ① is row 1.
        if let Some(extra) = projects.iter().find(|p| p.row as usize > PROJECT_ROWS) {
            self.findings.push(Finding::at(
                Severity::Error,
                PROJECT_SHEET,
                cell_name(extra.row, project::TITLE as u16),
                texts::too_many_projects(PROJECT_ROWS),
            ));
        }
        projects
    }

    fn filled_projects(&mut self) -> Vec<PriorityProject> {
        self.table(PROJECT_SHEET, &project_columns(), None)
            .into_iter()
            // A row with only its pre-printed number (and last year's project) is an unused place.
            .filter(|r| {
                [
                    project::TITLE,
                    project::SECTION,
                    project::INDICATOR,
                    project::TARGET,
                ]
                .iter()
                .any(|c| !r.cells[*c].is_empty())
            })
            .map(|r| {
                let c = &r.cells;
                PriorityProject {
                    number: c[project::NUMBER].clone(),
                    title: c[project::TITLE].clone(),
                    section: c[project::SECTION].clone(),
                    indicator: c[project::INDICATOR].clone(),
                    target: c[project::TARGET].clone(),
                    previous: c[project::PREVIOUS].clone(),
                    row: r.row,
                }
            })
            .collect()
    }

    fn read_indicators(
        &mut self,
        department: &str,
        fiscal_year: FiscalYear,
    ) -> Vec<IndicatorEntry> {
        let columns = indicator_columns(&self.plan.basic, fiscal_year);
        let rows = self.table(INDICATOR_SHEET, &columns, Some(indicator::UNIT));
        rows.into_iter()
            .filter(|r| {
                checks::owns_indicator(
                    self.plan,
                    department,
                    &r.cells[indicator::ID],
                    r.row,
                    self.findings,
                )
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|r| indicator_entry(self.plan, r, self.findings))
            .collect()
    }

    fn read_progress(&mut self, department: &str) -> Vec<PolicyProgress> {
        self.table(PROGRESS_SHEET, &progress_columns(), None)
            .into_iter()
            .filter(|r| {
                checks::owns_policy(
                    self.plan,
                    department,
                    &r.cells[layout::progress::CODE],
                    r.row,
                    self.findings,
                )
            })
            .map(|r| PolicyProgress {
                policy_code: r.cells[layout::progress::CODE].clone(),
                policy_name: r.cells[layout::progress::NAME].clone(),
                text: r.cells[layout::progress::TEXT].clone(),
                row: r.row,
            })
            .collect()
    }

    fn read_actions(&mut self, department: &str, fiscal_year: FiscalYear) -> Vec<ActionItemEntry> {
        self.table(ACTION_SHEET, &action_columns(fiscal_year), None)
            .into_iter()
            .filter(|r| {
                checks::reports_item(
                    self.plan,
                    department,
                    &r.cells[action::ID],
                    r.row,
                    self.findings,
                )
            })
            .map(|r| {
                let c = &r.cells;
                ActionItemEntry {
                    id: c[action::ID].clone(),
                    major: !c[action::MAJOR].is_empty(),
                    title: c[action::TITLE].clone(),
                    departments: c[action::DEPARTMENTS].clone(),
                    overview: c[action::OVERVIEW].clone(),
                    progress: c[action::PROGRESS].clone(),
                    row: r.row,
                }
            })
            .collect()
    }

    fn read_kpis(&mut self, department: &str, fiscal_year: FiscalYear) -> Vec<KpiEntry> {
        let columns = kpi_columns(&self.plan.strategy, fiscal_year);
        let rows: Vec<TableRow> = self
            .table(KPI_SHEET, &columns, None)
            .into_iter()
            .filter(|r| {
                checks::reports_kpi(
                    self.plan,
                    department,
                    &r.cells[kpi::ID],
                    r.row,
                    self.findings,
                )
            })
            .collect();
        rows.into_iter()
            .map(|r| kpi_entry(self.plan, r, self.findings))
            .collect()
    }
}

/// A KPI row; its 実績値 read as a typed figure, the other cells as typed.
fn kpi_entry(plan: &Plan, row: TableRow, findings: &mut Vec<Finding>) -> KpiEntry {
    let c = &row.cells;
    let reference = plan.kpi(&c[kpi::ID]).expect("ownership was checked");
    let cell = cell_name(row.row, kpi::ACTUAL as u16);
    let form = figures::kpi_form(reference);
    let actual = figures::kpi_cell(&c[kpi::ACTUAL], &form, KPI_SHEET, cell, findings);
    KpiEntry {
        id: c[kpi::ID].clone(),
        goal: c[kpi::GOAL].clone(),
        name: c[kpi::NAME].clone(),
        earlier: c[kpi::EARLIER].clone(),
        baseline: c[kpi::BASELINE].clone(),
        previous: c[kpi::PREVIOUS].clone(),
        actual: actual.printed,
        actual_provisional: actual.provisional.map(|p| p.label().to_string()),
        target: c[kpi::TARGET].clone(),
        note: c[kpi::NOTE].clone(),
        row: row.row,
    }
}

/// Last year's figures in the 前年度実績 cells of a blank workbook (`—` stays where
/// last year has none).
fn show_last_year(content: &mut SubmissionContent, earlier: &EarlierFigures, year: FiscalYear) {
    let department = content.department.clone();
    let last_year = |kind, id: &str| {
        let figure = earlier.of(kind, &department, id)?;
        (figure.fiscal_year.0 + 1 == year.0).then(|| figure.shown())
    };
    for entry in &mut content.indicators {
        if let Some(figure) = last_year(FigureKind::Indicator, &entry.id) {
            entry.previous = figure;
        }
    }
    for entry in &mut content.kpis {
        if let Some(figure) = last_year(FigureKind::Kpi, &entry.id) {
            entry.previous = figure;
        }
    }
}

/// The value of a form's field; empty when the field is missing.
fn value(form: &HashMap<String, (String, String)>, label: &str) -> String {
    form.get(label).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// An indicator row; the policy and name come from the plan, the figures from the
/// row, each read for the row (see [`figures`]).
fn indicator_entry(plan: &Plan, row: TableRow, findings: &mut Vec<Finding>) -> IndicatorEntry {
    let c = &row.cells;
    let reference = plan
        .indicator(&c[indicator::ID])
        .expect("ownership was checked");
    let form = figures::indicator_form(reference);
    let observed_at = c[indicator::OBSERVED_AT].clone();
    let mut typed = Vec::new();
    for (period, column) in crate::domain::Period::ALL.iter().zip(indicator::PERIODS) {
        let text = match column == indicator::ACTUAL {
            true => with_observed_at(&c[column], &observed_at, &c[indicator::UNIT]),
            false => c[column].clone(),
        };
        let cell = cell_name(row.row, column as u16);
        let figure = figures::indicator_cell(&text, &form, INDICATOR_SHEET, cell.clone(), findings);
        let reading = crate::domain::Reading::typed(*period, &figure, INDICATOR_SHEET, cell);
        typed.push((figure.observation, reading));
    }
    let (observations, readings) = typed.into_iter().unzip();
    IndicatorEntry {
        id: reference.id.clone(),
        readings,
        indicator: plan.describe(reference, observations),
        observed_at,
        reason: c[indicator::REASON].clone(),
        previous: c[indicator::PREVIOUS].clone(),
        note: c[indicator::NOTE].clone(),
        row: row.row,
    }
}

/// 観測時点 belongs to the year's figure: `231事業所` + `平成28年` → `231事業所 (平成28年)`.
fn with_observed_at(text: &str, observed_at: &str, unit: &str) -> String {
    if observed_at.is_empty() || text.contains('(') || text.is_empty() {
        return text.to_string();
    }
    format!("{text} ({})", as_a_time(observed_at, unit))
}

/// 観測時点 typed as a bare number is a time, not a second figure beside the year's:
/// `2021` is the year 2021, and a date serial whose date format was lost (`44286`) is
/// that date. A number cell reads back with separators and the row's unit
/// (`2,021件`): both are taken off first.
fn as_a_time(observed_at: &str, unit: &str) -> String {
    let bare = observed_at.strip_suffix(unit).filter(|_| !unit.is_empty());
    let digits: String = bare
        .unwrap_or(observed_at)
        .chars()
        .filter(|c| *c != ',')
        .collect();
    match digits.parse::<u32>() {
        Ok(year @ 1900..=2100) => format!("{year}年"),
        Ok(serial @ 20_000..=80_000) => super::cells::serial_date(f64::from(serial)),
        _ => observed_at.to_string(),
    }
}
