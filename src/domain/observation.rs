//! One cell of an indicator table, as printed and as read.
//!
//! White-paper cells are not plain numbers: `34,677件`, `326事業所 (平成21年)`,
//! `8施設 98事業者`, `4,372人 (198人)`, `1件 (⑤)`, `同左`, `—`, `維持`. An
//! [`Observation`] keeps the printed text (reports print it as it was) next to
//! what it says (charts plot the number).

use super::japanese::{fold_width, parse_calendar_year};
use super::FiscalYear;

/// A number with the unit printed after it: `34,677件` → 34677 and `件`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The number, with the thousands separators and full-width digits read (34677).
    pub value: f64,
    /// What follows the number (件, %, 人); may be empty.
    pub unit: String,
}

/// A bound written after a figure: `80台以下`, `3,000人以上`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// 以下: at most.
    AtMost,
    /// 以上: at least.
    AtLeast,
    /// 未満: less than.
    Below,
    /// 超: more than.
    Above,
}

impl Bound {
    /// The word printed after the figure: `以下`.
    pub fn suffix(self) -> &'static str {
        Self::SUFFIXES
            .iter()
            .find(|(_, bound)| *bound == self)
            .map_or("", |(suffix, _)| suffix)
    }

    const SUFFIXES: [(&'static str, Bound); 4] = [
        ("以下", Bound::AtMost),
        ("以上", Bound::AtLeast),
        ("未満", Bound::Below),
        ("超", Bound::Above),
    ];
}

/// What kind of content a cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservationKind {
    /// One or more figures: `34,677件`, `8施設 98事業者`.
    Measured,
    /// `同左`: the same as the column on the left.
    SameAsLeft,
    /// `—`: no figure exists for that period.
    NotAvailable,
    /// Words, not a figure: `維持`, `都市計画決定`, `概ね5%を超えないこと`.
    Qualitative,
    /// Nothing was entered.
    Blank,
}

/// A cell of an indicator table: the printed text and its reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The text as it was entered, trimmed; reports print this.
    pub printed: String,
    /// What the text was read as: a number, a range, words, or nothing.
    pub kind: ObservationKind,
    /// The main figures; two for a compound cell such as `8施設 98事業者`.
    pub quantities: Vec<Quantity>,
    /// A bracketed second figure: the `198人` of `4,372人 (198人)`.
    pub sub_value: Option<Quantity>,
    /// The calendar year a figure was observed in, when the cell names one:
    /// `326事業所 (平成21年)` → 2009.
    pub observed_year: Option<i32>,
    /// Notes and references in brackets: `注1`, `⑤`, `①②③④`, `④※⑤`.
    pub annotations: Vec<String>,
    /// A bound after the figure, as targets have: `80台以下`.
    pub bound: Option<Bound>,
}

impl Observation {
    /// Reads a cell. Never fails: text that is not a figure is [`ObservationKind::Qualitative`].
    ///
    /// # Examples
    ///
    /// ```
    /// use hakusho::domain::{Observation, ObservationKind};
    ///
    /// let cell = Observation::parse("326事業所 (平成21年)");
    /// assert_eq!(cell.value(), Some(326.0));
    /// assert_eq!(cell.unit(), Some("事業所"));
    /// assert_eq!(cell.observed_year, Some(2009));
    /// assert_eq!(cell.printed, "326事業所 (平成21年)");
    /// assert_eq!(Observation::parse("維持").kind, ObservationKind::Qualitative);
    /// ```
    pub fn parse(text: &str) -> Self {
        let printed = text.trim().to_string();
        match super::reading::word_kind(&printed) {
            Some(kind) => Self::without_figures(printed, kind),
            None => {
                let folded = fold_width(&printed);
                Self::parse_figures(printed.clone(), folded.trim())
            }
        }
    }

    /// The first main figure, the one a chart plots.
    pub fn value(&self) -> Option<f64> {
        self.quantities.first().map(|q| q.value)
    }

