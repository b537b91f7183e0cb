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

/// Scale characters a unit may begin with (`3万人`, `1,200千円`, `百万円`): one of 千百十,
/// then one of 万億兆, each optional.
const SMALL_SCALES: [(char, f64); 3] = [('千', 1e3), ('百', 1e2), ('十', 1e1)];
const MYRIADS: [(char, f64); 3] = [('兆', 1e12), ('億', 1e8), ('万', 1e4)];

/// Characters no unit begins with: what follows a figure starting so is a slip
/// (`5-人`), not a unit.
const NO_UNIT_START: [char; 12] = ['-', '+', '.', ',', '/', '~', '〜', '=', ':', ';', '*', '^'];

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
    /// The figures every plan cell of the row holds (2 when each is `8施設 98事業者`;
    /// 1 when any holds one figure): a cell typed with fewer lacks a part.
    pub figures_every_cell: usize,
    /// A plan cell of the row holds a bracketed second figure (`4,372人 (198人)`);
    /// elsewhere a bracketed figure is a second number in the cell, not a note.
    pub sub_values: bool,
    /// Every main figure of the plan's row is a whole number.
    pub whole: bool,
    /// The figure cannot be negative: every main figure the plan has for the row is 0
    /// or more, and the unit is an amount (件, 人, %), not a change (ポイント). A
    /// bracketed change beside it (`4,050人 (▲5人)`) may be negative.
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
            .flat_map(|o| o.quantities.iter().map(|q| q.value))
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
            sub_values: measured.iter().any(|o| o.sub_value.is_some()),
            figures_per_cell: measured
                .iter()
                .map(|o| o.quantities.len())
                .max()
                .unwrap_or(1),
            figures_every_cell: measured
                .iter()
                .map(|o| o.quantities.len())
                .min()
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
    /// 推計値: estimated from a sample or a model, not counted.
    Estimated,
    /// 概数: a round figure.
    Round,
    /// 概算: a rough calculation.
    Rough,
    /// 予定: what is planned, not what happened.
    Planned,
    /// 集計中: still being counted.
    Counting,
    /// 未確定: not yet confirmed.
    Unconfirmed,
    /// 仮: a placeholder.
    Tentative,
}

impl Provisional {
    /// What a clerk types, longest first, and what it means.
    const WORDS: [(&'static str, Provisional); 30] = [
        ("途中経過", Provisional::Interim),
        ("見込み値", Provisional::Projected),
        ("速報値", Provisional::Preliminary),
        ("見込み", Provisional::Projected),
        ("見込値", Provisional::Projected),
        ("見込数", Provisional::Projected),
        ("見通し", Provisional::Projected),
        ("予測値", Provisional::Projected),
        ("暫定値", Provisional::Interim),
        ("暫定版", Provisional::Interim),
        ("中間値", Provisional::Interim),
        ("推計値", Provisional::Estimated),
        ("推定値", Provisional::Estimated),
        ("概数値", Provisional::Round),
        ("試算値", Provisional::Rough),
        ("集計中", Provisional::Counting),
        ("仮集計", Provisional::Counting),
        ("未確定", Provisional::Unconfirmed),
        ("速報", Provisional::Preliminary),
        ("見込", Provisional::Projected),
        ("予測", Provisional::Projected),
        ("暫定", Provisional::Interim),
        ("推計", Provisional::Estimated),
        ("推定", Provisional::Estimated),
        ("概数", Provisional::Round),
        ("概算", Provisional::Rough),
        ("試算", Provisional::Rough),
        ("予定", Provisional::Planned),
        ("仮値", Provisional::Tentative),
        ("仮", Provisional::Tentative),
    ];

    const ALL: [Provisional; 10] = [
        Provisional::Preliminary,
        Provisional::Projected,
        Provisional::Interim,
        Provisional::Estimated,
        Provisional::Round,
        Provisional::Rough,
        Provisional::Planned,
        Provisional::Counting,
        Provisional::Unconfirmed,
        Provisional::Tentative,
    ];

    /// The word the reports print in the note after the figure: `速報値`.
    pub fn label(self) -> &'static str {
        match self {
            Provisional::Preliminary => "速報値",
            Provisional::Projected => "見込み",
            Provisional::Interim => "暫定値",
            Provisional::Estimated => "推計値",
            Provisional::Round => "概数",
            Provisional::Rough => "概算",
            Provisional::Planned => "予定",
            Provisional::Counting => "集計中",
            Provisional::Unconfirmed => "未確定",
            Provisional::Tentative => "仮",
        }
    }

