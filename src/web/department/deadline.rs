//! The deadline as the department's page says it: the date and the days left, in
//! Japanese (the state's badge is the overview's [`crate::web::overview::Standing`]).

use chrono::NaiveDate;

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

    #[test]
    fn the_days_to_the_deadline_read_in_japanese() {
        assert_eq!(days_left(Some(day(9)), day(6)), "締切まであと 3 日");
        assert_eq!(days_left(Some(day(9)), day(9)), "締切は今日です");
        assert_eq!(days_left(Some(day(9)), day(11)), "締切を 2 日過ぎています");
        assert_eq!(days_left(None, day(11)), "提出期限は設定されていません");
        assert_eq!(date_label(day(9)), "2021年4月9日(金)");
        assert_eq!(date_label(day(11)), "2021年4月11日(日)");
    }
}
