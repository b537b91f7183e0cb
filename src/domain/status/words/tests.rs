//! The printed rule, read back as a rule, gives the status the code gives, for every
//! direction over a grid of figures (missing ones included).

use super::super::{status, Direction, Figures, Status};
use super::status_rule_lines;

/// The clause of `status` in the printed lines (the text after `達成: `).
fn clause_of(lines: &[String], status: Status) -> Option<String> {
    let prefix = format!("{}: ", status.label());
    lines
        .iter()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
}

/// The piece of a clause (split at 、 between pieces) that names `direction`.
fn piece_naming(clause: &str, direction: Direction) -> Option<String> {
    clause
        .split('、')
        .find(|p| p.contains(direction.label()))
        .map(|p| {
            let p = p.trim_start_matches("達成値が中期の値より");
            p.trim_start_matches("達成値が").to_string()
        })
}

/// Whether the printed clause of `step` holds for `direction` and `f`.
fn holds_as_printed(lines: &[String], step: Status, d: Direction, f: &Figures) -> bool {
    let Some(clause) = clause_of(lines, step) else {
        return false;
    };
    let actual = f.actual.expect("rated figures have an actual");
    match step {
        Status::Achieved => {
            let piece = piece_naming(&clause, d).expect("every rated direction can be achieved");
            let reference = if piece.starts_with("目標値") {
                f.target
            } else {
                f.baseline
            };
            let reference = reference.expect("rated figures have the reference");
            if piece.contains("以上") {
                actual >= reference
            } else {
                actual <= reference
            }
        }
        Status::Regressed => match (piece_naming(&clause, d), f.previous) {
            (Some(piece), Some(previous)) if piece.starts_with("減った") => actual < previous,
            (Some(_), Some(previous)) => actual > previous,
            _ => false,
        },
        Status::OnTrack => {
            let way = clause.contains("目指す向きにあるときに限る");
            let toward = !way || target_the_wanted_way(lines, d, f);
            let paced = printed_progress(f).is_some_and(|p| p >= f.elapsed);
            clause.contains(d.label()) && toward && paced
        }
        _ => clause == "上のいずれにも当たらないもの",
    }
}

/// Whether the target lies the way the printed 達成 clause wants from the baseline:
/// above it for a direction achieved at 「目標値以上」, below it for 「目標値以下」.
fn target_the_wanted_way(lines: &[String], d: Direction, f: &Figures) -> bool {
    let achieved = clause_of(lines, Status::Achieved).unwrap_or_default();
    let wants_more = piece_naming(&achieved, d).is_some_and(|p| p.contains("以上"));
    match (f.baseline, f.target) {
        (Some(b), Some(t)) if wants_more => t > b,
        (Some(b), Some(t)) => t < b,
        _ => false,
    }
}

/// 計画策定時の値から目標値までのうち達成値で進んだ割合.
fn printed_progress(f: &Figures) -> Option<f64> {
    let (b, a, t) = (f.baseline?, f.actual?, f.target?);
    (t != b).then(|| (a - b) / (t - b))
}

/// The status the printed lines give: the first clause, in printed order, that holds.
fn printed_status(lines: &[String], d: Direction, f: &Figures) -> Status {
    if clause_of(lines, Status::NotApplicable).is_some_and(|c| c.contains(d.label())) {
        return Status::NotApplicable;
    }
    let reference_named = clause_of(lines, Status::Achieved)
        .and_then(|c| piece_naming(&c, d))
        .map(|p| {
            if p.starts_with("目標値") {
                f.target
            } else {
                f.baseline
            }
        });
    if f.actual.is_none() || reference_named.flatten().is_none() {
        return Status::NotRated;
    }
    let order: Vec<Status> = lines
        .iter()
        .filter_map(|l| {
            Status::IN_ORDER
                .into_iter()
                .find(|s| l.starts_with(&format!("{}:", s.label())))
        })
        .collect();
    order
        .into_iter()
        .find(|s| holds_as_printed(lines, *s, d, f))
        .expect("the last clause always holds")
}

/// Every combination of baseline, previous, actual and target in {none, 0, 1, 2, 3}.
fn grid() -> Vec<Figures> {
    let values = [None, Some(0.0), Some(1.0), Some(2.0), Some(3.0)];
    let mut all = Vec::new();
    for baseline in values {
        for previous in values {
            for actual in values {
                for target in values {
                    for elapsed in [0.25, 0.5, 0.75] {
                        all.push(Figures {
                            baseline,
                            previous,
                            actual,
                            target,
                            elapsed,
                        });
                    }
                }
            }
        }
    }
    all
}

#[test]
fn the_printed_rule_gives_the_status_the_code_gives() {
    let lines = status_rule_lines();
    for d in Direction::ALL {
        for f in grid() {
            assert_eq!(
                printed_status(&lines, d, &f),
                status(d, &f),
                "{d:?} {f:?}\n{}",
                lines.join("\n")
            );
        }
    }
}

#[test]
fn every_status_is_defined_once_and_every_direction_is_named() {
    let lines = status_rule_lines();
    for s in Status::IN_ORDER
        .into_iter()
        .chain([Status::NotRated, Status::NotApplicable])
    {
        let defined = lines
            .iter()
            .filter(|l| l.starts_with(&format!("{}: ", s.label())));
        assert_eq!(defined.count(), 1, "{}", s.label());
    }
    for d in Direction::ALL {
        assert!(
            lines.iter().any(|l| l.contains(d.label())),
            "{d:?} is never named"
        );
    }
    assert_eq!(super::status_rule_text().lines().count(), lines.len());
}

#[test]
fn each_status_the_text_names_for_a_direction_can_happen_and_no_other() {
    let lines = status_rule_lines();
    for d in Direction::ALL {
        let reachable: Vec<Status> = grid().iter().map(|f| status(d, f)).collect();
        for s in [Status::Achieved, Status::Regressed, Status::OnTrack] {
            let named = clause_of(&lines, s).is_some_and(|c| c.contains(d.label()));
            assert_eq!(named, reachable.contains(&s), "{d:?} {}", s.label());
        }
    }
}