    /// The unit of the first main figure.
    pub fn unit(&self) -> Option<&str> {
        self.quantities.first().map(|q| q.unit.as_str())
    }

    fn without_figures(printed: String, kind: ObservationKind) -> Self {
        Observation {
            printed,
            kind,
            quantities: Vec::new(),
            sub_value: None,
            observed_year: None,
            annotations: Vec::new(),
            bound: None,
        }
    }

    fn parse_figures(printed: String, folded: &str) -> Self {
        let (main, brackets) = split_brackets(folded);
        let Some(mut quantities) = parse_quantities(main).filter(|q| !q.is_empty()) else {
            return Self::without_figures(printed, ObservationKind::Qualitative);
        };
        let mut observation = Self::without_figures(printed, ObservationKind::Measured);
        observation.bound = strip_bound(&mut quantities);
        observation.quantities = quantities;
        for bracket in brackets {
            observation.read_bracket(bracket.trim());
        }
        observation
    }

    /// A bracket holds a year, a note marker, a sub-figure or item references.
    fn read_bracket(&mut self, bracket: &str) {
        if let Some(year) = parse_calendar_year(bracket) {
            self.observed_year = Some(year);
        } else if let Ok(fiscal_year) = FiscalYear::parse(bracket) {
            self.observed_year = Some(fiscal_year.start_year());
        } else if let Some(sub) = parse_quantities(bracket).filter(|q| q.len() == 1) {
            self.sub_value = sub.into_iter().next();
        } else {
            self.annotations.push(bracket.split_whitespace().collect());
        }
    }
}

/// Moves a bound word (`以下`) from the end of the last unit into its own field.
fn strip_bound(quantities: &mut [Quantity]) -> Option<Bound> {
    let last = quantities.last_mut()?;
    let (suffix, bound) = Bound::SUFFIXES
        .iter()
        .find(|(s, _)| last.unit.ends_with(s))?;
    last.unit.truncate(last.unit.len() - suffix.len());
    Some(*bound)
}

/// Splits `326事業所 (平成21年)` into the main text and the bracket contents.
fn split_brackets(text: &str) -> (&str, Vec<&str>) {
    let main_end = text.find('(').unwrap_or(text.len());
    let mut brackets = Vec::new();
    let mut rest = &text[main_end..];
    while let Some(open) = rest.find('(') {
        let inner = &rest[open + 1..];
        let close = inner.find(')').unwrap_or(inner.len());
        brackets.push(&inner[..close]);
        rest = inner.get(close + 1..).unwrap_or("");
    }
    (text[..main_end].trim(), brackets)
}

/// Reads `34,677件`, `225 件`, `8施設 98事業者`, `▲1,200千円`. `None` when the
/// text is not a sequence of figures.
fn parse_quantities(text: &str) -> Option<Vec<Quantity>> {
    let tokens = signs_joined(text.split_whitespace().collect());
    let mut quantities = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (value, unit) = split_number(&tokens[i])?;
        let mut unit = unit.to_string();
        i += 1;
        // `225 件`, `0 m ³`: the unit was typed after a space, or in pieces.
        while i < tokens.len() && split_number(&tokens[i]).is_none() {
            unit.push_str(&tokens[i]);
            i += 1;
        }
        quantities.push(Quantity { value, unit });
    }
    Some(quantities)
}

/// The signs a clerk types before a negative figure: the white paper's `▲` and `△`,
/// the ASCII hyphen-minus (full-width `－` is folded to it), the minus sign U+2212,
/// the hyphen U+2010 and the en dash U+2013.
pub(crate) const MINUS_SIGNS: [char; 6] = ['▲', '△', '-', '−', '‐', '–'];

/// `▲ 5`: a minus sign typed apart from its figure belongs to it.
fn signs_joined(tokens: Vec<&str>) -> Vec<String> {
    let mut joined: Vec<String> = Vec::new();
    for token in tokens {
        match joined.last_mut() {
            Some(last) if last.chars().count() == 1 && last.starts_with(MINUS_SIGNS) => {
                last.push_str(token)
            }
            _ => joined.push(token.to_string()),
        }
    }
    joined
}

