//! The rules a submission is held to, each producing findings in Japanese.

use calamine::Data;

use super::cells::Sheet;
use crate::config::{Config, RequiredPart};
use crate::domain::japanese::fold_width;
use crate::domain::{Finding, Severity};
use crate::domain::{FiscalYear, Observation, ObservationKind, Period};
use crate::plan::Plan;
use crate::report::{describe_character, Coverage};
use crate::workbook::layout::{self, *};
use crate::workbook::{cell_name, IndicatorEntry, SubmissionContent};

pub fn check_version(cell: &str, text: &str, findings: &mut Vec<Finding>) {
    if text.trim() != TEMPLATE_VERSION.to_string() {
        findings.push(Finding::at(
            Severity::Error,
            INFO_SHEET,
            cell.to_string(),
            format!("テンプレート版「{text}」のブックは読めません(対応している版: {TEMPLATE_VERSION})。最新の提出用ブックを使ってください"),
        ));
    }
}

pub fn check_department(cell: &str, name: &str, config: &Config, findings: &mut Vec<Finding>) {
    if config.department(name).is_none() {
        let known: Vec<&str> = config.departments.iter().map(|d| d.name.as_str()).collect();
        findings.push(Finding::at(
            Severity::Error,
            INFO_SHEET,
            cell.to_string(),
            format!(
                "部名「{name}」は登録されていません(登録済み: {})",
                known.join("、")
            ),
        ));
    }
}

pub fn check_fiscal_year(
    cell: &str,
    text: &str,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Option<FiscalYear> {
    let expected = config.fiscal_year();
    let message = match FiscalYear::parse(text) {
        Ok(year) if year == expected => return Some(year),
        Ok(year) => format!("{year}のブックです。いま受け付けているのは{expected}分です"),
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
        Some(owner) if owner == department => return true,
        Some(owner) => {
            format!("{what}「{id}」は{owner}の担当です。{department}の提出には含められません")
        }
        None => format!("{what}「{id}」は計画にありません。行を追加せずに記入してください"),
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
    findings: &mut Vec<Finding>,
) {
    let mut check = Checker {
        config,
        plan,
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
    findings: &'a mut Vec<Finding>,
}

impl Checker<'_> {
    fn requires(&self, part: RequiredPart) -> bool {
        self.config.submission.requires(part)
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
        let profile = &content.profile;
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
                self.error(
                    PROFILE_SHEET,
                    row,
                    1,
                    format!("「{label}」が記入されていません"),
                );
            }
        }
        for (row, text, label) in [
            (2, &profile.staff_count, LABEL_STAFF),
            (3, &profile.budget, LABEL_BUDGET),
        ] {
            if !text.is_empty() && Observation::parse(text).value().is_none() {
                self.error(
                    PROFILE_SHEET,
                    row,
                    1,
                    format!("「{label}」は数値で記入してください(「{text}」と記入されています)"),
                );
            }
        }
        if content.projects.iter().all(|p| p.title.is_empty())
            && self.requires(RequiredPart::PriorityProjects)
        {
            self.error(
                PROJECT_SHEET,
                1,
                project::TITLE,
                "主要事業が一つも記入されていません".to_string(),
            );
        }
        for project in content.projects.iter().filter(|p| p.title.is_empty()) {
            self.error(
                PROJECT_SHEET,
                project.row,
                project::TITLE,
                "目標指標や目標だけがあり、主要事業名がありません".to_string(),
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
                    message: format!(
                        "行が削除されています: {}。配布されたブックの行を消さずに記入してください",
                        missing.join("、")
                    ),
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
            } else if same_text(&observation.printed, planned) || !entry.reason.is_empty() {
                continue;
            } else {
                self.error(INDICATOR_SHEET, entry.row, column, format!(
                    "計画の値「{planned}」が「{}」に変わっています。直したときは「変更理由」に理由を記入してください",
                    observation.printed
                ));
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
                    "達成値が記入されていません".to_string(),
                );
            }
            ObservationKind::Qualitative if middle.kind == ObservationKind::Measured => {
                self.error(INDICATOR_SHEET, entry.row, column, format!(
                    "数値を期待しましたが「{}」でした。値が出ないときは「—」と記入し、「説明・注記」に理由を書いてください",
                    actual.printed
                ));
            }
            ObservationKind::Measured => self.implausible_move(entry, middle, actual, column),
            _ => {}
        }
    }

    fn implausible_move(
        &mut self,
        entry: &IndicatorEntry,
        previous: &Observation,
        actual: &Observation,
        column: usize,
    ) {
        let (Some(before), Some(now)) = (previous.value(), actual.value()) else {
            return;
        };
        if before == 0.0 || !entry.note.is_empty() || previous.unit() != actual.unit() {
            return;
        }
        let change = (now - before) / before.abs();
        if change.abs() > self.config.submission.implausible_change {
            self.warning(INDICATOR_SHEET, entry.row, column, format!(
                "前回(中期)の「{}」から「{}」へ {:+.0}% 変わっています。理由を「説明・注記」に記入してください",
                previous.printed, actual.printed, change * 100.0
            ));
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
                && units.iter().any(|u| !u.is_empty())
                && fold_width(&joined) != fold_width(declared)
            {
                self.warning(
                    INDICATOR_SHEET,
                    entry.row,
                    column,
                    format!(
                        "単位は「{declared}」のはずですが「{}」と記入されています",
                        observation.printed
                    ),
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
                    format!(
                        "施策「{} {}」の取り組み状況が記入されていません",
                        p.policy_code, p.policy_name
                    ),
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
                        format!(
                            "個別課題 {} の取組状況等が記入されていません(主担当の部)",
                            item.id
                        ),
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
                    self.error(KPI_SHEET, entry.row, column, format!(
                        "計画の値「{planned}」が「{found}」に変わっています。直したときは「説明・注記」に理由を記入してください"
                    ));
                }
            }
            if entry.actual.is_empty() && self.requires(RequiredPart::KpiValues) {
                self.error(
                    KPI_SHEET,
                    entry.row,
                    kpi::ACTUAL,
                    "実績値が記入されていません(値がないときは「—」)".to_string(),
                );
            }
        }
    }
}

