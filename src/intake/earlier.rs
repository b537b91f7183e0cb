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
