//! The グラフ sheet: per policy, one line chart per unit of its indicators, so that
//! 400,000件 and 300人 never share a scale, each value axis titled with its unit and
//! starting at zero when the figures are amounts (none below zero).

use rust_xlsxwriter::{Chart, ChartLegendPosition, ChartType, Workbook, XlsxError};

use crate::texts::workbook as texts;

/// The sheet the charts read from.
const SOURCE: &str = "目標指標";

/// The numeric columns plotted (計画策定時 to the year: L–O) and the printed columns
/// whose headers name the periods (G–J).
const FIRST_VALUE_COLUMN: u16 = 11;
const FIRST_LABEL_COLUMN: u16 = 6;
pub const PLOTTED_PERIODS: u16 = 4;

/// Rows of the グラフ sheet one chart takes (20 pixels each), and its size in pixels.
const CHART_ROWS: u32 = 16;

/// Rows of charts (two abreast) on one printed page: a chart is never cut by a page.
const CHART_ROWS_PER_PAGE: usize = 3;

/// The print scale (%) at which two charts abreast fit A4 landscape's width and three
/// rows of them its height, in Excel and in LibreOffice (whose columns print wider);
/// "fit to width" instead would make both ignore the page breaks.
const PRINT_SCALE: u16 = 60;
const CHART_SIZE: (u32, u32) = (480, 300);

/// An indicator's row of the 目標指標 sheet, the unit its numbers are shown in and
/// the numbers plotted.
#[derive(Debug, Clone, PartialEq)]
pub struct Plotted {
    /// The row of the 目標指標 sheet.
    pub row: u32,
    /// The unit of its numeric cells (`件`; empty for none).
    pub unit: String,
    /// Its numbers from the baseline to the year.
    pub values: Vec<f64>,
}

/// A policy's code, name and plotted indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRows {
    /// 施策コード.
    pub code: String,
    /// 施策名.
    pub name: String,
    /// Its indicators that have numbers to plot.
    pub indicators: Vec<Plotted>,
}

/// How many times larger one line's largest figure may be than another's on the same
/// chart: beyond it the smaller line would lie flat along the axis.
const SCALE_SPREAD: f64 = 10.0;

/// The policy's indicators grouped by unit, and within a unit by scale (a line whose
/// figures are more than ten times another's gets its own chart), in the order the
/// groups first appear.
pub fn by_unit(indicators: &[Plotted]) -> Vec<(String, Vec<&Plotted>)> {
    let mut groups: Vec<(String, Vec<&Plotted>)> = Vec::new();
    for p in indicators {
        let fits = |(unit, members): &&mut (String, Vec<&Plotted>)| {
            *unit == p.unit && members.iter().all(|m| same_scale(m, p))
        };
        match groups.iter_mut().find(fits) {
            Some((_, members)) => members.push(p),
            None => groups.push((p.unit.clone(), vec![p])),
        }
    }
    groups
}

/// The largest absolute figure of a line.
fn peak(p: &Plotted) -> f64 {
    p.values.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Whether two lines can share a scale: neither's peak is more than
/// [`SCALE_SPREAD`] times the other's.
fn same_scale(a: &Plotted, b: &Plotted) -> bool {
    let (low, high) = (peak(a).min(peak(b)), peak(a).max(peak(b)));
    high <= low * SCALE_SPREAD || high == 0.0
}

/// One chart: a line per indicator of one unit, the value axis titled with the unit
/// and from zero when no figure is below zero.
fn unit_chart(title: &str, unit: &str, members: &[&Plotted]) -> Chart {
    let categories = (
        SOURCE,
        0,
        FIRST_LABEL_COLUMN,
        0,
        FIRST_LABEL_COLUMN + PLOTTED_PERIODS - 1,
    );
    let mut chart = Chart::new(ChartType::Line);
    chart.title().set_name(title);
    for p in members {
        let last = FIRST_VALUE_COLUMN + PLOTTED_PERIODS - 1;
        chart
            .add_series()
            .set_categories(categories)
            .set_values((SOURCE, p.row, FIRST_VALUE_COLUMN, p.row, last))
            .set_name((SOURCE, p.row, 4));
    }
    let values: Vec<f64> = members.iter().flat_map(|p| p.values.clone()).collect();
    let axis = chart.y_axis();
    axis.set_name(texts::axis_title(unit).as_str());
    axis.set_num_format(axis_format(&values));
    if values.iter().all(|v| *v >= 0.0) {
        axis.set_min(0.0);
    }
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(CHART_SIZE.0).set_height(CHART_SIZE.1);
    chart
}

/// Thousands separators; one decimal for figures that stay below 10.
fn axis_format(values: &[f64]) -> &'static str {
    if values.iter().all(|v| v.abs() < 10.0) {
        "#,##0.0"
    } else {
        "#,##0"
    }
}

