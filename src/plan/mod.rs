//! The plan's reference data: what exists for the whole plan period and who owns it.
//!
//! The basic plan (parts, policies, their target indicators with the plan's fixed
//! columns), the regional strategy (basic goals, numeric goals, KPIs) and the action
//! plan (groups, systems, items) are data in `data/plan/*.toml`, not code: the next
//! plan is a change of those files. Templates are pre-filled from here, and intake
//! checks submissions against it (who owns which row, which values were fixed).

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;

mod overview;
mod same_fact;

pub use overview::{
    ActionPlanOverview, OverviewSection, PlanOverview, PolicyGroup, StrategyOverview,
};
pub use same_fact::{figures_disagree, KpiColumn, SameFact};

use crate::domain::{ConfigFiscalYear, FiscalYear};
use crate::domain::{Direction, Indicator, Observation};

/// How the plan names the whole administration as an owner.
pub const WHOLE_ADMINISTRATION: &str = "全庁";

/// All reference data of one plan period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// 基本計画 (`basic_plan.toml`).
    pub basic: BasicPlan,
    /// 総合戦略 (`strategy.toml`).
    pub strategy: Strategy,
    /// 都市経営アクションプラン (`action_plan.toml`).
    pub action_plan: ActionPlan,
}

/// 基本計画: 8 parts, 34 policies, 68 indicators in the sample plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicPlan {
    /// The plan's name as printed (第2次総合計画 …).
    pub name: String,
    /// The year of the 計画策定時 column.
    pub baseline_year: ConfigFiscalYear,
    /// The year of the 前期 column.
    pub early_year: ConfigFiscalYear,
    /// The year of the 中期 column.
    pub middle_year: ConfigFiscalYear,
    /// The year of the 目標値 column.
    pub target_year: ConfigFiscalYear,
    /// 第1部 … in order.
    pub parts: Vec<Part>,
    /// Every policy of every part, in the plan's order.
    pub policies: Vec<Policy>,
    /// Every indicator of every policy, in the plan's order.
    pub indicators: Vec<PlanIndicator>,
    /// The white paper's 第1節: the plan's overview in its own words.
    #[serde(default)]
    pub overview: PlanOverview,
}

/// 第N部.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// N of 第N部.
    pub number: u32,
    /// The part's title.
    pub title: String,
}

/// 施策: owned by one department, through one or more sections (主な担当課).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `1-1` for 第1部 第1, `2-4-1` for 第2部 第4-1.
    pub code: String,
    /// The number of the part it belongs to.
    pub part: u32,
    /// 施策名.
    pub name: String,
    /// The owning department (企画部).
    pub department: String,
    /// 主な担当課: the sections within it.
    pub sections: Vec<String>,
    /// Footnotes printed under the policy's indicator table.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// 目標指標 of a policy, with the columns fixed by the plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanIndicator {
    /// `1-1.2`: the policy code and the indicator's place in its table.
    pub id: String,
    /// The code of the policy it measures (`1-1`).
    pub policy: String,
    /// 指標名.
    pub name: String,
    /// The unit of its figures (件, %, 人 …).
    pub unit: String,
    /// Which way the indicator should move (see [`crate::domain::status`]).
    pub direction: Direction,
    /// The number a target written in words stands for (`概ね5%を超えないこと` → 5).
    pub target_value: Option<f64>,
    /// 計画策定時, 前期, 中期 and 目標値, as printed.
    pub baseline: String,
    /// 前期, as printed (`34,677件`).
    pub early: String,
    /// 中期, as printed.
    pub middle: String,
    /// 目標値, as printed (`増加`, `35,000件`).
    pub target: String,
}

/// 総合戦略: basic goals, each with a numeric goal and KPIs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    /// The strategy's name as printed.
    pub name: String,
    /// The years of the KPI columns: an earlier year, the strategy's baseline, the target.
    pub earlier_year: ConfigFiscalYear,
    /// The year of the 戦略策定時 column.
    pub baseline_year: ConfigFiscalYear,
    /// The year of the 目標値 column.
    pub target_year: ConfigFiscalYear,
    /// 基本目標1 … in order.
    pub goals: Vec<StrategyGoal>,
    /// The white paper's 概要 of the strategy, in its own words.
    #[serde(default)]
    pub overview: StrategyOverview,
}

/// 基本目標.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyGoal {
    /// N of 基本目標N.
    pub number: u32,
    /// The goal's title.
    pub title: String,
    /// (施策の方向), one string per paragraph.
    pub direction: Vec<String>,
    /// Footnotes of the goal's KPI table.
    #[serde(default)]
    pub notes: Vec<String>,
    /// The goal's 数値目標.
    pub numeric_goal: NumericGoal,
    /// The goal's KPIs, in the plan's order.
    pub kpis: Vec<Kpi>,
}

/// 数値目標: a satisfaction-survey figure, surveyed before each plan revision.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumericGoal {
    /// What is surveyed (市民満足度 …).
    pub name: String,
    /// The department that reports it.
    pub department: String,
    /// The earlier survey's figure, as printed (`45.3%`).
    pub earlier: String,
    /// The figure when the strategy was made, as printed.
    pub baseline: String,
    /// 目標値, as printed.
    pub target: String,
}

