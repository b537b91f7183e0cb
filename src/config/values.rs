//! Checks of the values themselves, made when the file is read: counts and times that
//! must be above zero, schedules that must fire, keys that need one another.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Tokyo;

use super::problems::Problem;
use super::{Config, CronSchedule, SmtpSettings, Transport};

/// A schedule must fire within this many years: a cron such as 30 February is accepted
/// by the parser but never runs. Ten years covers 29 February twice over.
const CRON_HORIZON_YEARS: i64 = 10;

/// How many calendar years after the one the fiscal year ends in an edition may be dated.
const PUBLICATION_YEARS_AFTER: i32 = 2;

impl Config {
    /// Every value problem of the configuration; a schedule must fire within
    /// [`CRON_HORIZON_YEARS`] from `now`.
    pub(crate) fn value_problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut problems = self.department_problems();
        self.mail_problems(&mut problems);
        self.schedule_problems(&mut problems, now);
        if !(0.0..=100.0).contains(&self.submission.implausible_change) {
            problems.push(Problem::new(
                "submission.implausible_change",
                "0 から 100 の割合で書きます(0.5 = 50%)",
            ));
        }
        if self.report.fonts.is_empty() {
            problems.push(Problem::new(
                "report.fonts",
                "フォントが一つも指定されていません",
            ));
        }
        self.publication_problems(&mut problems);
        if let Some(web) = &self.web {
            super::web::web_problems(web, &mut problems);
        }
        store_problems(
            self.store.url.as_deref(),
            &self.store.password_env,
            &mut problems,
        );
        positive(
            &mut problems,
            "paths.inbox_poll_seconds",
            self.paths.inbox_poll_seconds,
        );
        problems
    }

    /// The edition reports on a closed fiscal year: a publication month before the year
    /// ended (a slip, or a configuration moved on a year without its month) or years after
    /// it (a typo such as 2099) is refused.
    fn publication_problems(&self, problems: &mut Vec<Problem>) {
        let year = self.city.fiscal_year.0;
        let Some(published) = self.report.published else {
            return;
        };
        let closed = (year.start_year() + 1, 4);
        let latest = year.start_year() + 1 + PUBLICATION_YEARS_AFTER;
        let message = if (published.year, published.month) < closed {
            format!(
                "発行年月 {} は報告する年度({year})が終わる前です。白書は年度が終わってから発行するため、{}年4月以降を指定してください(年度を切り替えたときは発行年月も改めてください)",
                published.printed(),
                closed.0
            )
        } else if published.year > latest {
            format!(
                "発行年月 {} は報告する年度({year})から離れすぎています。{latest}年12月までを指定してください",
                published.printed()
            )
        } else {
            return;
        };
        problems.push(Problem::new("report.published", message));
    }

    fn department_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.departments.is_empty() {
            problems.push(Problem::new("departments", "部が一つも定義されていません"));
        }
        for (i, department) in self.departments.iter().enumerate() {
            if self.departments[..i]
                .iter()
                .any(|d| d.name == department.name)
            {
                problems.push(Problem::new(
                    "departments",
                    format!("部「{}」が二度定義されています", department.name),
                ));
            }
        }
        problems
    }

    fn mail_problems(&self, problems: &mut Vec<Problem>) {
        let mail = &self.mail;
        positive(problems, "mail.max_attempts", u64::from(mail.max_attempts));
        // retry_seconds may be 0: a failed copy is then retried at the next delivery
        // pass (every 30 seconds), which the tests use; it never spins.
        positive(problems, "mail.parallel", mail.parallel as u64);
        positive(problems, "mail.max_message_bytes", mail.max_message_bytes);
        let timeout = mail.smtp.as_ref().map_or(30, |s| s.timeout_seconds);
        if mail.lease_seconds.is_some_and(|lease| lease <= timeout) {
            problems.push(Problem::new(
                "mail.lease_seconds",
                format!("送信の上限 mail.smtp.timeout_seconds ({timeout} 秒) より長くしてください"),
            ));
        }
        let Some(smtp) = &mail.smtp else {
            if mail.transport == Transport::Smtp {
                problems.push(Problem::new(
                    "mail.transport",
                    "\"smtp\" には [mail.smtp] の host, port, security が必要です",
                ));
            }
            return;
        };
        smtp_problems(smtp, problems);
    }

    fn schedule_problems(&self, problems: &mut Vec<Problem>, now: DateTime<Utc>) {
        let schedule = &self.schedule;
        if schedule.run_lease_seconds < 3 {
            problems.push(Problem::new(
                "schedule.run_lease_seconds",
                "3 秒以上にしてください(期限の 3 分の 1 ごとに更新します)",
            ));
        }
        self.cron_problems(problems, now);
        if schedule.reminders.is_some() {
            positive(
                problems,
                "schedule.reminder_days",
                u64::from(schedule.reminder_days),
            );
        }
        if schedule.escalation.is_some() {
            let days = u64::from(schedule.escalation_days);
            positive(problems, "schedule.escalation_days", days);
        }
    }

    /// Schedules that never fire, and jobs about the deadline when there is none.
    fn cron_problems(&self, problems: &mut Vec<Problem>, now: DateTime<Utc>) {
        let schedule = &self.schedule;
        let crons = [
            ("schedule.annual_run", Some(&schedule.annual_run)),
            ("schedule.reminders", schedule.reminders.as_ref()),
            ("schedule.escalation", schedule.escalation.as_ref()),
            ("schedule.digest", schedule.digest.as_ref()),
        ];
        for (key, cron) in crons {
            if let Some(problem) = cron.and_then(|cron| never_fires(key, cron, now)) {
                problems.push(problem);
            }
        }
        for (key, cron) in &crons[1..] {
            if cron.is_some() && self.submission.deadline.is_none() {
                problems.push(Problem::new(
                    *key,
                    "提出期限 (submission.deadline) がないため、このジョブは何も送りません。期限を書くか、このキーを消します",
                ));
            }
        }
    }
}

