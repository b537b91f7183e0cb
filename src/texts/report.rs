//! Texts of the reports written in code: the whole-city indicator table
//! (`目標指標_全庁.pdf`) and the status rule, printed once in each report that has a
//! 状態 column.

use crate::domain::Status;

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

/// Printed when no department has submitted yet.
pub const NO_SUBMISSIONS: &str = "受け付けた提出がありません。";

/// What each status means, in the order the rule tries them.
const MEANINGS: [(Status, &str); 6] = [
    (
        Status::Achieved,
        "達成値が目標値に届いている(維持が目標の指標は計画策定時の値を下回っていない)",
    ),
    (
        Status::Regressed,
        "達成値が前の値(中期)より目標から遠ざかった",
    ),
    (
        Status::OnTrack,
        "計画策定時から目標値までのうち進んだ割合が、計画期間の経過した割合以上",
    ),
    (Status::Caution, "そのほか(目標に向かっているが遅れている)"),
    (Status::NotRated, "判定に要る値がない、または数値でない"),
    (Status::NotApplicable, "目標が数値で比べられない"),
];

/// The status rule in words, once per report: how 達成, 後退, 順調, 要注意, 判定不可 and
/// 対象外 are decided (the rule of `domain::status`).
pub fn status_rule() -> String {
    let meanings: Vec<String> = MEANINGS
        .iter()
        .map(|(status, meaning)| format!("{}: {meaning}", status.label()))
        .collect();
    format!(
        "状態は達成値を目標値と比べたもので、次の順に判定しています。{}。",
        meanings.join("。")
    )
}

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
            status_rule(),
        ];
        for text in texts.iter().chain(&INDICATOR_COLUMNS.map(String::from)) {
            assert!(is_japanese(text), "{text}");
        }
    }

    #[test]
    fn the_rule_names_every_status_once() {
        let rule = status_rule();
        for (status, _) in MEANINGS {
            assert_eq!(rule.matches(&format!("{}:", status.label())).count(), 1);
        }
        // A status added to the rule without a meaning here stops this match compiling.
        let named = |status: Status| match status {
            Status::Achieved
            | Status::OnTrack
            | Status::Caution
            | Status::Regressed
            | Status::NotRated
            | Status::NotApplicable => MEANINGS.iter().any(|(s, _)| *s == status),
        };
        assert!(MEANINGS.iter().all(|(s, _)| named(*s)));
        let all = [
            Status::Achieved,
            Status::OnTrack,
            Status::Caution,
            Status::Regressed,
            Status::NotRated,
            Status::NotApplicable,
        ];
        assert!(all.into_iter().all(named));
    }
}
