//! What a department submits, as read from (or written to) its workbook.
//!
//! Every entry keeps the sheet row it came from, so findings, lineage and the
//! annotated copy of a rejected file point at the submitter's own cells.

use crate::domain::{FiscalYear, Indicator, Period, Reading};

/// One department's submission for one fiscal year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SubmissionContent {
    pub department: String,
    pub fiscal_year: Option<FiscalYear>,
    /// Who filled it in, and how to reach them.
    pub submitter: String,
    pub contact: String,
    pub profile: DepartmentProfile,
    pub projects: Vec<PriorityProject>,
    pub indicators: Vec<IndicatorEntry>,
    pub progress: Vec<PolicyProgress>,
    pub action_items: Vec<ActionItemEntry>,
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
    pub operating_policy: String,
    /// 新型コロナウイルス感染症への対応.
    pub covid_response: String,
}

/// 主要事業 ①…: a priority project with its single-year target indicator.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PriorityProject {
    /// `①`.
    pub number: String,
    pub title: String,
    pub section: String,
    pub indicator: String,
    pub target: String,
    /// Last year's project in the same place, pre-filled for reference.
    pub previous: String,
    pub row: u32,
}

/// A target indicator with the fields the template asks beside its five cells.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorEntry {
    /// The plan's id: `1-1.2`.
    pub id: String,
    pub indicator: Indicator,
    /// When the figure was observed, if not in the fiscal year: `平成28年`.
    pub observed_at: String,
    /// Why a pre-filled cell (an earlier year or the target) was changed.
    pub reason: String,
    /// A note for the reader: what explains a large change, a footnote.
    pub note: String,
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
    pub policy_code: String,
    pub policy_name: String,
    /// Paragraphs separated by line breaks.
    pub text: String,
    pub row: u32,
}

/// An action-plan item's 概要 and 取組状況 as this department reports them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionItemEntry {
    /// `1-(2)`.
    pub id: String,
    pub major: bool,
    pub title: String,
    /// Every owner, joined with 、 as printed.
    pub departments: String,
    pub overview: String,
    pub progress: String,
    pub row: u32,
}

/// A KPI of the regional strategy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KpiEntry {
    /// `K1-2`.
    pub id: String,
    /// 基本目標 number.
    pub goal: String,
    pub name: String,
    pub earlier: String,
    pub baseline: String,
    pub actual: String,
    pub target: String,
    pub note: String,
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
