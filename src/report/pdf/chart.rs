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
    let title_height = draw_title(canvas, series.title, x, top, width)?;
    let (plot_top, plot_bottom) = (top - title_height.max(16.0) - 4.0, top - height + 10.0);
    let Some(scale) = Scale::of(series) else {
        canvas.line(x + 4.0, plot_bottom, x + width - 4.0, plot_bottom, 0.4, 0.4);
        let middle = (plot_top + plot_bottom) / 2.0;
        return canvas.aligned("—", 7.0, x, width, middle, Align::Center);
    };
    let labels = scale.labels();
    let label_width = (labels.iter())
        .map(|l| canvas.fonts.width(l, TICK_SIZE))
        .fold(0.0, f32::max);
    let (left, right) = (x + label_width + 3.0, x + width - 4.0);
    let plot = Plot {
        left,
        right,
        top: plot_top,
        bottom: plot_bottom,
        low: scale.low(),
        high: scale.high(),
        step: (right - left) / series.values.len().max(1) as f32,
    };
    plot.draw_axis(canvas, &scale, &labels)?;
    if let Some(target) = series.target {
        plot.draw_target(canvas, target, series.target_label)?;
    }
    plot.draw_series(canvas, series.values);
    plot.draw_labels(canvas, series.labels)
}

/// The title over two lines, or three in a smaller size when two do not hold it
/// all; only a title longer still is cut, and then it ends in 「…」. Returns the height
/// the title took.
fn draw_title(
    canvas: &mut Canvas,
    title: &str,
    x: f32,
    top: f32,
    width: f32,
) -> anyhow::Result<f32> {
    let (mut size, mut lines) = (6.5, canvas.fonts.wrap(title, 6.5, width));
    if lines.len() > 2 {
        size = 5.5;
        lines = canvas.fonts.wrap(title, size, width);
    }
    if lines.len() > 3 {
        lines.truncate(3);
        let last = &mut lines[2];
        while canvas.fonts.width(&format!("{last}…"), size) > width && last.pop().is_some() {}
        last.push('…');
    }
    let leading = size * 1.2;
    for (i, line) in lines.iter().enumerate() {
        canvas.text(line, size, x, top - size - i as f32 * leading)?;
    }
    Ok(lines.len() as f32 * leading)
}

/// The size of the scale's numbers.
const TICK_SIZE: f32 = 4.5;
/// The most steps between ticks: three or four labelled numbers fit in a small chart.
const MOST_STEPS: f64 = 3.0;

/// The y-axis scale: ticks `step` apart from `low_steps` to `high_steps` steps from
/// zero. Zero is always on the scale, so a move is never drawn larger than it is:
/// counts (nothing below zero) start at zero, and negative values go below it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The distance between ticks: 1, 2, 2.5 or 5 times a power of ten.
    pub step: f64,
    /// The lowest tick, in steps (0 unless a value is negative).
    pub low_steps: i64,
    /// The highest tick, in steps (0 unless a value is positive).
    pub high_steps: i64,
}

impl Scale {
    /// The scale for the series' values and target; `None` when there is nothing to plot.
    pub fn of(series: &Series) -> Option<Scale> {
        let present = series.values.iter().flatten().copied().chain(series.target);
        let present: Vec<f64> = present.filter(|v| v.is_finite()).collect();
        let min = present.iter().copied().reduce(f64::min)?.min(0.0);
        let max = present.iter().copied().reduce(f64::max)?.max(0.0);
        let span = if max - min > 0.0 { max - min } else { 1.0 };
        // Whole numbers (counts, 0 m³) are never scaled in fractions.
        let whole = present.iter().all(|v| v.fract() == 0.0);
        let step = nice_step(span / MOST_STEPS);
        let step = if whole { step.max(1.0) } else { step };
        Some(Scale {
            step,
            low_steps: (min / step).floor() as i64,
            high_steps: ((max / step).ceil() as i64).max((min / step).floor() as i64 + 1),
        })
    }

    /// The value at the bottom of the axis.
    pub fn low(&self) -> f64 {
        self.low_steps as f64 * self.step
    }

    /// The value at the top of the axis.
    pub fn high(&self) -> f64 {
        self.high_steps as f64 * self.step
    }

    /// Each tick's value, bottom to top.
    pub fn ticks(&self) -> Vec<f64> {
        (self.low_steps..=self.high_steps)
            .map(|n| n as f64 * self.step)
            .collect()
    }

    /// Each tick's number as printed: thousands separated, as many decimals as the
    /// step needs.
    pub fn labels(&self) -> Vec<String> {
        let decimals = (0..6)
            .find(|d| {
                let scaled = self.step * 10f64.powi(*d);
                (scaled - scaled.round()).abs() < 1e-6
            })
            .unwrap_or(6) as usize;
        self.ticks()
            .iter()
            .map(|v| group_thousands(&format!("{v:.decimals$}")))
            .collect()
    }
}

/// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// `-12345.5` → `-12,345.5`.
fn group_thousands(number: &str) -> String {
    let (sign, digits) = number
        .strip_prefix('-')
        .map_or(("", number), |rest| ("-", rest));
    let (whole, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if grouped.chars().all(|c| c == '0' || c == ',')
        && fraction.is_none_or(|f| f.chars().all(|c| c == '0'))
    {
        ""
    } else {
        sign
    };
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
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

    /// The y-axis with its ticks numbered at the left, a faint line across the plot at
    /// each tick, and the zero line drawn as the base.
    fn draw_axis(
        &self,
        canvas: &mut Canvas,
        scale: &Scale,
        labels: &[String],
    ) -> anyhow::Result<()> {
        canvas.line(self.left, self.bottom, self.left, self.top, 0.4, 0.4);
        for (value, label) in scale.ticks().into_iter().zip(labels) {
            let (_, y) = self.at(0, value);
            let (width, grey) = if value == 0.0 { (0.4, 0.4) } else { (0.2, 0.8) };
            canvas.line(self.left - 1.5, y, self.right, y, width, grey);
            let label_width = canvas.fonts.width(label, TICK_SIZE);
            canvas.text(
                label,
                TICK_SIZE,
                self.left - 2.0 - label_width,
                y - TICK_SIZE * 0.35,
            )?;
        }
        Ok(())
    }

    /// A dashed line across the plot, labelled at its right end.
    fn draw_target(&self, canvas: &mut Canvas, target: f64, label: &str) -> anyhow::Result<()> {
        let (_, y) = self.at(0, target);
        canvas.polyline(&[(self.left, y), (self.right, y)], 0.6, 0.45, true);
        let x = self.right - canvas.fonts.width(label, 5.5);
        // Under the line when it runs along the plot's top, clear of the title above.
        let label_y = if y + 7.0 > self.top { y - 6.5 } else { y + 1.5 };
        canvas.text(label, 5.5, x, label_y)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The scale of a series of `values` with `target`.
    fn scale(values: &[Option<f64>], target: Option<f64>) -> Scale {
        let labels = vec![String::new(); values.len()];
        let series = Series {
            title: "",
            values,
            labels: &labels,
            target,
            target_label: "",
        };
        Scale::of(&series).expect("something to plot")
    }

    /// Series of every magnitude the indicators have (ratios, %, counts in millions),
    /// flat, rising, falling, with gaps and with or without a target.
    fn series_cases() -> Vec<(Vec<Option<f64>>, Option<f64>)> {
        let mut cases = Vec::new();
        for magnitude in [0.01, 1.0, 3.7, 100.0, 4_976_176.0] {
            for shape in [
                [1.0, 1.0, 1.0, 1.0],
                [0.2, 0.5, 0.9, 1.0],
                [1.0, 0.96, 0.9, 0.97],
            ] {
                let values: Vec<Option<f64>> = shape.iter().map(|v| Some(v * magnitude)).collect();
                for target in [None, Some(magnitude * 1.2), Some(0.0)] {
                    cases.push((values.clone(), target));
                    let mut gappy = values.clone();
                    gappy[1] = None;
                    cases.push((gappy, target));
                }
            }
        }
        cases
    }

    #[test]
    fn a_count_starts_at_zero_and_its_ticks_cover_every_value_in_a_few_nice_steps() {
        for (values, target) in series_cases() {
            let scale = scale(&values, target);
            let present: Vec<f64> = values.iter().flatten().copied().chain(target).collect();
            let max = present.iter().copied().fold(0.0, f64::max);
            assert_eq!(scale.low(), 0.0, "{values:?}");
            assert!(scale.high() >= max, "{values:?}: {scale:?}");
            let ticks = scale.ticks();
            assert!((2..=5).contains(&ticks.len()), "{values:?}: {ticks:?}");
            let mantissa = scale.step / 10f64.powf(scale.step.log10().floor());
            let nice = [1.0, 2.0, 2.5, 5.0]
                .iter()
                .any(|m| (m - mantissa).abs() < 1e-9);
            assert!(nice, "{values:?}: step {}", scale.step);
        }
    }

    #[test]
    fn negative_values_go_below_a_zero_that_stays_on_the_scale() {
        for values in [[-3.0, 2.0, 5.0, 1.0], [-120.0, -80.0, -30.0, -10.0]] {
            let values: Vec<Option<f64>> = values.iter().copied().map(Some).collect();
            let scale = scale(&values, None);
            assert!(scale.low() <= -3.0 && scale.high() >= 0.0, "{scale:?}");
            assert!(scale.ticks().contains(&0.0), "{:?}", scale.ticks());
        }
    }

    #[test]
    fn every_tick_is_numbered_as_printed_figures_are() {
        let labels = scale(&[Some(0.0), Some(4_976_176.0)], None).labels();
        assert_eq!(labels.first().map(String::as_str), Some("0"));
        assert!(labels.iter().any(|l| l.contains(',')), "{labels:?}");
        let ratios = scale(&[Some(0.52), Some(1.16)], None).labels();
        assert_eq!(ratios, ["0.0", "0.5", "1.0", "1.5"]);
        let flat_zero = scale(&[Some(0.0), Some(0.0)], Some(0.0)).labels();
        assert_eq!(
            flat_zero,
            ["0", "1"],
            "whole numbers are not scaled in fractions"
        );
        assert_eq!(group_thousands("-12345.5"), "-12,345.5");
    }
}
