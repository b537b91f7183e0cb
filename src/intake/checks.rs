//! The rules a submission is held to, each producing findings in Japanese.

use calamine::Data;

use super::cells::Sheet;
use super::earlier::{Before, Compared};
use crate::config::{Config, RequiredPart};
use crate::domain::japanese::fold_width;
use crate::domain::{Finding, Severity};
use crate::domain::{FiscalYear, Observation, ObservationKind, Period};
use crate::plan::Plan;
use crate::report::{describe_character, Coverage};
use crate::store::EarlierFigures;
use crate::texts::intake as texts;
use crate::workbook::layout::{self, *};
use crate::workbook::{cell_name, DepartmentProfile, IndicatorEntry, KpiEntry, SubmissionContent};

/// Whether the template version is one this hakusho reads; an error when not.
pub fn check_version(cell: &str, text: &str, findings: &mut Vec<Finding>) -> bool {
    if fold_width(text).trim() == TEMPLATE_VERSION.to_string() {
        return true;
    }
    findings.push(Finding::at(
        Severity::Error,
        INFO_SHEET,
        cell.to_string(),
        texts::unknown_template_version(text, TEMPLATE_VERSION),
    ));
    false
}

pub fn check_department(cell: &str, name: &str, config: &Config, findings: &mut Vec<Finding>) {
    if config.department(name).is_none() {
        let known: Vec<&str> = config.departments.iter().map(|d| d.name.as_str()).collect();
        findings.push(Finding::at(
            Severity::Error,
            INFO_SHEET,
            cell.to_string(),
            texts::unknown_department(name, &known),
        ));
    }
}

/// The fiscal year, when it is the one being taken in; else an error saying which
/// year the workbook is for, and the plan period when the year is outside it.
pub fn check_fiscal_year(
    cell: &str,
    text: &str,
    config: &Config,
    plan: &Plan,
    findings: &mut Vec<Finding>,
) -> Option<FiscalYear> {
    let expected = config.fiscal_year();
    // A year typed as a number reads back with a thousands separator (`2,021`).
    let text = text.replace([',', '，'], "");
    let message = match FiscalYear::parse(&text) {
        Ok(year) if plan.check_in_period(year).is_err() => {
            let (first, last) = plan.period();
            texts::fiscal_year_outside_plan(year, &plan.basic.name, first, last, expected)
        }
        Ok(year) if year == expected => return Some(year),
        Ok(year) => texts::other_fiscal_year(year, expected),
        Err(e) => e.to_string(),
    };
    findings.push(Finding::at(
        Severity::Error,
        INFO_SHEET,
        cell.to_string(),
        message,
    ));
    None
}

/// A row of another department (or of nothing in the plan) is an error, and dropped.
/// With no department (its cell empty or unknown: already an error), every row of the
/// plan is kept as read: which rows it may hold is not known, and a finding per row
/// would only repeat the department's.
fn owned(
    owner: Option<&str>,
    department: &str,
    what: &str,
    id: &str,
    sheet: &str,
    row: u32,
    findings: &mut Vec<Finding>,
) -> bool {
    let message = match owner {
        Some(owner) if owner == department || department.is_empty() => return true,
        Some(owner) => texts::row_of_another_department(what, id, owner, department),
        None => texts::row_not_in_plan(what, id),
    };
    findings.push(Finding::at(
        Severity::Error,
        sheet,
        cell_name(row, 0),
        message,
    ));
    false
}

pub fn owns_indicator(
    plan: &Plan,
    department: &str,
    id: &str,
    row: u32,
    findings: &mut Vec<Finding>,
) -> bool {
    let owner = plan
        .indicator(id)
        .and_then(|i| plan.policy(&i.policy))
        .map(|p| p.department.as_str());
    owned(
        owner,
        department,
        "指標ID",
        id,
        INDICATOR_SHEET,
        row,
        findings,
    )
}

pub fn owns_policy(
    plan: &Plan,
    department: &str,
    code: &str,
    row: u32,
    findings: &mut Vec<Finding>,
) -> bool {
    let owner = plan.policy(code).map(|p| p.department.as_str());
    owned(
        owner,
        department,
        "施策",
        code,
        PROGRESS_SHEET,
        row,
        findings,
    )
}