/// The SMTP server's own settings: a host, counts above zero, a variable name for
/// the password.
fn smtp_problems(smtp: &SmtpSettings, problems: &mut Vec<Problem>) {
    if smtp.host.trim().is_empty() {
        problems.push(Problem::new("mail.smtp.host", "サーバー名が空です"));
    }
    positive(problems, "mail.smtp.port", u64::from(smtp.port));
    positive(problems, "mail.smtp.timeout_seconds", smtp.timeout_seconds);
    positive(
        problems,
        "mail.smtp.pool_idle_seconds",
        smtp.pool_idle_seconds,
    );
    if !is_variable_name(&smtp.password_env) {
        // Never quoted: someone may have written the password itself here.
        problems.push(Problem::new(
            "mail.smtp.password_env",
            "環境変数の名前 (英字・数字・_) を書きます。パスワードそのものは設定ファイルに書きません(値は表示しません)",
        ));
    }
}

/// A problem when `cron` does not fire within [`CRON_HORIZON_YEARS`] from `now`.
fn never_fires(key: &str, cron: &CronSchedule, now: DateTime<Utc>) -> Option<Problem> {
    let now = now.with_timezone(&Tokyo);
    let horizon = now + Duration::days(366 * CRON_HORIZON_YEARS);
    match cron.cron.find_next_occurrence(&now, false) {
        Ok(next) if next <= horizon => None,
        _ => Some(Problem::new(
            key,
            format!(
                "cron式「{}」は今後{CRON_HORIZON_YEARS}年間に一度も実行されません(存在しない日付や、日と曜日の組み合わせを確かめてください)",
                cron.expression
            ),
        )),
    }
}

/// Adds a problem when a count or a time that must be above zero is not.
fn positive(problems: &mut Vec<Problem>, key: &str, value: u64) {
    if value == 0 {
        problems.push(Problem::new(
            key,
            "0 より大きい値を書きます(0 では動きません)",
        ));
    }
}

/// An environment variable name as a shell writes one: `HAKUSHO_SMTP_PASSWORD`.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `store.url` names a PostgreSQL database (`postgres://`), without a password: the
/// password lives in the environment variable `store.password_env` names.
fn store_problems(url: Option<&str>, password_env: &str, problems: &mut Vec<Problem>) {
    let Some(url) = url else { return };
    let Some(rest) = ["postgres://", "postgresql://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))
    else {
        problems.push(Problem::new(
            "store.url",
            "postgres://利用者@ホスト:ポート/データベース の形で書きます(SQLite を使うときは store.url を書かず paths.database を指定します)",
        ));
        return;
    };
    let user_part = rest.split(['/', '?']).next().unwrap_or("");
    if user_part
        .rsplit_once('@')
        .is_some_and(|(user, _)| user.contains(':'))
    {
        problems.push(Problem::new(
            "store.url",
            format!("パスワードは URL に書かず、環境変数 {password_env} に入れてください"),
        ));
    }
}
