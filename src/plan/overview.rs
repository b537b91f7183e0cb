//! The plan's own words for the white paper's overview sections: 第1節 (the basic
//! plan and its 施策体系), the strategy's 概要 and the action plan's 概要. They are
//! reference data like the plan's tables, copied from the published plan; a plan
//! without them still loads, and the white paper then prints only what it can build
//! from the tables (the 施策体系, the 体系).

use serde::{Deserialize, Serialize};

/// A numbered subsection of an overview: `(1) 計画の位置付け` and its paragraphs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverviewSection {
    /// The subsection's heading as printed.
    pub heading: String,
    /// Its paragraphs. `{{parts}}`, `{{policies}}`, `{{indicators}}`, `{{goals}}` and
    /// `{{systems}}` are replaced by the plan's own counts, so the text cannot
    /// disagree with the tables.
    pub paragraphs: Vec<String>,
}

/// A 施策 that the plan numbers once and divides (第4 商業環境の整備 over 2-4-1 and
/// 2-4-2): only its name is not in the policies' table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyGroup {
    /// The code its policies start with: `2-4` for `2-4-1` and `2-4-2`.
    pub code: String,
    /// The group's name (商業環境の整備).
    pub name: String,
}

/// The words of the basic plan's overview (第1節).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanOverview {
    /// When the plan in force (its last revision) was adopted: `令和2年3月`.
    #[serde(default)]
    pub adopted: String,
    /// 1 概要: its subsections.
    #[serde(default)]
    pub sections: Vec<OverviewSection>,
    /// The sentence before the 施策体系 table.
    #[serde(default)]
    pub structure_intro: Vec<String>,
    /// The names of the policies the plan divides.
    #[serde(default)]
    pub policy_groups: Vec<PolicyGroup>,
}

/// The words of the strategy's overview (第3節).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyOverview {
    /// 1 概要: its subsections; the goals and their 数値目標 follow the last one.
    #[serde(default)]
    pub sections: Vec<OverviewSection>,
    /// 2 各施策の進捗状況: the subsections before the KPI tables.
    #[serde(default)]
    pub kpi_sections: Vec<OverviewSection>,
}

/// The words of the action plan's overview (第2章 第1節) and of 第2節's introduction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPlanOverview {
    /// 1 概要: its paragraphs.
    #[serde(default)]
    pub paragraphs: Vec<String>,
    /// The sentence before the 体系 table.
    #[serde(default)]
    pub structure_intro: Vec<String>,
    /// The paragraphs that open 各体系の主な取り組み状況.
    #[serde(default)]
    pub progress_intro: Vec<String>,
}
