//! An indicator's chart as SVG, for the managers' page: the same layout as the
//! reports' PDF charts ([`chart::layout`]: the same scale, ticks, target line, series
//! and labels, in the same box), drawn as SVG instead of on a PDF page. Every text is
//! escaped, and characters XML cannot hold are left out.

use std::fmt::Write;

use super::pdf::chart::{self, Mark, Measure, Series};
use super::pdf::text::wrap_with;
use crate::consolidate::Indicator;

/// The chart's box in points, as the white paper draws it (116 × 62).
pub const BOX: (f32, f32) = (116.0, 62.0);
/// How many pixels a point is on the page: the PDF's small chart, made readable.
const SCALE: f32 = 3.0;

/// Text measured without the report fonts (the page must not read them): a full-width
/// character is one em, anything in ASCII about half of one. Titles break where the
/// PDF's do, give or take a character; the browser sets the text in its own font.
pub struct Estimate;

impl Estimate {
    fn advance(c: char, size: f32) -> f32 {
        if c.is_ascii() {
            size * 0.55
        } else {
            size
        }
    }
}

impl Measure for Estimate {
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| Estimate::advance(c, size)).sum()
    }

    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        wrap_with(text, width, |c| Estimate::advance(c, size))
    }
}

/// The chart of an indicator: its observed periods' figures (under `period_labels`,
/// the white paper's column labels) against its target, labelled `target_label`.
pub fn indicator_chart(
    indicator: &Indicator,
    period_labels: &[String],
    target_label: &str,
) -> String {
    let (values, target) = chart::indicator_values(indicator);
    let mut labels: Vec<String> = period_labels
        .iter()
        .map(|p| chart::short_period(p))
        .collect();
    labels.resize(values.len(), String::new());
    let series = Series {
        title: &indicator.name,
        values: &values,
        labels: &labels,
        target,
        target_label,
    };
    svg(&series)
}

/// The chart of `series` as a standalone SVG document.
pub fn svg(series: &Series) -> String {
    let (width, height) = BOX;
    let marks = chart::layout(series, &Estimate, (0.0, height, width, height));
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{}" height="{}" role="img" font-family="sans-serif">"#,
        width * SCALE,
        height * SCALE
    );
    let _ = write!(out, "<title>{}</title>", escape(series.title));
    out.push_str(r#"<rect width="100%" height="100%" fill="white"/>"#);
    for mark in &marks {
        out.push_str(&element(mark, height));
    }
    out.push_str("</svg>\n");
    out
}

/// One mark as an SVG element, its y turned downwards in a box `height` high.
fn element(mark: &Mark, height: f32) -> String {
    let y = |v: f32| height - v;
    match mark {
        Mark::Line {
            from,
            to,
            width,
            grey,
        } => format!(
            r#"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}" stroke="{}" stroke-width="{width}"/>"#,
            from.0,
            y(from.1),
            to.0,
            y(to.1),
            colour(*grey)
        ),
        Mark::Polyline {
            points,
            width,
            grey,
            dashed,
        } => polyline(points, *width, *grey, *dashed, height),
        Mark::Square { at, side } => format!(
            r#"<rect class="point" x="{:.2}" y="{:.2}" width="{side}" height="{side}" fill="black"/>"#,
            at.0,
            y(at.1 + side)
        ),
        Mark::Text { text, size, at } => format!(
            r#"<text x="{:.2}" y="{:.2}" font-size="{size}">{}</text>"#,
            at.0,
            y(at.1),
            escape(text)
        ),
    }
}

/// A polyline: the series (class `series`) or the dashed target (class `target`).
fn polyline(points: &[(f32, f32)], width: f32, grey: f32, dashed: bool, height: f32) -> String {
    let points: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.2},{:.2}", height - y))
        .collect();
    let (class, dash) = match dashed {
        true => ("target", r#" stroke-dasharray="3 2""#),
        false => ("series", ""),
    };
    format!(
        r#"<polyline class="{class}" points="{}" fill="none" stroke="{}" stroke-width="{width}"{dash}/>"#,
        points.join(" "),
        colour(grey)
    )
}

/// A PDF grey (0 black, 1 white) as an SVG colour.
fn colour(grey: f32) -> String {
    let level = (grey.clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("rgb({level},{level},{level})")
}

/// Text as XML character data or an attribute value: `&<>"'` escaped, and the
/// characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF) left out.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series_svg(title: &str, values: &[Option<f64>], target: Option<f64>) -> String {
        let labels: Vec<String> = (0..values.len()).map(|i| format!("R{i}")).collect();
        svg(&Series {
            title,
            values,
            labels: &labels,
            target,
            target_label: "目標",
        })
    }

    #[test]
    fn markup_and_control_characters_in_a_title_never_reach_the_document_as_markup() {
        let doc = series_svg("<script>alert('x')</script>&\u{1}\"", &[Some(1.0)], None);
        assert!(!doc.contains("<script"), "{doc}");
        assert!(doc.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&amp;&quot;"));
        assert!(!doc.contains('\u{1}'));
    }

    #[test]
    fn every_present_value_is_a_point_and_a_higher_value_sits_higher() {
        let doc = series_svg("指標", &[Some(1.0), None, Some(3.0), Some(2.0)], Some(4.0));
        let ys: Vec<f32> = doc
            .split(r#"<rect class="point" "#)
            .skip(1)
            .map(|r| {
                let y = r.split("y=\"").nth(1).unwrap();
                y[..y.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(ys.len(), 3, "{doc}");
        assert!(ys[1] < ys[2] && ys[2] < ys[0], "{ys:?}");
        assert!(doc.contains(r#"class="target""#) && doc.contains("目標"));
    }
}
