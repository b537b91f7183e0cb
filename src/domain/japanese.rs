//! Text habits of Japanese spreadsheets: full-width characters and 和暦 (era) years.

/// Folds full-width ASCII (digits, letters, punctuation) and the ideographic space
/// to their half-width forms, so `１２３，４５６` and `123,456` read alike.
/// Other characters (kana, kanji, `—`, `①`) are left as they are.
pub fn fold_width(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The Japanese eras a planning document can mention, newest first.
const ERAS: [(&str, &str, i32); 3] = [
    // (name, romaji initial, first calendar year)
    ("令和", "R", 2019),
    ("平成", "H", 1989),
    ("昭和", "S", 1926),
];

/// Reads an era year such as `令和2`, `令和元`, `平成21`, `R2`, `H22` at the start of
/// `text` and returns the calendar year and the number of bytes consumed.
/// Expects text already folded with [`fold_width`].
pub fn parse_era_year_prefix(text: &str) -> Option<(i32, usize)> {
    for (name, initial, first_year) in ERAS {
        let rest = text
            .strip_prefix(name)
            .or_else(|| text.strip_prefix(initial))
            .or_else(|| text.strip_prefix(&initial.to_lowercase()));
        let Some(rest) = rest else { continue };
        let prefix_len = text.len() - rest.len();
        let trimmed = rest.trim_start();
        let spaces = rest.len() - trimmed.len();
        if let Some(after) = trimmed.strip_prefix('元') {
            return Some((first_year, text.len() - after.len()));
        }
        let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<i32>() {
            if n >= 1 {
                return Some((first_year + n - 1, prefix_len + spaces + digits.len()));
            }
        }
    }
    None
}

/// Reads a calendar year written in Japanese: `平成21年`, `令和元年`, `R2`, `2020年`.
pub fn parse_calendar_year(text: &str) -> Option<i32> {
    let folded = fold_width(text);
    let text = folded.trim();
    let (year, used) = parse_era_year_prefix(text).or_else(|| western_year_prefix(text))?;
    let rest = strip_western_gloss(text[used..].trim_start());
    matches!(rest.trim(), "" | "年").then_some(year)
}

/// Reads a four-digit year at the start of `text`.
pub fn western_year_prefix(text: &str) -> Option<(i32, usize)> {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    if len != 4 {
        return None;
    }
    Some((text[..len].parse().ok()?, len))
}

/// Drops the western year that 白書 tables print after an era year: `令和2(2020)年度`.
pub fn strip_western_gloss(text: &str) -> &str {
    let Some(inner) = text.strip_prefix('(') else {
        return text;
    };
    match inner.find(')') {
        Some(end) if inner[..end].trim().chars().all(|c| c.is_ascii_digit()) => &inner[end + 1..],
        _ => text,
    }
}

/// The era name and year for a calendar year in the era that year belongs to:
/// 2020 → `令和2`, 2019 → `令和元`, 2010 → `平成22`.
pub fn era_year_label(year: i32) -> String {
    let (name, _, first) = ERAS
        .iter()
        .find(|(_, _, first)| year >= *first)
        .copied()
        .unwrap_or(ERAS[ERAS.len() - 1]);
    match year - first + 1 {
        1 => format!("{name}元"),
        n => format!("{name}{n}"),
    }
}

/// The first day of each era of [`ERAS`], newest first: a date before it is in the
/// era below (2019-04-30 is 平成31年, 2019-05-01 令和元年).
const ERA_FIRST_DAYS: [(&str, i32, u32, u32); 3] = [
    ("令和", 2019, 5, 1),
    ("平成", 1989, 1, 8),
    ("昭和", 1926, 12, 25),
];

/// A calendar date in 和暦, as a Japanese document prints it: `令和8年12月6日`,
/// `令和元年5月1日`, `平成31年4月30日`. Reports print every date so, never `2026年`.
pub fn era_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let key = (date.year(), date.month(), date.day());
    let (name, first) = ERA_FIRST_DAYS
        .iter()
        .find(|(_, y, m, d)| key >= (*y, *m, *d))
        .map_or(("昭和", 1926), |(name, y, _, _)| (*name, *y));
    let year = match date.year() - first + 1 {
        1 => "元".to_string(),
        n => n.to_string(),
    };
    format!("{name}{year}年{}月{}日", date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_digits_punctuation_and_space() {
        assert_eq!(fold_width("３４，６７７件"), "34,677件");
        assert_eq!(fold_width("Ｒ２\u{3000}（注１）"), "R2 (注1)");
        assert_eq!(fold_width("—①"), "—①");
    }

    #[test]
    fn reads_era_years_in_every_spelling() {
        assert_eq!(parse_calendar_year("平成21年"), Some(2009));
        assert_eq!(parse_calendar_year("令和元年"), Some(2019));
        assert_eq!(parse_calendar_year("令和２年"), Some(2020));
        assert_eq!(parse_calendar_year("R2"), Some(2020));
        assert_eq!(parse_calendar_year("h22"), Some(2010));
        assert_eq!(parse_calendar_year("昭和64年"), Some(1989));
        assert_eq!(parse_calendar_year("2016年"), Some(2016));
        assert_eq!(parse_calendar_year("令和 2 (2020) 年"), Some(2020));
    }

    #[test]
    fn rejects_what_is_not_a_year() {
        assert_eq!(parse_calendar_year("令和"), None);
        assert_eq!(parse_calendar_year("令和0年"), None);
        assert_eq!(parse_calendar_year("未定"), None);
        assert_eq!(parse_calendar_year("20年"), None);
    }

    #[test]
    fn labels_calendar_years_in_their_era() {
        assert_eq!(era_year_label(2020), "令和2");
        assert_eq!(era_year_label(2019), "令和元");
        assert_eq!(era_year_label(2010), "平成22");
        assert_eq!(era_year_label(1989), "平成元");
    }

    #[test]
    fn dates_are_in_the_era_of_their_day() {
        let date = |y, m, d| era_date(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(date(2026, 12, 6), "令和8年12月6日");
        assert_eq!(date(2019, 5, 1), "令和元年5月1日");
        assert_eq!(date(2019, 4, 30), "平成31年4月30日");
        assert_eq!(date(1989, 1, 8), "平成元年1月8日");
        assert_eq!(date(1989, 1, 7), "昭和64年1月7日");
    }
}