    /// Reads a label written by [`Provisional::label`] (as the store keeps it).
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.label() == label)
    }

    /// The first provisional word in `text`, wherever it stands.
    fn found_in(text: &str) -> Option<Self> {
        Self::WORDS
            .iter()
            .find(|(word, _)| text.contains(word))
            .map(|(_, mark)| *mark)
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
    /// Fewer figures than every cell of the row holds (`11` where the row prints
    /// `8施設 98事業者`): a part is missing, and one number cannot carry both units.
    TooFewFigures,
    /// A negative figure where the indicator cannot be negative.
    Negative,
    /// A figure marked as not final.
    Provisional(Provisional),
    /// A provisional word that is not a mark standing alone (`203,000件 (速報値、3月末時点)`,
    /// `12345件 ※R3.5.1時点の速報値`): what the figure is, is not clear.
    MisplacedMark(Provisional),
    /// Text glued after the figure that is no unit (`2.9e5`, `0x47A5E`, `5人減`, `5-人`):
    /// the digits before it are not the figure meant.
    Unreadable,
    /// `12.345` in a row of whole numbers: a decimal point, or a thousands separator?
    DecimalPoint,
    /// Decimals in a row of whole numbers (`4.05`, `29.8888888888889`).
    Decimals,
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
    /// A provisional word typed that is not a mark standing alone.
    misplaced_mark: Option<Provisional>,
    /// Digits typed after the decimal point of the first figure.
    decimals: usize,
    /// The figure was typed in another scale than the row's (`3万人`, `3.4億円`).
    rescaled: bool,
}

impl TypedFigure {
    /// Reads what was typed into a period cell of a row of form `form`.
    pub fn read(text: &str, form: &RowForm) -> Self {
        let cleaned = cleaned(text);
        let typed = cleaned.trim();
        let folded = fold_width(typed);
        let (rest, provisional, misplaced_mark) = match split_provisional(folded.trim()) {
            Mark::Alone(rest, mark) => (rest, Some(mark), None),
            Mark::Misplaced(mark) => (folded.trim().to_string(), None, Some(mark)),
            Mark::None => (folded.trim().to_string(), None, None),
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
            misplaced_mark,
            decimals,
            rescaled,
        }
    }

    /// What the clerk should be told about the figure, in the order found. A figure
    /// that cannot be read (a misplaced mark, text after it) is told that alone.
    pub fn doubts(&self, form: &RowForm) -> Vec<Doubt> {
        let o = &self.observation;
        let measured = o.kind == ObservationKind::Measured;
        match self.misplaced_mark {
            Some(mark) if measured && form.has_figures => return vec![Doubt::MisplacedMark(mark)],
            _ => {}
        }
        let mut doubts = Vec::new();
        if o.kind == ObservationKind::Qualitative && form.has_figures {
            doubts.push(Doubt::NotAFigure);
        }
        if !measured {
            return doubts;
        }
        let stray_sub_value = o.sub_value.is_some() && !form.sub_values;
        if o.quantities.len() > form.figures_per_cell || stray_sub_value {
            doubts.push(Doubt::SeveralFigures);
        } else if o.quantities.len() < form.figures_every_cell {
            doubts.push(Doubt::TooFewFigures);
        } else if unreadable_tail(o, form).is_some() {
            return vec![Doubt::Unreadable];
        } else if other_unit(o, form) {
            doubts.push(Doubt::OtherUnit);
        }
        // Only the main figures: a bracketed change beside them may be negative.
        if form.never_negative && o.quantities.iter().any(|q| q.value < 0.0) {
            doubts.push(Doubt::Negative);
        }
        if let Some(mark) = self.provisional {
            doubts.push(Doubt::Provisional(mark));
        }
        doubts.extend(self.decimal_doubt(form));
        doubts
    }