/// 重要業績評価指標 (KPI).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    /// `K1-1`: goal and place.
    pub id: String,
    /// The KPI's name.
    pub name: String,
    /// The department that reports the figure.
    pub department: String,
    /// The basic-plan indicator that is the same fact, when there is one.
    pub plan_indicator: Option<String>,
    /// 実績値 of the earlier year, as printed.
    pub earlier: String,
    /// 戦略策定時.
    pub baseline: String,
    /// 目標値, as printed.
    pub target: String,
}

/// 都市経営アクションプラン.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPlan {
    /// The action plan's name as printed.
    pub name: String,
    /// The department that reports the items owned by the whole administration (全庁).
    pub whole_administration: String,
    /// The 考え方 (1)…(5).
    pub groups: Vec<ActionGroup>,
    /// The 体系 1…13.
    pub systems: Vec<ActionSystem>,
    /// Every 個別課題, in the plan's order.
    pub items: Vec<ActionItem>,
    /// The white paper's 概要 of the action plan, in its own words.
    #[serde(default)]
    pub overview: ActionPlanOverview,
}

/// 自治体経営の基本的な考え方 (1)…(5): a group of systems.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionGroup {
    /// N of (N).
    pub number: u32,
    /// The 考え方's title.
    pub title: String,
    /// The numbers of its 体系.
    pub systems: Vec<u32>,
}

/// 体系1…13.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSystem {
    /// N of 体系N.
    pub number: u32,
    /// The 体系's title.
    pub title: String,
}

/// 個別課題: `1-(2)`, owned by one or more departments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionItem {
    /// `1-(2)`: the 体系 and the item's place in it.
    pub id: String,
    /// The number of its 体系.
    pub system: u32,
    /// 課題名.
    pub title: String,
    /// 【主要】: a major project of the basic plan.
    pub major: bool,
    /// The owning departments, or 全庁 (see [`WHOLE_ADMINISTRATION`]).
    pub departments: Vec<String>,
    /// 概要, one string per paragraph; departments may update it.
    pub overview: Vec<String>,
}

/// A fiscal year outside the plan period, with the message that says so in Japanese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OutsidePlanPeriod(pub String);

impl Plan {
    /// Reads `basic_plan.toml`, `strategy.toml` and `action_plan.toml` from `dir`.
    pub fn load(dir: &Path) -> anyhow::Result<Plan> {
        Self::from_texts(&PlanTexts::read(dir)?)
            .with_context(|| format!("計画の参照データ {} に誤りがあります", dir.display()))
    }

    /// Parses and checks the three files' texts.
    pub fn from_texts(texts: &PlanTexts) -> anyhow::Result<Plan> {
        let plan = Plan {
            basic: toml::from_str(&texts.basic_plan).context("basic_plan.toml")?,
            strategy: toml::from_str(&texts.strategy).context("strategy.toml")?,
            action_plan: toml::from_str(&texts.action_plan).context("action_plan.toml")?,
        };
        plan.check()?;
        Ok(plan)
    }

    /// The plan period: from the 計画策定時 year to the 目標値 year, both included.
    pub fn period(&self) -> (FiscalYear, FiscalYear) {
        (self.basic.baseline_year.0, self.basic.target_year.0)
    }

    /// `Ok` when `year` is in the plan period; else the refusal naming the period (a
    /// year outside it has no columns, no targets and no plan to pin a snapshot to).
    pub fn check_in_period(&self, year: FiscalYear) -> Result<(), OutsidePlanPeriod> {
        let (first, last) = self.period();
        if (first..=last).contains(&year) {
            return Ok(());
        }
        Err(OutsidePlanPeriod(crate::texts::year_outside_plan_period(
            year,
            &self.basic.name,
            first,
            last,
        )))
    }