/// Splits a token into its leading number and the unit glued after it. `1万2,345人`
/// reads as 12345 and `人`; a comma out of its place (`1,2345`) makes it no number.
fn split_number(token: &str) -> Option<(f64, &str)> {
    let (sign, body) = match token.strip_prefix(MINUS_SIGNS) {
        Some(rest) => (-1.0, rest),
        None => (1.0, token),
    };
    let (value, unit) = split_unsigned(body)?;
    Some((sign * value, unit))
}

fn split_unsigned(body: &str) -> Option<(f64, &str)> {
    let end = body
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '.'))
        .map_or(body.len(), |(i, _)| i);
    let number = &body[..end];
    if !number.starts_with(|c: char| c.is_ascii_digit()) || !grouped_rightly(number) {
        return None;
    }
    let value: f64 = number.replace(',', "").parse().ok()?;
    let unit = &body[end..];
    if let Some(read) = split_myriads(value, unit) {
        return Some(read);
    }
    // A unit holds no digits but in a formula (`t-CO2`): `5%を超えない` is a
    // sentence, not a unit.
    let mut previous = ' ';
    for c in unit.chars() {
        if c.is_ascii_digit() && !previous.is_ascii_alphanumeric() {
            return None;
        }
        previous = c;
    }
    Some((value, unit))
}

/// The scale characters of a numeral, each with its place: 千百十 within a myriad
/// group, 万億兆 closing one.
const SMALL_SCALES: [(char, f64); 3] = [('千', 1e3), ('百', 1e2), ('十', 1e1)];
const MYRIADS: [(char, f64); 3] = [('兆', 1e12), ('億', 1e8), ('万', 1e4)];

/// `1万2,345人`, `1億2,345万件`, `1万2千件`, `20万3千件`: a figure written with scale
/// characters and digits after one of them reads whole, every scale character in its
/// place, and the unit is what follows. `None` when the figure has no digits after a
/// scale character: `3万人` and `1,200千円` keep their scale in the unit, for the row
/// to read (a row of 千円 prints `1,200千円`).
fn split_myriads(value: f64, unit: &str) -> Option<(f64, &str)> {
    let mut numeral = Numeral::new(value);
    let mut rest = unit;
    while let Some(c) = rest.chars().next() {
        if let Some(scale) = SMALL_SCALES.iter().find(|(s, _)| *s == c) {
            numeral.small(scale.1)?;
        } else if let Some(scale) = MYRIADS.iter().find(|(s, _)| *s == c) {
            numeral.myriad(scale.1)?;
        } else if c.is_ascii_digit() && numeral.awaits_digits() {
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == ','))
                .unwrap_or(rest.len());
            let digits = &rest[..end];
            if !grouped_rightly(digits) || rest[end..].starts_with('.') {
                return None;
            }
            numeral.digits(digits.replace(',', "").parse().ok()?);
            rest = &rest[end..];
            continue;
        } else {
            break;
        }
        rest = &rest[c.len_utf8()..];
    }
    numeral.read().map(|value| (value, rest))
}

/// A numeral read left to right: `1億2,345万` is 1 × 億 + 2,345 × 万.
struct Numeral {
    /// The myriad groups closed so far (億, 万).
    closed: f64,
    /// The current myriad group, its 千百十 placed.
    group: f64,
    /// Digits read and not yet placed.
    pending: Option<f64>,
    /// The last myriad and the last small scale placed (infinite before the first).
    last_myriad: f64,
    last_small: f64,
    /// Digits stood after a scale character: the figure is a compound numeral.
    compound: bool,
    /// The leading digits have a decimal point (`1.5万2千` is no numeral).
    fractional: bool,
}

impl Numeral {
    fn new(value: f64) -> Self {
        Numeral {
            closed: 0.0,
            group: 0.0,
            pending: Some(value),
            last_myriad: f64::INFINITY,
            last_small: f64::INFINITY,
            compound: false,
            fractional: value.fract() != 0.0,
        }
    }

