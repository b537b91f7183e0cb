//! What the datasets lack, and where two places disagree about one fact.

use super::model::{CrossFinding, Gap, Indicator, Kpi, Place, WhitePaper};
use crate::config::{Config, RequiredPart};
use crate::domain::Period;
use crate::plan::{figures_disagree, Plan, SameFact};
use crate::store::CurrentSubmission;

/// Departments that have not submitted, and required parts that are empty.
pub fn gaps(config: &Config, plan: &Plan, submissions: &[CurrentSubmission]) -> Vec<Gap> {
    let mut gaps = Vec::new();
    for department in &config.departments {
        let name = department.name.as_str();
        let gap = |what: String| Gap {
            department: name.to_string(),
            what,
        };
        let Some(submission) = submissions.iter().find(|s| s.content.department == name) else {
            gaps.push(gap("未提出".to_string()));
            continue;
        };
        let content = &submission.content;
        if config.submission.requires(RequiredPart::AchievedValues) {
            for e in content.indicators.iter().filter(|e| {
                e.reading(Period::Actual)
                    .is_some_and(|r| r.printed.is_empty())
            }) {
                gaps.push(gap(format!("指標 {} の達成値がありません", e.id)));
            }
        }
        if config.submission.requires(RequiredPart::PolicyProgress) {
            for p in plan.policies_of(name).filter(|p| {
                !content
                    .progress
                    .iter()
                    .any(|e| e.policy_code == p.code && !e.text.is_empty())
            }) {
                gaps.push(gap(format!("施策 {} の取り組み状況がありません", p.code)));
            }
        }
        if config.submission.requires(RequiredPart::ActionItemProgress) {
            let led = plan
                .action_plan
                .items
                .iter()
                .filter(|i| plan.leads_item(name, i));
            for item in led.filter(|i| {
                !content
                    .action_items
                    .iter()
                    .any(|e| e.id == i.id && !e.progress.is_empty())
            }) {
                gaps.push(gap(format!(
                    "個別課題 {} の取組状況等がありません",
                    item.id
                )));
            }
        }
    }
    gaps
}

/// One fact, one value: a KPI that is a basic-plan indicator must print the same
/// figures as the plan's table for the same years. Which cells are one fact and when
/// they disagree is [`Plan::same_facts`] and [`figures_disagree`], which intake asks
/// too (it tells the submitter of a disagreement inside one workbook).
///
/// A difference in an observed figure is a `conflict` (an error: one of the two is
/// wrong). A difference in the target is `two_targets`, a warning: a target is a
/// policy decision, and the strategy may set its own for the same measure; the
/// planning division confirms which is meant.
pub fn cross_findings(plan: &Plan, white_paper: &WhitePaper) -> Vec<CrossFinding> {
    let indicators: Vec<&Indicator> = white_paper
        .parts
        .iter()
        .flat_map(|p| &p.policies)
        .flat_map(|p| &p.indicators)
        .collect();
    let kpis: Vec<&Kpi> = white_paper
        .strategy
        .goals
        .iter()
        .flat_map(|g| &g.kpis)
        .collect();
    let mut findings = Vec::new();
    for fact in plan.same_facts() {
        let kpi = kpis.iter().find(|k| k.id == fact.kpi.id);
        let indicator = indicators.iter().find(|i| i.id == fact.indicator.id);
        if let (Some(kpi), Some(indicator)) = (kpi, indicator) {
            findings.extend(disagreement(white_paper, kpi, indicator, fact));
        }
    }
    findings
}

/// The finding when a KPI's column and the plan's column of the same year differ.
fn disagreement(
    white_paper: &WhitePaper,
    kpi: &Kpi,
    indicator: &Indicator,
    fact: SameFact,
) -> Option<CrossFinding> {
    let (kpi_column, period) = (fact.kpi_column.index(), fact.period);
    let (k, p) = (kpi.cells.get(kpi_column)?, indicator.cell(period)?);
    if !figures_disagree(&k.printed, &p.printed) {
        return None;
    }
    let target = fact.is_target();
    let kpi_label = &white_paper.strategy.period_labels[kpi_column];
    let plan_label = white_paper.period_label(period);
    Some(CrossFinding {
        kind: if target { "two_targets" } else { "conflict" }.to_string(),
        message: if target {
            format!("総合戦略KPI {} と基本計画の指標 {}「{}」で目標値が異なります。同じ指標に二つの目標があるため、どちらを用いるか確認してください", kpi.id, indicator.id, indicator.name)
        } else {
            format!(
                "総合戦略KPI {} と基本計画の指標 {}「{}」で同じ年の値が食い違っています",
                kpi.id, indicator.id, indicator.name
            )
        },
        places: vec![
            Place {
                item: kpi.id.clone(),
                location: format!("総合戦略 KPI {} {kpi_label}", kpi.id),
                printed: k.printed.clone(),
                source: k.source.clone(),
            },
            Place {
                item: indicator.id.clone(),
                location: format!("基本計画 指標 {} {plan_label}", indicator.id),
                printed: p.printed.clone(),
                source: p.source.clone(),
            },
        ],
    })
}
