//! What the datasets lack, and where two places disagree about one fact.

use super::model::{CrossFinding, Gap, Indicator, Kpi, Place, WhitePaper};
use crate::config::{Config, RequiredPart};
use crate::domain::japanese::fold_width;
use crate::domain::Period;
use crate::plan::Plan;
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
/// figures as the plan's table for the same years.
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
    let pairs = column_pairs(plan);
    let mut findings = Vec::new();
    for kpi in white_paper.strategy.goals.iter().flat_map(|g| &g.kpis) {
        let Some(indicator) = kpi
            .plan_indicator
            .as_ref()
            .and_then(|id| indicators.iter().find(|i| &i.id == id))
        else {
            continue;
        };
        let same_years = pairs
            .iter()
            .filter_map(|(kpi_column, period)| Some((*kpi_column, (*period)?)));
        for (kpi_column, period) in same_years {
            findings.extend(disagreement(
                white_paper,
                kpi,
                indicator,
                kpi_column,
                period,
            ));
        }
    }
    findings
}

/// For each KPI column (earlier year, strategy baseline year, the fiscal year, target),
/// the plan's column of the same year, if the plan has one.
fn column_pairs(plan: &Plan) -> [(usize, Option<Period>); 4] {
    let (basic, strategy) = (&plan.basic, &plan.strategy);
    let observed = [
        (basic.baseline_year.0, Period::Baseline),
        (basic.early_year.0, Period::Early),
        (basic.middle_year.0, Period::Middle),
    ];
    let plan_column = |year| observed.iter().find(|(y, _)| *y == year).map(|(_, p)| *p);
    let same_target = strategy.target_year.0 == basic.target_year.0;
    [
        (0, plan_column(strategy.earlier_year.0)),
        (1, plan_column(strategy.baseline_year.0)),
        (2, Some(Period::Actual)),
        (3, same_target.then_some(Period::Target)),
    ]
}

/// The finding when a KPI's column and the plan's column of the same year differ.
fn disagreement(
    white_paper: &WhitePaper,
    kpi: &Kpi,
    indicator: &Indicator,
    kpi_column: usize,
    period: Period,
) -> Option<CrossFinding> {
    let (k, p) = (kpi.cells.get(kpi_column)?, indicator.cell(period)?);
    if same(&k.printed, &p.printed) {
        return None;
    }
    let target = period == Period::Target;
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
                location: format!("総合戦略 KPI {} {kpi_label}", kpi.id),
                printed: k.printed.clone(),
                source: k.source.clone(),
            },
            Place {
                location: format!("基本計画 指標 {} {plan_label}", indicator.id),
                printed: p.printed.clone(),
                source: p.source.clone(),
            },
        ],
    })
}

/// Two printed values say the same when they differ only in width and spacing.
fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| fold_width(s).split_whitespace().collect::<String>();
    norm(a) == norm(b)
}