    fn awaits_digits(&self) -> bool {
        self.pending.is_none()
    }

    /// `2千`: a single digit before 千, 百 or 十, each smaller than the one before.
    fn small(&mut self, scale: f64) -> Option<()> {
        let n = self.pending.take()?;
        let fits = n < 10.0 && n.fract() == 0.0 && scale < self.last_small;
        fits.then(|| {
            self.group += n * scale;
            self.last_small = scale;
        })
    }

    /// `2,345万`: the group closes; after the first one, a group is less than 万.
    fn myriad(&mut self, scale: f64) -> Option<()> {
        let group = self.group + self.pending.take().unwrap_or(0.0);
        let first = self.last_myriad.is_infinite();
        let fits = scale < self.last_myriad && group > 0.0 && (first || group < 1e4);
        fits.then(|| {
            self.closed += group * scale;
            self.group = 0.0;
            self.last_myriad = scale;
            self.last_small = f64::INFINITY;
        })
    }

    fn digits(&mut self, n: f64) {
        self.pending = Some(n);
        self.compound = true;
    }

    /// The number, when digits stood after a scale character and every part kept
    /// below its place; a decimal (`1.5万2千`) is not read as a compound numeral.
    fn read(&self) -> Option<f64> {
        let last = self.pending.unwrap_or(0.0);
        let place = self.last_small.min(self.last_myriad);
        let whole = self.closed + self.group + last;
        let fits = self.compound && last < place && self.group + last < self.last_myriad;
        (fits && !self.fractional).then_some(whole)
    }
}

/// Thousands separators stand every three digits of the whole part, and only there:
/// `12,345` and `1,234.5` are figures, `1,2345`, `12,34` and `1.234,5` are not.
fn grouped_rightly(number: &str) -> bool {
    let whole = number.split('.').next().unwrap_or("");
    let fraction = &number[whole.len()..];
    if fraction.contains(',') || fraction.matches('.').count() > 1 {
        return false;
    }
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or("");
    !first.is_empty() && (first.len() <= 3 || !whole.contains(',')) && groups.all(|g| g.len() == 3)
}

