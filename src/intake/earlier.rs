//! Which earlier figure a year's figure is compared with: the latest one before the
//! year, from the department's accepted submissions (last year's when there is one)
//! or, when the plan's own columns are later or nothing was submitted, the plan's.

use crate::domain::{FiscalYear, Observation, Period};
use crate::plan::Plan;
use crate::store::{EarlierFigures, FigureKind, SubmittedFigure};
use crate::texts::intake as texts;
use crate::workbook::{IndicatorEntry, KpiEntry};

/// The figure a year's figure is compared with, and how a message names it.
#[derive(Debug, Clone)]
pub struct Compared {
    /// The earlier figure, parsed.
    pub figure: Observation,
    /// What it is: `前年度（令和2年度）の実績`, `中期（令和元年度）の値`.
    pub named: String,
}

/// A candidate figure with the year it is of.
struct Candidate {
    year: FiscalYear,
    figure: Observation,
    named: String,
}

/// What a submission's figures are compared with.
pub struct Before<'a> {
    /// The plan, for the years of its columns.
    pub plan: &'a Plan,
    /// The figures of earlier accepted submissions.
    pub earlier: &'a EarlierFigures,
    /// The department that submits.
    pub department: &'a str,
    /// The fiscal year the submission reports.
    pub fiscal_year: FiscalYear,
}

impl Before<'_> {
    /// The latest figure before the year for an indicator's 達成値: a submitted one, or
    /// one of the plan's columns as the workbook holds them (the plan's figure, or one
    /// corrected with a reason).
    pub fn indicator(&self, entry: &IndicatorEntry) -> Option<Compared> {
        let basic = &self.plan.basic;
        let columns = [
            (Period::Baseline, "計画策定時", basic.baseline_year.0),
            (Period::Early, "前期", basic.early_year.0),
            (Period::Middle, "中期", basic.middle_year.0),
        ];
        let planned = columns.into_iter().filter_map(|(period, column, year)| {
            let figure = entry.indicator.observation(period)?.clone();
            Some(plan_candidate(figure, column, year))
        });
        let submitted = self.submitted(FigureKind::Indicator, &entry.id);
        self.latest(submitted.into_iter().chain(planned))
    }

    /// The latest figure before the year for a KPI's 実績値: a submitted one, or the
    /// strategy's 実績値 or 戦略策定時 column as the workbook holds them.
    pub fn kpi(&self, entry: &KpiEntry) -> Option<Compared> {
        let strategy = &self.plan.strategy;
        let planned = [
            (&entry.earlier, "実績値", strategy.earlier_year.0),
            (&entry.baseline, "戦略策定時", strategy.baseline_year.0),
        ]
        .map(|(text, column, year)| plan_candidate(Observation::parse(text), column, year));
        let submitted = self.submitted(FigureKind::Kpi, &entry.id);
        self.latest(submitted.into_iter().chain(planned))
    }

    fn submitted(&self, kind: FigureKind, id: &str) -> Option<Candidate> {
        let SubmittedFigure {
            fiscal_year,
            printed,
            ..
        } = self.earlier.of(kind, self.department, id)?;
        let named = if fiscal_year.0 + 1 == self.fiscal_year.0 {
            texts::last_year_figure(fiscal_year)
        } else {
            texts::earlier_year_figure(fiscal_year)
        };
        Some(Candidate {
            year: *fiscal_year,
            figure: Observation::parse(printed),
            named,
        })
    }

    /// The candidate of the latest year before the fiscal year that holds a number;
    /// a submitted figure comes first, so it wins a tie with the plan's.
    fn latest(&self, candidates: impl Iterator<Item = Candidate>) -> Option<Compared> {
        let mut best: Option<Candidate> = None;
        for candidate in candidates {
            let usable = candidate.year < self.fiscal_year && candidate.figure.value().is_some();
            if usable && best.as_ref().is_none_or(|b| candidate.year > b.year) {
                best = Some(candidate);
            }
        }
        best.map(|c| Compared {
            figure: c.figure,
            named: c.named,
        })
    }
}

fn plan_candidate(figure: Observation, column: &str, year: FiscalYear) -> Candidate {
    Candidate {
        year,
        figure,
        named: texts::plan_figure(column, year),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;

    /// 企画部's indicator 1-1.1 in a 令和3年度 template (中期 is 平成30年度: 293,478件).
    fn entry() -> (Plan, IndicatorEntry) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = Config::load(&root.join("data/hakusho.toml")).unwrap();
        let plan = Plan::load(&root.join("data/plan")).unwrap();
        let department = config.department("企画部").unwrap();
        let content = crate::template::prefilled(&plan, department, FiscalYear(2021), None);
        let entry = content.indicators.into_iter().find(|e| e.id == "1-1.1");
        (plan, entry.unwrap())
    }

    fn compared(plan: &Plan, entry: &IndicatorEntry, submitted: Option<(i32, &str)>) -> String {
        let mut earlier = EarlierFigures::default();
        if let Some((year, printed)) = submitted {
            let figure = SubmittedFigure {
                fiscal_year: FiscalYear(year),
                printed: printed.to_string(),
                provisional: None,
            };
            earlier.keep(FigureKind::Indicator, "企画部", "1-1.1", figure);
        }
        let before = Before {
            plan,
            earlier: &earlier,
            department: "企画部",
            fiscal_year: FiscalYear(2021),
        };
        let found = before.indicator(entry).unwrap();
        format!("{}「{}」", found.named, found.figure.printed)
    }

    #[test]
    fn the_latest_figure_before_the_year_is_compared_a_submitted_one_first_on_a_tie() {
        let (plan, entry) = entry();
        let last_year = compared(&plan, &entry, Some((2020, "202,850件")));
        assert_eq!(last_year, "前年度（令和2年度）の実績「202,850件」");
        let tie = compared(&plan, &entry, Some((2018, "290,000件")));
        assert_eq!(
            tie,
            "平成30年度の実績（前年度の提出はありません）「290,000件」"
        );
        let older = compared(&plan, &entry, Some((2017, "250,000件")));
        assert_eq!(older, "中期（平成30年度）の値「293,478件」");
        assert_eq!(compared(&plan, &entry, None), older);
        let words = compared(&plan, &entry, Some((2020, "集計中")));
        assert_eq!(words, older, "a figure without a number is passed over");
    }
}
