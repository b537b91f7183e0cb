//! A small line chart of an indicator's series against its target.

use super::page::Canvas;
use super::text::FontSet;
use crate::consolidate::Indicator;
use crate::domain::Period;

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

/// How text is measured and broken into lines: the PDF's fonts, or an estimate for
/// the SVG charts the pages show (the same layout either way).
pub trait Measure {
    /// The width of `text` at `size`, in points.
    fn width(&self, text: &str, size: f32) -> f32;
    /// `text` broken into lines no wider than `width` points.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String>;
}

impl Measure for FontSet {
    fn width(&self, text: &str, size: f32) -> f32 {
        FontSet::width(self, text, size)
    }

    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        FontSet::wrap(self, text, size, width)
    }
}

/// One thing a chart draws, in PDF coordinates (points, y upwards; a text's y is its
/// baseline): the PDF paints these on its page, the SVG flips them into its box.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// A straight line `width` points wide, `grey` (0 black, 1 white).
    Line {
        /// Where it starts.
        from: (f32, f32),
        /// Where it ends.
        to: (f32, f32),
        /// The stroke's width.
        width: f32,
        /// The stroke's grey.
        grey: f32,
    },
    /// A line through points, dashed (the target) or not (the series).
    Polyline {
        /// The points, left to right.
        points: Vec<(f32, f32)>,
        /// The stroke's width.
        width: f32,
        /// The stroke's grey.
        grey: f32,
        /// Dashed 3-2.
        dashed: bool,
    },
    /// A filled square: a point of the series.
    Square {
        /// Its lower-left corner.
        at: (f32, f32),
        /// Its side.
        side: f32,
    },
    /// A text whose left end of the baseline is `at`.
    Text {
        /// The text.
        text: String,
        /// Its size in points.
        size: f32,
        /// Where its baseline starts.
        at: (f32, f32),
    },
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
    for mark in layout(series, canvas.fonts, (x, top, width, height)) {
        match mark {
            Mark::Line {
                from,
                to,
                width,
                grey,
            } => canvas.line(from.0, from.1, to.0, to.1, width, grey),
            Mark::Polyline {
                points,
                width,
                grey,
                dashed,
            } => canvas.polyline(&points, width, grey, dashed),
            Mark::Square { at, side } => canvas.fill_rect(at.0, at.1, side, side, 0.0),
            Mark::Text { text, size, at } => canvas.text(&text, size, at.0, at.1)?,
        }
    }
    Ok(())
}

/// What the chart of `series` draws in the box (`x`, `top`, `width`, `height`), in
/// order: the title, the axis and its ticks, the target, the series, the labels.
pub fn layout(
    series: &Series,
    measure: &dyn Measure,
    (x, top, width, height): (f32, f32, f32, f32),
) -> Vec<Mark> {
    let mut marks = Marks {
        measure,
        marks: Vec::new(),
    };
    let title_height = marks.title(series.title, x, top, width);
    let (plot_top, plot_bottom) = (top - title_height.max(16.0) - 4.0, top - height + 10.0);
    let Some(scale) = Scale::of(series) else {
        marks.line(
            (x + 4.0, plot_bottom),
            (x + width - 4.0, plot_bottom),
            0.4,
            0.4,
        );
        let middle = (plot_top + plot_bottom) / 2.0;
        marks.centred("—", 7.0, x, width, middle);
        return marks.marks;
    };
    let labels = scale.labels();
    let label_width = (labels.iter())
        .map(|l| measure.width(l, TICK_SIZE))
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
    plot.draw_axis(&mut marks, &scale, &labels);
    if let Some(target) = series.target {
        plot.draw_target(&mut marks, target, series.target_label);
    }
    plot.draw_series(&mut marks, series.values);
    plot.draw_labels(&mut marks, series.labels);
    marks.marks
}

/// The marks of a chart being laid out, and how its text is measured.
struct Marks<'a> {
    measure: &'a dyn Measure,
    marks: Vec<Mark>,
}