pub fn reports_item(
    plan: &Plan,
    department: &str,
    id: &str,
    row: u32,
    findings: &mut Vec<Finding>,
) -> bool {
    let owner = plan.item(id).map(|item| {
        if plan.reports_item(department, item) {
            department.to_string()
        } else {
            item.departments.join("・")
        }
    });
    owned(
        owner.as_deref(),
        department,
        "個別課題",
        id,
        ACTION_SHEET,
        row,
        findings,
    )
}

pub fn reports_kpi(
    plan: &Plan,
    department: &str,
    id: &str,
    row: u32,
    findings: &mut Vec<Finding>,
) -> bool {
    let owner = plan.kpi(id).map(|k| k.department.as_str());
    owned(owner, department, "KPI", id, KPI_SHEET, row, findings)
}

/// Checks of a read submission against the plan and the city's rules.
pub fn check_content(
    content: &mut SubmissionContent,
    config: &Config,
    plan: &Plan,
    earlier: &EarlierFigures,
    findings: &mut Vec<Finding>,
) {
    let before = Before {
        plan,
        earlier,
        department: &content.department,
        fiscal_year: content.fiscal_year.unwrap_or(config.fiscal_year()),
    };
    let mut check = Checker {
        config,
        plan,
        before,
        findings,
    };
    check.required_profile(content);
    check.missing_rows(content);
    for entry in &content.indicators {
        check.indicator(entry);
    }
    check.progress_and_items(content);
    check.kpis(content);
}

struct Checker<'a> {
    config: &'a Config,
    plan: &'a Plan,
    /// What the year's figures are compared with.
    before: Before<'a>,
    findings: &'a mut Vec<Finding>,
}