/// Two printed values are the same when they differ only in width and spacing.
fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| fold_width(s).split_whitespace().collect::<String>();
    norm(a) == norm(b)
}

/// At most this many cells are named for characters the fonts lack; the rest are counted.
const UNPRINTABLE_CELLS_NAMED: usize = 50;

/// Every text cell of the read sheets with a character no report font has: a warning
/// naming the cell and each such character, which the reports will print as 〓.
pub fn check_printable_cells<'s>(
    sheets: impl IntoIterator<Item = (&'s str, &'s Sheet)>,
    coverage: &Coverage,
    findings: &mut Vec<Finding>,
) {
    let mut named = 0;
    let mut more = 0;
    for (name, sheet) in sheets {
        let (top, left) = sheet.start().unwrap_or((0, 0));
        for (row, column, value) in sheet.used_cells() {
            let Data::String(text) = value else { continue };
            let absent = unprintable(&text.replace("\r\n", "\n"), coverage);
            if absent.is_empty() {
                continue;
            }
            if named == UNPRINTABLE_CELLS_NAMED {
                more += 1;
                continue;
            }
            named += 1;
            let cell = cell_name(top + row as u32, (left as usize + column) as u16);
            findings.push(Finding::at(
                Severity::Warning,
                name,
                cell,
                unprintable_message(&absent),
            ));
        }
    }
    if more > 0 {
        findings.push(Finding::file_warning(format!(
            "ほかに {more} 個のセルにも、報告書のフォントにない字があります(報告書では「〓」と印刷されます)"
        )));
    }
}

/// A file name with a character no report font has (it is printed in the reports).
pub fn check_printable_file_name(file_name: &str, coverage: &Coverage) -> Option<Finding> {
    let absent = unprintable(file_name, coverage);
    (!absent.is_empty())
        .then(|| Finding::file_warning(format!("ファイル名の{}", unprintable_message(&absent))))
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

fn unprintable_message(absent: &[char]) -> String {
    let listed: Vec<String> = absent.iter().map(|c| describe_character(*c)).collect();
    format!(
        "{} は報告書のフォントにない字のため、報告書では「〓」と印刷されます。ほかの字で書けるなら書き換えてください",
        listed.join("、")
    )
}
