//! The month an edition of the reports is published: a setting of the edition
//! (`[report] published`), printed on the white paper's cover as the seed prints it
//! (`令和3（2021）年7月`), never the build clock's month.

use serde::Deserialize;

use super::japanese::{era_year_label, fold_width, parse_era_year_prefix, western_year_prefix};

/// A year and a month, written `2021-07`, `2021/7`, `2021年7月`, `令和3年7月`,
/// `令和3（2021）年7月` or `R3.7` (full-width digits too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct PublicationMonth {
    /// The calendar year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

impl TryFrom<String> for PublicationMonth {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        PublicationMonth::parse(&text)
    }
}

impl PublicationMonth {
    /// Reads a year and a month; the message says what is accepted.
    pub fn parse(text: &str) -> Result<PublicationMonth, String> {
        let unreadable = || {
            format!("発行年月「{text}」が読めません。「2021-07」や「令和3年7月」のように年と月を書きます")
        };
        let folded = fold_width(text);
        let folded = folded.trim();
        let (year, used) = parse_era_year_prefix(folded)
            .or_else(|| western_year_prefix(folded))
            .ok_or_else(unreadable)?;
        let rest = western_gloss(folded[used..].trim_start(), year).ok_or_else(unreadable)?;
        let rest = ["年", "-", "/", "."]
            .iter()
            .find_map(|sep| rest.trim_start().strip_prefix(sep))
            .ok_or_else(unreadable)?;
        let rest = rest.trim();
        let digits = rest.strip_suffix('月').unwrap_or(rest).trim();
        match digits.parse::<u32>() {
            Ok(month) if (1..=12).contains(&month) && digits.len() <= 2 => {
                Ok(PublicationMonth { year, month })
            }
            _ => Err(unreadable()),
        }
    }

    /// As the cover prints it: `令和3（2021）年7月`.
    pub fn printed(self) -> String {
        format!("{}{}月", year_label(self.year), self.month)
    }
}

/// The cover's line for a year with no month set: `令和3（2021）年`.
pub fn year_label(year: i32) -> String {
    format!("{}（{year}）年", era_year_label(year))
}

/// The text after an era year's western gloss `(2021)`, which must be that year;
/// the text itself when there is none.
fn western_gloss(text: &str, year: i32) -> Option<&str> {
    let Some(inner) = text.strip_prefix('(') else {
        return Some(text);
    };
    let (gloss, rest) = inner.split_once(')')?;
    (gloss.trim().parse::<i32>().ok()? == year).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_written_form_of_the_same_month() {
        let july = PublicationMonth {
            year: 2021,
            month: 7,
        };
        for text in [
            "2021-07",
            "2021-7",
            "2021/07",
            "2021年7月",
            "２０２１年７月",
            "令和3年7月",
            "令和３（２０２１）年７月",
            "令和3(2021)年7月",
            "R3.7",
            " 令和3年 7月 ",
        ] {
            assert_eq!(PublicationMonth::parse(text), Ok(july), "{text}");
        }
        assert_eq!(july.printed(), "令和3（2021）年7月");
        assert_eq!(
            PublicationMonth::parse("令和元年5月").map(PublicationMonth::printed),
            Ok("令和元（2019）年5月".to_string())
        );
    }

    #[test]
    fn refuses_what_is_not_one_month_and_says_how_to_write_it() {
        for text in [
            "",
            "2021",
            "2021-13",
            "2021-0",
            "令和3(2020)年7月",
            "2021-07-01",
            "七月",
            "2021年7月頃",
            "21-07",
        ] {
            let refused = PublicationMonth::parse(text).expect_err(text);
            assert!(
                refused.contains("2021-07") && refused.contains(text),
                "{refused}"
            );
        }
    }
}
