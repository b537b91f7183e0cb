//! Reads a submission workbook (any format calamine opens) into a [`SubmissionContent`].
//!
//! Reading never stops at the first problem: every sheet is read, every problem
//! becomes a finding, and the content read so far is kept, so that a rejected file
//! can be sent back annotated in its own layout.

use std::collections::HashMap;

use super::cells::{read_form, read_table, Sheet, TableRow};
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
    PolicyProgress, PriorityProject, SubmissionContent,
};

/// What reading one workbook gave.
#[derive(Debug, Default)]
pub struct Reading {
    /// The content, when the workbook's sheets could be found at all.
    pub content: Option<SubmissionContent>,
    /// What is wrong or doubtful in it, with sheet and cell.
    pub findings: Vec<Finding>,
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

/// Reads a workbook's bytes in this process, its figures compared with the plan's
/// (no earlier submission). Only for files we trust (the tests' own workbooks):
/// untrusted files go through [`super::sandbox::parse_isolated`].
pub fn read_submission(bytes: &[u8], config: &Config, plan: &Plan, fonts: &Coverage) -> Reading {
    let intake = Intake {
        config,
        plan,
        fonts,
        earlier: &NO_EARLIER_FIGURES,
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
        .filter(|n| !DATA_SHEETS.contains(&n.as_str()) && n.as_str() != GUIDE_SHEET)
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
        sheets: &sheets,
        findings: &mut findings,
    }
    .read();
    findings.extend(parsed.notes.into_iter().map(Finding::file_warning));
    Reading {
        content: Some(content),
        findings,
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

struct Context<'a> {
    config: &'a Config,
    plan: &'a Plan,
    earlier: &'a EarlierFigures,
    sheets: &'a HashMap<&'static str, Sheet>,
    findings: &'a mut Vec<Finding>,
}

impl Context<'_> {
    fn read(&mut self) -> SubmissionContent {
        let info = read_form(&self.sheets[INFO_SHEET]);
        let (department, fiscal_year) = self.read_info(&info);
        if !is_our_layout(&info) {
            return self.info_only(department, fiscal_year, &info);
        }
        let fiscal_year_for_headers = fiscal_year.unwrap_or(self.config.fiscal_year());
        let mut content = SubmissionContent {
            department: department.clone(),
            fiscal_year,
            submitter: value(&info, LABEL_SUBMITTER),
            contact: value(&info, LABEL_CONTACT),
            profile: self.read_profile(),
            projects: self.read_projects(),
            indicators: self.read_indicators(&department, fiscal_year_for_headers),
            progress: self.read_progress(&department),
            action_items: self.read_actions(&department, fiscal_year_for_headers),
            kpis: self.read_kpis(&department, fiscal_year_for_headers),
        };
        if self.config.department(&department).is_some() {
            let (config, plan) = (self.config, self.plan);
            checks::check_content(&mut content, config, plan, self.earlier, self.findings);
            let year = fiscal_year_for_headers;
            super::same_fact::check_same_facts(&content, self.plan, year, self.findings);
        }
        content
    }

    /// A workbook of another template version: its columns are not ours, so nothing
    /// past 提出情報 is read (each moved column would be one more error, all of them
    /// misleading); the one error is the version's. The content is the department's
    /// rows as this version's template has them, so the copy sent back is a workbook
    /// of this version to fill in.
    fn info_only(
        &self,
        department: String,
        fiscal_year: Option<FiscalYear>,
        info: &HashMap<String, (String, String)>,
    ) -> SubmissionContent {
        let year = fiscal_year.unwrap_or(self.config.fiscal_year());
        let mut blank = match self.config.department(&department) {
            Some(known) => crate::template::prefilled(self.plan, known, year, None),
            None => SubmissionContent::default(),
        };
        show_last_year(&mut blank, self.earlier, year);
        SubmissionContent {
            department,
            fiscal_year,
            submitter: value(info, LABEL_SUBMITTER),
            contact: value(info, LABEL_CONTACT),
            ..blank
        }
    }

    /// Template version, department and fiscal year; problems are findings.
    fn read_info(
        &mut self,
        info: &HashMap<String, (String, String)>,
    ) -> (String, Option<FiscalYear>) {
        let mut field = |label: &str| -> Option<(String, String)> {
            let found = info.get(label).cloned().filter(|(_, v)| !v.is_empty());
            if found.is_none() {
                let cell = info
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
        if let Some((cell, text)) = version {
            checks::check_version(&cell, &text, self.findings);
        }
        let department_name = department
            .as_ref()
            .map(|(_, d)| d.trim().to_string())
            .unwrap_or_default();
        if let Some((cell, name)) = department {
            checks::check_department(&cell, name.trim(), self.config, self.findings);
        }
        let year = fiscal_year.and_then(|(cell, text)| {
            checks::check_fiscal_year(&cell, &text, self.config, self.findings)
        });
        (department_name, year)
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
        (figure.fiscal_year.0 + 1 == year.0).then(|| figure.printed.clone())
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

/// Whether the workbook says it is of this template version (a missing version is
/// an error of its own, and the layout is then tried).
fn is_our_layout(info: &HashMap<String, (String, String)>) -> bool {
    let version = value(info, LABEL_TEMPLATE_VERSION);
    version.is_empty() || version.trim() == TEMPLATE_VERSION.to_string()
}

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
            true => with_observed_at(&c[column], &observed_at),
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
fn with_observed_at(text: &str, observed_at: &str) -> String {
    if observed_at.is_empty() || text.contains('(') || text.is_empty() {
        return text.to_string();
    }
    format!("{text} ({observed_at})")
}
