//! A small line chart of an indicator's series against its target.

use super::page::{Align, Canvas};

/// What a chart shows: the series (a value per column, `None` where there is none),
/// the column labels and the target.
pub struct Series<'a> {
    pub title: &'a str,
    pub values: &'a [Option<f64>],
    pub labels: &'a [String],
    pub target: Option<f64>,
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
    let title_lines = canvas.fonts.wrap(series.title, 6.5, width);
    for (i, line) in title_lines.iter().take(2).enumerate() {
        canvas.text(line, 6.5, x, top - 7.0 - i as f32 * 8.0)?;
    }
    let plot_top = top - 20.0;
    let plot_bottom = top - height + 10.0;
    let (left, right) = (x + 4.0, x + width - 4.0);
    canvas.line(left, plot_bottom, right, plot_bottom, 0.4, 0.4);
    let present: Vec<f64> = series
        .values
        .iter()
        .flatten()
        .copied()
        .chain(series.target)
        .collect();
    let (Some(min), Some(max)) = (
        present.iter().copied().reduce(f64::min),
        present.iter().copied().reduce(f64::max),
    ) else {
        return canvas.aligned(
            "—",
            7.0,
            x,
            width,
            (plot_top + plot_bottom) / 2.0,
            Align::Center,
        );
    };
    let span = if (max - min).abs() < f64::EPSILON {
        max.abs().max(1.0)
    } else {
        max - min
    };
    let (low, high) = (min - span * 0.1, max + span * 0.1);
    let step = (right - left) / series.values.len().max(1) as f32;
    let at = |i: usize, v: f64| {
        (
            left + step * (i as f32 + 0.5),
            plot_bottom + ((v - low) / (high - low)) as f32 * (plot_top - plot_bottom),
        )
    };
    if let Some(target) = series.target {
        let (_, y) = at(0, target);
        canvas.polyline(&[(left, y), (right, y)], 0.6, 0.45, true);
        canvas.text(
            series.target_label,
            5.5,
            right - canvas.fonts.width(series.target_label, 5.5),
            y + 1.5,
        )?;
    }
    let points: Vec<(f32, f32)> = series
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| at(i, v)))
        .collect();
    canvas.polyline(&points, 1.0, 0.0, false);
    for (px, py) in &points {
        canvas.fill_rect(px - 1.3, py - 1.3, 2.6, 2.6, 0.0);
    }
    for (i, label) in series.labels.iter().enumerate() {
        let (cx, _) = at(i, 0.0);
        canvas.aligned(
            label,
            5.0,
            cx - step / 2.0,
            step,
            plot_bottom - 7.0,
            Align::Center,
        )?;
    }
    Ok(())
}
