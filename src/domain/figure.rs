//! A figure as a clerk types it into a period cell, read for its row.
//!
//! The same figure arrives as `12,345`, `１２，３４５`, `12345件` or `１２，３４５ 件`;
//! a negative one as `▲5`, `△5`, `−5`; a provisional one as `265人（速報値）` or
//! `見込み 265人`. [`TypedFigure::read`] reads each for its row ([`RowForm`], learnt
//! from the plan's cells of the row): the number, the row's unit when none was
//! typed, a provisional mark kept apart from the number, and the one form the
//! reports print (`12,345件`). [`TypedFigure::doubts`] says what the clerk is told.

use super::japanese::fold_width;
use super::observation::format_quantity;
use super::{Observation, ObservationKind};

/// Units of a change rather than an amount: a figure in them may be negative.
const CHANGE_UNITS: [&str; 5] = ["ポイント", "pt", "増減", "差", "前年比"];

/// Scale words a clerk may type before the row's unit: `3万人` in a row of 人.
const SCALES: [(&str, f64); 4] = [("千", 1e3), ("万", 1e4), ("百万", 1e6), ("億", 1e8)];

/// How a row prints its figures, learnt from the plan's cells of the row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowForm {
    /// The unit the row declares (目標指標 単位; empty for a KPI).
    pub declared: String,
    /// The unit the row's figures are printed with: the unit of the plan's figures
    /// (`件`; empty for a row printed without one, such as `24,582` t-CO2).
    pub unit: String,
    /// The plan prints a space between figure and unit (`255 人`).
    pub spaced: bool,
    /// The plan's row holds figures (not only words and marks such as `—`).
    pub has_figures: bool,
    /// The most figures a plan cell of the row holds (2 for `8施設 98事業者`).
    pub figures_per_cell: usize,
    /// Every figure of the plan's row is a whole number.
    pub whole: bool,
    /// The figure cannot be negative: every figure the plan has for the row is 0 or
    /// more, and the unit is an amount (件, 人, %), not a change (ポイント).
    pub never_negative: bool,
}

impl RowForm {
    /// The form of a row whose plan cells are `planned` (baseline, early, middle,
    /// target; KPIs: earlier, baseline, target) and whose declared unit is `declared`.
    pub fn of(declared: &str, planned: &[&str]) -> Self {
        let measured: Vec<Observation> = planned
            .iter()
            .map(|text| Observation::parse(text))
            .filter(|o| o.kind == ObservationKind::Measured)
            .collect();
        let values: Vec<f64> = measured
            .iter()
            .flat_map(|o| o.quantities.iter().chain(&o.sub_value).map(|q| q.value))
            .collect();
        let single: Vec<&Observation> = measured
            .iter()
            .filter(|o| o.quantities.len() == 1)
            .collect();
        let units: Vec<&str> = single.iter().filter_map(|o| o.unit()).collect();
        let unit = match units.first() {
            Some(first) if units.iter().all(|u| u == first) => first.to_string(),
            _ => declared.to_string(),
        };
        let change = |u: &str| CHANGE_UNITS.iter().any(|c| u.contains(c));
        RowForm {
            declared: declared.to_string(),
            spaced: single.iter().any(|o| unit_after_space(&o.printed)),
            has_figures: !measured.is_empty(),
            figures_per_cell: measured
                .iter()
                .map(|o| o.quantities.len())
                .max()
                .unwrap_or(1),
            whole: !values.is_empty() && values.iter().all(|v| v.fract() == 0.0),
            never_negative: !values.is_empty()
                && values.iter().all(|v| *v >= 0.0)
                && !change(declared)
                && !change(&unit),
            unit,
        }
    }
}

/// `255 人`: the figure's unit stands after a space (brackets aside).
fn unit_after_space(printed: &str) -> bool {
    let folded = fold_width(printed);
    let main = folded.split('(').next().unwrap_or("").trim();
    main.contains(char::is_whitespace)
}

