//! The status rule in words, for the reports that print a 状態 column.
//!
//! The sentences are put together from the rule's own parameters ([`Direction::rule`],
//! [`Status::IN_ORDER`]), so a change of the rule changes the printed words with it;
//! the tests read the words back as a rule and check it against [`super::status`].

use super::{Direction, Reference, Status};

/// The sentence before the statuses.
const INTRO: &str =
    "「状態」欄は、各指標の達成値を次の順に確かめ、最初に当てはまるものを示しています。";
/// The 要注意 clause: whatever the earlier clauses left.
const OTHERWISE: &str = "上のいずれにも当たらないもの";
/// The 判定不可 clause.
const NOT_RATED: &str =
    "達成値、または達成の判定で比べる値（上の目標値・計画策定時の値）がないか、数値でないもの";

impl Direction {
    /// How the printed rule names the indicators of this direction.
    pub fn label(self) -> &'static str {
        match self {
            Direction::Higher => "増やす指標",
            Direction::Lower => "減らす指標",
            Direction::Floor => "下限を保つ指標",
            Direction::Ceiling => "上限を超えない指標",
            Direction::Maintain => "現状を維持する指標",
            Direction::Qualitative => "目標が数値でない指標",
        }
    }
}

impl Reference {
    /// The printed name of the figure compared with.
    fn label(self) -> &'static str {
        match self {
            Reference::Target => "目標値",
            Reference::Baseline => "計画策定時の値（ないときは前期の値）",
        }
    }
}

/// The rule as printed: an introduction, then one line per status (`達成: …`).
pub fn status_rule_lines() -> Vec<String> {
    let mut lines = vec![INTRO.to_string()];
    for step in Status::IN_ORDER {
        lines.push(format!("{}: {}", step.label(), clause(step)));
    }
    lines.push(format!("{}: {NOT_RATED}", Status::NotRated.label()));
    let unrated = labels(|d| d.rule().is_none());
    lines.push(format!(
        "{}: {unrated}（判定しません）",
        Status::NotApplicable.label()
    ));
    lines
}

/// [`status_rule_lines`] as one text, a line each.
pub fn status_rule_text() -> String {
    status_rule_lines().join("\n")
}

/// The condition of one of the ordered statuses, in words.
fn clause(step: Status) -> String {
    match step {
        Status::Achieved => format!("達成値が{}", achieved_groups()),
        Status::Regressed => format!("達成値が中期の値より{}", regressed_groups()),
        Status::OnTrack => format!(
            "計画策定時の値から目標値までのうち達成値で進んだ割合が、計画期間（計画策定時の年度から目標の年度まで）のうち経過した年数の割合以上のもの。目標値が計画策定時の値から目指す向きにあるときに限る（{}）",
            labels(|d| d.rule().is_some_and(|r| r.paced))
        ),
        _ => OTHERWISE.to_string(),
    }
}

/// `目標値以上（増やす指標・下限を保つ指標）、…`: one piece per reference and sense.
fn achieved_groups() -> String {
    let mut keys: Vec<(Reference, bool)> = Vec::new();
    for rule in Direction::ALL.iter().filter_map(|d| d.rule()) {
        if !keys.contains(&(rule.reference, rule.wants_more)) {
            keys.push((rule.reference, rule.wants_more));
        }
    }
    let pieces: Vec<String> = keys
        .into_iter()
        .map(|(reference, more)| {
            let members = labels(|d| {
                d.rule()
                    .is_some_and(|r| r.reference == reference && r.wants_more == more)
            });
            format!("{}{}（{members}）", reference.label(), bound(more))
        })
        .collect();
    pieces.join("、")
}

/// `減ったもの（増やす指標・…）、増えたもの（減らす指標・…）`.
fn regressed_groups() -> String {
    let piece = |more: bool| {
        let members = labels(|d| d.rule().is_some_and(|r| r.wants_more == more));
        let moved = if more { "減った" } else { "増えた" };
        format!("{moved}もの（{members}）")
    };
    format!("{}、{}", piece(true), piece(false))
}

/// 以上 for an indicator that wants more, 以下 otherwise.
fn bound(wants_more: bool) -> &'static str {
    if wants_more {
        "以上"
    } else {
        "以下"
    }
}

/// The labels of the directions that `keep` keeps, joined with ・.
fn labels(keep: impl Fn(Direction) -> bool) -> String {
    let kept: Vec<&str> = Direction::ALL
        .into_iter()
        .filter(|d| keep(*d))
        .map(Direction::label)
        .collect();
    kept.join("・")
}

#[cfg(test)]
mod tests;
