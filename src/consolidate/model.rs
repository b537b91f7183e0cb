//! The two datasets every report is printed from, as plain serialisable records.
//! The JSON export is these types; `docs/export.md` documents them.

use serde::Serialize;

use crate::domain::{Direction, Finding, Period, Status};
use crate::store::SubmissionState;

/// Where a value came from: the submission version, its file, sheet and cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The submission version (提出#3) the value was read from.
    pub submission_id: i64,
    /// The department that submitted it (企画部).
    pub department: String,
    /// The workbook's file name as received (令和2年度_企画部.xlsx).
    pub file: String,
    /// The sheet name (目標指標).
    pub sheet: String,
    /// The cell reference (I2).
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
    /// The city's name as printed (from the configuration).
    pub city: String,
    /// The city's 全国地方公共団体コード (six digits).
    pub city_code: String,
    /// The fiscal year as its starting calendar year (2020 for 令和2年度).
    pub fiscal_year: i32,
    /// The fiscal year as printed: 令和2年度.
    pub fiscal_year_label: String,
    /// The publication month as the cover prints it (`令和3（2021）年7月`): the
    /// configuration's `[report] published` for the year it collects, else the year
    /// after the fiscal year alone (`令和3（2021）年`). Not part of the export: an
    /// earlier year's export stays as it was when the configuration moves on a year.
    #[serde(skip)]
    pub published: String,
    /// The 自治体経営白書 dataset.
    pub white_paper: WhitePaper,
    /// 各部の運営方針と目標, one per department that submitted, in the configuration's order.
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
    /// The department (`企画部`).
    pub department: String,
    /// The stored version (`提出#3`).
    pub submission_id: i64,
    /// The file name it came under, as the reports print it.
    pub file_name: String,
    /// The rows of its 目標指標 sheet, in the order it submitted them.
    pub indicators: Vec<SubmittedIndicator>,
    /// The findings intake recorded for it (warnings: it was accepted), in order.
    pub findings: Vec<Finding>,
    /// Why its findings could not be read back (a damaged row): only this
    /// department's report, which prints them, fails.
    pub unreadable_findings: Option<String>,
}

/// An indicator row as its department submitted it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedIndicator {
    /// The plan's indicator id (`1-1.2`): where the white paper keeps its status.
    pub id: String,
    /// The policy it measures (`1-1`).
    pub policy_code: String,
    /// The policy's name (`国際化の推進`).
    pub policy_name: String,
    /// The indicator's name as the row gives it.
    pub name: String,
    /// The five cells, in [`Period::ALL`] order.
    pub cells: Vec<Cell>,
}

/// 自治体経営白書.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhitePaper {
    /// The basic plan's name (第2次総合計画 …), from the plan data.
    pub plan_name: String,
    /// Column labels of the indicator tables, in period order.
    pub period_labels: Vec<String>,
    /// The plan's parts (第1部 …), each with its policies.
    pub parts: Vec<Part>,
    /// The regional strategy (総合戦略): its goals and KPIs.
    pub strategy: Strategy,
    /// The administrative-reform action plan and its items.
    pub action_plan: ActionPlan,
    /// The plan's own words for 第1節, the strategy's and the action plan's overviews.
    pub overview: Overview,
}

/// The overviews' words (see [`crate::plan::PlanOverview`]) with the counts their
/// placeholders stand for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// The basic plan's overview (第1節).
    pub plan: crate::plan::PlanOverview,
    /// The strategy's overview (第3節).
    pub strategy: crate::plan::StrategyOverview,
    /// The action plan's overview (第2章 第1節).
    pub action_plan: crate::plan::ActionPlanOverview,
    /// The counts of the whole plan: `parts`, `policies`, `indicators`, `goals`, `systems`.
    pub counts: Vec<(String, usize)>,
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

/// A part of the basic plan (第1部 …) and its policies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// The part's number (1 for 第1部).
    pub number: u32,
    /// The part's title.
    pub title: String,
    /// The part's policies (施策) in the plan's order.
    pub policies: Vec<Policy>,
}

