//! Where an indicator stands against its target: direction, progress, status.
//!
//! The rule, for an indicator whose figures are read as numbers (the first figure of
//! a compound cell; `同左` takes the figure on its left):
//!
//! | direction | 達成 (achieved) | 後退 (regressed) | 順調 (on track) | 要注意 (caution) |
//! |---|---|---|---|---|
//! | higher (more is better) | actual ≥ target | actual < previous | progress ≥ elapsed share of the plan | otherwise |
//! | lower (less is better) | actual ≤ target | actual > previous | progress ≥ elapsed share | otherwise |
//! | floor (keep at or above) | actual ≥ target | actual < previous | — | otherwise |
//! | ceiling (keep at or below) | actual ≤ target | actual > previous | — | otherwise |
//! | maintain (keep the baseline) | actual ≥ baseline | actual < previous | — | otherwise |
//! | qualitative | — | — | — | — (判定対象外) |
//!
//! *progress* is the share of the way from the baseline to the target covered by the
//! actual figure: `(actual − baseline) / (target − baseline)`, which also serves a zero
//! target (待機児童 0人). The *elapsed share* is how far the fiscal year is into the
//! plan period: `(year − baseline year) / (target year − baseline year)`. A figure that
//! is missing, `—` or words gives 判定不可 (not rated), never a guess.
//!
//! Reports print this rule in words from [`status_rule_lines`] (`words.rs`), which
//! builds the sentences from the same parameters ([`Direction::rule`], [`Status::IN_ORDER`]).

use serde::{Deserialize, Serialize};

mod words;

pub use words::{status_rule_lines, status_rule_text};

/// Which way an indicator should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (`higher`): 件数, 参加者数.
    Higher,
    /// Less is better (`lower`): 待機児童数, 事故件数.
    Lower,
    /// Keep at or above the target (`floor`).
    Floor,
    /// Keep at or below the target (`ceiling`).
    Ceiling,
    /// Keep at least the baseline (`maintain`).
    Maintain,
    /// Not a number to compare (`qualitative`): 判定対象外.
    Qualitative,
}

/// An indicator's standing against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 達成: the target is reached.
    Achieved,
    /// 順調: progress keeps pace with the plan period.
    OnTrack,
    /// 要注意: behind the pace, or not yet at a floor or ceiling.
    Caution,
    /// 後退: moved away from the target since the previous figure.
    Regressed,
    /// A figure the rule needs is missing or not a number.
    NotRated,
    /// A qualitative aim: no rule applies.
    NotApplicable,
}

impl Status {
    /// The word reports print.
    pub fn label(self) -> &'static str {
        match self {
            Status::Achieved => "達成",
            Status::OnTrack => "順調",
            Status::Caution => "要注意",
            Status::Regressed => "後退",
            Status::NotRated => "判定不可",
            Status::NotApplicable => "対象外",
        }
    }
}

/// The numbers the rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    /// 計画策定時: where the plan started.
    pub baseline: Option<f64>,
    /// The figure of the period before the year (中期).
    pub previous: Option<f64>,
    /// The year's figure (達成値).
    pub actual: Option<f64>,
    /// 目標値, or the number a target in words stands for.
    pub target: Option<f64>,
    /// How far the fiscal year is into the plan period, 0 to 1.
    pub elapsed: f64,
}

/// What an indicator's year figure is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// 目標値 (or the number a target in words stands for).
    Target,
    /// 計画策定時 (前期 when 計画策定時 has no figure): an indicator to maintain.
    Baseline,
}

/// How the rule judges one direction: the parameters [`status`] runs on and
/// [`status_rule_lines`] describes, so the printed rule cannot drift from the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// More is better (or at least the reference is wanted).
    pub wants_more: bool,
    /// What 達成 is measured against.
    pub reference: Reference,
    /// Whether 順調 applies: progress measured against the elapsed share of the plan.
    pub paced: bool,
}