impl Checker<'_> {
    fn requires(&self, part: RequiredPart) -> bool {
        self.config.submission.requires(part)
    }

    fn has_error_at(&self, sheet: &str, row: u32, column: usize) -> bool {
        let cell = cell_name(row, column as u16);
        self.findings.iter().any(|f| f.is_error_at(sheet, &cell))
    }

    fn error(&mut self, sheet: &str, row: u32, column: usize, message: String) {
        self.findings.push(Finding::at(
            Severity::Error,
            sheet,
            cell_name(row, column as u16),
            message,
        ));
    }

    fn warning(&mut self, sheet: &str, row: u32, column: usize, message: String) {
        self.findings.push(Finding::at(
            Severity::Warning,
            sheet,
            cell_name(row, column as u16),
            message,
        ));
    }

    fn required_profile(&mut self, content: &SubmissionContent) {
        self.profile_filled_in(&content.profile);
        self.profile_numbers(&content.profile);
        self.project_titles(content);
    }

    /// The profile's fields the city requires are filled in.
    fn profile_filled_in(&mut self, profile: &DepartmentProfile) {
        let fields = [
            (
                RequiredPart::Sections,
                LABEL_SECTIONS,
                profile.sections.is_empty(),
                1,
            ),
            (
                RequiredPart::StaffCount,
                LABEL_STAFF,
                profile.staff_count.is_empty(),
                2,
            ),
            (
                RequiredPart::Budget,
                LABEL_BUDGET,
                profile.budget.is_empty(),
                3,
            ),
            (
                RequiredPart::OperatingPolicy,
                LABEL_POLICY,
                profile.operating_policy.is_empty(),
                4,
            ),
            (
                RequiredPart::CovidResponse,
                LABEL_COVID,
                profile.covid_response.is_empty(),
                5,
            ),
        ];
        for (part, label, empty, row) in fields {
            if empty && self.requires(part) {
                self.error(PROFILE_SHEET, row, 1, texts::not_filled_in(label));
            }
        }
    }

    /// The staff count and the budget are numbers.
    fn profile_numbers(&mut self, profile: &DepartmentProfile) {
        for (row, text, label) in [
            (2, &profile.staff_count, LABEL_STAFF),
            (3, &profile.budget, LABEL_BUDGET),
        ] {
            if !text.is_empty() && Observation::parse(text).value().is_none() {
                self.error(PROFILE_SHEET, row, 1, texts::not_a_number(label, text));
            }
        }
    }

    /// At least one priority project, and every project row has its title.
    fn project_titles(&mut self, content: &SubmissionContent) {
        if content.projects.iter().all(|p| p.title.is_empty())
            && self.requires(RequiredPart::PriorityProjects)
        {
            self.error(
                PROJECT_SHEET,
                1,
                project::TITLE,
                texts::NO_PROJECT.to_string(),
            );
        }
        for project in content.projects.iter().filter(|p| p.title.is_empty()) {
            self.error(
                PROJECT_SHEET,
                project.row,
                project::TITLE,
                texts::PROJECT_WITHOUT_TITLE.to_string(),
            );
        }
    }

    /// Every row the plan gives the department must be there (departments sometimes delete rows).
    fn missing_rows(&mut self, content: &SubmissionContent) {
        let department = content.department.as_str();
        let missing_indicators: Vec<String> = self
            .plan
            .indicators_of(department)
            .filter(|i| !content.indicators.iter().any(|e| e.id == i.id))
            .map(|i| format!("{}「{}」", i.id, i.name))
            .collect();
        let missing_policies: Vec<String> = self
            .plan
            .policies_of(department)
            .filter(|p| !content.progress.iter().any(|e| e.policy_code == p.code))
            .map(|p| format!("{} {}", p.code, p.name))
            .collect();
        for (sheet, missing) in [
            (INDICATOR_SHEET, missing_indicators),
            (PROGRESS_SHEET, missing_policies),
        ] {
            if !missing.is_empty() {
                self.findings.push(Finding {
                    severity: Severity::Error,
                    sheet: Some(sheet.to_string()),
                    cell: None,
                    message: texts::deleted_rows(&missing),
                });
            }
        }
    }

    fn indicator(&mut self, entry: &IndicatorEntry) {
        let reference = self
            .plan
            .indicator(&entry.id)
            .expect("ownership was checked");
        let planned = [
            &reference.baseline,
            &reference.early,
            &reference.middle,
            &String::new(),
            &reference.target,
        ];
        for ((period, column), planned) in Period::ALL.iter().zip(indicator::PERIODS).zip(planned) {
            let observation = entry.indicator.observation(*period).expect("five cells");
            if *period == Period::Actual {
                self.actual(entry, observation, column);
            } else if same_figure(entry, *period, observation, planned) || !entry.reason.is_empty()
            {
                continue;
            } else {
                let message = texts::planned_value_changed(planned, &observation.printed);
                self.error(INDICATOR_SHEET, entry.row, column, message);
            }
        }
        self.unit(entry);
    }

    /// The year's figure: present, of the right kind, and not implausibly far from the last one.
    fn actual(&mut self, entry: &IndicatorEntry, actual: &Observation, column: usize) {
        let middle = entry
            .indicator
            .observation(Period::Middle)
            .expect("five cells");
        match actual.kind {
            ObservationKind::Blank if self.requires(RequiredPart::AchievedValues) => {
                self.error(
                    INDICATOR_SHEET,
                    entry.row,
                    column,
                    texts::NO_ACHIEVED_VALUE.to_string(),
                );
            }
            ObservationKind::Qualitative if middle.kind == ObservationKind::Measured => {
                let message = texts::number_expected(&actual.printed);
                self.error(INDICATOR_SHEET, entry.row, column, message);
            }
            // A row the plan gives figures: "no value" wants its reason (a row of
            // milestones, `—` throughout the plan, does not).
            ObservationKind::NotAvailable
                if entry.note.is_empty() && middle.kind == ObservationKind::Measured =>
            {
                let message = texts::NO_VALUE_WITHOUT_REASON.to_string();
                self.warning(INDICATOR_SHEET, entry.row, column, message);
            }
            ObservationKind::Measured if actual.bound.is_some() => {
                self.bounded_figure((INDICATOR_SHEET, entry.row, column), actual);
            }
            ObservationKind::Measured if entry.note.is_empty() => {
                if let Some(compared) = self.before.indicator(entry) {
                    let at = (INDICATOR_SHEET, entry.row, column);
                    self.implausible_move(at, &compared, actual);
                }
            }
            _ => {}
        }
    }

    /// A year's figure typed as a range (`35.6%未満`, `29万件以上`): printed as typed,
    /// but judged as its number; the clerk is asked for the figure itself.
    fn bounded_figure(&mut self, (sheet, row, column): (&str, u32, usize), actual: &Observation) {
        if self.has_error_at(sheet, row, column) {
            return;
        }
        let Some(value) = actual.value() else {
            return;
        };
        let judged = crate::domain::format_quantity(value, actual.unit().unwrap_or(""));
        let message = texts::bounded_figure(&actual.printed, &judged);
        self.warning(sheet, row, column, message);
    }

    /// A figure far from the latest earlier one (by more than the configured share) is
    /// a warning naming that figure and its year: a slip, or a move to explain.
    fn implausible_move(
        &mut self,
        (sheet, row, column): (&str, u32, usize),
        compared: &Compared,
        actual: &Observation,
    ) {
        // One slip, one finding: a figure already refused (a negative count, a form that
        // could be misread) is not also asked about its move.
        if self.has_error_at(sheet, row, column) {
            return;
        }
        let previous = &compared.figure;
        let (Some(before), Some(now)) = (previous.value(), actual.value()) else {
            return;
        };
        if units_differ(previous, actual) {
            return;
        }
        if before == 0.0 {
            if now != 0.0 {
                let message =
                    texts::moved_from_zero(&compared.named, &previous.printed, &actual.printed);
                self.warning(sheet, row, column, message);
            }
            return;
        }
        let change = (now - before) / before.abs();
        if change.abs() > self.config.submission.implausible_change {
            let message = texts::implausible_change(
                &compared.named,
                &previous.printed,
                &actual.printed,
                change * 100.0,
            );
            self.warning(sheet, row, column, message);
        }
    }

    fn unit(&mut self, entry: &IndicatorEntry) {
        let declared = &entry.indicator.unit;
        if declared.is_empty() {
            return;
        }
        for (observation, column) in entry.indicator.observations.iter().zip(indicator::PERIODS) {
            let units: Vec<&str> = observation
                .quantities
                .iter()
                .map(|q| q.unit.as_str())
                .collect();
            let joined = units.join("・");
            if observation.kind == ObservationKind::Measured
                && !self.has_error_at(INDICATOR_SHEET, entry.row, column)
                && units.iter().any(|u| !u.is_empty())
                && fold_width(&joined) != fold_width(declared)
            {
                // Another unit is another number (`20万` is not 20件, `405名` may not be
                // 405人): refused, so no figure is published in a unit the row does not have.
                self.error(
                    INDICATOR_SHEET,
                    entry.row,
                    column,
                    texts::other_unit(declared, &observation.printed),
                );
            }
        }
    }

    fn progress_and_items(&mut self, content: &SubmissionContent) {
        if self.requires(RequiredPart::PolicyProgress) {
            for p in content.progress.iter().filter(|p| p.text.is_empty()) {
                self.error(
                    PROGRESS_SHEET,
                    p.row,
                    layout::progress::TEXT,
                    texts::no_policy_progress(&p.policy_code, &p.policy_name),
                );
            }
        }
        if self.requires(RequiredPart::ActionItemProgress) {
            for item in content
                .action_items
                .iter()
                .filter(|i| i.progress.is_empty())
            {
                let leads = self
                    .plan
                    .item(&item.id)
                    .is_some_and(|r| self.plan.leads_item(&content.department, r));
                if leads {
                    self.error(
                        ACTION_SHEET,
                        item.row,
                        action::PROGRESS,
                        texts::no_item_progress(&item.id),
                    );
                }
            }
        }
    }

    fn kpis(&mut self, content: &SubmissionContent) {
        for entry in &content.kpis {
            let reference = self.plan.kpi(&entry.id).expect("ownership was checked");
            let planned = [
                (&entry.earlier, &reference.earlier, kpi::EARLIER),
                (&entry.baseline, &reference.baseline, kpi::BASELINE),
                (&entry.target, &reference.target, kpi::TARGET),
            ];
            for (found, planned, column) in planned {
                if !same_text(found, planned) && entry.note.is_empty() {
                    let message = texts::planned_kpi_value_changed(planned, found);
                    self.error(KPI_SHEET, entry.row, column, message);
                }
            }
            if entry.actual.is_empty() && self.requires(RequiredPart::KpiValues) {
                self.error(
                    KPI_SHEET,
                    entry.row,
                    kpi::ACTUAL,
                    texts::NO_KPI_ACTUAL.to_string(),
                );
            }
            let actual = Observation::parse(&entry.actual);
            if actual.kind == ObservationKind::Measured && actual.bound.is_some() {
                self.bounded_figure((KPI_SHEET, entry.row, kpi::ACTUAL), &actual);
            }
            let planned_figures = [&reference.earlier, &reference.baseline]
                .iter()
                .any(|p| Observation::parse(p).kind == ObservationKind::Measured);
            if actual.kind == ObservationKind::NotAvailable
                && entry.note.is_empty()
                && planned_figures
            {
                let message = texts::NO_VALUE_WITHOUT_REASON.to_string();
                self.warning(KPI_SHEET, entry.row, kpi::ACTUAL, message);
            }
            self.kpi_move(entry);
        }
    }

    /// A KPI's 実績値 is held to the same plausibility as an indicator's 達成値.
    fn kpi_move(&mut self, entry: &KpiEntry) {
        if !entry.note.is_empty() {
            return;
        }
        let actual = Observation::parse(&entry.actual);
        if let Some(compared) = self.before.kpi(entry) {
            self.implausible_move((KPI_SHEET, entry.row, kpi::ACTUAL), &compared, &actual);
        }
    }
}

