//! Where a department stands for the year, as its page says it: the state badge and
//! the days to the deadline, in Japanese.

use chrono::NaiveDate;

use crate::store::{SubmissionState, SubmissionStatus};

/// A department's state for the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Nothing sent yet, and the deadline not past.
    Missing,
    /// Its latest file was sent back.
    SentBack,
    /// Accepted, with points to check.
    Noted,
    /// Accepted.
    Accepted,
    /// The deadline passed with nothing accepted.
    Overdue,
}

impl Standing {
    /// Where a department stands: its latest submission of the year (accepted or not)
    /// and the deadline, today in Asia/Tokyo.
    pub fn of(
        latest: Option<&SubmissionState>,
        deadline: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Standing {
        let accepted = latest.filter(|s| s.status == SubmissionStatus::Accepted);
        match (accepted, latest) {
            (Some(state), _) if state.warnings > 0 => Standing::Noted,
            (Some(_), _) => Standing::Accepted,
            _ if deadline.is_some_and(|d| today > d) => Standing::Overdue,
            (None, Some(_)) => Standing::SentBack,
            (None, None) => Standing::Missing,
        }
    }

    /// The word on the badge.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Missing => "未提出",
            Standing::SentBack => "差戻し",
            Standing::Noted => "受理(要確認)",
            Standing::Accepted => "受理",
            Standing::Overdue => "期限超過",
        }
    }

    /// The badge's class in the style sheet (its colour; the word is always there too).
    pub fn class(self) -> &'static str {
        match self {
            Standing::Missing => "missing",
            Standing::SentBack => "sent-back",
            Standing::Noted => "noted",
            Standing::Accepted => "accepted",
            Standing::Overdue => "overdue",
        }
    }
}

/// The deadline as a sentence: `締切まであと 3 日`, `締切は今日です`, `締切を 2 日過ぎています`.
pub fn days_left(deadline: Option<NaiveDate>, today: NaiveDate) -> String {
    let Some(deadline) = deadline else {
        return "提出期限は設定されていません".to_string();
    };
    let days = (deadline - today).num_days();
    match days {
        0 => "締切は今日です".to_string(),
        d if d > 0 => format!("締切まであと {d} 日"),
        d => format!("締切を {} 日過ぎています", -d),
    }
}

/// A date as the page prints it: `2021年4月9日(金)`.
pub fn date_label(date: NaiveDate) -> String {
    const DAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    let weekday = DAYS[date.format("%u").to_string().parse::<usize>().unwrap_or(1) - 1];
    format!("{}({weekday})", date.format("%Y年%-m月%-d日"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 4, d).unwrap()
    }

    fn state(status: SubmissionStatus, warnings: i64) -> SubmissionState {
        SubmissionState {
            department: "企画部".into(),
            status,
            file_name: "企画部.xlsx".into(),
            received_at: "2021-04-01T09:00:00+09:00".into(),
            errors: 0,
            warnings,
        }
    }

    #[test]
    fn the_days_to_the_deadline_read_in_japanese() {
        assert_eq!(days_left(Some(day(9)), day(6)), "締切まであと 3 日");
        assert_eq!(days_left(Some(day(9)), day(9)), "締切は今日です");
        assert_eq!(days_left(Some(day(9)), day(11)), "締切を 2 日過ぎています");
        assert_eq!(days_left(None, day(11)), "提出期限は設定されていません");
        assert_eq!(date_label(day(9)), "2021年4月9日(金)");
        assert_eq!(date_label(day(11)), "2021年4月11日(日)");
    }

    #[test]
    fn every_state_is_told_before_and_after_the_deadline() {
        let (before, after, deadline) = (day(8), day(10), Some(day(9)));
        let accepted = state(SubmissionStatus::Accepted, 0);
        let noted = state(SubmissionStatus::Accepted, 2);
        let sent_back = state(SubmissionStatus::Rejected, 0);
        let cases = [
            (None, before, Standing::Missing),
            (None, after, Standing::Overdue),
            (Some(&sent_back), before, Standing::SentBack),
            (Some(&sent_back), after, Standing::Overdue),
            (Some(&accepted), after, Standing::Accepted),
            (Some(&noted), before, Standing::Noted),
        ];
        for (latest, today, expected) in cases {
            assert_eq!(
                Standing::of(latest, deadline, today),
                expected,
                "{latest:?} {today}"
            );
        }
        assert_eq!(Standing::of(None, None, after), Standing::Missing);
        let labels: Vec<_> = cases.iter().map(|c| c.2.label()).collect();
        assert_eq!(
            labels,
            [
                "未提出",
                "期限超過",
                "差戻し",
                "期限超過",
                "受理",
                "受理(要確認)"
            ]
        );
    }
}
