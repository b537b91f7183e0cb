//! A printed cell as a number with a format that shows its unit: the first figure of
//! the cell, in that figure's own unit and with the decimals it was printed with.
//!
//! A unit with parts (`施設・事業者`, the unit of `8施設 98事業者`) is never put on one
//! number: the number is the first figure (8) and its unit the first figure's (施設);
//! the whole cell stays in the printed column as written.

use rust_xlsxwriter::Format;

use crate::domain::japanese::fold_width;
use crate::domain::Observation;

/// What separates the parts of a unit that names several quantities.
const PART_SEPARATORS: [&str; 4] = ["・", "、", "及び", "，"];

/// Whether a unit names several quantities (`施設・事業者`).
pub fn has_parts(unit: &str) -> bool {
    PART_SEPARATORS.iter().any(|s| unit.contains(s))
}

/// A number as a numeric cell shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The first figure of the cell.
    pub value: f64,
    /// That figure's unit: as printed after it, else the row's unit when that names
    /// one quantity, else none.
    pub unit: String,
    /// The digits printed after the decimal point.
    pub decimals: usize,
}

impl Shown {
    /// The number of a printed cell whose value was read as `value`; `declared` is the
    /// row's unit. `None` when the cell holds no number.
    pub fn of(printed: &str, value: Option<f64>, declared: &str) -> Option<Shown> {
        let value = value?;
        let observation = Observation::parse(printed);
        let own = observation.unit().unwrap_or("").trim().to_string();
        let unit = if !own.is_empty() {
            own
        } else if has_parts(declared) {
            String::new()
        } else {
            declared.to_string()
        };
        let unit = if has_parts(&unit) {
            String::new()
        } else {
            unit
        };
        let decimals = printed_decimals(printed);
        Some(Shown {
            value,
            unit,
            decimals,
        })
    }

    /// The number format: thousands separators, the printed decimals, the unit as a
    /// literal (`#,##0.0"%"`).
    pub fn num_format(&self) -> String {
        let mut format = "#,##0".to_string();
        if self.decimals > 0 {
            format.push('.');
            format.push_str(&"0".repeat(self.decimals));
        }
        let unit = self.unit.replace('"', "");
        if !unit.is_empty() {
            format.push_str(&format!("\"{unit}\""));
        }
        format
    }

    /// `base` with this number's format.
    pub fn format(&self, base: &Format) -> Format {
        base.clone().set_num_format(self.num_format())
    }

    /// What the format shows: `202,850件`, `38.8%`.
    pub fn rendered(&self) -> String {
        let fixed = format!("{:.*}", self.decimals, self.value.abs());
        let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
        let mut grouped = String::new();
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let sign = if self.value < 0.0 { "-" } else { "" };
        let dot = if fraction.is_empty() { "" } else { "." };
        format!("{sign}{grouped}{dot}{fraction}{}", self.unit)
    }

    /// Whether the printed cell says more than [`Shown::rendered`] (an observation
    /// year, a note marker, a second figure): widths and spaces aside.
    pub fn loses_something_of(&self, printed: &str) -> bool {
        let compact = |s: &str| -> String {
            fold_width(s)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        };
        compact(printed) != compact(&self.rendered())
    }
}

/// The digits after the decimal point of the first number printed in a cell.
fn printed_decimals(printed: &str) -> usize {
    let folded = fold_width(printed);
    let start = folded.find(|c: char| c.is_ascii_digit());
    let Some(start) = start else { return 0 };
    let rest = &folded[start..];
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    match number.split_once('.') {
        Some((_, fraction)) => fraction.chars().take_while(char::is_ascii_digit).count(),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(printed: &str, declared: &str) -> Shown {
        let value = Observation::parse(printed).value();
        Shown::of(printed, value, declared).unwrap()
    }

    #[test]
    fn a_cell_of_several_figures_shows_the_first_in_its_own_unit() {
        let soho = shown("8施設 98事業者", "施設・事業者");
        assert_eq!((soho.value, soho.unit.as_str()), (8.0, "施設"));
        for declared in ["施設・事業者", "人、件", "校及び園"] {
            assert!(has_parts(declared));
            let bare = shown("12", declared);
            assert_eq!(bare.unit, "", "{declared}: a bare number claims no part");
        }
    }

    #[test]
    fn no_number_is_shown_with_a_unit_that_has_parts() {
        for (printed, declared) in [
            ("8施設・事業者", "施設・事業者"),
            ("8施設 98事業者", "施設・事業者"),
            ("3", "人・件"),
            ("4,372人 (198人)", "人"),
        ] {
            let s = shown(printed, declared);
            assert!(!has_parts(&s.unit), "{printed}: {}", s.num_format());
        }
    }

    #[test]
    fn the_format_keeps_the_printed_decimals_and_the_unit() {
        assert_eq!(shown("4.60%", "%").num_format(), "#,##0.00\"%\"");
        assert_eq!(shown("4.60%", "%").rendered(), "4.60%");
        assert_eq!(shown("202,850件", "件").rendered(), "202,850件");
        assert_eq!(shown("24,582", "t-CO2").rendered(), "24,582t-CO2");
        assert_eq!(shown("1.16 (平成 26 年)", "").num_format(), "#,##0.00");
    }

    #[test]
    fn a_quote_in_a_unit_cannot_end_the_format_literal() {
        for unit in ["件\"", "\"人\"", "a\"b\"c"] {
            let s = Shown {
                value: 1.0,
                unit: unit.to_string(),
                decimals: 0,
            };
            let quotes = s.num_format().matches('"').count();
            assert_eq!(quotes, 2, "{}", s.num_format());
        }
    }

    #[test]
    fn what_the_number_does_not_show_is_noticed() {
        assert!(shown("1.16 (平成 26 年)", "").loses_something_of("1.16 (平成 26 年)"));
        assert!(shown("209 人 (注 1)", "").loses_something_of("209 人 (注 1)"));
        assert!(shown("8施設 98事業者", "施設・事業者").loses_something_of("8施設 98事業者"));
        assert!(!shown("0 人", "").loses_something_of("0 人"));
        assert!(!shown("82.0%", "").loses_something_of("82.0%"));
    }
}