impl Direction {
    /// Every direction, in the order the printed rule names them.
    pub const ALL: [Direction; 6] = [
        Direction::Higher,
        Direction::Lower,
        Direction::Floor,
        Direction::Ceiling,
        Direction::Maintain,
        Direction::Qualitative,
    ];

    /// The rule's parameters for this direction; none for a qualitative aim.
    pub fn rule(self) -> Option<Rule> {
        let (wants_more, reference, paced) = match self {
            Direction::Higher => (true, Reference::Target, true),
            Direction::Lower => (false, Reference::Target, true),
            Direction::Floor => (true, Reference::Target, false),
            Direction::Ceiling => (false, Reference::Target, false),
            Direction::Maintain => (true, Reference::Baseline, false),
            Direction::Qualitative => return None,
        };
        Some(Rule {
            wants_more,
            reference,
            paced,
        })
    }
}

impl Status {
    /// The statuses a rated indicator can get, in the order the rule tries them:
    /// the first that holds is the indicator's status.
    pub const IN_ORDER: [Status; 4] = [
        Status::Achieved,
        Status::Regressed,
        Status::OnTrack,
        Status::Caution,
    ];
}

/// Progress toward the target from the baseline, when both directions of travel are defined.
///
/// A target on the wrong side of the baseline (an indicator to increase whose target
/// is below where it started) has no way to go: no share, so never 順調.
pub fn progress(direction: Direction, f: &Figures) -> Option<f64> {
    let rule = direction.rule().filter(|r| r.paced)?;
    let (b, a, t) = (f.baseline?, f.actual?, f.target?);
    let way = if rule.wants_more { t - b } else { b - t };
    (way > f64::EPSILON).then(|| (a - b) / (t - b))
}

/// The status of an indicator under the rule in this module's documentation.
pub fn status(direction: Direction, f: &Figures) -> Status {
    let Some(rule) = direction.rule() else {
        return Status::NotApplicable;
    };
    let (Some(actual), Some(reference)) = (f.actual, reference(rule, f)) else {
        return Status::NotRated;
    };
    let holds = |step: Status| match step {
        Status::Achieved => better_or_equal(rule.wants_more, actual, reference),
        Status::Regressed => f
            .previous
            .is_some_and(|p| worse(rule.wants_more, actual, p)),
        Status::OnTrack => progress(direction, f).is_some_and(|share| share >= f.elapsed),
        _ => true,
    };
    Status::IN_ORDER
        .into_iter()
        .find(|step| holds(*step))
        .unwrap_or(Status::Caution)
}

/// What the figure is measured against: the baseline for an indicator to maintain,
/// the target otherwise.
fn reference(rule: Rule, f: &Figures) -> Option<f64> {
    match rule.reference {
        Reference::Baseline => f.baseline,
        Reference::Target => f.target,
    }
}

/// Whether `actual` moved away from `previous`, against the direction wanted.
fn worse(wants_more: bool, actual: f64, previous: f64) -> bool {
    if wants_more {
        actual < previous
    } else {
        actual > previous
    }
}