/// A figure not yet final, as the clerk marked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisional {
    /// 速報値: a first, quick count.
    Preliminary,
    /// 見込み: an estimate of what the year will come to.
    Projected,
    /// 暫定値: an interim figure.
    Interim,
}

impl Provisional {
    /// What a clerk types, longest first, and what it means.
    const WORDS: [(&'static str, Provisional); 7] = [
        ("速報値", Provisional::Preliminary),
        ("見込み", Provisional::Projected),
        ("見込値", Provisional::Projected),
        ("暫定値", Provisional::Interim),
        ("速報", Provisional::Preliminary),
        ("見込", Provisional::Projected),
        ("暫定", Provisional::Interim),
    ];

    /// The word the reports print in the note after the figure: `速報値`.
    pub fn label(self) -> &'static str {
        match self {
            Provisional::Preliminary => "速報値",
            Provisional::Projected => "見込み",
            Provisional::Interim => "暫定値",
        }
    }

    /// Reads a label written by [`Provisional::label`] (as the store keeps it).
    pub fn from_label(label: &str) -> Option<Self> {
        [
            Provisional::Preliminary,
            Provisional::Projected,
            Provisional::Interim,
        ]
        .into_iter()
        .find(|p| p.label() == label)
    }

    /// The figure as the reports print it, with its note: `265人 (速報値)`.
    pub fn noted(printed: &str, label: Option<&str>) -> String {
        match label {
            Some(label) if !printed.is_empty() => format!("{printed} ({label})"),
            _ => printed.to_string(),
        }
    }
}

/// What a clerk should be told about a typed figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doubt {
    /// Words where the row holds figures (`約12,000人`, `1,2345`).
    NotAFigure,
    /// A unit typed that is not the row's.
    OtherUnit,
    /// More figures than the row's cells hold (`12 345` reads as 12 and 345).
    SeveralFigures,
    /// A negative figure where the indicator cannot be negative.
    Negative,
    /// A figure marked as not final.
    Provisional(Provisional),
    /// `12.345` in a row of whole numbers: a decimal point, or a thousands separator?
    DecimalPoint,
}

/// A period cell as typed, read for its row.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedFigure {
    /// The reading: the provisional mark taken out, the row's unit where none was
    /// typed; its `printed` is the text as typed (messages quote it).
    pub observation: Observation,
    /// The form the reports print: `12,345件`, or the cell as typed when it is not a
    /// single figure (`8施設 98事業者`, `維持`).
    pub printed: String,
    /// The provisional mark, kept apart from the number.
    pub provisional: Option<Provisional>,
    /// Digits typed after the decimal point of the first figure.
    decimals: usize,
}

impl TypedFigure {
    /// Reads what was typed into a period cell of a row of form `form`.
    pub fn read(text: &str, form: &RowForm) -> Self {
        let typed = text.trim();
        let folded = fold_width(typed);
        let (rest, provisional) = match split_provisional(folded.trim()) {
            Some((rest, mark)) => (rest, Some(mark)),
            None => (folded.trim().to_string(), None),
        };
        let mut observation = Observation::parse(&rest);
        observation.printed = typed.to_string();
        let decimals = typed_decimals(&rest);
        let rescaled = in_row_unit(&mut observation, form);
        // Only spacing apart from the canonical form, in a row the plan prints with a
        // space too: kept as typed (the seed's `2,262 人`, `0 m ³`).
        let as_typed = |canonical: &str| {
            typed == folded
                && squashed(&rest) == squashed(canonical)
                && (form.spaced || !unit_after_space(&rest))
        };
        let printed = match canonical(&observation, &rest, form, decimals, rescaled) {
            Some(canonical) if as_typed(&canonical) => rest,
            Some(canonical) => canonical,
            None if provisional.is_some() => rest,
            None => typed.to_string(),
        };
        TypedFigure {
            observation,
            printed,
            provisional,
            decimals,
        }
    }