impl Marks<'_> {
    fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, grey: f32) {
        self.marks.push(Mark::Line {
            from,
            to,
            width,
            grey,
        });
    }

    fn text(&mut self, text: &str, size: f32, x: f32, y: f32) {
        // An empty text draws nothing, in the PDF as in the SVG.
        if !text.is_empty() {
            self.marks.push(Mark::Text {
                text: text.to_string(),
                size,
                at: (x, y),
            });
        }
    }

    /// `text` centred in the span from `x`, `width` wide.
    fn centred(&mut self, text: &str, size: f32, x: f32, width: f32, y: f32) {
        let w = self.measure.width(text, size);
        self.text(text, size, x + (width - w) / 2.0, y);
    }

    /// The title over two lines, or three in a smaller size when two do not hold it
    /// all; only a title longer still is cut, and then it ends in 「…」. Returns the
    /// height the title took.
    fn title(&mut self, title: &str, x: f32, top: f32, width: f32) -> f32 {
        let measure = self.measure;
        let (mut size, mut lines) = (6.5, measure.wrap(title, 6.5, width));
        if lines.len() > 2 {
            size = 5.5;
            lines = measure.wrap(title, size, width);
        }
        if lines.len() > 3 {
            lines.truncate(3);
            let last = &mut lines[2];
            while measure.width(&format!("{last}…"), size) > width && last.pop().is_some() {}
            last.push('…');
        }
        let leading = size * 1.2;
        for (i, line) in lines.iter().enumerate() {
            self.text(line, size, x, top - size - i as f32 * leading);
        }
        lines.len() as f32 * leading
    }
}

/// What an indicator's chart plots: its figure in each observed period (計画策定時,
/// 前期, 中期, the year) and its target. The white paper's charts and the managers'
/// page draw the same.
pub fn indicator_values(indicator: &Indicator) -> (Vec<Option<f64>>, Option<f64>) {
    let values = Period::OBSERVED.map(|p| indicator.value(p)).to_vec();
    (values, indicator.value(Period::Target))
}

/// A period's column label as a chart prints it under its column: `R2`, `H30`.
pub fn short_period(label: &str) -> String {
    let inner = label
        .split_once('(')
        .map_or(label, |(_, rest)| rest.trim_end_matches(')'));
    let folded = inner
        .replace("平成", "H")
        .replace("令和", "R")
        .replace("年度", "");
    folded.chars().take_while(|c| *c != '(').collect()
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
    fn draw_axis(&self, marks: &mut Marks, scale: &Scale, labels: &[String]) {
        marks.line((self.left, self.bottom), (self.left, self.top), 0.4, 0.4);
        for (value, label) in scale.ticks().into_iter().zip(labels) {
            let (_, y) = self.at(0, value);
            let (width, grey) = if value == 0.0 { (0.4, 0.4) } else { (0.2, 0.8) };
            marks.line((self.left - 1.5, y), (self.right, y), width, grey);
            let label_width = marks.measure.width(label, TICK_SIZE);
            let x = self.left - 2.0 - label_width;
            marks.text(label, TICK_SIZE, x, y - TICK_SIZE * 0.35);
        }
    }

    /// A dashed line across the plot, labelled at its right end.
    fn draw_target(&self, marks: &mut Marks, target: f64, label: &str) {
        let (_, y) = self.at(0, target);
        marks.marks.push(Mark::Polyline {
            points: vec![(self.left, y), (self.right, y)],
            width: 0.6,
            grey: 0.45,
            dashed: true,
        });
        let x = self.right - marks.measure.width(label, 5.5);
        // Under the line when it runs along the plot's top, clear of the title above.
        let label_y = if y + 7.0 > self.top { y - 6.5 } else { y + 1.5 };
        marks.text(label, 5.5, x, label_y);
    }

    /// The series as a line through square markers; missing years are skipped.
    fn draw_series(&self, marks: &mut Marks, values: &[Option<f64>]) {
        let points: Vec<(f32, f32)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| self.at(i, v)))
            .collect();
        if points.len() >= 2 {
            marks.marks.push(Mark::Polyline {
                points: points.clone(),
                width: 1.0,
                grey: 0.0,
                dashed: false,
            });
        }
        for (px, py) in &points {
            marks.marks.push(Mark::Square {
                at: (px - 1.3, py - 1.3),
                side: 2.6,
            });
        }
    }

    /// The column labels, centred under their columns.
    fn draw_labels(&self, marks: &mut Marks, labels: &[String]) {
        for (i, label) in labels.iter().enumerate() {
            let (cx, _) = self.at(i, 0.0);
            marks.centred(
                label,
                5.0,
                cx - self.step / 2.0,
                self.step,
                self.bottom - 7.0,
            );
        }
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
