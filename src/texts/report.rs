//! Texts of the reports written in code: the whole-city indicator table
//! (`目標指標_全庁.pdf`) and its running header; the status rule itself is
//! `domain::status::status_rule_text`, printed once in each report that has a 状態 column.

/// The indicator table's title: `三鷹市 令和2年度 目標指標の達成状況(全庁)`.
pub fn indicator_title(city: &str, year: &str, audience: &str) -> String {
    format!("{city} {year} 目標指標の達成状況({audience})")
}

/// The running header: the city, the year and the date it was made (in 和暦).
pub fn indicator_header(city: &str, year: &str, built: &str) -> String {
    format!("{city} {year} 作成 {built}")
}

/// The indicator table's first two column headers; the periods and 状態 follow.
pub const INDICATOR_COLUMNS: [&str; 2] = ["施策", "目標指標"];

/// The header of the status column.
pub const STATUS_COLUMN: &str = "状態";

/// Printed under a department that owns no indicator.
pub const NO_INDICATORS: &str = "この部が主に担当する目標指標はありません。";

/// In the summary's changes since last year, for an indicator with no figure this year.
pub const NO_FIGURE_THIS_YEAR: &str = "今年度の値なし(未提出)";

/// Printed when no department has submitted yet.
pub const NO_SUBMISSIONS: &str = "受け付けた提出がありません。";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::is_japanese;

    #[test]
    fn every_text_is_japanese() {
        let texts = [
            indicator_title("市", "令和2年度", "全庁"),
            indicator_header("市", "令和2年度", "令和3年7月1日"),
            STATUS_COLUMN.to_string(),
            NO_INDICATORS.to_string(),
            NO_SUBMISSIONS.to_string(),
            NO_FIGURE_THIS_YEAR.to_string(),
        ];
        for text in texts.iter().chain(&INDICATOR_COLUMNS.map(String::from)) {
            assert!(is_japanese(text), "{text}");
        }
    }
}