    /// Decimals in a row of whole numbers: exactly three typed may be a thousands
    /// separator; a rescaled figure (`0.027万人` is 270人) is judged by its value.
    fn decimal_doubt(&self, form: &RowForm) -> Option<Doubt> {
        let value = self.observation.value()?;
        if !form.whole {
            return None;
        }
        match (self.rescaled, self.decimals) {
            (false, 3) => Some(Doubt::DecimalPoint),
            (false, 0) => None,
            (false, _) => Some(Doubt::Decimals),
            (true, _) => (value.fract() != 0.0).then_some(Doubt::Decimals),
        }
    }
}

/// The text after a single figure that is no unit: `e5` of `2.9e5`, `x47A5E` of
/// `0x47A5E`, `人減` of `5人減`, `-人` of `5-人`. `None` when there is none, or when it
/// is a unit (the row's, or another: that is [`Doubt::OtherUnit`]).
pub fn unreadable_tail<'a>(o: &'a Observation, form: &RowForm) -> Option<&'a str> {
    let [quantity] = o.quantities.as_slice() else {
        return None;
    };
    let tail = fold_width(&quantity.unit);
    let row = [fold_width(&form.unit), fold_width(&form.declared)];
    if tail.is_empty() || row.contains(&tail) {
        return None;
    }
    let slip = tail.contains(|c: char| c.is_ascii_digit())
        || tail.starts_with(NO_UNIT_START)
        || tail.starts_with(super::observation::MINUS_SIGNS)
        || tail.contains(['増', '減'])
        || row
            .iter()
            .any(|u| !u.is_empty() && tail.contains(u.as_str()));
    slip.then_some(quantity.unit.as_str())
}

/// Invisible characters pasted from the web (zero-width spaces and joiners, word
/// joiners, byte-order marks, direction marks, soft hyphens) are dropped, and line
/// breaks and tabs read as spaces: none may change how a figure reads.
fn cleaned(text: &str) -> String {
    text.chars()
        .filter(|c| !invisible(*c))
        .map(|c| match c {
            '\n' | '\r' | '\t' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{A0}' => ' ',
            '\u{2028}' | '\u{2029}' => ' ',
            c => c,
        })
        .collect()
}

fn invisible(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}')
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
/// unit the row prints without: `9,000t-CO2` in a row printed `9,676`), and reads a
/// figure typed in another scale of the row's unit in the row's scale: `3万人` and
/// `20万` in a row of 人 as 30,000人 and 200,000人, `3.4億円` in a row of 百万円 as
/// 340百万円. True when the figure was rescaled.
fn in_row_unit(observation: &mut Observation, form: &RowForm) -> bool {
    if observation.kind != ObservationKind::Measured || observation.quantities.len() != 1 {
        return false;
    }
    let quantity = &mut observation.quantities[0];
    let typed = fold_width(&quantity.unit);
    if typed.is_empty() || typed == fold_width(&form.declared) {
        quantity.unit = form.unit.clone();
        return false;
    }
    let (typed_scale, typed_base) = scale_of(&typed);
    let printed = fold_width(&form.unit);
    let declared = fold_width(&form.declared);
    let row_scale = [&printed, &declared].into_iter().find_map(|unit| {
        let (scale, base) = scale_of(unit);
        let same = base == typed_base || (typed_base.is_empty() && unit == &printed);
        same.then_some(scale)
    });
    let Some(row_scale) = row_scale else {
        return false;
    };
    quantity.unit = form.unit.clone();
    if typed_scale == row_scale {
        return false;
    }
    let value = quantity.value * typed_scale / row_scale;
    quantity.value = (value * 1e6).round() / 1e6;
    true
}

