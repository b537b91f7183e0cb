//! The workbook's 進捗率: the share of the way from the baseline to the target, printed
//! only where that share means something, and otherwise a reason (the rule is
//! [`crate::texts::workbook::PROGRESS_RULE`]).
//!
//! A raw `(actual − baseline) / (target − baseline)` reads −757% for a count that fell
//! from 35,949 to 5,264 toward a target of 40,000, and 373% for one far past its
//! target: neither is a share of a way. So the share is printed between 0% and 100%,
//! a target passed shows 100% with a note, and a figure that moved the wrong way, a
//! target that lies the wrong way, a cell of several figures, a missing figure or a
//! direction without a way (維持, 以上, 以下) leave it blank with the reason.

use crate::consolidate::{Cell, Indicator};
use crate::domain::{says_same_as_left, Direction, Observation, Period};
use crate::texts::workbook as texts;

use super::figures::Shown;

/// A 進捗率 as the workbook prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The share, 0 to 1; `None` when it is not meaningful.
    pub value: Option<f64>,
    /// Why it is blank or capped; empty when it is the plain share.
    pub note: String,
}

impl Progress {
    fn blank(note: impl Into<String>) -> Progress {
        Progress {
            value: None,
            note: note.into(),
        }
    }
}

/// The figures the share is read from, with their printed forms for the notes.
struct Way {
    baseline: (f64, String),
    actual: (f64, String),
    target: (f64, String),
}

/// The 進捗率 of an indicator under the rule of this module.
pub fn progress(i: &Indicator) -> Progress {
    if !matches!(i.direction, Direction::Higher | Direction::Lower) {
        let direction = texts::direction_label(i.direction);
        return Progress::blank(texts::progress_not_for_direction(direction));
    }
    match way(i) {
        Ok(way) => share(i.direction, &way),
        Err(note) => Progress::blank(note),
    }
}

/// The baseline (計画策定時, else 前期), the year's figure and the target, each a
/// single number; the reason when one is not.
fn way(i: &Indicator) -> Result<Way, String> {
    let baseline = figure(i, Period::Baseline)
        .or_else(|| figure(i, Period::Early))
        .ok_or_else(|| texts::progress_missing("基準値"))?;
    let actual = figure(i, Period::Actual).ok_or_else(|| texts::progress_missing("達成値"))?;
    let target = figure(i, Period::Target).ok_or_else(|| texts::progress_missing("目標値"))?;
    let cells = [&baseline, &actual, &target];
    if cells.iter().any(|(_, cell)| several_figures(&cell.printed)) {
        return Err(texts::PROGRESS_COMPOUND.to_string());
    }
    let shown = |(value, cell): (f64, &Cell)| {
        let printed = Shown::of(&cell.printed, Some(value), &i.unit)
            .map(|s| s.rendered())
            .unwrap_or_else(|| cell.printed.clone());
        (value, printed)
    };
    Ok(Way {
        baseline: shown(baseline),
        actual: shown(actual),
        target: shown(target),
    })
}

/// A period's number and the cell it was printed in; `同左` takes the figure on its left.
fn figure(i: &Indicator, period: Period) -> Option<(f64, &Cell)> {
    let index = Period::ALL.iter().position(|p| *p == period)?;
    let cells = i.cells.get(..=index)?;
    let printed_in = cells
        .iter()
        .rev()
        .find(|c| !says_same_as_left(&c.printed))?;
    Some((printed_in.value?, printed_in))
}

/// Whether a cell holds more than one figure (`8施設 98事業者`, `4,372人 (198人)`).
fn several_figures(printed: &str) -> bool {
    let o = Observation::parse(printed);
    o.quantities.len() > 1 || o.sub_value.is_some()
}

