//! A small line chart of an indicator's series against its target.

use super::page::{Align, Canvas};

/// What a chart shows: the series (a value per column, `None` where there is none),
/// the column labels and the target.
pub struct Series<'a> {
    /// The indicator's name, wrapped over at most two lines above the plot.
    pub title: &'a str,
    /// One value per column (年度), `None` where the year has no figure.
    pub values: &'a [Option<f64>],
    /// The column labels under the plot (`R2`, `R3`, …), as many as `values`.
    pub labels: &'a [String],
    /// The target, drawn as a dashed horizontal line when there is one.
    pub target: Option<f64>,
    /// The text at the right end of the target line (`目標`).
    pub target_label: &'a str,
}

/// Draws the chart in the box whose top-left corner is (`x`, `top`).
pub fn draw(
    canvas: &mut Canvas,
    series: &Series,
    x: f32,
    top: f32,
    width: f32,
    height: f32,
) -> anyhow::Result<()> {
    draw_title(canvas, series.title, x, top, width)?;
    let (plot_top, plot_bottom) = (top - 20.0, top - height + 10.0);
    let (left, right) = (x + 4.0, x + width - 4.0);
    canvas.line(left, plot_bottom, right, plot_bottom, 0.4, 0.4);
    let Some((low, high)) = value_range(series) else {
        let middle = (plot_top + plot_bottom) / 2.0;
        return canvas.aligned("—", 7.0, x, width, middle, Align::Center);
    };
    let plot = Plot {
        left,
        right,
        top: plot_top,
        bottom: plot_bottom,
        low,
        high,
        step: (right - left) / series.values.len().max(1) as f32,
    };
    if let Some(target) = series.target {
        plot.draw_target(canvas, target, series.target_label)?;
    }
    plot.draw_series(canvas, series.values);
    plot.draw_labels(canvas, series.labels)
}

/// The title over at most two lines.
fn draw_title(
    canvas: &mut Canvas,
    title: &str,
    x: f32,
    top: f32,
    width: f32,
) -> anyhow::Result<()> {
    let title_lines = canvas.fonts.wrap(title, 6.5, width);
    for (i, line) in title_lines.iter().take(2).enumerate() {
        canvas.text(line, 6.5, x, top - 7.0 - i as f32 * 8.0)?;
    }
    Ok(())
}

/// The vertical range the plot shows: the values and the target with a tenth of their
/// span as margin (a flat series gets a margin of its own size); `None` when there is
/// nothing to plot.
fn value_range(series: &Series) -> Option<(f64, f64)> {
    let present: Vec<f64> = series
        .values
        .iter()
        .flatten()
        .copied()
        .chain(series.target)
        .collect();
    let min = present.iter().copied().reduce(f64::min)?;
    let max = present.iter().copied().reduce(f64::max)?;
    let span = if (max - min).abs() < f64::EPSILON {
        max.abs().max(1.0)
    } else {
        max - min
    };
    Some((min - span * 0.1, max + span * 0.1))
}

/// The plot area (points) and the value range it maps onto it, one column per value.
struct Plot {
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
    low: f64,
    high: f64,
    step: f32,
}

impl Plot {
    /// Where the value `v` of column `i` sits: the column's middle, at the value's height.
    fn at(&self, i: usize, v: f64) -> (f32, f32) {
        (
            self.left + self.step * (i as f32 + 0.5),
            self.bottom
                + ((v - self.low) / (self.high - self.low)) as f32 * (self.top - self.bottom),
        )
    }

    /// A dashed line across the plot, labelled at its right end.
    fn draw_target(&self, canvas: &mut Canvas, target: f64, label: &str) -> anyhow::Result<()> {
        let (_, y) = self.at(0, target);
        canvas.polyline(&[(self.left, y), (self.right, y)], 0.6, 0.45, true);
        let x = self.right - canvas.fonts.width(label, 5.5);
        canvas.text(label, 5.5, x, y + 1.5)
    }

    /// The series as a line through square markers; missing years are skipped.
    fn draw_series(&self, canvas: &mut Canvas, values: &[Option<f64>]) {
        let points: Vec<(f32, f32)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| self.at(i, v)))
            .collect();
        canvas.polyline(&points, 1.0, 0.0, false);
        for (px, py) in &points {
            canvas.fill_rect(px - 1.3, py - 1.3, 2.6, 2.6, 0.0);
        }
    }

    /// The column labels, centred under their columns.
    fn draw_labels(&self, canvas: &mut Canvas, labels: &[String]) -> anyhow::Result<()> {
        for (i, label) in labels.iter().enumerate() {
            let (cx, _) = self.at(i, 0.0);
            let y = self.bottom - 7.0;
            canvas.aligned(
                label,
                5.0,
                cx - self.step / 2.0,
                self.step,
                y,
                Align::Center,
            )?;
        }
        Ok(())
    }
}