    /// What the clerk should be told about the figure, in the order found.
    pub fn doubts(&self, form: &RowForm) -> Vec<Doubt> {
        let o = &self.observation;
        let mut doubts = Vec::new();
        if o.kind == ObservationKind::Qualitative && form.has_figures {
            doubts.push(Doubt::NotAFigure);
        }
        if o.kind != ObservationKind::Measured {
            return doubts;
        }
        if o.quantities.len() > form.figures_per_cell {
            doubts.push(Doubt::SeveralFigures);
        } else if other_unit(o, form) {
            doubts.push(Doubt::OtherUnit);
        }
        let values = o.quantities.iter().chain(&o.sub_value).map(|q| q.value);
        if form.never_negative && values.into_iter().any(|v| v < 0.0) {
            doubts.push(Doubt::Negative);
        }
        if let Some(mark) = self.provisional {
            doubts.push(Doubt::Provisional(mark));
        }
        if form.whole && self.decimals == 3 {
            doubts.push(Doubt::DecimalPoint);
        }
        doubts
    }
}

/// A unit was typed, and it is neither the row's printed unit nor its declared one.
fn other_unit(o: &Observation, form: &RowForm) -> bool {
    let units: Vec<&str> = o.quantities.iter().map(|q| q.unit.as_str()).collect();
    let joined = fold_width(&units.join("・"));
    units.iter().any(|u| !u.is_empty())
        && joined != fold_width(&form.unit)
        && joined != fold_width(&form.declared)
}

/// Puts the row's unit on a single figure typed without one (or with the declared
/// unit the row prints without: `9,000t-CO2` in a row printed `9,676`), and reads
/// `3万人` in a row of 人 as 30000人. True when the figure was rescaled.
fn in_row_unit(observation: &mut Observation, form: &RowForm) -> bool {
    if observation.kind != ObservationKind::Measured || observation.quantities.len() != 1 {
        return false;
    }
    let quantity = &mut observation.quantities[0];
    if quantity.unit.is_empty() || fold_width(&quantity.unit) == fold_width(&form.declared) {
        quantity.unit = form.unit.clone();
        return false;
    }
    let scale = SCALES.iter().find(|(word, _)| {
        !form.unit.is_empty()
            && !form.unit.starts_with(word)
            && quantity.unit.strip_prefix(word) == Some(form.unit.as_str())
    });
    let Some((_, scale)) = scale else {
        return false;
    };
    quantity.value = (quantity.value * scale * 1e6).round() / 1e6;
    quantity.unit = form.unit.clone();
    true
}

/// The one printed form of a single figure: half-width digits, thousands commas,
/// the decimals typed, the row's unit (glued, or after a space where the plan's
/// row prints it so), a bound word, then any brackets as typed. `None` when the
/// cell is not a single figure.
fn canonical(
    o: &Observation,
    rest: &str,
    form: &RowForm,
    decimals: usize,
    rescaled: bool,
) -> Option<String> {
    if o.kind != ObservationKind::Measured || o.quantities.len() != 1 {
        return None;
    }
    let quantity = &o.quantities[0];
    let mut figure = format_quantity(quantity.value, "");
    let shown = figure.split_once('.').map_or(0, |(_, f)| f.len());
    if !rescaled && decimals > shown {
        figure.push_str(if shown == 0 { "." } else { "" });
        figure.push_str(&"0".repeat(decimals - shown));
    }
    let space = if form.spaced && !quantity.unit.is_empty() {
        " "
    } else {
        ""
    };
    let bound = o.bound.map_or("", |b| b.suffix());
    let mut printed = format!("{figure}{space}{}{bound}", quantity.unit);
    if let Some(open) = rest.find('(') {
        if rest[..open].ends_with(char::is_whitespace) {
            printed.push(' ');
        }
        printed.push_str(&rest[open..]);
    }
    Some(printed)
}

/// The digits typed after the decimal point of the first figure.
fn typed_decimals(rest: &str) -> usize {
    let figure: String = rest
        .trim_start_matches(|c: char| {
            super::observation::MINUS_SIGNS.contains(&c) || c.is_whitespace()
        })
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    figure.split_once('.').map_or(0, |(_, f)| f.len())
}

