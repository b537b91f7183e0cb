//! The sheets and columns of the submission workbook (template version 3: last year's
//! figure stands locked beside each input figure cell).
//!
//! The reader checks each header's first line against these labels, and the
//! writer draws them, so the two cannot drift apart.

use crate::plan::{BasicPlan, Strategy};

/// The layout version written into every workbook; intake refuses others.
pub const TEMPLATE_VERSION: u32 = 3;

/// The first sheet: how to fill in the workbook (not read back).
pub const GUIDE_SHEET: &str = "記入のしかた";
/// The first sheet of a correction copy: its findings, each a link to its cell. Not read
/// back when the corrected copy is submitted again.
pub const FINDINGS_SHEET: &str = "指摘一覧";
/// The form naming the template version, department, fiscal year and submitter.
pub const INFO_SHEET: &str = "提出情報";
/// The form of the department's 運営方針 (組織構成, 職員数, 予算規模 …).
pub const PROFILE_SHEET: &str = "部の運営方針";
/// The table of 主要事業 (①…⑩) with their 目標指標 and 目標.
pub const PROJECT_SHEET: &str = "主要事業";
/// The table of the department's 目標指標, a row per indicator.
pub const INDICATOR_SHEET: &str = "目標指標";
/// The table of each policy's 取り組み状況 (a narrative per policy).
pub const PROGRESS_SHEET: &str = "取組状況";
/// The table of the action-plan items the department reports on.
pub const ACTION_SHEET: &str = "アクションプラン";
/// The table of the regional strategy's KPIs the department reports on.
pub const KPI_SHEET: &str = "総合戦略KPI";

/// The 提出情報 form's labels stand in column A, their values in column B. This one
/// labels the template version, which intake compares with [`TEMPLATE_VERSION`].
pub const LABEL_TEMPLATE_VERSION: &str = "テンプレート版";
/// The department's name (企画部); must match the configuration.
pub const LABEL_DEPARTMENT: &str = "部名";
/// The fiscal year the workbook reports (令和2年度).
pub const LABEL_FISCAL_YEAR: &str = "年度";
/// Who filled the workbook in.
pub const LABEL_SUBMITTER: &str = "記入者";
/// How to reach them (内線, mail address).
pub const LABEL_CONTACT: &str = "連絡先";

/// The 部の運営方針 form's labels stand in column A like the 提出情報 form's. This one
/// labels the department's sections (…課, one per line).
pub const LABEL_SECTIONS: &str = "組織構成";
/// The department's staff count (`85人`).
pub const LABEL_STAFF: &str = "職員数";
/// The department's budget (`12億3,456万円`).
pub const LABEL_BUDGET: &str = "予算規模";
/// The department's operating policy for the year.
pub const LABEL_POLICY: &str = "運営方針";
/// The department's response to COVID-19.
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
    /// The column's width in Excel character units.
    pub width: f64,
    /// An input cell (unlocked, styled) rather than a pre-filled, locked one.
    pub input: bool,
    /// A pre-filled cell the department may change, with a reason.
    pub amendable: bool,
    /// A figure: the cells are formatted as text, so what is typed stays as typed
    /// (Excel would turn `35.6%` into 0.356 and `1/2` into a date).
    pub figure: bool,
}

impl Column {
    fn locked(header: &str, width: f64) -> Column {
        Column {
            header: header.to_string(),
            width,
            input: false,
            amendable: false,
            figure: false,
        }
    }
    fn input(header: &str, width: f64) -> Column {
        Column {
            header: header.to_string(),
            width,
            input: true,
            amendable: false,
            figure: false,
        }
    }
    fn amendable(header: String, width: f64) -> Column {
        Column {
            header,
            width,
            input: true,
            amendable: true,
            figure: false,
        }
    }

    /// The same column, its cells formatted as text (see [`Column::figure`]).
    fn of_figures(self) -> Column {
        Column {
            figure: true,
            ..self
        }
    }

    /// The first line of the header.
    pub fn label(&self) -> &str {
        self.header.lines().next().unwrap_or("")
    }
}

/// Columns of the 主要事業 sheet.
pub mod project {
    /// Column A: 番号 (①…⑩, pre-filled).
    pub const NUMBER: usize = 0;
    /// Column B: 主要事業.
    pub const TITLE: usize = 1;
    /// Column C: 担当課.
    pub const SECTION: usize = 2;
    /// Column D: 目標指標（単年度）.
    pub const INDICATOR: usize = 3;
    /// Column E: 目標.
    pub const TARGET: usize = 4;
    /// Column F: (参考) 前年度の主要事業, pre-filled.
    pub const PREVIOUS: usize = 5;
}

