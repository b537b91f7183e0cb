use std::path::Path;

use super::*;

const SAMPLE: &str = include_str!("../../data/hakusho.toml");

fn load(text: &str) -> anyhow::Result<Config> {
    Config::from_toml(text, Path::new("/etc/hakusho"))
}

fn error_of(text: &str) -> String {
    format!("{:#}", load(text).unwrap_err())
}

#[test]
fn the_sample_configuration_loads() {
    let config = load(SAMPLE).unwrap();
    assert_eq!(config.city.name, "三鷹市");
    assert_eq!(config.fiscal_year(), FiscalYear(2020));
    assert_eq!(config.departments.len(), 10);
    assert!(config.submission.requires(RequiredPart::AchievedValues));
    assert!(!config.submission.requires(RequiredPart::StaffCount));
    assert_eq!(config.mail.transport, Transport::File);
    assert_eq!(config.paths.inbox, Path::new("/etc/hakusho/inbox"));
    assert_eq!(config.paths.reports, Path::new("/etc/var/reports"));
    assert_eq!(config.schedule.annual_run.expression, "0 0 9 15 4 *");
}

#[test]
fn an_unknown_key_is_named() {
    let text = SAMPLE.replace("inbox = \"inbox\"", "inbx = \"inbox\"");
    let line = 1 + text.lines().position(|l| l.starts_with("inbx")).unwrap();
    let message = error_of(&text);
    assert!(
        message.contains(&format!(
            "{line} 行目 (paths.inbx): 知らないキー `inbx` です"
        )),
        "{message}"
    );
}

#[test]
fn a_bad_cron_expression_is_named_with_its_key() {
    let text = SAMPLE.replace("\"0 0 9 15 4 *\"", "\"0 9 15 4 *\"");
    let message = error_of(&text);
    assert!(message.contains("annual_run"), "{message}");
    assert!(
        message.contains("cron式として読めません:「0 9 15 4 *」"),
        "{message}"
    );
}

#[test]
fn a_bad_fiscal_year_or_address_is_named() {
    let text = SAMPLE.replace("fiscal_year = \"令和2年度\"", "fiscal_year = \"来年度\"");
    assert!(error_of(&text).contains("年度として読めません:「来年度」"));
    let text = SAMPLE.replace("<kikaku-bu@mitaka.example>", "<kikaku-bu>");
    let message = error_of(&text);
    assert!(
        message.contains("メールアドレスとして読めません"),
        "{message}"
    );
}

#[test]
fn an_unknown_required_part_is_named() {
    let text = SAMPLE.replace(
        "required = [\"priority_projects\"",
        "required = [\"priority_project\"",
    );
    let message = error_of(&text);
    assert!(
        message.contains("(submission.required): `priority_project` は書ける値ではありません"),
        "{message}"
    );
}

#[test]
fn smtp_transport_needs_its_server() {
    let text = SAMPLE.replace("transport = \"file\"", "transport = \"smtp\"");
    assert!(error_of(&text).contains("[mail.smtp]"));
}

#[test]
fn a_department_defined_twice_is_refused() {
    let text =
        format!("{SAMPLE}\n[[departments]]\nname = \"企画部\"\nsections = []\nrecipients = []\n");
    assert!(error_of(&text).contains("部「企画部」が二度定義されています"));
}

#[test]
fn a_delivery_lease_no_longer_than_a_send_is_refused_with_its_key() {
    let with_lease =
        |seconds: u64| SAMPLE.replace("[mail]\n", &format!("[mail]\nlease_seconds = {seconds}\n"));
    let message = error_of(&with_lease(30));
    assert!(message.contains("mail.lease_seconds"), "{message}");
    assert_eq!(load(&with_lease(31)).unwrap().mail.lease_seconds, Some(31));
    assert_eq!(load(SAMPLE).unwrap().mail.lease_seconds, None);
}

#[test]
fn a_password_line_is_told_without_its_value() {
    let secret = "kAg1-sh0w-me";
    for line in [
        format!("password = \"{secret}\""),
        format!("password = {secret}"),
        format!("password = \"{secret}"),
        format!("port = \"{secret}\"\npassword = \"{secret}\""),
    ] {
        let text = SAMPLE.replace(
            "\n[managers]",
            &format!("\n[mail.smtp]\nhost = \"h\"\nsecurity = \"none\"\n{line}\n\n[managers]"),
        );
        let message = error_of(&text);
        assert!(!message.contains(secret), "{message}");
        assert!(message.contains("行目 (mail.smtp."), "{message}");
    }
}

#[test]
fn every_value_problem_is_reported_at_once_with_its_key() {
    let text = SAMPLE
        .replace("# max_attempts = 10", "max_attempts = 0")
        .replace("# parallel = 8", "parallel = 0")
        .replace("\"0 0 9 15 4 *\"", "\"0 0 9 30 2 *\"");
    let message = error_of(&text);
    assert!(message.contains("設定に 3 件の問題があります"), "{message}");
    assert!(
        message.contains("設定 mail.max_attempts: 0 より大きい値"),
        "{message}"
    );
    assert!(
        message.contains("設定 mail.parallel: 0 より大きい値"),
        "{message}"
    );
    assert!(
        message.contains(
            "設定 schedule.annual_run: cron式「0 0 9 30 2 *」は今後10年間に一度も実行されません"
        ),
        "{message}"
    );
}

