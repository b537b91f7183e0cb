//! One fact typed twice in one workbook: a strategy KPI (総合戦略KPI) and the
//! basic-plan indicator it is (目標指標) must carry the same figure for the same year.
//! Which cells are one fact and when they disagree is the plan's to say
//! ([`Plan::same_facts`], [`figures_disagree`]); the managers' summary asks the same.

use crate::domain::{Finding, FiscalYear, Period, Severity};
use crate::plan::{figures_disagree, KpiColumn, Plan, SameFact};
use crate::texts::intake as texts;
use crate::workbook::layout::{
    indicator, indicator_columns, kpi, kpi_columns, INDICATOR_SHEET, KPI_SHEET,
};
use crate::workbook::{cell_name, IndicatorEntry, KpiEntry, SubmissionContent};

/// An error at the KPI's cell, naming the indicator's cell, for each observed figure
/// that differs. Targets are left to the summary: they are the plan's, and the
/// strategy may set its own (see [`SameFact::is_target`]).
pub fn check_same_facts(
    content: &SubmissionContent,
    plan: &Plan,
    fiscal_year: FiscalYear,
    findings: &mut Vec<Finding>,
) {
    let headings = Headings::new(plan, fiscal_year);
    for fact in plan.same_facts().iter().filter(|f| !f.is_target()) {
        let kpi = content.kpis.iter().find(|k| k.id == fact.kpi.id);
        let entry = content
            .indicators
            .iter()
            .find(|i| i.id == fact.indicator.id);
        let Some((finding, indicator_cell)) = kpi
            .zip(entry)
            .and_then(|(kpi, entry)| disagreement(fact, kpi, entry, &headings))
        else {
            continue;
        };
        // One slip, one finding: a cell already refused (words, a negative count) is
        // not also said to differ from its pair.
        let kpi_cell = finding.cell.clone().unwrap_or_default();
        let refused = findings.iter().any(|f| {
            f.is_error_at(KPI_SHEET, &kpi_cell) || f.is_error_at(INDICATOR_SHEET, &indicator_cell)
        });
        if !refused {
            findings.push(finding);
        }
    }
}

/// The error at the KPI's cell when the pair differs, and the indicator's cell.
fn disagreement(
    fact: &SameFact,
    kpi: &KpiEntry,
    entry: &IndicatorEntry,
    headings: &Headings,
) -> Option<(Finding, String)> {
    let (kpi_figure, kpi_column) = kpi_cell(kpi, fact.kpi_column);
    let period_index = Period::ALL.iter().position(|p| *p == fact.period)?;
    // The reading holds the figure in its printed form, a provisional mark kept apart;
    // the observation is the cell as typed, for periods not read as figures.
    let plan_figure = match entry.reading(fact.period) {
        Some(reading) => &reading.printed,
        None => &entry.indicator.observations.get(period_index)?.printed,
    };
    if !figures_disagree(kpi_figure, plan_figure) {
        return None;
    }
    let plan_column = indicator::PERIODS[period_index];
    let indicator_cell = cell_name(entry.row, plan_column as u16);
    let message = texts::same_fact_differs(
        &headings.kpi[kpi_column],
        kpi_figure,
        &indicator_cell,
        &entry.id,
        &headings.indicator[plan_column],
        plan_figure,
    );
    let cell = cell_name(kpi.row, kpi_column as u16);
    let finding = Finding::at(Severity::Error, KPI_SHEET, cell, message);
    Some((finding, indicator_cell))
}

/// A KPI row's figure in `column`, and the sheet column it is in.
fn kpi_cell(kpi: &KpiEntry, column: KpiColumn) -> (&str, usize) {
    match column {
        KpiColumn::Earlier => (&kpi.earlier, kpi::EARLIER),
        KpiColumn::Baseline => (&kpi.baseline, kpi::BASELINE),
        KpiColumn::Actual => (&kpi.actual, kpi::ACTUAL),
        KpiColumn::Target => (&kpi.target, kpi::TARGET),
    }
}

/// The two sheets' column headings on one line, as a clerk sees them: `実績値(令和2年度)`.
struct Headings {
    kpi: Vec<String>,
    indicator: Vec<String>,
}

impl Headings {
    fn new(plan: &Plan, fiscal_year: FiscalYear) -> Self {
        let one_line = |header: &str| header.replace('\n', "");
        Headings {
            kpi: kpi_columns(&plan.strategy, fiscal_year)
                .iter()
                .map(|c| one_line(&c.header))
                .collect(),
            indicator: indicator_columns(&plan.basic, fiscal_year)
                .iter()
                .map(|c| one_line(&c.header))
                .collect(),
        }
    }
}
