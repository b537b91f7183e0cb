//! One fact in two places: a strategy KPI that is a basic-plan indicator prints the
//! same figure as the indicator for the same year (K2-1 and 1-1.2 both count 転入者).
//! Intake (within one workbook) and consolidation (the managers' summary) both ask
//! here which cells are the same fact and whether their figures disagree, so the two
//! can never judge one pair differently.

use super::{Kpi, Plan, PlanIndicator};
use crate::domain::japanese::fold_width;
use crate::domain::{Observation, ObservationKind, Period};

/// A figure column of a KPI row, in the order a KPI's cells are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiColumn {
    /// 実績値 of the strategy's earlier year.
    Earlier,
    /// 戦略策定時: the strategy's baseline year.
    Baseline,
    /// 実績値 of the fiscal year being reported.
    Actual,
    /// 目標値.
    Target,
}

impl KpiColumn {
    /// Its place among a KPI's cells (earlier, baseline, the year, target).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A KPI's column and its indicator's column that print the figure of the same year.
#[derive(Debug, Clone, Copy)]
pub struct SameFact<'p> {
    /// The strategy's KPI.
    pub kpi: &'p Kpi,
    /// The basic-plan indicator it is.
    pub indicator: &'p PlanIndicator,
    /// The KPI's column.
    pub kpi_column: KpiColumn,
    /// The indicator's column of the same year.
    pub period: Period,
}

impl SameFact<'_> {
    /// Whether the pair is the two targets. A target is a policy decision, and the
    /// strategy may set its own for the same measure: a difference is for the planning
    /// division to confirm, not a figure typed wrong.
    pub fn is_target(&self) -> bool {
        self.period == Period::Target
    }
}

impl Plan {
    /// Every pair of cells that print one fact: each KPI that is a basic-plan indicator,
    /// each of its columns whose year the plan's table has too.
    pub fn same_facts(&self) -> Vec<SameFact<'_>> {
        let columns = self.same_year_columns();
        let kpis = self.strategy.goals.iter().flat_map(|g| &g.kpis);
        let with_indicator =
            kpis.filter_map(|k| Some((k, self.indicator(k.plan_indicator.as_deref()?)?)));
        with_indicator
            .flat_map(|(kpi, indicator)| {
                columns.iter().map(move |&(kpi_column, period)| SameFact {
                    kpi,
                    indicator,
                    kpi_column,
                    period,
                })
            })
            .collect()
    }

    /// For each KPI column, the basic plan's column of the same year, where there is one.
    fn same_year_columns(&self) -> Vec<(KpiColumn, Period)> {
        let (basic, strategy) = (&self.basic, &self.strategy);
        let observed = [
            (basic.baseline_year.0, Period::Baseline),
            (basic.early_year.0, Period::Early),
            (basic.middle_year.0, Period::Middle),
        ];
        let plan_column = |year| observed.iter().find(|(y, _)| *y == year).map(|(_, p)| *p);
        let same_target = strategy.target_year.0 == basic.target_year.0;
        [
            (KpiColumn::Earlier, plan_column(strategy.earlier_year.0)),
            (KpiColumn::Baseline, plan_column(strategy.baseline_year.0)),
            (KpiColumn::Actual, Some(Period::Actual)),
            (KpiColumn::Target, same_target.then_some(Period::Target)),
        ]
        .into_iter()
        .filter_map(|(column, period)| Some((column, period?)))
        .collect()
    }
}

/// Whether two cells that hold one fact say different things.
///
/// Figures are compared as numbers: width, spacing, separators, the unit left out and
/// notes in brackets do not matter (`２７０人` = `270` = `270 人 (注1)`); two units that
/// are both written must match. A cell without a figure (blank, `—`, `同左`) disagrees
/// with nothing: a missing figure is reported as missing. Words are compared as text.
pub fn figures_disagree(a: &str, b: &str) -> bool {
    let (a, b) = (Observation::parse(a), Observation::parse(b));
    if !says_something(&a) || !says_something(&b) {
        return false;
    }
    match (a.value(), b.value()) {
        (Some(x), Some(y)) => x != y || units_differ(a.unit(), b.unit()),
        _ => comparable_text(&a.printed) != comparable_text(&b.printed),
    }
}

fn says_something(cell: &Observation) -> bool {
    matches!(
        cell.kind,
        ObservationKind::Measured | ObservationKind::Qualitative
    )
}

fn units_differ(a: Option<&str>, b: Option<&str>) -> bool {
    match (a.map(fold_width), b.map(fold_width)) {
        (Some(a), Some(b)) => !a.is_empty() && !b.is_empty() && a != b,
        _ => false,
    }
}

fn comparable_text(text: &str) -> String {
    fold_width(text).split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_number_typed_differently_agrees() {
        for (a, b) in [
            ("２７０人", "270"),
            ("270人", "270 人"),
            ("2,975 人", "２，９７５人"),
            ("66 人 (注 1)", "66人"),
            ("81.1%", "81.1 ％"),
            ("維持", "維持"),
        ] {
            assert!(!figures_disagree(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn other_numbers_units_or_words_disagree() {
        for (a, b) in [
            ("２７０人", "260人"),
            ("270人", "270%"),
            ("3,500 人", "4,000人"),
            ("維持", "150か所"),
            ("維持", "増加"),
        ] {
            assert!(figures_disagree(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn a_cell_without_a_figure_disagrees_with_nothing() {
        for (a, b) in [("", "260人"), ("—", "260人"), ("同左", "5"), ("", "")] {
            assert!(!figures_disagree(a, b), "{a} / {b}");
            assert!(!figures_disagree(b, a), "{b} / {a}");
        }
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    fn plan() -> Plan {
        Plan::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/plan")).unwrap()
    }

    #[test]
    fn each_kpi_that_is_an_indicator_pairs_its_four_columns_with_the_same_years() {
        let plan = plan();
        let facts = plan.same_facts();
        assert_eq!(facts.len(), 7 * 4);
        let k2_1: Vec<(KpiColumn, Period)> = facts
            .iter()
            .filter(|f| f.kpi.id == "K2-1")
            .map(|f| (f.kpi_column, f.period))
            .collect();
        assert_eq!(
            k2_1,
            [
                (KpiColumn::Earlier, Period::Early),
                (KpiColumn::Baseline, Period::Middle),
                (KpiColumn::Actual, Period::Actual),
                (KpiColumn::Target, Period::Target),
            ]
        );
        assert!(facts
            .iter()
            .all(|f| f.kpi.department == plan.policy(&f.indicator.policy).unwrap().department));
    }
}
