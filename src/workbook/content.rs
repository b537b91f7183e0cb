//! What a department submits, as read from (or written to) its workbook.
//!
//! Every entry keeps the sheet row it came from, so findings, lineage and the
//! annotated copy of a rejected file point at the submitter's own cells.

use crate::domain::{FiscalYear, Indicator, Period, Reading};

/// One department's submission for one fiscal year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SubmissionContent {
    /// The department named in 提出情報 (企画部).
    pub department: String,
    /// The fiscal year named in 提出情報; `None` when unreadable.
    pub fiscal_year: Option<FiscalYear>,
    /// Who filled it in, and how to reach them.
    pub submitter: String,
    /// 連絡先 as typed (内線, mail address).
    pub contact: String,
    /// The 部の運営方針 sheet.
    pub profile: DepartmentProfile,
    /// The 主要事業 sheet, one entry per filled row.
    pub projects: Vec<PriorityProject>,
    /// The 目標指標 sheet, one entry per row.
    pub indicators: Vec<IndicatorEntry>,
    /// The 取組状況 sheet, one entry per policy.
    pub progress: Vec<PolicyProgress>,
    /// The アクションプラン sheet, one entry per item.
    pub action_items: Vec<ActionItemEntry>,
    /// The 総合戦略KPI sheet, one entry per KPI.
    pub kpis: Vec<KpiEntry>,
}

/// 部の経営資源と運営方針: the first half of 各部の運営方針と目標.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DepartmentProfile {
    /// 組織構成: the sections, one per line in the workbook.
    pub sections: Vec<String>,
    /// 職員数 (人), as typed.
    pub staff_count: String,
    /// 予算規模 (千円), as typed.
    pub budget: String,
    /// 運営方針: the department's policy for the year, as typed.
    pub operating_policy: String,
    /// 新型コロナウイルス感染症への対応.
    pub covid_response: String,
}

/// 主要事業 ①…: a priority project with its single-year target indicator.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PriorityProject {
    /// `①`.
    pub number: String,
    /// 主要事業: the project's name.
    pub title: String,
    /// 担当課.
    pub section: String,
    /// 目標指標（単年度）: how the project is measured.
    pub indicator: String,
    /// 目標: the figure aimed for, as typed.
    pub target: String,
    /// Last year's project in the same place, pre-filled for reference.
    pub previous: String,
    /// The 1-based sheet row it was read from (or is written to), for findings and lineage.
    pub row: u32,
}

/// A target indicator with the fields the template asks beside its five cells.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorEntry {
    /// The plan's id: `1-1.2`.
    pub id: String,
    /// The indicator with its five cells, parsed.
    pub indicator: Indicator,
    /// When the figure was observed, if not in the fiscal year: `平成28年`.
    pub observed_at: String,
    /// Why a pre-filled cell (an earlier year or the target) was changed.
    pub reason: String,
    /// 前年度実績: last year's accepted 達成値 as shown beside the input cell (`—` when
    /// there was none); for reference only, never stored or checked.
    pub previous: String,
    /// A note for the reader: what explains a large change, a footnote.
    pub note: String,
    /// The 1-based sheet row it was read from (or is written to), for findings and lineage.
    pub row: u32,
    /// The five cells as intake read them, with the cell each came from: what the
    /// store keeps and gives back (a stored entry's `indicator.observations` is empty:
    /// the full parse serves the checks at intake only).
    pub readings: Vec<Reading>,
}

impl IndicatorEntry {
    /// The reading of one period, if the entry has it.
    pub fn reading(&self, period: Period) -> Option<&Reading> {
        self.readings.iter().find(|r| r.period == period)
    }
}

/// 施策の達成に向けた取り組み状況 of one policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyProgress {
    /// The policy code (`1-1`).
    pub policy_code: String,
    /// 施策名, as pre-filled.
    pub policy_name: String,
    /// Paragraphs separated by line breaks.
    pub text: String,
    /// The 1-based sheet row it was read from (or is written to), for findings and lineage.
    pub row: u32,
}

/// An action-plan item's 概要 and 取組状況 as this department reports them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionItemEntry {
    /// `1-(2)`.
    pub id: String,
    /// A 主要 item.
    pub major: bool,
    /// 課題名.
    pub title: String,
    /// Every owner, joined with 、 as printed.
    pub departments: String,
    /// 概要, paragraphs separated by line breaks.
    pub overview: String,
    /// The year's 取組状況等, paragraphs separated by line breaks.
    pub progress: String,
    /// The 1-based sheet row it was read from (or is written to), for findings and lineage.
    pub row: u32,
}

/// A KPI of the regional strategy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KpiEntry {
    /// `K1-2`.
    pub id: String,
    /// 基本目標 number.
    pub goal: String,
    /// The KPI's name, as pre-filled.
    pub name: String,
    /// 実績値 of the earlier year, as typed (`45.3%`).
    pub earlier: String,
    /// 戦略策定時, as typed.
    pub baseline: String,
    /// 前年度実績: last year's accepted 実績値 as shown beside the input cell (`—` when
    /// there was none); for reference only, never stored or checked.
    pub previous: String,
    /// 実績値 of the reported year: a figure in its one printed form (`269人`), other
    /// text as typed.
    pub actual: String,
    /// The provisional mark of 実績値 (`速報値`), kept apart from the figure.
    pub actual_provisional: Option<String>,
    /// 目標値, as typed.
    pub target: String,
    /// 説明・注記.
    pub note: String,
    /// The 1-based sheet row it was read from (or is written to), for findings and lineage.
    pub row: u32,
}

/// Splits a multi-line cell into paragraphs, dropping empty lines.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}