/// A policy (施策): who owns it, its indicators and the progress narrative.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// The policy code: `1-1` for 第1部 第1, `2-4-1` for 第2部 第4-1.
    pub code: String,
    /// 施策名.
    pub name: String,
    /// 主な担当課: the department and its sections.
    pub department: String,
    /// The responsible sections (…課) within the department.
    pub sections: Vec<String>,
    /// Footnotes of the indicator table.
    pub notes: Vec<String>,
    /// The policy's target indicators (目標指標), in the plan's order.
    pub indicators: Vec<Indicator>,
    /// 施策の達成に向けた取り組み状況, one string per paragraph.
    pub progress: Vec<String>,
    /// Where the progress narrative was read from; `None` when not submitted.
    pub progress_source: Option<Source>,
}

/// A target indicator (目標指標) of a policy: its five cells, status and history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    /// The plan's indicator id.
    pub id: String,
    /// 指標名.
    pub name: String,
    /// The unit the figures are in (件, %, 人 …).
    pub unit: String,
    /// Whether a higher or a lower figure is better.
    pub direction: Direction,
    /// 計画策定時, 前期, 中期, the year, 目標値.
    pub cells: Vec<Cell>,
    /// How the year's figure stands against the target.
    pub status: Status,
    /// The status as printed in the table (達成, 未達成, …).
    pub status_label: String,
    /// Share of the way from the baseline to the target (0.62 = 62%).
    pub progress: Option<f64>,
    /// The year's figure minus the previous one (中期).
    pub change: Option<f64>,
    /// The department's note (説明・注記), and why a fixed figure was changed.
    pub note: String,
    /// 変更理由: why a figure fixed in an earlier year was changed; empty if none.
    pub amendment_reason: String,
    /// The year's figure in every earlier fiscal year the store holds, oldest first:
    /// the indicator's series across years.
    pub history: Vec<YearFigure>,
}

/// An indicator's figure as reported for another fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearFigure {
    /// The fiscal year as its starting calendar year (2019 for 令和元年度).
    pub fiscal_year: i32,
    /// The figure as the department wrote it (`34,677件`).
    pub printed: String,
    /// The number read from it; `None` when the text is not a number (`未定`).
    pub value: Option<f64>,
    /// Where that year's figure was read from.
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
    /// The period (column) label the value belongs to.
    pub period: String,
    /// The value as printed: a figure in its one printed form with a provisional
    /// mark as a note (`34,677件`, `265人 (速報値)`), other text as written (`—`).
    pub printed: String,
    /// The number read from it; `None` for an empty or non-numeric cell.
    pub value: Option<f64>,
    /// Where it was read from; `None` for a value that comes from the plan.
    pub source: Option<Source>,
}

impl Cell {
    /// Whether it holds a figure or a mark that stands for none (blank, `同左`, `—`),
    /// rather than words (`維持`).
    pub fn is_figure(&self) -> bool {
        self.value.is_some() || crate::domain::is_mark(&self.printed)
    }
}

/// The regional strategy (総合戦略) section of the white paper.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategy {
    /// The strategy's name (まち・ひと・しごと創生総合戦略 …).
    pub name: String,
    /// Column labels of the KPI tables, in period order.
    pub period_labels: Vec<String>,
    /// The 基本目標 in the strategy's order.
    pub goals: Vec<Goal>,
}

/// A 基本目標 of the strategy: its direction, 数値目標 and KPIs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goal {
    /// The 基本目標's number.
    pub number: u32,
    /// The 基本目標's title.
    pub title: String,
    /// The goal's direction (基本的方向), one string per paragraph.
    pub direction: Vec<String>,
    /// Footnotes of the goal's tables.
    pub notes: Vec<String>,
    /// The goal's 数値目標.
    pub numeric_goal: NumericGoal,
    /// The goal's KPIs (重要業績評価指標).
    pub kpis: Vec<Kpi>,
}

