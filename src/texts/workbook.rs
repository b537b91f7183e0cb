//! The words of the consolidated workbook (白書データ) written in code: the 進捗率
//! rule and why a 進捗率 is left out, the 凡例 sheet, the charts' labels and the
//! headers of the columns that explain a figure.

/// The header of the column that says why a 進捗率 is blank or capped.
pub const PROGRESS_NOTE_HEADER: &str = "進捗率の注記";

/// The header of the KPI sheet's column that keeps what a figure cell printed besides
/// its number (the year observed, a note marker).
pub const KPI_NOTE_HEADER: &str = "表記・注記";

/// The name of the sheet that explains the workbook's columns.
pub const LEGEND_SHEET: &str = "凡例";

/// The headers of the 凡例 sheet.
pub const LEGEND_HEADERS: [&str; 2] = ["項目", "説明"];

/// The 進捗率 rule, as the header's note and the 凡例 sheet print it.
pub const PROGRESS_RULE: &str = "進捗率 = (達成値 − 基準値) ÷ (目標値 − 基準値)。基準値は計画策定時の数値(ないときは前期の数値)。\
方向が「増やす」「減らす」の指標で、基準値・達成値・目標値がそれぞれ一つの数値であり、目標値が基準値から目指す向きにあるときだけ算出する。\
達成値が基準値から目標と逆の向きに動いたときは算出せず、目標値を超えたときは100%と表示する。どちらも理由を「進捗率の注記」欄に書く。";

/// The 凡例 sheet's rows: what each column or mark means (after them, 状態: the status
/// rule as every report prints it, `domain::status::status_rule_text`).
pub const LEGEND: [(&str, &str); 4] = [
    ("進捗率", PROGRESS_RULE),
    (
        "(数値)の列",
        "表記の列の最初の数値を、その数値の単位を付けた数値として入れる。一つの欄に単位の異なる数値が複数ある指標(例: 8施設 98事業者)は、最初の数値とその単位(8施設)だけを入れ、欄全体は表記の列に印刷どおり残す。",
    ),
    (
        "総合戦略KPI",
        "数値の欄は単位付きの数値。数値以外の記載(維持、同左、—など)は文字のまま。年次や注の記載は「表記・注記」欄に印刷どおり残す。",
    ),
    (
        "グラフ",
        "施策ごと、単位ごとに一つのグラフ(単位の異なる指標を同じ目盛りに描かない。同じ単位でも数値の大きさが10倍を超えて違う指標は別のグラフにする)。縦軸の見出しに単位を書く。数値が0以上の指標は目盛りを0から始める。",
    ),
];

/// Why a 進捗率 is not computed: the indicator's direction has no way from a baseline.
pub fn progress_not_for_direction(direction: &str) -> String {
    format!("方向が「{direction}」の指標のため算出しない(状態で判定)")
}

/// Why a 進捗率 is not computed: a figure it needs is missing or not a number.
pub fn progress_missing(period: &str) -> String {
    format!("{period}の数値がないため算出しない")
}

/// Why a 進捗率 is not computed: a cell holds several figures.
pub const PROGRESS_COMPOUND: &str = "一つの欄に複数の数値があるため算出しない";

/// Why a 進捗率 is not computed: the target is the baseline.
pub const PROGRESS_NO_DISTANCE: &str = "目標値が基準値と同じため算出しない";

/// Why a 進捗率 is not computed: the target lies the other way from the baseline.
pub const PROGRESS_TARGET_BACKWARDS: &str = "目標値が基準値から目指す向きにないため算出しない";

/// Why a 進捗率 is not computed: the year's figure moved away from the target.
pub fn progress_moved_away(baseline: &str, actual: &str) -> String {
    format!("達成値({actual})が基準値({baseline})から目標と逆の向きに動いたため算出しない")
}

/// Why a 進捗率 shows 100%: the target is passed.
pub fn progress_capped(actual: &str, target: &str) -> String {
    format!("達成値({actual})が目標値({target})を超えて達成したため100%と表示")
}

/// The words for an indicator's direction.
pub fn direction_label(direction: crate::domain::Direction) -> &'static str {
    use crate::domain::Direction;
    match direction {
        Direction::Higher => "増やす",
        Direction::Lower => "減らす",
        Direction::Floor => "目標値以上を保つ",
        Direction::Ceiling => "目標値以下に抑える",
        Direction::Maintain => "計画策定時を維持",
        Direction::Qualitative => "数値で測らない",
    }
}

/// A chart's title: the policy and, when it has charts of several units, the unit.
pub fn chart_title(code: &str, name: &str, unit: Option<&str>) -> String {
    match unit {
        Some(unit) => format!("{code} {name}(単位: {unit})"),
        None => format!("{code} {name}"),
    }
}

/// The value axis's title.
pub fn axis_title(unit: &str) -> String {
    if unit.is_empty() {
        "数値".to_string()
    } else {
        format!("単位: {unit}")
    }
}

/// One KPI cell's printed form kept in the 表記・注記 column.
pub fn kpi_note(period: &str, printed: &str) -> String {
    format!("{period}: {printed}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Direction;
    use crate::texts::is_japanese;

    #[test]
    fn every_workbook_text_is_japanese_and_filled_in() {
        let mut texts = vec![
            PROGRESS_NOTE_HEADER.to_string(),
            KPI_NOTE_HEADER.to_string(),
            LEGEND_SHEET.to_string(),
            PROGRESS_RULE.to_string(),
            PROGRESS_COMPOUND.to_string(),
            PROGRESS_NO_DISTANCE.to_string(),
            PROGRESS_TARGET_BACKWARDS.to_string(),
            progress_not_for_direction(direction_label(Direction::Floor)),
            progress_missing("達成値"),
            progress_moved_away("35,949人", "5,264人"),
            progress_capped("4,976,176件", "3,000,000件"),
            chart_title("1-1", "国際化の推進", Some("件")),
            axis_title("人"),
            axis_title(""),
            kpi_note("実績値(平成26年度)", "1.16 (平成 26 年)"),
        ];
        texts.extend(
            LEGEND
                .iter()
                .flat_map(|(a, b)| [a.to_string(), b.to_string()]),
        );
        texts.extend(LEGEND_HEADERS.iter().map(|h| h.to_string()));
        for text in texts {
            assert!(is_japanese(&text), "{text}");
            assert!(!text.contains('{'), "{text}");
        }
    }
}