/// Two different units really typed (`%` against `人`): the figures are not comparable.
/// A figure typed without its unit takes the row's, and compares.
fn units_differ(a: &Observation, b: &Observation) -> bool {
    match (a.unit(), b.unit()) {
        (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => fold_width(a) != fold_width(b),
        _ => false,
    }
}

/// A pre-filled cell still says the plan's figure: as typed, or in its printed form
/// (`34677` for `34,677件`).
fn same_figure(entry: &IndicatorEntry, period: Period, typed: &Observation, planned: &str) -> bool {
    let printed = entry.reading(period).map(|r| r.noted());
    same_text(&typed.printed, planned) || printed.is_some_and(|p| same_text(&p, planned))
}

/// Two printed values are the same when they differ only in width and spacing.
fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| fold_width(s).split_whitespace().collect::<String>();
    norm(a) == norm(b)
}

/// At most this many cells are named by a text-cell warning; the rest are counted.
pub const CELLS_NAMED: usize = 50;

/// A warning at every text cell of the read sheets for which `told` has something to
/// say, the first [`CELLS_NAMED`] named; how many more cells had one.
pub fn warn_text_cells<'s>(
    sheets: impl IntoIterator<Item = (&'s str, &'s Sheet)>,
    told: impl Fn(&str) -> Option<String>,
    findings: &mut Vec<Finding>,
) -> usize {
    let (mut named, mut more) = (0, 0);
    for (name, sheet) in sheets {
        let (top, left) = sheet.start().unwrap_or((0, 0));
        for (row, column, value) in sheet.used_cells() {
            let Data::String(text) = value else { continue };
            let Some(message) = told(text) else { continue };
            if named == CELLS_NAMED {
                more += 1;
                continue;
            }
            named += 1;
            let cell = cell_name(top + row as u32, (left as usize + column) as u16);
            findings.push(Finding::at(Severity::Warning, name, cell, message));
        }
    }
    more
}