/// Splits a unit into the scale it begins with and the rest: `百万円` → 1e6 and `円`,
/// `千万件` → 1e7 and `件`, `万` → 1e4 and nothing, `件` → 1 and `件`.
fn scale_of(unit: &str) -> (f64, &str) {
    let mut scale = 1.0;
    let mut rest = unit;
    for table in [&SMALL_SCALES, &MYRIADS] {
        if let Some((c, factor)) = table.iter().find(|(c, _)| rest.starts_with(*c)) {
            scale *= factor;
            rest = &rest[c.len_utf8()..];
        }
    }
    (scale, rest)
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

/// What a cell says of a provisional mark.
enum Mark {
    /// No provisional word.
    None,
    /// A mark standing alone, taken out: what is left, and the mark.
    Alone(String, Provisional),
    /// A provisional word elsewhere: in a bracket with other words, twice, unclosed.
    Misplaced(Provisional),
}

/// Brackets a mark may stand in, after width folding (`（）` and `［］` fold to `()`
/// and `[]`).
const BRACKETS: [(char, char); 4] = [('(', ')'), ('[', ']'), ('【', '】'), ('〔', '〕')];

/// Takes a provisional mark out of a folded cell when it stands alone: `265人(速報値)`,
/// `265人【速報値】`, `265人 ※速報値`, `見込み 265人`, `265人 暫定`. A provisional word
/// anywhere else is misplaced. A mark whose rest is not a figure (`完成見込み`, `約12,000人
/// (見込み)`) is words, not a mark.
fn split_provisional(folded: &str) -> Mark {
    // `(速 報 値)`, a line break typed inside the word: the word all the same.
    let compact = without_spaces_in_brackets(folded);
    let folded = compact.as_str();
    let Some(first) = Provisional::found_in(folded) else {
        return Mark::None;
    };
    let alone = Provisional::WORDS.iter().find_map(|(word, mark)| {
        let rest = bracketed(folded, word)
            .or_else(|| leading(folded, word))
            .or_else(|| trailing(folded, word))?;
        Some((rest, *mark))
    });
    match alone {
        Some((rest, _)) if Provisional::found_in(&rest).is_some() => Mark::Misplaced(first),
        Some((rest, mark)) if Observation::parse(&rest).kind == ObservationKind::Measured => {
            Mark::Alone(rest, mark)
        }
        Some(_) => Mark::None,
        None => Mark::Misplaced(first),
    }
}

/// The text with the spaces inside its brackets taken out (the figure's own spacing
/// outside them is kept).
fn without_spaces_in_brackets(text: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if BRACKETS.iter().any(|(open, _)| *open == c) {
            depth += 1;
        } else if BRACKETS.iter().any(|(_, close)| *close == c) {
            depth = depth.saturating_sub(1);
        }
        if depth == 0 || !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// `265人 (速報値)`: a bracket holding only the mark (a `※` before it aside).
fn bracketed(text: &str, word: &str) -> Option<String> {
    for (open, close) in BRACKETS {
        for (start, _) in text.match_indices(open) {
            let inner_start = start + open.len_utf8();
            let Some(length) = text[inner_start..].find(close) else {
                continue;
            };
            let inner = text[inner_start..inner_start + length].trim();
            if inner.trim_start_matches(['※', '*']).trim() == word {
                let end = inner_start + length + close.len_utf8();
                return Some(joined(&text[..start], &text[end..]));
            }
        }
    }
    None
}

/// `見込み 265人`, `速報値:265人`: the mark first, then the figure.
fn leading(text: &str, word: &str) -> Option<String> {
    let after = text.strip_prefix(word)?;
    let apart = after.starts_with([':', ' ']) || after.starts_with(|c: char| c.is_ascii_digit());
    apart.then(|| after.trim_start_matches([':', ' ']).trim().to_string())
}

/// `265人 暫定`, `265人 ※速報値`, `265人※速報値`: the figure, then the mark alone.
fn trailing(text: &str, word: &str) -> Option<String> {
    let before = text.strip_suffix(word)?;
    let trimmed = before.trim_end();
    match trimmed.strip_suffix(['※', '*']) {
        Some(figure) => Some(figure.trim().to_string()),
        None => (trimmed.len() < before.len()).then(|| trimmed.to_string()),
    }
}

fn joined(before: &str, after: &str) -> String {
    format!("{} {}", before.trim_end(), after.trim_start())
        .trim()
        .to_string()
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
    fn a_row_of_two_figures_to_a_cell_wants_both() {
        let soho = form(
            "施設・事業者",
            &["5施設 56事業者", "8施設 98事業者", "10施設"],
        );
        assert_eq!(soho.figures_every_cell, 1, "one plan cell holds one figure");
        let both = form("施設・事業者", &["5施設 56事業者", "8施設 98事業者"]);
        assert_eq!(both.figures_every_cell, 2);
        for typed in ["11", "11施設", "１１事業者"] {
            let read = TypedFigure::read(typed, &both);
            assert_eq!(read.doubts(&both), vec![Doubt::TooFewFigures], "{typed}");
        }
        let read = TypedFigure::read("11施設 107事業者", &both);
        assert!(read.doubts(&both).is_empty());
        let read = TypedFigure::read("11", &soho);
        assert!(!read.doubts(&soho).contains(&Doubt::TooFewFigures));
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

    #[test]
    fn a_scale_typed_with_or_without_the_unit_reads_in_the_row_scale() {
        let yen = form("百万円", &["3,000百万円", "3,400百万円"]);
        for (typed, row, value, printed) in [
            ("1万2千件", counts(), 12000.0, "12,000件"),
            ("20万3千件", counts(), 203000.0, "203,000件"),
            ("1億2,345万件", counts(), 123450000.0, "123,450,000件"),
            ("20万", counts(), 200000.0, "200,000件"),
            ("20.3万", counts(), 203000.0, "203,000件"),
            ("203千", counts(), 203000.0, "203,000件"),
            ("2千万件", counts(), 20000000.0, "20,000,000件"),
            ("3.4億円", yen.clone(), 340.0, "340百万円"),
            ("33,653,000千円", yen.clone(), 33653.0, "33,653百万円"),
            ("340百万円", yen.clone(), 340.0, "340百万円"),
            ("0.027万件", counts(), 270.0, "270件"),
        ] {
            let figure = TypedFigure::read(typed, &row);
            assert_eq!(figure.observation.value(), Some(value), "{typed}");
            assert_eq!(figure.printed, printed, "{typed}");
            assert!(figure.doubts(&row).is_empty(), "{typed}");
        }
    }

    #[test]
    fn text_after_the_digits_that_is_no_unit_is_unreadable() {
        let people = form("人", &["2,665人", "6,000人"]);
        for typed in ["2.9e5", "0x47A5E", "5人減", "5-人", "5人増", "20万人減"] {
            let figure = TypedFigure::read(typed, &people);
            assert_eq!(figure.doubts(&people), vec![Doubt::Unreadable], "{typed}");
        }
        let bare = form("", &["24,582", "9,676"]);
        for typed in ["2.9e5", "0x47A5E", "5減"] {
            let figure = TypedFigure::read(typed, &bare);
            assert_eq!(figure.doubts(&bare), vec![Doubt::Unreadable], "{typed}");
        }
        assert_eq!(
            TypedFigure::read("265件", &people).doubts(&people),
            vec![Doubt::OtherUnit]
        );
    }

    #[test]
    fn a_provisional_word_not_standing_alone_is_misplaced() {
        let people = form("人", &["255人", "300人"]);
        for (typed, mark) in [
            (
                "203,000人 （速報値、令和3年3月末時点）",
                Provisional::Preliminary,
            ),
            ("12345人 ※R3.5.1時点の速報値", Provisional::Preliminary),
            ("202,850人 (速報値", Provisional::Preliminary),
            ("12,345人(見込み) 速報", Provisional::Projected),
            ("12,345人暫定", Provisional::Interim),
        ] {
            let figure = TypedFigure::read(typed, &people);
            assert_eq!(figure.provisional, None, "{typed}");
            assert_eq!(
                figure.doubts(&people),
                vec![Doubt::MisplacedMark(mark)],
                "{typed}"
            );
        }
        for typed in [
            "12345人【速報値】",
            "12345人［速報値］",
            "12345人〔速報値〕",
            "12345人 (速報値)",
        ] {
            let figure = TypedFigure::read(typed, &people);
            assert_eq!(figure.printed, "12,345人", "{typed}");
            assert_eq!(
                figure.provisional,
                Some(Provisional::Preliminary),
                "{typed}"
            );
        }
        let words = form("", &["維持"]);
        assert!(TypedFigure::read("令和3年度完成見込み", &words)
            .doubts(&words)
            .is_empty());
    }

    #[test]
    fn every_provisional_word_is_a_mark_with_its_label() {
        let people = form("人", &["255人", "300人"]);
        for (word, label) in [
            ("推計", "推計値"),
            ("推計値", "推計値"),
            ("概数", "概数"),
            ("概算", "概算"),
            ("予定", "予定"),
            ("集計中", "集計中"),
            ("未確定", "未確定"),
            ("仮", "仮"),
        ] {
            for typed in [
                format!("265人（{word}）"),
                format!("265人({word})"),
                format!("{word} 265人"),
            ] {
                let figure = TypedFigure::read(&typed, &people);
                assert_eq!(figure.printed, "265人", "{typed}");
                let mark = figure.provisional.expect(&typed);
                assert_eq!(mark.label(), label, "{typed}");
                assert_eq!(Provisional::from_label(label), Some(mark));
            }
        }
    }

    #[test]
    fn a_negative_change_beside_the_figure_is_no_negative_figure() {
        let people = form("人", &["4,372人 (198人)", "3,000人 (180人)"]);
        for typed in ["4,050人 (▲5人)", "4,050人 (△5%)", "1,524人 (▲78人)"] {
            let figure = TypedFigure::read(typed, &people);
            assert!(figure.doubts(&people).is_empty(), "{typed}");
        }
        assert_eq!(
            TypedFigure::read("▲4,050人 (5人)", &people).doubts(&people),
            vec![Doubt::Negative]
        );
        assert!(form("人", &["4,050人 (▲5人)"]).never_negative);
    }

    #[test]
    fn any_decimals_in_a_row_of_whole_numbers_are_doubted() {
        let people = form("人", &["2,665人", "6,000人"]);
        let doubts = |typed: &str| TypedFigure::read(typed, &people).doubts(&people);
        assert_eq!(doubts("12.345"), vec![Doubt::DecimalPoint]);
        for typed in ["1.2345", "4.0500", "293478.6", "29.8888888888889", "12.0"] {
            assert_eq!(doubts(typed), vec![Doubt::Decimals], "{typed}");
        }
        assert!(doubts("0.027万人").is_empty());
        assert_eq!(doubts("0.02755万人"), vec![Doubt::Decimals]);
        let share = form("%", &["38.8%", "50.0%"]);
        assert!(TypedFigure::read("1.2345", &share)
            .doubts(&share)
            .is_empty());
    }

    #[test]
    fn invisible_characters_and_line_breaks_do_not_change_the_reading() {
        for typed in [
            "12,345\u{200B}件",
            "\u{FEFF}12,345件",
            "12,345件\u{2060}",
            "1\u{200D}2,345件",
            "12,345\u{200C}",
        ] {
            let figure = TypedFigure::read(typed, &counts());
            assert_eq!(figure.observation.value(), Some(12345.0), "{typed:?}");
            assert_eq!(figure.printed, "12,345件", "{typed:?}");
            assert!(figure.doubts(&counts()).is_empty(), "{typed:?}");
        }
        let figure = TypedFigure::read("293,478件\n（速報値）", &counts());
        assert_eq!(figure.printed, "293,478件");
        assert_eq!(figure.provisional, Some(Provisional::Preliminary));
        assert_eq!(figure.observation.printed, "293,478件 （速報値）");
    }
}