/// The 主要事業 sheet's columns, in [`project`] order.
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
    /// Column A: 指標ID.
    pub const ID: usize = 0;
    /// Column B: 施策.
    pub const POLICY: usize = 1;
    /// Column C: 担当課.
    pub const SECTION: usize = 2;
    /// Column D: 指標名.
    pub const NAME: usize = 3;
    /// Column E: 単位.
    pub const UNIT: usize = 4;
    /// Column I: 前年度実績: last year's accepted 達成値, pre-filled for reference.
    pub const PREVIOUS: usize = 8;
    /// Column J: 達成値: the reported year's figure.
    pub const ACTUAL: usize = 9;
    /// Column K: 観測時点, when the figure is not of the fiscal year itself.
    pub const OBSERVED_AT: usize = 10;
    /// Column L: 目標値.
    pub const TARGET: usize = 11;
    /// Column M: 変更理由 for a changed pre-filled figure.
    pub const REASON: usize = 12;
    /// Column N: 説明・注記.
    pub const NOTE: usize = 13;
    /// The columns of the five periods, in `Period::ALL` order.
    pub const PERIODS: [usize; 5] = [5, 6, 7, ACTUAL, TARGET];
    /// How many columns the sheet has.
    pub const COUNT: usize = 14;
}

/// The 目標指標 sheet's columns, in [`indicator`] order; the period headers carry the plan's years
/// and `fiscal_year`.
pub fn indicator_columns(plan: &BasicPlan, fiscal_year: crate::domain::FiscalYear) -> Vec<Column> {
    vec![
        Column::locked("指標ID", 8.0),
        Column::locked("施策", 22.0),
        Column::locked("担当課", 12.0),
        Column::locked("指標名", 34.0),
        Column::locked("単位", 8.0),
        Column::amendable(format!("計画策定時\n({})", plan.baseline_year.0), 14.0).of_figures(),
        Column::amendable(format!("前期\n({})", plan.early_year.0), 14.0).of_figures(),
        Column::amendable(format!("中期\n({})", plan.middle_year.0), 14.0).of_figures(),
        last_year_column(fiscal_year),
        Column::input(&format!("達成値\n({fiscal_year})"), 16.0).of_figures(),
        Column::input("観測時点\n(年度と異なる場合)", 14.0),
        Column::amendable(format!("目標値\n({})", plan.target_year.0), 14.0).of_figures(),
        Column::input("変更理由\n(既記入欄を直した場合)", 24.0),
        Column::input("説明・注記", 30.0),
    ]
}

/// Columns of the 取組状況 sheet.
pub mod progress {
    /// Column A: 施策コード.
    pub const CODE: usize = 0;
    /// Column B: 施策名.
    pub const NAME: usize = 1;
    /// Column C: 取り組み状況, paragraphs separated by line breaks in the cell.
    pub const TEXT: usize = 2;
}

/// The 取組状況 sheet's columns, in [`progress`] order.
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
    /// Column A: 個別課題.
    pub const ID: usize = 0;
    /// Column B: 主要.
    pub const MAJOR: usize = 1;
    /// Column C: 課題名.
    pub const TITLE: usize = 2;
    /// Column D: 担当部.
    pub const DEPARTMENTS: usize = 3;
    /// Column E: 概要.
    pub const OVERVIEW: usize = 4;
    /// Column F: the year's 取組状況等.
    pub const PROGRESS: usize = 5;
}

/// The アクションプラン sheet's columns, in [`action`] order.
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
    /// Column A: KPI id.
    pub const ID: usize = 0;
    /// Column B: 基本目標.
    pub const GOAL: usize = 1;
    /// Column C: 指標.
    pub const NAME: usize = 2;
    /// Column D: 実績値 of the earlier year.
    pub const EARLIER: usize = 3;
    /// Column E: 戦略策定時: the strategy's baseline figure.
    pub const BASELINE: usize = 4;
    /// Column F: 前年度実績: last year's accepted 実績値, pre-filled for reference.
    pub const PREVIOUS: usize = 5;
    /// Column G: 実績値 of the reported year.
    pub const ACTUAL: usize = 6;
    /// Column H: 目標値.
    pub const TARGET: usize = 7;
    /// Column I: 説明・注記.
    pub const NOTE: usize = 8;
}

/// The 総合戦略KPI sheet's columns, in [`kpi`] order; the period headers carry the strategy's
/// years and `fiscal_year`.
pub fn kpi_columns(strategy: &Strategy, fiscal_year: crate::domain::FiscalYear) -> Vec<Column> {
    vec![
        Column::locked("KPI", 7.0),
        Column::locked("基本目標", 8.0),
        Column::locked("指標", 36.0),
        Column::amendable(format!("実績値\n({})", strategy.earlier_year.0), 16.0).of_figures(),
        Column::amendable(format!("戦略策定時\n({})", strategy.baseline_year.0), 16.0).of_figures(),
        last_year_column(fiscal_year),
        Column::input(&format!("実績値\n({fiscal_year})"), 16.0).of_figures(),
        Column::amendable(format!("目標値\n({})", strategy.target_year.0), 16.0).of_figures(),
        Column::input("説明・注記", 30.0),
    ]
}

/// The locked column of last year's figure, right before the input cell of the year's:
/// `前年度実績` over the year it is of.
fn last_year_column(fiscal_year: crate::domain::FiscalYear) -> Column {
    let last_year = crate::domain::FiscalYear(fiscal_year.0 - 1);
    Column::locked(&format!("前年度実績\n({last_year})"), 14.0)
}