/// The share along a way, capped at 100%, or the reason it means nothing.
fn share(direction: Direction, w: &Way) -> Progress {
    let (b, a, t) = (w.baseline.0, w.actual.0, w.target.0);
    if (t - b).abs() <= f64::EPSILON * t.abs().max(1.0) {
        return Progress::blank(texts::PROGRESS_NO_DISTANCE);
    }
    let wants_more = direction == Direction::Higher;
    if (t > b) != wants_more {
        return Progress::blank(texts::PROGRESS_TARGET_BACKWARDS);
    }
    let share = (a - b) / (t - b);
    if share < 0.0 {
        return Progress::blank(texts::progress_moved_away(&w.baseline.1, &w.actual.1));
    }
    if share > 1.0 {
        return Progress {
            value: Some(1.0),
            note: texts::progress_capped(&w.actual.1, &w.target.1),
        };
    }
    Progress {
        value: Some(share),
        note: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;

    fn cell(period: Period, printed: &str) -> Cell {
        Cell {
            period: period.key().to_string(),
            printed: printed.to_string(),
            value: Observation::parse(printed).value(),
            source: None,
        }
    }

    fn indicator(direction: Direction, printed: [&str; 5]) -> Indicator {
        Indicator {
            id: "1-1.1".into(),
            name: "指標".into(),
            unit: "人".into(),
            direction,
            cells: Period::ALL
                .iter()
                .zip(printed)
                .map(|(p, t)| cell(*p, t))
                .collect(),
            status: Status::NotRated,
            status_label: String::new(),
            progress: None,
            change: None,
            note: String::new(),
            amendment_reason: String::new(),
            history: Vec::new(),
        }
    }

    fn figures() -> Vec<String> {
        let values = [0.0, 5.0, 50.0, 95.0, 100.0, 150.0, 1000.0];
        values.iter().map(|v| format!("{v}人")).collect()
    }

    #[test]
    fn every_progress_is_a_share_of_the_way_or_says_why_not() {
        let all = figures();
        let directions = [Direction::Higher, Direction::Lower, Direction::Floor];
        for direction in directions {
            for b in &all {
                for a in &all {
                    for t in &all {
                        let i = indicator(direction, [b, "—", "—", a, t]);
                        let p = progress(&i);
                        let sane = p.value.is_some_and(|v| (0.0..=1.0).contains(&v));
                        assert!(sane || !p.note.is_empty(), "{b} {a} {t}: {p:?}");
                        let capped_or_plain = p.value.is_none() || p.value < Some(1.0);
                        assert!(capped_or_plain || p.value == Some(1.0));
                    }
                }
            }
        }
    }

    #[test]
    fn a_share_is_printed_only_along_the_wanted_direction() {
        let fell = indicator(
            Direction::Higher,
            ["35,949人", "", "", "5,264人", "40,000人"],
        );
        assert_eq!(progress(&fell).value, None);
        assert!(progress(&fell).note.contains("35,949人"));
        let passed = indicator(Direction::Higher, ["100人", "", "", "373人", "200人"]);
        assert_eq!(progress(&passed).value, Some(1.0));
        let backwards = indicator(Direction::Higher, ["100人", "", "", "90人", "80人"]);
        assert_eq!(progress(&backwards).value, None);
        let waiting = indicator(Direction::Lower, ["243人", "", "190人", "92人", "0人"]);
        let share = progress(&waiting).value.unwrap();
        assert!((share - 151.0 / 243.0).abs() < 1e-9);
        assert!(progress(&waiting).note.is_empty());
    }

    #[test]
    fn cells_of_several_figures_missing_figures_and_other_directions_say_why() {
        let soho = [
            "8施設 98事業者",
            "",
            "",
            "11施設 107事業者",
            "12施設 105事業者",
        ];
        let with_sub = [
            "4,372人 (198人)",
            "",
            "",
            "1,524人 (78人)",
            "3,000人 (180人)",
        ];
        let words = ["2人", "", "", "—", "維持"];
        for cells in [soho, with_sub, words] {
            let p = progress(&indicator(Direction::Higher, cells));
            assert_eq!(p.value, None, "{cells:?}");
            assert!(!p.note.is_empty(), "{cells:?}");
        }
        let keep = indicator(Direction::Maintain, ["149か所", "", "", "147か所", "維持"]);
        assert!(progress(&keep).note.contains("維持"));
    }

    #[test]
    fn same_as_left_and_the_early_figure_stand_in() {
        let carried = indicator(Direction::Higher, ["", "10人", "20人", "同左", "30人"]);
        assert_eq!(progress(&carried).value, Some(0.5));
    }
}
