//! The figures a clerk types into period cells (目標指標's five columns, 総合戦略KPI
//! 実績値), read for their row: the one form the store keeps and the reports print,
//! the number, a provisional mark kept apart, and what the clerk is told.

use crate::domain::{unreadable_tail, Doubt, Finding, Provisional, RowForm, Severity, TypedFigure};
use crate::plan::{Kpi, PlanIndicator};
use crate::texts::intake as texts;

/// The form of an indicator row: its declared unit and the plan's four figures.
pub fn indicator_form(reference: &PlanIndicator) -> RowForm {
    RowForm::of(
        &reference.unit,
        &[
            &reference.baseline,
            &reference.early,
            &reference.middle,
            &reference.target,
        ],
    )
}

/// The form of a KPI row: the unit of the plan's other cells of the row.
pub fn kpi_form(reference: &Kpi) -> RowForm {
    RowForm::of(
        "",
        &[&reference.earlier, &reference.baseline, &reference.target],
    )
}

/// Reads an indicator's period cell. Words and other units are the indicator
/// checks' to report (they compare with the plan's figures); the rest is told here.
pub fn indicator_cell(
    text: &str,
    form: &RowForm,
    sheet: &str,
    cell: String,
    findings: &mut Vec<Finding>,
) -> TypedFigure {
    let figure = TypedFigure::read(text, form);
    tell(&figure, form, sheet, &cell, false, findings);
    figure
}

/// Reads a KPI's 実績値, and tells every doubt about it (no other check reads it).
pub fn kpi_cell(
    text: &str,
    form: &RowForm,
    sheet: &str,
    cell: String,
    findings: &mut Vec<Finding>,
) -> TypedFigure {
    let figure = TypedFigure::read(text, form);
    tell(&figure, form, sheet, &cell, true, findings);
    figure
}

/// A finding for each doubt about the figure in `sheet`!`cell`.
fn tell(
    figure: &TypedFigure,
    form: &RowForm,
    sheet: &str,
    cell: &str,
    words_and_units: bool,
    findings: &mut Vec<Finding>,
) {
    for doubt in figure.doubts(form) {
        let weighed = match doubt {
            Doubt::NotAFigure | Doubt::OtherUnit if !words_and_units => None,
            Doubt::OtherUnit if form.unit.is_empty() => None,
            doubt => Some(told(figure, form, doubt, words_and_units)),
        };
        if let Some((severity, message)) = weighed {
            findings.push(Finding::at(severity, sheet, cell.to_string(), message));
        }
    }
}

/// What the clerk is told of one doubt, and how much it weighs; `kpi` when the cell is
/// a KPI's (its sheet has no 観測時点 column).
fn told(figure: &TypedFigure, form: &RowForm, doubt: Doubt, kpi: bool) -> (Severity, String) {
    let typed = figure.observation.printed.as_str();
    match doubt {
        Doubt::NotAFigure => (Severity::Error, texts::number_expected(typed)),
        Doubt::OtherUnit => (Severity::Error, texts::other_unit(&form.unit, typed)),
        Doubt::SeveralFigures => {
            let observation = &figure.observation;
            let read: Vec<String> = observation
                .quantities
                .iter()
                .chain(&observation.sub_value)
                .map(|q| crate::domain::format_quantity(q.value, &q.unit))
                .collect();
            let expected = form.figures_per_cell;
            (
                Severity::Error,
                texts::several_figures(typed, &read, expected),
            )
        }
        Doubt::TooFewFigures => {
            let found = figure.observation.quantities.len();
            let expected = form.figures_every_cell;
            let message = texts::too_few_figures(typed, found, expected, &form.declared);
            (Severity::Error, message)
        }
        Doubt::Negative => (Severity::Error, texts::negative_figure(typed)),
        Doubt::Provisional(mark) => {
            let printed = Provisional::noted(&figure.printed, Some(mark.label()));
            let message = texts::provisional_figure(typed, mark.label(), &printed);
            (Severity::Warning, message)
        }
        Doubt::DecimalPoint => {
            let value = figure.observation.value().unwrap_or_default();
            let read = crate::domain::format_quantity(value, "");
            let separated = crate::domain::format_quantity((value * 1000.0).round(), "");
            let message = texts::decimal_point(typed, &read, &separated);
            (Severity::Warning, message)
        }
        Doubt::Decimals => {
            let value = figure.observation.value().unwrap_or_default();
            let read = crate::domain::format_quantity(value, "");
            (
                Severity::Warning,
                texts::decimals_in_whole_row(typed, &read),
            )
        }
        Doubt::Unreadable => {
            let tail = unreadable_tail(&figure.observation, form).unwrap_or_default();
            let example = in_row_form(12345.0, form);
            let message = texts::unreadable_figure(typed, tail, &example);
            (Severity::Error, message)
        }
        Doubt::MisplacedMark(mark) => misplaced(figure, form, mark, kpi),
    }
}

/// A provisional word not standing alone: the clerk is shown the form to use, with
/// the figure read.
fn misplaced(
    figure: &TypedFigure,
    form: &RowForm,
    mark: Provisional,
    kpi: bool,
) -> (Severity, String) {
    let value = figure.observation.value().unwrap_or(12345.0);
    let example = in_row_form(value, form);
    let typed = figure.observation.printed.as_str();
    let message = texts::misplaced_mark(typed, mark.label(), &example, kpi);
    (Severity::Error, message)
}

/// A figure as the row prints it: `12,345件`, or `12,345 人` in a row the plan prints
/// with a space.
fn in_row_form(value: f64, form: &RowForm) -> String {
    let space = if form.spaced && !form.unit.is_empty() {
        " "
    } else {
        ""
    };
    format!(
        "{}{space}{}",
        crate::domain::format_quantity(value, ""),
        form.unit
    )
}
