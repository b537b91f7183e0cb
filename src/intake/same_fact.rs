//! One fact typed twice in one workbook: a strategy KPI (総合戦略KPI) and the
//! basic-plan indicator it is (目標指標) must carry the same figure for the same year.
//! Which cells are one fact and when they disagree is the plan's to say
//! ([`Plan::same_facts`], [`figures_disagree`]); the managers' summary asks the same.

use crate::domain::{Finding, FiscalYear, Observation, ObservationKind, Period, Severity};
use crate::plan::{figures_disagree, KpiColumn, Plan, SameFact};
use crate::texts::intake as texts;
use crate::workbook::layout::{indicator, indicator_columns, kpi, kpi_columns, KPI_SHEET};
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
        if let (Some(kpi), Some(entry)) = (kpi, entry) {
            findings.extend(disagreement(fact, kpi, entry, &headings));
        }
    }
}

fn disagreement(
    fact: &SameFact,
    kpi: &KpiEntry,
    entry: &IndicatorEntry,
    headings: &Headings,
) -> Option<Finding> {
    let (kpi_figure, kpi_column) = kpi_cell(kpi, fact.kpi_column);
    let period_index = Period::ALL.iter().position(|p| *p == fact.period)?;
    // The reading holds the figure in its printed form, a provisional mark kept apart;
    // the observation is the cell as typed, for periods not read as figures.
    let plan_figure = match entry.reading(fact.period) {
        Some(reading) => &reading.printed,
        None => &entry.indicator.observations.get(period_index)?.printed,
    };
    if words_beside_a_figure(kpi_figure, plan_figure) || !figures_disagree(kpi_figure, plan_figure)
    {
        return None;
    }
    let plan_column = indicator::PERIODS[period_index];
    let message = texts::same_fact_differs(
        &headings.kpi[kpi_column],
        kpi_figure,
        &cell_name(entry.row, plan_column as u16),
        &entry.id,
        &headings.indicator[plan_column],
        plan_figure,
    );
    let cell = cell_name(kpi.row, kpi_column as u16);
    Some(Finding::at(Severity::Error, KPI_SHEET, cell, message))
}

/// Words on one side where the other holds a figure: the words already have their own
/// error (a figure is due), so saying the two differ would only repeat it.
fn words_beside_a_figure(a: &str, b: &str) -> bool {
    let is_words = |text: &str| Observation::parse(text).kind == ObservationKind::Qualitative;
    is_words(a) != is_words(b)
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