#[test]
fn a_leap_day_schedule_fires_and_is_accepted() {
    let text = SAMPLE.replace("\"0 0 9 15 4 *\"", "\"0 0 9 29 2 *\"");
    assert!(load(&text).is_ok());
}

#[test]
fn keys_that_hold_secrets_are_recognised() {
    for key in [
        "password",
        "smtp_password",
        "PASSWD",
        "client_secret",
        "api_token",
        "apiKey",
    ] {
        assert!(looks_secret(key), "{key}");
    }
    for key in ["host", "user", "timeout_seconds", "fonts"] {
        assert!(!looks_secret(key), "{key}");
    }
}

#[test]
fn the_publication_month_is_read_in_either_calendar_and_a_bad_one_is_named() {
    let config = load(SAMPLE).unwrap();
    let published = config
        .report
        .published
        .expect("the sample sets the seed's month");
    assert_eq!(published.printed(), "令和3（2021）年7月");
    let line = |text: &str| {
        1 + text
            .lines()
            .position(|l| l.starts_with("published"))
            .unwrap()
    };
    for (written, expected) in [
        ("令和3年9月", "令和3（2021）年9月"),
        ("2022/1", "令和4（2022）年1月"),
    ] {
        let text = SAMPLE.replace(
            "published = \"2021-07\"",
            &format!("published = \"{written}\""),
        );
        assert_eq!(
            load(&text).unwrap().report.published.unwrap().printed(),
            expected
        );
    }
    for bad in ["来月", "2021-13", "令和3(2020)年7月"] {
        let text = SAMPLE.replace("published = \"2021-07\"", &format!("published = \"{bad}\""));
        let message = error_of(&text);
        let named = format!(
            "{} 行目 (report.published): 発行年月「{bad}」が読めません",
            line(&text)
        );
        assert!(message.contains(&named), "{message}");
    }
    let absent = SAMPLE.replace("published = \"2021-07\"", "");
    assert_eq!(load(&absent).unwrap().report.published, None);
}

#[test]
fn a_publication_month_outside_the_years_after_the_fiscal_year_is_a_problem_named_by_its_key() {
    // 令和2年度 ends in March 2021: an edition is dated from April 2021 to December 2023.
    for (bad, why) in [
        (
            "2020-03",
            "令和2（2020）年3月 は報告する年度(令和2年度)が終わる前です",
        ),
        (
            "2020-04",
            "令和2（2020）年4月 は報告する年度(令和2年度)が終わる前です",
        ),
        (
            "2021-03",
            "令和3（2021）年3月 は報告する年度(令和2年度)が終わる前です",
        ),
        (
            "2024-01",
            "令和6（2024）年1月 は報告する年度(令和2年度)から離れすぎています",
        ),
        (
            "2099-01",
            "令和81（2099）年1月 は報告する年度(令和2年度)から離れすぎています",
        ),
    ] {
        let text = SAMPLE.replace("published = \"2021-07\"", &format!("published = \"{bad}\""));
        let message = error_of(&text);
        let named = format!("設定 report.published: 発行年月 {why}");
        assert!(message.contains(&named), "{bad}: {message}");
        if why.contains("離れすぎ") {
            assert!(
                message.contains("2023年12月までを指定してください"),
                "{message}"
            );
        }
    }
    for good in ["2021-04", "2023-12"] {
        let text = SAMPLE.replace(
            "published = \"2021-07\"",
            &format!("published = \"{good}\""),
        );
        assert!(load(&text).is_ok(), "{good}");
    }
    // The configuration moved on a year without its month is named too.
    let moved = SAMPLE.replace("fiscal_year = \"令和2年度\"", "fiscal_year = \"令和3年度\"");
    assert!(moved != SAMPLE, "the sample names 令和2年度");
    assert!(error_of(&moved).contains("報告する年度(令和3年度)が終わる前です"));
}

#[test]
fn a_store_url_that_is_not_postgresql_or_holds_a_password_is_named() {
    let with_url = |url: &str| format!("{SAMPLE}\n[store]\nurl = \"{url}\"\n");
    for bad in [
        "mysql://u@h/db",
        "/var/lib/hakusho.sqlite3",
        "postgres:/h/db",
        "",
    ] {
        let message = error_of(&with_url(bad));
        assert!(
            message.contains("store.url") && message.contains("postgres://"),
            "{message}"
        );
    }
    let message = error_of(&with_url("postgres://hakusho:hunter2@db.example/mitaka"));
    assert!(
        message.contains("store.url") && message.contains("HAKUSHO_DB_PASSWORD"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    for good in [
        "postgres://hakusho@db.example:5432/mitaka",
        "postgresql://h@[::1]:5433/x?sslmode=disable",
    ] {
        assert!(load(&with_url(good)).is_ok(), "{good}");
    }
}
