//! A figure as intake read it from its cell: what the store keeps and gives back.
//!
//! Intake parses a cell once ([`Observation::parse`]); what the reports need of that
//! reading (the printed text, the figure, the cell it came from) travels from there
//! through the store to consolidation unchanged, so no one parses the text again.

use super::japanese::fold_width;
use super::{Observation, ObservationKind, Period, Provisional, TypedFigure};

/// One period's cell of an indicator, as read at intake.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The column it fills.
    pub period: Period,
    /// What reports print: a figure in its one printed form (`12,345件`, see
    /// [`TypedFigure`]), other text as it was entered, trimmed.
    pub printed: String,
    /// The figure read from it (the first main figure), when it holds one.
    pub value: Option<f64>,
    /// The sheet it was read from: `目標指標`.
    pub sheet: String,
    /// The cell it was read from: `I7`.
    pub cell: String,
    /// The provisional mark the cell carried (`速報値`), kept apart from the figure.
    pub provisional: Option<String>,
}

impl Reading {
    /// What intake read from `sheet`!`cell` for `period`.
    pub fn new(period: Period, observation: &Observation, sheet: &str, cell: String) -> Self {
        Reading {
            period,
            printed: observation.printed.clone(),
            value: observation.value(),
            sheet: sheet.to_string(),
            cell,
            provisional: None,
        }
    }

    /// What intake read from a typed figure: its printed form, its number and its
    /// provisional mark.
    pub fn typed(period: Period, figure: &TypedFigure, sheet: &str, cell: String) -> Self {
        Reading {
            printed: figure.printed.clone(),
            provisional: figure.provisional.map(|p| p.label().to_string()),
            ..Reading::new(period, &figure.observation, sheet, cell)
        }
    }

    /// The figure as the reports print it, a provisional mark as a note: `265人 (速報値)`.
    pub fn noted(&self) -> String {
        Provisional::noted(&self.printed, self.provisional.as_deref())
    }

    /// The address as one text: `目標指標!I7`.
    pub fn address(&self) -> String {
        format!("{}!{}", self.sheet, self.cell)
    }

    /// Splits an address written by [`Reading::address`] into sheet and cell.
    pub fn split_address(address: &str) -> (String, String) {
        match address.rsplit_once('!') {
            Some((sheet, cell)) => (sheet.to_string(), cell.to_string()),
            None => (String::new(), address.to_string()),
        }
    }

    /// Whether the cell says `同左` (the figure on its left stands).
    pub fn says_same_as_left(&self) -> bool {
        self.value.is_none() && says_same_as_left(&self.printed)
    }

    /// Whether the cell holds a figure or one of the marks that stand for none
    /// (blank, `同左`, `—`), rather than words (`維持`).
    pub fn is_figure(&self) -> bool {
        self.value.is_some() || is_mark(&self.printed)
    }
}

/// Whether printed text is one of the marks that stand for no figure: blank, `同左`,
/// `—`. Reads the words only, never a figure.
pub fn is_mark(printed: &str) -> bool {
    word_kind(printed).is_some()
}

/// Whether printed text says `同左`. Reads the words only, never a figure.
pub fn says_same_as_left(printed: &str) -> bool {
    word_kind(printed) == Some(ObservationKind::SameAsLeft)
}

/// The kind of a cell that holds no figure by design: blank, `同左` or a dash.
pub(super) fn word_kind(printed: &str) -> Option<ObservationKind> {
    match fold_width(printed.trim()).trim() {
        "" => Some(ObservationKind::Blank),
        "同左" => Some(ObservationKind::SameAsLeft),
        "—" | "―" | "-" | "ー" | "‐" | "–" => Some(ObservationKind::NotAvailable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Reading {
        Reading::new(
            Period::Actual,
            &Observation::parse(text),
            "目標指標",
            "I7".into(),
        )
    }

    #[test]
    fn keeps_the_printed_text_the_figure_and_the_cell() {
        let reading = read(" 34,677件 ");
        assert_eq!(reading.printed, "34,677件");
        assert_eq!(reading.value, Some(34677.0));
        assert_eq!(reading.address(), "目標指標!I7");
        assert_eq!(
            Reading::split_address(&reading.address()),
            ("目標指標".to_string(), "I7".to_string())
        );
    }

    #[test]
    fn tells_the_marks_from_words_as_the_parse_does() {
        for text in [
            "",
            "同左",
            "同　左",
            "—",
            "-",
            "ー",
            "12件",
            "維持",
            "概ね5%を超えないこと",
        ] {
            let parsed = Observation::parse(text);
            let reading = read(text);
            assert_eq!(
                reading.is_figure(),
                parsed.kind != ObservationKind::Qualitative,
                "{text}"
            );
            assert_eq!(
                reading.says_same_as_left(),
                parsed.kind == ObservationKind::SameAsLeft,
                "{text}"
            );
        }
    }
}
