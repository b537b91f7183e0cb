//! The figures departments reported in earlier fiscal years: what this year's figure
//! is compared with at intake, and what the template shows beside its input cell.

use std::collections::BTreeMap;

use crate::domain::FiscalYear;

/// A figure from an accepted submission of an earlier fiscal year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedFigure {
    /// The fiscal year it was reported for.
    pub fiscal_year: FiscalYear,
    /// The figure as stored (`4,976,176件`).
    pub printed: String,
    /// Its provisional mark (`速報値`), kept apart from the figure.
    pub provisional: Option<String>,
}

impl SubmittedFigure {
    /// The figure as shown beside this year's input cell: `269人 (速報値)`.
    pub fn shown(&self) -> String {
        crate::domain::Provisional::noted(&self.printed, self.provisional.as_deref())
    }
}

/// Which table a figure belongs to: ids of indicators and KPIs are two namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FigureKind {
    /// A 目標指標 (its 達成値).
    Indicator,
    /// A 総合戦略KPI (its 実績値).
    Kpi,
}

/// For each department, indicator and KPI: the figure of its latest accepted
/// submission of a year before the one being checked (last year's when there is one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EarlierFigures {
    figures: BTreeMap<(FigureKind, String, String), SubmittedFigure>,
}

/// No earlier figure at all: a store with nothing before the year, or no store (a
/// check of a workbook on its own compares with the plan's figures).
pub static NO_EARLIER_FIGURES: EarlierFigures = EarlierFigures {
    figures: BTreeMap::new(),
};

impl EarlierFigures {
    /// Keeps a figure unless a later year's is kept already: rows may come in any order.
    pub fn keep(&mut self, kind: FigureKind, department: &str, id: &str, figure: SubmittedFigure) {
        if figure.printed.trim().is_empty() {
            return;
        }
        let key = (kind, department.to_string(), id.to_string());
        match self.figures.get(&key) {
            Some(kept) if kept.fiscal_year >= figure.fiscal_year => {}
            _ => {
                self.figures.insert(key, figure);
            }
        }
    }

    /// The latest earlier figure of a department's indicator or KPI.
    pub fn of(&self, kind: FigureKind, department: &str, id: &str) -> Option<&SubmittedFigure> {
        self.figures
            .get(&(kind, department.to_string(), id.to_string()))
    }

    /// How many figures are known.
    pub fn len(&self) -> usize {
        self.figures.len()
    }

    /// Whether no figure is known.
    pub fn is_empty(&self) -> bool {
        self.figures.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(year: i32, printed: &str) -> SubmittedFigure {
        SubmittedFigure {
            fiscal_year: FiscalYear(year),
            printed: printed.to_string(),
            provisional: None,
        }
    }

    #[test]
    fn the_latest_year_with_a_figure_is_kept_whatever_the_order() {
        let mut figures = EarlierFigures::default();
        let kind = FigureKind::Indicator;
        figures.keep(kind, "企画部", "1-1.1", figure(2020, "4,976,176件"));
        figures.keep(kind, "企画部", "1-1.1", figure(2019, "4,800,000件"));
        figures.keep(kind, "企画部", "1-1.2", figure(2019, "265人"));
        figures.keep(kind, "企画部", "1-1.2", figure(2020, ""));
        let of = |id| figures.of(kind, "企画部", id).cloned();
        assert_eq!(of("1-1.1"), Some(figure(2020, "4,976,176件")));
        assert_eq!(of("1-1.2"), Some(figure(2019, "265人")));
        assert_eq!(figures.of(FigureKind::Kpi, "企画部", "1-1.1"), None);
    }
}