/// The charts of one policy: one per unit; the unit joins the title when there are several.
pub fn policy_charts(policy: &PolicyRows) -> Vec<Chart> {
    let groups = by_unit(&policy.indicators);
    let several = groups.len() > 1;
    groups
        .iter()
        .map(|(unit, members)| {
            let shown_unit = several.then_some(unit.as_str());
            let title = texts::chart_title(&policy.code, &policy.name, shown_unit);
            unit_chart(&title, unit, members)
        })
        .collect()
}

/// The columns a chart spans and their width in pixels: set, not left to the
/// application's default, so that two charts fit the page's width in both.
const CHART_COLUMNS: u16 = 8;
const COLUMN_PIXELS: u16 = 60;

/// The グラフ sheet: the charts two abreast, A4 landscape, four to a page.
pub fn chart_sheet(workbook: &mut Workbook, policies: &[PolicyRows]) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("グラフ")?;
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_scale(PRINT_SCALE);
    for column in 0..2 * CHART_COLUMNS {
        sheet.set_column_width_pixels(column, COLUMN_PIXELS)?;
    }
    let charts: Vec<Chart> = policies.iter().flat_map(policy_charts).collect();
    for (n, chart) in charts.iter().enumerate() {
        let row = (n / 2) as u32 * CHART_ROWS;
        sheet.insert_chart(row, (n % 2) as u16 * CHART_COLUMNS, chart)?;
    }
    let chart_rows = charts.len().div_ceil(2);
    let breaks: Vec<u32> = (CHART_ROWS_PER_PAGE..chart_rows)
        .step_by(CHART_ROWS_PER_PAGE)
        .map(|r| r as u32 * CHART_ROWS)
        .collect();
    sheet.set_page_breaks(&breaks)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plotted(row: u32, unit: &str) -> Plotted {
        Plotted {
            row,
            unit: unit.into(),
            values: vec![1.0, 2.0],
        }
    }

    #[test]
    fn indicators_of_different_units_never_share_a_chart() {
        let units = ["件", "人", "件", "%", "人", ""];
        let indicators: Vec<Plotted> = units
            .iter()
            .enumerate()
            .map(|(k, u)| plotted(k as u32 + 1, u))
            .collect();
        let groups = by_unit(&indicators);
        assert_eq!(groups.len(), 4);
        for (unit, members) in &groups {
            assert!(members.iter().all(|p| &p.unit == unit));
        }
        let total: usize = groups.iter().map(|(_, m)| m.len()).sum();
        assert_eq!(total, indicators.len());
        let policy = PolicyRows {
            code: "1-1".into(),
            name: "国際化の推進".into(),
            indicators,
        };
        assert_eq!(policy_charts(&policy).len(), 4);
    }

    #[test]
    fn a_line_far_smaller_than_another_of_its_unit_gets_its_own_chart() {
        let line = |row, values: &[f64]| Plotted {
            row,
            unit: "人".into(),
            values: values.to_vec(),
        };
        let visitors = line(1, &[24876.0, 9410.0]);
        let helpers = line(2, &[52.0, 137.0]);
        let members = line(3, &[30000.0, 12000.0]);
        let all = [visitors, helpers, members];
        let groups = by_unit(&all);
        assert_eq!(groups.len(), 2);
        for (_, members) in &groups {
            let peaks: Vec<f64> = members.iter().map(|p| peak(p)).collect();
            let (low, high) = peaks
                .iter()
                .fold((f64::MAX, 0.0_f64), |(l, h), p| (l.min(*p), h.max(*p)));
            assert!(high <= low * SCALE_SPREAD, "{peaks:?}");
        }
    }
}
