//! 年度: the Japanese fiscal year, April to March, named by the year it starts in.

use std::fmt;

use serde::Deserialize;

use super::japanese::{
    era_year_label, fold_width, parse_era_year_prefix, strip_western_gloss, western_year_prefix,
};

/// A fiscal year (年度), April to March: `FiscalYear(2020)` is 令和2年度, from
/// 2020-04-01 to 2021-03-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(pub i32);

/// Why a text is not a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("年度として読めません:「{0}」(例: 令和2年度、R2、2020年度)")]
pub struct FiscalYearError(pub String);

impl FiscalYear {
    /// Reads `令和2年度`, `令和元年度`, `令和２年度`, `R2`, `2020年度`, `2020`,
    /// or the white paper's `令和2(2020)年度`.
    ///
    /// # Errors
    ///
    /// Text that is not a fiscal year, with a Japanese message quoting it.
    ///
    /// # Examples
    ///
    /// ```
    /// use hakusho::domain::FiscalYear;
    ///
    /// let year = FiscalYear::parse("令和２年度").unwrap();
    /// assert_eq!(year, FiscalYear(2020));
    /// assert_eq!(year.to_string(), "令和2年度");
    /// assert_eq!(FiscalYear::parse("R元").unwrap().with_western(), "令和元(2019)年度");
    /// ```
    pub fn parse(text: &str) -> Result<Self, FiscalYearError> {
        let folded = fold_width(text);
        let trimmed = folded.trim();
        let fail = || FiscalYearError(text.to_string());
        let (year, used) = parse_era_year_prefix(trimmed)
            .or_else(|| western_year_prefix(trimmed))
            .ok_or_else(fail)?;
        let rest = strip_western_gloss(trimmed[used..].trim_start()).trim();
        match rest {
            "" | "年度" | "年" => Ok(FiscalYear(year)),
            _ => Err(fail()),
        }
    }

    /// The calendar year the fiscal year starts in.
    pub fn start_year(self) -> i32 {
        self.0
    }

    /// The white paper's column form: `令和2(2020)年度`.
    pub fn with_western(self) -> String {
        format!("{}({})年度", era_year_label(self.0), self.0)
    }
}

impl fmt::Display for FiscalYear {
    /// `令和2年度`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}年度", era_year_label(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ways_people_write_a_fiscal_year() {
        for text in [
            "令和2年度",
            "令和２年度",
            "R2",
            "Ｒ２",
            "2020年度",
            "2020",
            "令和2(2020)年度",
            " 令和 2 年度 ",
        ] {
            assert_eq!(FiscalYear::parse(text), Ok(FiscalYear(2020)), "{text}");
        }
        assert_eq!(FiscalYear::parse("令和元年度"), Ok(FiscalYear(2019)));
        assert_eq!(FiscalYear::parse("平成22年度"), Ok(FiscalYear(2010)));
    }

    #[test]
    fn rejects_other_text_with_a_japanese_message() {
        let err = FiscalYear::parse("来年度").unwrap_err();
        assert_eq!(
            err.to_string(),
            "年度として読めません:「来年度」(例: 令和2年度、R2、2020年度)"
        );
        assert!(FiscalYear::parse("令和2年度末").is_err());
        assert!(FiscalYear::parse("20").is_err());
    }

    #[test]
    fn prints_in_the_white_paper_forms() {
        assert_eq!(FiscalYear(2020).to_string(), "令和2年度");
        assert_eq!(FiscalYear(2019).to_string(), "令和元年度");
        assert_eq!(FiscalYear(2022).with_western(), "令和4(2022)年度");
    }
}

/// A fiscal year written in the configuration (`令和2年度`, `2020`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ConfigFiscalYear(pub FiscalYear);

impl TryFrom<String> for ConfigFiscalYear {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        FiscalYear::parse(&text)
            .map(ConfigFiscalYear)
            .map_err(|e| e.to_string())
    }
}