/// The 数値目標 of a 基本目標.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumericGoal {
    /// The 数値目標's name.
    pub name: String,
    /// The department that reports it.
    pub department: String,
    /// 実績値 (earlier year), 実績値 (strategy baseline year), 目標値.
    pub cells: Vec<Cell>,
}

/// A KPI (重要業績評価指標) of a 基本目標.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    /// The KPI's id in the plan data.
    pub id: String,
    /// The KPI's name.
    pub name: String,
    /// The department that reports it.
    pub department: String,
    /// The basic-plan indicator that is the same fact, if any.
    pub plan_indicator: Option<String>,
    /// Earlier year, strategy baseline, the year, target.
    pub cells: Vec<Cell>,
    /// The department's note on it; empty if none.
    pub note: String,
}

/// The administrative-reform action plan (chapter 2 of the white paper).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionPlan {
    /// The action plan's name (行財政改革アクションプラン …).
    pub name: String,
    /// The 自治体経営の基本的な考え方, each with its 体系.
    pub groups: Vec<ActionGroup>,
}

/// A 自治体経営の基本的な考え方 of the action plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionGroup {
    /// The 考え方's number.
    pub number: u32,
    /// The 考え方's title.
    pub title: String,
    /// Its 体系 in the plan's order.
    pub systems: Vec<ActionSystem>,
}

/// A 体系 of the action plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionSystem {
    /// The 体系's number.
    pub number: u32,
    /// The 体系's title.
    pub title: String,
    /// Its 個別課題 in the plan's order.
    pub items: Vec<ActionItem>,
}

/// An action-plan item (個別課題) with the progress every department reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionItem {
    /// The item's id (個別課題番号).
    pub id: String,
    /// A 主要 item (printed with 【主要】).
    pub major: bool,
    /// 課題名.
    pub title: String,
    /// The departments that report on it (担当部).
    pub departments: Vec<String>,
    /// 概要, one string per paragraph, from the plan.
    pub overview: Vec<String>,
    /// 取組状況等, merged from every reporting department in the plan's order.
    pub progress: Vec<String>,
    /// Where each department's progress was read from.
    pub sources: Vec<Source>,
}

/// 各部の運営方針と目標 of one department.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentPlan {
    /// The department (企画部).
    pub department: String,
    /// 組織構成: its sections (…課).
    pub sections: Vec<String>,
    /// 職員数 as written (`85人`).
    pub staff_count: String,
    /// 予算規模 as written (`12億3,456万円`).
    pub budget: String,
    /// 運営方針: the department's policy for the year.
    pub operating_policy: String,
    /// 新型コロナウイルス感染症への対応.
    pub covid_response: String,
    /// 主要事業 with their 目標指標 and 目標.
    pub projects: Vec<Project>,
    /// Where the sheet was read from; `None` when the department has not submitted.
    pub source: Option<Source>,
}

/// A department's 主要事業 with its 目標指標 and 目標.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    /// The project's number as written (①, 1 …).
    pub number: String,
    /// 主要事業: the project's name.
    pub title: String,
    /// 担当課.
    pub section: String,
    /// 目標指標: how the project is measured.
    pub indicator: String,
    /// 目標: the figure aimed for.
    pub target: String,
}

/// Something the dataset lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The department concerned.
    pub department: String,
    /// What is missing, in Japanese (目標指標のシートがありません …).
    pub what: String,
}

/// A disagreement, with both places, both values and where each came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossFinding {
    /// `conflict` (an error: one fact, two values) or `two_targets` (a warning).
    pub kind: String,
    /// The disagreement in Japanese, naming both values.
    pub message: String,
    /// Each place the fact is printed, with its value and source.
    pub places: Vec<Place>,
}

/// One place a disagreeing fact is printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The indicator or KPI printed there (`5-2.1`, `K2-2`): what `explain` takes.
    /// Not part of the export (the location names it already).
    #[serde(skip)]
    pub item: String,
    /// Where in the dataset (施策 1-1 指標 … 達成値).
    pub location: String,
    /// The value printed there.
    pub printed: String,
    /// Where it was read from, if from a submission.
    pub source: Option<Source>,
}
