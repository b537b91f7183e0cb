//! The two datasets every report is printed from, as plain serialisable records.
//! The JSON export is these types; `docs/export.md` documents them.

use serde::Serialize;

use crate::domain::{Direction, Finding, Period, Status};
use crate::store::SubmissionState;

/// Where a value came from: the submission version, its file, sheet and cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub submission_id: i64,
    pub department: String,
    pub file: String,
    pub sheet: String,
    pub cell: String,
}

impl Source {
    /// The lineage as printed in `explain` and the exported tables:
    /// `提出#3 企画部.xlsx 目標指標!I2`.
    pub fn describe(&self) -> String {
        format!(
            "提出#{} {} {}!{}",
            self.submission_id, self.file, self.sheet, self.cell
        )
    }
}

/// Both datasets of one fiscal year, with what is missing and what disagrees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Datasets {
    pub city: String,
    pub city_code: String,
    /// The fiscal year as its starting calendar year (2020 for 令和2年度).
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub white_paper: WhitePaper,
    pub department_plans: Vec<DepartmentPlan>,
    /// Who has not submitted, or what a submission lacks; empty when complete.
    pub gaps: Vec<Gap>,
    /// Disagreements between submissions or with the plan.
    pub findings: Vec<CrossFinding>,
    /// Who submitted: each department's current (latest accepted) submission, in the
    /// configuration's order, with its indicator rows as submitted. The whole-city
    /// indicator table, the report mails and a run's summary print this. Not part of
    /// the export (the export, and the digest of it every report records, stay as
    /// they were).
    #[serde(skip)]
    pub submissions: Vec<Submission>,
    /// Each department's latest submission of the year, accepted or not, as the store
    /// lists them: the manager summary's status table.
    #[serde(skip)]
    pub states: Vec<SubmissionState>,
    /// The headers of the indicator table's five columns as the workbook prints them
    /// (with their line breaks), in [`Period::ALL`] order.
    #[serde(skip)]
    pub period_headers: Vec<String>,
}

impl Datasets {
    /// The current submission of a department, if it has one.
    pub fn submission_of(&self, department: &str) -> Option<&Submission> {
        self.submissions.iter().find(|s| s.department == department)
    }

    /// Number of indicator rows across the submissions.
    pub fn indicator_count(&self) -> usize {
        self.submissions.iter().map(|s| s.indicators.len()).sum()
    }
}

/// A department's current submission: the file it came from, its indicator rows, and
/// what intake found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub department: String,
    pub submission_id: i64,
    pub file_name: String,
    /// The rows of its 目標指標 sheet, in the order it submitted them.
    pub indicators: Vec<SubmittedIndicator>,
    /// The findings intake recorded for it (warnings: it was accepted), in order.
    pub findings: Vec<Finding>,
}

/// An indicator row as its department submitted it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedIndicator {
    pub policy_code: String,
    pub policy_name: String,
    pub name: String,
    /// The five cells, in [`Period::ALL`] order.
    pub cells: Vec<Cell>,
}

/// 自治体経営白書.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhitePaper {
    pub plan_name: String,
    /// Column labels of the indicator tables, in period order.
    pub period_labels: Vec<String>,
    pub parts: Vec<Part>,
    pub strategy: Strategy,
    pub action_plan: ActionPlan,
}