/// Whether `actual` is at or beyond `reference` in the direction wanted.
fn better_or_equal(wants_more: bool, actual: f64, reference: f64) -> bool {
    if wants_more {
        actual >= reference
    } else {
        actual <= reference
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(baseline: f64, previous: f64, actual: f64, target: f64) -> Figures {
        Figures {
            baseline: Some(baseline),
            previous: Some(previous),
            actual: Some(actual),
            target: Some(target),
            elapsed: 10.0 / 12.0,
        }
    }

    #[test]
    fn more_is_better() {
        // 英語版ホームページ: 34,677 → 293,478 → 202,850, target 400,000: fell since 中期.
        assert_eq!(
            status(
                Direction::Higher,
                &figures(34677.0, 293478.0, 202850.0, 400000.0)
            ),
            Status::Regressed
        );
        // 防災ボランティア: 142 → 255 → 269 of 300: 82% of the way at 83% of the time.
        assert_eq!(
            status(Direction::Higher, &figures(142.0, 255.0, 269.0, 300.0)),
            Status::Caution
        );
        assert_eq!(
            status(Direction::Higher, &figures(142.0, 255.0, 290.0, 300.0)),
            Status::OnTrack
        );
        // 市ホームページ: 4,976,176 against 3,000,000.
        assert_eq!(
            status(
                Direction::Higher,
                &figures(2274948.0, 2740984.0, 4976176.0, 3000000.0)
            ),
            Status::Achieved
        );
    }

    #[test]
    fn less_is_better_with_a_zero_target() {
        // 保育園待機児童: 243 → 190 → 92, target 0.
        let f = figures(243.0, 190.0, 92.0, 0.0);
        assert_eq!(
            progress(Direction::Lower, &f).map(|p| (p * 100.0).round()),
            Some(62.0)
        );
        assert_eq!(status(Direction::Lower, &f), Status::Caution);
        assert_eq!(
            status(Direction::Lower, &figures(243.0, 190.0, 0.0, 0.0)),
            Status::Achieved
        );
        assert_eq!(
            status(Direction::Lower, &figures(243.0, 190.0, 200.0, 0.0)),
            Status::Regressed
        );
        // 刑法犯罪認知件数: 727 against 900.
        assert_eq!(
            status(Direction::Lower, &figures(1767.0, 950.0, 727.0, 900.0)),
            Status::Achieved
        );
    }

    #[test]
    fn ceilings_and_floors_are_bounds() {
        // 実質公債費比率 1.0% under 概ね5%.
        assert_eq!(
            status(Direction::Ceiling, &figures(4.1, 2.3, 1.0, 5.0)),
            Status::Achieved
        );
        assert_eq!(
            status(Direction::Ceiling, &figures(4.1, 2.3, 6.0, 5.0)),
            Status::Regressed
        );
        assert_eq!(
            status(Direction::Ceiling, &figures(4.1, 7.0, 6.0, 5.0)),
            Status::Caution
        );
        // 製造業事業所数 231 under the floor of 240, unchanged since 中期.
        assert_eq!(
            status(Direction::Floor, &figures(326.0, 231.0, 231.0, 240.0)),
            Status::Caution
        );
        assert_eq!(
            progress(Direction::Floor, &figures(326.0, 231.0, 231.0, 240.0)),
            None
        );
    }

    #[test]
    fn maintain_compares_with_the_baseline() {
        // 農家の直接販売所数: 149 → 150 → 147, 維持.
        let f = Figures {
            target: None,
            ..figures(149.0, 150.0, 147.0, 0.0)
        };
        assert_eq!(status(Direction::Maintain, &f), Status::Regressed);
        assert_eq!(
            status(
                Direction::Maintain,
                &Figures {
                    actual: Some(149.0),
                    ..f
                }
            ),
            Status::Achieved
        );
    }

    #[test]
    fn missing_figures_are_not_rated_and_words_are_not_applicable() {
        let f = Figures {
            actual: None,
            ..figures(1.0, 2.0, 3.0, 4.0)
        };
        assert_eq!(status(Direction::Higher, &f), Status::NotRated);
        assert_eq!(
            status(
                Direction::Higher,
                &Figures {
                    target: None,
                    ..figures(1.0, 2.0, 3.0, 4.0)
                }
            ),
            Status::NotRated
        );
        assert_eq!(
            status(Direction::Qualitative, &figures(1.0, 2.0, 3.0, 4.0)),
            Status::NotApplicable
        );
        // No previous figure: not 後退, judged on progress alone.
        let f = Figures {
            previous: None,
            ..figures(0.0, 0.0, 1.0, 4.0)
        };
        assert_eq!(status(Direction::Higher, &f), Status::Caution);
        // A target equal to the baseline has no progress to measure.
        assert_eq!(
            progress(Direction::Higher, &figures(5.0, 5.0, 4.0, 5.0)),
            None
        );
    }
}