    /// The policies a department owns.
    pub fn policies_of<'a>(&'a self, department: &'a str) -> impl Iterator<Item = &'a Policy> + 'a {
        self.basic
            .policies
            .iter()
            .filter(move |p| p.department == department)
    }

    /// The indicators of the policies a department owns, in plan order.
    pub fn indicators_of<'a>(
        &'a self,
        department: &'a str,
    ) -> impl Iterator<Item = &'a PlanIndicator> + 'a {
        self.basic.indicators.iter().filter(move |i| {
            self.policy(&i.policy)
                .is_some_and(|p| p.department == department)
        })
    }

    /// The action-plan items a department owns or shares.
    pub fn items_of<'a>(
        &'a self,
        department: &'a str,
    ) -> impl Iterator<Item = &'a ActionItem> + 'a {
        self.action_plan
            .items
            .iter()
            .filter(move |i| self.reports_item(department, i))
    }

    /// Whether a department reports on an item: it is named, or the item is 全庁 and
    /// the department reports for the whole administration.
    pub fn reports_item(&self, department: &str, item: &ActionItem) -> bool {
        item.departments.iter().any(|d| {
            d == department
                || (d == WHOLE_ADMINISTRATION
                    && department == self.action_plan.whole_administration)
        })
    }

    /// Whether a department leads an item (is named first): the lead must report it.
    pub fn leads_item(&self, department: &str, item: &ActionItem) -> bool {
        item.departments.first().is_some_and(|d| {
            d == department
                || (d == WHOLE_ADMINISTRATION
                    && department == self.action_plan.whole_administration)
        })
    }

    /// The KPIs a department reports, with their goal.
    pub fn kpis_of<'a>(
        &'a self,
        department: &'a str,
    ) -> impl Iterator<Item = (&'a StrategyGoal, &'a Kpi)> + 'a {
        self.strategy
            .goals
            .iter()
            .flat_map(|g| g.kpis.iter().map(move |k| (g, k)))
            .filter(move |(_, k)| k.department == department)
    }

    /// An indicator as the reports print it: the plan's description with these cells.
    pub fn describe(&self, reference: &PlanIndicator, observations: Vec<Observation>) -> Indicator {
        let policy = self
            .policy(&reference.policy)
            .expect("the plan's references resolve");
        Indicator {
            policy_code: policy.code.clone(),
            policy_name: policy.name.clone(),
            section: policy.sections.join("・"),
            name: reference.name.clone(),
            unit: reference.unit.clone(),
            observations,
        }
    }

    /// A policy by code.
    pub fn policy(&self, code: &str) -> Option<&Policy> {
        self.basic.policies.iter().find(|p| p.code == code)
    }

    /// An indicator by id.
    pub fn indicator(&self, id: &str) -> Option<&PlanIndicator> {
        self.basic.indicators.iter().find(|i| i.id == id)
    }

    /// An action-plan item by id.
    pub fn item(&self, id: &str) -> Option<&ActionItem> {
        self.action_plan.items.iter().find(|i| i.id == id)
    }

    /// A KPI by id.
    pub fn kpi(&self, id: &str) -> Option<&Kpi> {
        self.strategy
            .goals
            .iter()
            .flat_map(|g| &g.kpis)
            .find(|k| k.id == id)
    }

    /// References between the files must resolve and ids must be unique.
    fn check(&self) -> anyhow::Result<()> {
        self.check_unique_ids()?;
        self.check_policies_have_parts()?;
        self.check_indicators_have_policies()?;
        self.check_kpis_have_indicators()?;
        self.check_items_have_systems()
    }

    fn check_unique_ids(&self) -> anyhow::Result<()> {
        unique(
            "policy code",
            self.basic.policies.iter().map(|p| p.code.as_str()),
        )?;
        unique(
            "indicator id",
            self.basic.indicators.iter().map(|i| i.id.as_str()),
        )?;
        unique(
            "action item id",
            self.action_plan.items.iter().map(|i| i.id.as_str()),
        )?;
        let kpis = self.strategy.goals.iter().flat_map(|g| &g.kpis);
        unique("KPI id", kpis.map(|k| k.id.as_str()))
    }

    fn check_policies_have_parts(&self) -> anyhow::Result<()> {
        for policy in &self.basic.policies {
            if !self.basic.parts.iter().any(|p| p.number == policy.part) {
                bail!("施策 {} の部 {} がありません", policy.code, policy.part);
            }
        }
        Ok(())
    }

    fn check_indicators_have_policies(&self) -> anyhow::Result<()> {
        for indicator in &self.basic.indicators {
            if self.policy(&indicator.policy).is_none() {
                let (id, policy) = (&indicator.id, &indicator.policy);
                bail!("指標 {id} の施策 {policy} がありません");
            }
        }
        Ok(())
    }

    /// A KPI that names a basic-plan indicator must name one that exists.
    fn check_kpis_have_indicators(&self) -> anyhow::Result<()> {
        for kpi in self.strategy.goals.iter().flat_map(|g| &g.kpis) {
            if let Some(id) = kpi
                .plan_indicator
                .as_deref()
                .filter(|id| self.indicator(id).is_none())
            {
                bail!("KPI {} の基本計画指標 {id} がありません", kpi.id);
            }
        }
        Ok(())
    }

    fn check_items_have_systems(&self) -> anyhow::Result<()> {
        let systems = &self.action_plan.systems;
        for item in &self.action_plan.items {
            if !systems.iter().any(|s| s.number == item.system) {
                bail!("個別課題 {} の体系 {} がありません", item.id, item.system);
            }
        }
        Ok(())
    }
}

fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> anyhow::Result<()> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            bail!("{what} {id} が二度あります");
        }
    }
    Ok(())
}

/// The reference data as text, as kept in the store for each fiscal year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTexts {
    /// `basic_plan.toml` as read.
    pub basic_plan: String,
    /// `strategy.toml` as read.
    pub strategy: String,
    /// `action_plan.toml` as read.
    pub action_plan: String,
}

impl PlanTexts {
    /// Reads the three files from `dir`.
    pub fn read(dir: &Path) -> anyhow::Result<PlanTexts> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
        };
        Ok(PlanTexts {
            basic_plan: read("basic_plan.toml")?,
            strategy: read("strategy.toml")?,
            action_plan: read("action_plan.toml")?,
        })
    }
}