impl WhitePaper {
    /// The label of an indicator table's column: `計画策定時(平成28年度)`.
    pub fn period_label(&self, period: Period) -> &str {
        let index = Period::ALL.iter().position(|p| *p == period);
        index
            .and_then(|i| self.period_labels.get(i))
            .map_or("", String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    pub number: u32,
    pub title: String,
    pub policies: Vec<Policy>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub code: String,
    pub name: String,
    /// 主な担当課: the department and its sections.
    pub department: String,
    pub sections: Vec<String>,
    /// Footnotes of the indicator table.
    pub notes: Vec<String>,
    pub indicators: Vec<Indicator>,
    /// 施策の達成に向けた取り組み状況, one string per paragraph.
    pub progress: Vec<String>,
    pub progress_source: Option<Source>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    /// 計画策定時, 前期, 中期, the year, 目標値.
    pub cells: Vec<Cell>,
    pub status: Status,
    pub status_label: String,
    /// Share of the way from the baseline to the target (0.62 = 62%).
    pub progress: Option<f64>,
    /// The year's figure minus the previous one (中期).
    pub change: Option<f64>,
    /// The department's note (説明・注記), and why a fixed figure was changed.
    pub note: String,
    pub amendment_reason: String,
    /// The year's figure in every earlier fiscal year the store holds, oldest first:
    /// the indicator's series across years.
    pub history: Vec<YearFigure>,
}

/// An indicator's figure as reported for another fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearFigure {
    pub fiscal_year: i32,
    pub printed: String,
    pub value: Option<f64>,
    pub source: Source,
}

impl Indicator {
    /// The cell of one period.
    pub fn cell(&self, period: Period) -> Option<&Cell> {
        self.cells.iter().find(|c| c.period == period.key())
    }

    /// The text printed for one period (empty when the indicator has no such cell).
    pub fn printed(&self, period: Period) -> &str {
        self.cell(period).map_or("", |c| c.printed.as_str())
    }

    /// The figure of one period, when its cell holds one.
    pub fn value(&self, period: Period) -> Option<f64> {
        self.cell(period).and_then(|c| c.value)
    }
}

/// One printed value and the number read from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub period: String,
    pub printed: String,
    pub value: Option<f64>,
    pub source: Option<Source>,
}

impl Cell {
    /// Whether it holds a figure or a mark that stands for none (blank, `同左`, `—`),
    /// rather than words (`維持`).
    pub fn is_figure(&self) -> bool {
        self.value.is_some() || crate::domain::is_mark(&self.printed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategy {
    pub name: String,
    pub period_labels: Vec<String>,
    pub goals: Vec<Goal>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goal {
    pub number: u32,
    pub title: String,
    pub direction: Vec<String>,
    pub notes: Vec<String>,
    pub numeric_goal: NumericGoal,
    pub kpis: Vec<Kpi>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumericGoal {
    pub name: String,
    pub department: String,
    /// 実績値 (earlier year), 実績値 (strategy baseline year), 目標値.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    pub id: String,
    pub name: String,
    pub department: String,
    /// The basic-plan indicator that is the same fact, if any.
    pub plan_indicator: Option<String>,
    /// Earlier year, strategy baseline, the year, target.
    pub cells: Vec<Cell>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionPlan {
    pub name: String,
    pub groups: Vec<ActionGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionGroup {
    pub number: u32,
    pub title: String,
    pub systems: Vec<ActionSystem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionSystem {
    pub number: u32,
    pub title: String,
    pub items: Vec<ActionItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionItem {
    pub id: String,
    pub major: bool,
    pub title: String,
    pub departments: Vec<String>,
    pub overview: Vec<String>,
    /// 取組状況等, merged from every reporting department in the plan's order.
    pub progress: Vec<String>,
    pub sources: Vec<Source>,
}

/// 各部の運営方針と目標 of one department.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentPlan {
    pub department: String,
    pub sections: Vec<String>,
    pub staff_count: String,
    pub budget: String,
    pub operating_policy: String,
    pub covid_response: String,
    pub projects: Vec<Project>,
    pub source: Option<Source>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    pub number: String,
    pub title: String,
    pub section: String,
    pub indicator: String,
    pub target: String,
}

/// Something the dataset lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub department: String,
    pub what: String,
}

/// A disagreement, with both places, both values and where each came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossFinding {
    /// `conflict` (an error: one fact, two values) or `two_targets` (a warning).
    pub kind: String,
    pub message: String,
    pub places: Vec<Place>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub location: String,
    pub printed: String,
    pub source: Option<Source>,
}
