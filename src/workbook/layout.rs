//! The sheets and columns of the submission workbook (template version 2).
//!
//! The reader checks each header's first line against these labels, and the
//! writer draws them, so the two cannot drift apart.

use crate::plan::{BasicPlan, Strategy};

/// The layout version written into every workbook; intake refuses others.
pub const TEMPLATE_VERSION: u32 = 2;

pub const GUIDE_SHEET: &str = "記入のしかた";
pub const INFO_SHEET: &str = "提出情報";
pub const PROFILE_SHEET: &str = "部の運営方針";
pub const PROJECT_SHEET: &str = "主要事業";
pub const INDICATOR_SHEET: &str = "目標指標";
pub const PROGRESS_SHEET: &str = "取組状況";
pub const ACTION_SHEET: &str = "アクションプラン";
pub const KPI_SHEET: &str = "総合戦略KPI";

/// Labels of the 提出情報 form (column A; the value stands in column B).
pub const LABEL_TEMPLATE_VERSION: &str = "テンプレート版";
pub const LABEL_DEPARTMENT: &str = "部名";
pub const LABEL_FISCAL_YEAR: &str = "年度";
pub const LABEL_SUBMITTER: &str = "記入者";
pub const LABEL_CONTACT: &str = "連絡先";

/// Labels of the 部の運営方針 form.
pub const LABEL_SECTIONS: &str = "組織構成";
pub const LABEL_STAFF: &str = "職員数";
pub const LABEL_BUDGET: &str = "予算規模";
pub const LABEL_POLICY: &str = "運営方針";
pub const LABEL_COVID: &str = "新型コロナウイルス感染症への対応";

/// How many priority projects the template offers (①…⑩).
pub const PROJECT_ROWS: usize = 10;
/// Circled numbers for the priority projects.
pub const CIRCLED: [&str; PROJECT_ROWS] = ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩"];

/// A column of a table sheet.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header; its first line is what intake checks.
    pub header: String,
    pub width: f64,
    /// An input cell (unlocked, styled) rather than a pre-filled, locked one.
    pub input: bool,
    /// A pre-filled cell the department may change, with a reason.
    pub amendable: bool,
}

impl Column {
    fn locked(header: &str, width: f64) -> Column {
        Column {
            header: header.to_string(),
            width,
            input: false,
            amendable: false,
        }
    }
    fn input(header: &str, width: f64) -> Column {
        Column {
            header: header.to_string(),
            width,
            input: true,
            amendable: false,
        }
    }
    fn amendable(header: String, width: f64) -> Column {
        Column {
            header,
            width,
            input: true,
            amendable: true,
        }
    }

    /// The first line of the header.
    pub fn label(&self) -> &str {
        self.header.lines().next().unwrap_or("")
    }
}

/// Columns of the 主要事業 sheet.
pub mod project {
    pub const NUMBER: usize = 0;
    pub const TITLE: usize = 1;
    pub const SECTION: usize = 2;
    pub const INDICATOR: usize = 3;
    pub const TARGET: usize = 4;
    pub const PREVIOUS: usize = 5;
}

pub fn project_columns() -> Vec<Column> {
    vec![
        Column::locked("番号", 6.0),
        Column::input("主要事業", 48.0),
        Column::input("担当課", 16.0),
        Column::input("目標指標（単年度）", 36.0),
        Column::input("目標", 20.0),
        Column::locked("(参考) 前年度の主要事業", 40.0),
    ]
}

/// Columns of the 目標指標 sheet.
pub mod indicator {
    pub const ID: usize = 0;
    pub const POLICY: usize = 1;
    pub const SECTION: usize = 2;
    pub const NAME: usize = 3;
    pub const UNIT: usize = 4;
    pub const ACTUAL: usize = 8;
    pub const OBSERVED_AT: usize = 9;
    pub const TARGET: usize = 10;
    pub const REASON: usize = 11;
    pub const NOTE: usize = 12;
    /// The columns of the five periods, in `Period::ALL` order.
    pub const PERIODS: [usize; 5] = [5, 6, 7, ACTUAL, TARGET];
    /// How many columns the sheet has.
    pub const COUNT: usize = 13;
}

pub fn indicator_columns(plan: &BasicPlan, fiscal_year: crate::domain::FiscalYear) -> Vec<Column> {
    vec![
        Column::locked("指標ID", 8.0),
        Column::locked("施策", 22.0),
        Column::locked("担当課", 12.0),
        Column::locked("指標名", 34.0),
        Column::locked("単位", 8.0),
        Column::amendable(format!("計画策定時\n({})", plan.baseline_year.0), 14.0),
        Column::amendable(format!("前期\n({})", plan.early_year.0), 14.0),
        Column::amendable(format!("中期\n({})", plan.middle_year.0), 14.0),
        Column::input(&format!("達成値\n({fiscal_year})"), 16.0),
        Column::input("観測時点\n(年度と異なる場合)", 14.0),
        Column::amendable(format!("目標値\n({})", plan.target_year.0), 14.0),
        Column::input("変更理由\n(既記入欄を直した場合)", 24.0),
        Column::input("説明・注記", 30.0),
    ]
}

/// Columns of the 取組状況 sheet.
pub mod progress {
    pub const CODE: usize = 0;
    pub const NAME: usize = 1;
    pub const TEXT: usize = 2;
}

pub fn progress_columns() -> Vec<Column> {
    vec![
        Column::locked("施策コード", 10.0),
        Column::locked("施策名", 24.0),
        Column::input(
            "施策の達成に向けた取り組み状況\n(段落ごとにセル内で改行)",
            100.0,
        ),
    ]
}

/// Columns of the アクションプラン sheet.
pub mod action {
    pub const ID: usize = 0;
    pub const MAJOR: usize = 1;
    pub const TITLE: usize = 2;
    pub const DEPARTMENTS: usize = 3;
    pub const OVERVIEW: usize = 4;
    pub const PROGRESS: usize = 5;
}

pub fn action_columns(fiscal_year: crate::domain::FiscalYear) -> Vec<Column> {
    vec![
        Column::locked("個別課題", 8.0),
        Column::locked("主要", 6.0),
        Column::locked("課題名", 30.0),
        Column::locked("担当部", 14.0),
        Column::input("概要", 60.0),
        Column::input(&format!("{fiscal_year}の取組状況等"), 60.0),
    ]
}

/// Columns of the 総合戦略KPI sheet.
pub mod kpi {
    pub const ID: usize = 0;
    pub const GOAL: usize = 1;
    pub const NAME: usize = 2;
    pub const EARLIER: usize = 3;
    pub const BASELINE: usize = 4;
    pub const ACTUAL: usize = 5;
    pub const TARGET: usize = 6;
    pub const NOTE: usize = 7;
}

pub fn kpi_columns(strategy: &Strategy, fiscal_year: crate::domain::FiscalYear) -> Vec<Column> {
    vec![
        Column::locked("KPI", 7.0),
        Column::locked("基本目標", 8.0),
        Column::locked("指標", 36.0),
        Column::amendable(format!("実績値\n({})", strategy.earlier_year.0), 16.0),
        Column::amendable(format!("戦略策定時\n({})", strategy.baseline_year.0), 16.0),
        Column::input(&format!("実績値\n({fiscal_year})"), 16.0),
        Column::amendable(format!("目標値\n({})", strategy.target_year.0), 16.0),
        Column::input("説明・注記", 30.0),
    ]
}