fn squashed(text: &str) -> String {
    text.split_whitespace().collect()
}

/// Takes a provisional mark out of a folded cell: `265人(速報値)`, `265人 ※速報値`,
/// `見込み 265人`, `265人 暫定`. `None` when there is none, or when what is left is
/// not a figure (`完成見込み` is words, not a mark).
fn split_provisional(folded: &str) -> Option<(String, Provisional)> {
    let (word, mark) = Provisional::WORDS
        .iter()
        .find(|(word, _)| folded.contains(word))?;
    let start = folded.find(word)?;
    let end = start + word.len();
    let before = folded[..start].trim_end_matches(['※', '*', ' ']);
    let after = folded[end..].trim_start_matches([':', ' ']);
    let (before, after) = match (before.strip_suffix('('), after.strip_prefix(')')) {
        (Some(b), Some(a)) => (b, a),
        _ => (before, after),
    };
    let rest = format!("{} {}", before.trim_end(), after.trim_start());
    let rest = rest.trim().to_string();
    let read = Observation::parse(&rest);
    (read.kind == ObservationKind::Measured).then_some((rest, *mark))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(declared: &str, planned: &[&str]) -> RowForm {
        RowForm::of(declared, planned)
    }

    fn counts() -> RowForm {
        form("件", &["34,677件", "60,359件", "293,478件", "400,000件"])
    }

    #[test]
    fn every_way_of_typing_a_figure_prints_one_way() {
        for typed in [
            "12,345",
            "１２，３４５",
            "12345件",
            "１２，３４５ 件",
            "12345",
            " 12,345件 ",
        ] {
            let figure = TypedFigure::read(typed, &counts());
            assert_eq!(figure.printed, "12,345件", "{typed}");
            assert_eq!(figure.observation.value(), Some(12345.0), "{typed}");
            assert_eq!(figure.observation.unit(), Some("件"), "{typed}");
            assert_eq!(figure.observation.printed, typed.trim(), "{typed}");
            assert!(figure.doubts(&counts()).is_empty(), "{typed}");
        }
    }

    #[test]
    fn a_row_printed_without_a_unit_or_with_a_space_keeps_its_form() {
        let tco2 = form("t-CO2", &["24,582", "10,249", "9,676", "12,747"]);
        assert_eq!(TypedFigure::read("９６７６", &tco2).printed, "9,676");
        assert_eq!(TypedFigure::read("9676t-CO2", &tco2).printed, "9,676");
        let spaced = form("", &["255 人", "300 人"]);
        assert_eq!(TypedFigure::read("２６９", &spaced).printed, "269 人");
        assert_eq!(TypedFigure::read("269人", &spaced).printed, "269人");
        let cubic = form("m³", &["0 m ³", "0 m ³"]);
        assert_eq!(TypedFigure::read("0 m ³", &cubic).printed, "0 m ³");
        let share = form("%", &["38.8%", "50.0%"]);
        assert_eq!(TypedFigure::read("５０．０", &share).printed, "50.0%");
        assert_eq!(TypedFigure::read("50.0 %", &share).printed, "50.0%");
        assert_eq!(
            TypedFigure::read("12,345 件", &counts()).printed,
            "12,345件"
        );
    }

    #[test]
    fn brackets_bounds_and_two_figure_cells_print_as_the_white_paper_does() {
        let people = form("人", &["4,372人 (198人)", "3,000人 (180人)"]);
        let f = TypedFigure::read("２３１８人（１４０人）", &people);
        assert_eq!(f.printed, "2,318人(140人)");
        assert_eq!(
            f.observation.sub_value.as_ref().map(|q| q.value),
            Some(140.0)
        );
        let firms = form("事業所", &["326事業所 (平成21年)"]);
        assert_eq!(
            TypedFigure::read("231事業所 (平成28年)", &firms).printed,
            "231事業所 (平成28年)"
        );
        let cars = form("台", &["80台以下"]);
        assert_eq!(TypedFigure::read("８０台以下", &cars).printed, "80台以下");
        let soho = form("施設・事業者", &["8施設 98事業者"]);
        assert_eq!(
            TypedFigure::read("8施設 98事業者", &soho).printed,
            "8施設 98事業者"
        );
        let kpi = form("", &["209 人 (注 1)", "0 人"]);
        assert_eq!(
            TypedFigure::read("70 人 (注 3)", &kpi).printed,
            "70 人 (注 3)"
        );
    }

    #[test]
    fn every_japanese_minus_sign_reads_as_minus() {
        for typed in ["▲5", "△5", "−5", "－5", "-5", "‐5", "▲ 5", "▲５人"] {
            let figure = TypedFigure::read(typed, &form("人", &["2,665人", "6,000人"]));
            assert_eq!(figure.observation.value(), Some(-5.0), "{typed}");
            assert_eq!(figure.printed, "-5人", "{typed}");
        }
    }

    #[test]
    fn a_negative_figure_is_doubted_only_where_the_row_cannot_be_negative() {
        let people = form("人", &["2,665人", "6,000人"]);
        assert_eq!(
            TypedFigure::read("▲5", &people).doubts(&people),
            vec![Doubt::Negative]
        );
        let change = form("ポイント", &["1.2ポイント", "3.0ポイント"]);
        assert!(TypedFigure::read("▲0.5", &change)
            .doubts(&change)
            .is_empty());
        let balance = form("百万円", &["-120百万円", "300百万円"]);
        assert!(TypedFigure::read("△50", &balance)
            .doubts(&balance)
            .is_empty());
    }

    #[test]
    fn provisional_marks_are_kept_apart_from_the_figure() {
        let people = form("人", &["255人", "300人"]);
        for (typed, mark) in [
            ("265人（速報値）", Provisional::Preliminary),
            ("265人(見込み)", Provisional::Projected),
            ("265人 暫定", Provisional::Interim),
            ("見込み 265人", Provisional::Projected),
            ("265人（暫定値）", Provisional::Interim),
            ("265人 ※速報値", Provisional::Preliminary),
            ("２６５ ※速報", Provisional::Preliminary),
            ("速報値：265人", Provisional::Preliminary),
        ] {
            let figure = TypedFigure::read(typed, &people);
            assert_eq!(figure.observation.value(), Some(265.0), "{typed}");
            assert_eq!(figure.printed, "265人", "{typed}");
            assert_eq!(figure.provisional, Some(mark), "{typed}");
            assert_eq!(
                figure.doubts(&people),
                vec![Doubt::Provisional(mark)],
                "{typed}"
            );
        }
        let words = TypedFigure::read("完成見込み", &form("", &["維持"]));
        assert_eq!(words.provisional, None);
        assert_eq!(words.printed, "完成見込み");
        assert_eq!(
            Provisional::noted("265人", Some("速報値")),
            "265人 (速報値)"
        );
    }

    #[test]
    fn forms_that_could_be_misread_are_read_right_or_doubted() {
        let people = form("人", &["2,665人", "6,000人"]);
        let read = |typed: &str| TypedFigure::read(typed, &people);
        for typed in ["1,2345", "約12,000人", "R3: 265人", "12、345人"] {
            assert_eq!(
                read(typed).doubts(&people),
                vec![Doubt::NotAFigure],
                "{typed}"
            );
        }
        assert_eq!(read("12 345").doubts(&people), vec![Doubt::SeveralFigures]);
        assert_eq!(
            read("2021年度 265人").doubts(&people),
            vec![Doubt::SeveralFigures]
        );
        assert_eq!(read("12.345").doubts(&people), vec![Doubt::DecimalPoint]);
        assert_eq!(read("12，345．5").observation.value(), Some(12345.5));
        assert_eq!(read("1万2,345人").printed, "12,345人");
        assert_eq!(read("3万人").printed, "30,000人");
        assert_eq!(read("12,000人以上").observation.value(), Some(12000.0));
        assert_eq!(read("12,000人以上").printed, "12,000人以上");
        assert_eq!(read("265件").doubts(&people), vec![Doubt::OtherUnit]);
    }
}