/// Every text cell of the read sheets with a character no report font has: a warning
/// naming the cell and each such character, which the reports will print as 〓.
pub fn check_printable_cells<'s>(
    sheets: impl IntoIterator<Item = (&'s str, &'s Sheet)>,
    coverage: &Coverage,
    findings: &mut Vec<Finding>,
) {
    let told = |text: &str| {
        let absent = unprintable(&text.replace("\r\n", "\n"), coverage);
        (!absent.is_empty()).then(|| texts::unprintable(&described(&absent)))
    };
    let more = warn_text_cells(sheets, told, findings);
    if more > 0 {
        findings.push(Finding::file_warning(texts::more_unprintable_cells(more)));
    }
}

/// A file name with a character no report font has (it is printed in the reports).
pub fn check_printable_file_name(file_name: &str, coverage: &Coverage) -> Option<Finding> {
    let absent = unprintable(file_name, coverage);
    (!absent.is_empty())
        .then(|| Finding::file_warning(texts::unprintable_in_file_name(&described(&absent))))
}

/// At most this many distinct characters are named in one finding.
const UNPRINTABLE_CHARACTERS_NAMED: usize = 10;

/// The distinct characters of `text` that print as 〓, in order, the first few.
fn unprintable(text: &str, coverage: &Coverage) -> Vec<char> {
    let mut absent: Vec<char> = Vec::new();
    for c in text.chars().filter(|c| !coverage.prints(*c)) {
        if absent.len() == UNPRINTABLE_CHARACTERS_NAMED {
            break;
        }
        if !absent.contains(&c) {
            absent.push(c);
        }
    }
    absent
}

/// Each character as the reports' font check names it: `「髙」(U+9AD9)`.
fn described(absent: &[char]) -> Vec<String> {
    absent.iter().map(|c| describe_character(*c)).collect()
}