/// Prints a number the way the white paper does: thousands separators, no
/// trailing `.0`, and the unit glued after it (`202,850件`).
pub fn format_quantity(value: f64, unit: &str) -> String {
    let negative = value < 0.0;
    let text = format!("{}", value.abs());
    let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, digit) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if negative { "-" } else { "" };
    let frac = if frac_part.is_empty() {
        String::new()
    } else {
        format!(".{frac_part}")
    };
    format!("{sign}{grouped}{frac}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(value: f64, unit: &str) -> Quantity {
        Quantity {
            value,
            unit: unit.to_string(),
        }
    }

    #[test]
    fn reads_a_number_with_its_unit_and_separators() {
        let o = Observation::parse("2,274,948件");
        assert_eq!(o.kind, ObservationKind::Measured);
        assert_eq!(o.quantities, vec![q(2274948.0, "件")]);
        assert_eq!(Observation::parse("38.8%").quantities, vec![q(38.8, "%")]);
        assert_eq!(Observation::parse("144ha").quantities, vec![q(144.0, "ha")]);
        assert_eq!(Observation::parse("1.16").quantities, vec![q(1.16, "")]);
    }

    #[test]
    fn reads_full_width_digits_and_a_unit_after_a_space() {
        assert_eq!(Observation::parse("３４，６７７件").value(), Some(34677.0));
        let o = Observation::parse("225 件");
        assert_eq!(o.quantities, vec![q(225.0, "件")]);
        assert_eq!(o.printed, "225 件");
        assert_eq!(Observation::parse("0 m ³").quantities, vec![q(0.0, "m³")]);
    }

    #[test]
    fn reads_the_year_a_figure_was_observed_in() {
        let o = Observation::parse("326事業所 (平成21年)");
        assert_eq!(o.quantities, vec![q(326.0, "事業所")]);
        assert_eq!(o.observed_year, Some(2009));
        assert_eq!(o.printed, "326事業所 (平成21年)");
        assert_eq!(
            Observation::parse("12,587 (令和元年度)").observed_year,
            Some(2019)
        );
    }

    #[test]
    fn reads_note_markers_sub_values_and_item_references() {
        let o = Observation::parse("209 人 (注 1)");
        assert_eq!(o.quantities, vec![q(209.0, "人")]);
        assert_eq!(o.annotations, vec!["注1"]);
        let o = Observation::parse("4,372人 (198人)");
        assert_eq!(o.value(), Some(4372.0));
        assert_eq!(o.sub_value, Some(q(198.0, "人")));
        assert_eq!(Observation::parse("1件 (⑤)").annotations, vec!["⑤"]);
        assert_eq!(Observation::parse("4件(①②③ ④)").annotations, vec!["①②③④"]);
        assert_eq!(Observation::parse("2件 (④※⑤)").annotations, vec!["④※⑤"]);
    }

    #[test]
    fn reads_two_figures_in_one_cell() {
        let o = Observation::parse("8施設 98事業者");
        assert_eq!(o.quantities, vec![q(8.0, "施設"), q(98.0, "事業者")]);
    }

    #[test]
    fn tells_words_dashes_and_same_as_left_from_figures() {
        assert_eq!(Observation::parse("同左").kind, ObservationKind::SameAsLeft);
        assert_eq!(Observation::parse("—").kind, ObservationKind::NotAvailable);
        assert_eq!(Observation::parse("  ").kind, ObservationKind::Blank);
        for text in [
            "維持",
            "都市計画決定",
            "概ね5%を超えないこと",
            "概ね80%台を維持(全国平均)",
        ] {
            let o = Observation::parse(text);
            assert_eq!(o.kind, ObservationKind::Qualitative, "{text}");
            assert_eq!(o.value(), None);
        }
    }

    #[test]
    fn reads_a_bound_after_the_figure() {
        let o = Observation::parse("80台以下");
        assert_eq!(o.quantities, vec![q(80.0, "台")]);
        assert_eq!(o.bound, Some(Bound::AtMost));
        assert_eq!(
            Observation::parse("3,000人以上").bound,
            Some(Bound::AtLeast)
        );
        assert_eq!(Observation::parse("3,000人").bound, None);
    }

    #[test]
    fn reads_numerals_with_scale_characters_every_character_in_its_place() {
        for (text, value, unit) in [
            ("1万2,345人", 12345.0, "人"),
            ("1万2千件", 12000.0, "件"),
            ("20万3千件", 203000.0, "件"),
            ("1億2345万件", 123450000.0, "件"),
            ("1億2,345万件", 123450000.0, "件"),
            ("1万2千3百4十5人", 12345.0, "人"),
            ("3万2", 30002.0, ""),
            // No digits after a scale character: the scale stays with the unit.
            ("3万人", 3.0, "万人"),
            ("2千万件", 2.0, "千万件"),
            ("1,200千円", 1200.0, "千円"),
        ] {
            assert_eq!(
                Observation::parse(text).quantities,
                vec![q(value, unit)],
                "{text}"
            );
        }
        for text in [
            "1万12345人",
            "1.5万2千人",
            "1万2.5千人",
            "12千3百人",
            "1万2億人",
            "1百2千人",
        ] {
            assert_eq!(
                Observation::parse(text).kind,
                ObservationKind::Qualitative,
                "{text}"
            );
        }
    }

    #[test]
    fn reads_japanese_negative_marks() {
        assert_eq!(Observation::parse("▲1,200千円").value(), Some(-1200.0));
    }

    #[test]
    fn formats_numbers_like_the_white_paper() {
        assert_eq!(format_quantity(202850.0, "件"), "202,850件");
        assert_eq!(format_quantity(38.8, "%"), "38.8%");
        assert_eq!(format_quantity(999.0, ""), "999");
        assert_eq!(format_quantity(-1234567.5, "円"), "-1,234,567.5円");
    }
}
