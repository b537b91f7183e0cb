//! Start-up checks with the real binary: every setting that would only fail later
//! (a folder, a file, a font, a time, a schedule) stops the command before it does
//! anything, in Japanese, naming the key; all problems at once; no secret echoed.

mod common;

use std::path::Path;
use std::process::Output;

use common::{repo, TestCity};

/// A city whose configuration is the test city's, changed by `edit`.
fn city_with(edit: impl Fn(&TestCity, String) -> String) -> TestCity {
    let city = TestCity::new(None);
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    std::fs::write(city.config_path(), edit(&city, text)).unwrap();
    city
}

/// Replaces the first line starting with `key =` (or adds it under `[table]`).
fn set(text: &str, table: &str, key: &str, value: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let setting = format!("{key} = {value}");
    match lines
        .iter()
        .position(|l| l.starts_with(&format!("{key} =")))
    {
        Some(i) => lines[i] = setting,
        None => {
            let at = lines.iter().position(|l| l == table).expect(table);
            lines.insert(at + 1, setting);
        }
    }
    lines.join("\n") + "\n"
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the command was refused at start-up with a Japanese message naming `key`.
fn assert_refused(output: &Output, key: &str, words: &str, case: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{case}: {err}");
    assert!(err.contains(&format!("設定 {key}: ")), "{case}: {err}");
    assert!(err.contains(words), "{case}: expected «{words}»: {err}");
    assert!(err.contains("設定ファイル"), "{case}: {err}");
    assert!(
        !err.contains("No such file"),
        "{case}: English error: {err}"
    );
}

/// Copies a folder tree (templates, fonts, plan) into the city, to break a copy.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn a_missing_folder_is_named_with_its_key_before_anything_is_done() {
    for key in ["inbox", "plan", "templates", "fonts"] {
        let city = city_with(|_, text| set(&text, "[paths]", key, "\"missing-folder\""));
        let output = city.hakusho(&["run", "--once"]);
        assert_refused(&output, &format!("paths.{key}"), "がありません", key);
        assert!(stderr(&output).contains("missing-folder"), "{key}");
        // Refused before anything: no store, no archive.
        assert!(city.store_is_untouched(), "{key}");
        assert!(!city.path().join("archive").exists(), "{key}");
    }
}

#[test]
fn a_file_where_a_folder_belongs_is_named_with_its_key() {
    for key in [
        "inbox",
        "archive",
        "reports",
        "outbox",
        "plan",
        "templates",
        "fonts",
    ] {
        let city = city_with(|_, text| set(&text, "[paths]", key, "\"a-file\""));
        std::fs::write(city.path().join("a-file"), "not a folder").unwrap();
        let output = city.hakusho(&["run", "--once"]);
        assert_refused(
            &output,
            &format!("paths.{key}"),
            "フォルダーではありません",
            key,
        );
    }
    // A folder to be created under a file can never be created.
    for key in ["archive", "reports", "outbox", "database"] {
        let city = city_with(|_, text| set(&text, "[paths]", key, "\"a-file/below\""));
        std::fs::write(city.path().join("a-file"), "not a folder").unwrap();
        let output = city.hakusho(&["run", "--once"]);
        assert_refused(&output, &format!("paths.{key}"), "a-file", key);
        assert!(stderr(&output).contains("ファイル"), "{key}");
    }
}

#[test]
fn a_missing_or_broken_file_in_a_folder_is_named() {
    type Break = fn(&Path);
    let cases: [(&str, &str, Break, &str); 5] = [
        (
            "plan",
            "paths.plan",
            |d| std::fs::remove_file(d.join("strategy.toml")).unwrap(),
            "strategy.toml がありません",
        ),
        (
            "plan",
            "paths.plan",
            |d| std::fs::write(d.join("basic_plan.toml"), "parts = 3").unwrap(),
            "計画の参照データ",
        ),
        (
            "templates",
            "paths.templates",
            |d| std::fs::remove_file(d.join("mail/receipt.txt")).unwrap(),
            "receipt.txt がありません",
        ),
        (
            "templates",
            "paths.templates",
            |d| std::fs::remove_file(d.join("report/summary.toml")).unwrap(),
            "summary.toml がありません",
        ),
        (
            "fonts",
            "report.fonts",
            |d| std::fs::write(d.join("ipaexg.ttf"), "not a font").unwrap(),
            "読み込めません",
        ),
    ];
    for (folder, key, break_it, words) in cases {
        let city = city_with(|_, text| set(&text, "[paths]", folder, &format!("\"my-{folder}\"")));
        let source = match folder {
            "plan" => repo().join("data/plan"),
            other => repo().join(other),
        };
        let copy = city.path().join(format!("my-{folder}"));
        copy_tree(&source, &copy);
        break_it(&copy);
        let output = city.hakusho(&["run", "--once"]);
        assert_refused(&output, key, words, words);
    }
    // A font named in report.fonts that is not in the folder.
    let city =
        city_with(|_, text| text.replace("\"DroidSansFallbackFull.ttf\"]", "\"nowhere.ttf\"]"));
    let output = city.hakusho(&["run", "--once"]);
    assert_refused(&output, "report.fonts", "nowhere.ttf がありません", "font");
}

#[test]
fn a_count_or_time_of_zero_is_refused_naming_its_key() {
    let smtp = "[mail.smtp]\nhost = \"127.0.0.1\"\nport = 25\nsecurity = \"none\"\n";
    let cases = [
        ("[mail.smtp]", "timeout_seconds"),
        ("[mail.smtp]", "pool_idle_seconds"),
        ("[mail.smtp]", "port"),
        ("[paths]", "inbox_poll_seconds"),
        ("[mail]", "max_attempts"),
        ("[mail]", "parallel"),
        ("[mail]", "max_message_bytes"),
        ("[schedule]", "reminder_days"),
        ("[schedule]", "escalation_days"),
    ];
    for (table, key) in cases {
        let city = city_with(|_, text| {
            let text = text.replace("\n[managers]", &format!("\n{smtp}\n[managers]"));
            set(&text, table, key, "0")
        });
        for command in [&["status"][..], &["run", "--once"], &["send"]] {
            let output = city.hakusho(command);
            let full = format!("{}.{key}", &table[1..table.len() - 1]);
            assert_refused(&output, &full, "0 より大きい値", &full);
        }
    }
}

#[test]
fn a_schedule_that_never_fires_is_refused_naming_its_key() {
    let cases = [
        ("annual_run", "0 0 9 30 2 *"),
        ("annual_run", "0 0 9 31 4 *"),
        ("reminders", "0 0 9 31 6 *"),
        ("escalation", "0 0 10 31 9 *"),
        ("digest", "0 0 9 31 11 *"),
    ];
    for (key, cron) in cases {
        let city = city_with(|_, text| set(&text, "[schedule]", key, &format!("\"{cron}\"")));
        for command in [&["serve"][..], &["status"]] {
            let output = city.hakusho(command);
            assert_refused(
                &output,
                &format!("schedule.{key}"),
                "一度も実行されません",
                cron,
            );
            assert!(stderr(&output).contains(cron), "{cron}");
        }
    }
}

#[test]
fn a_notice_without_a_deadline_is_refused() {
    let city = city_with(|_, text| text.replace("deadline = \"2021-04-09\"", ""));
    let output = city.hakusho(&["status"]);
    for key in ["reminders", "escalation", "digest"] {
        assert_refused(
            &output,
            &format!("schedule.{key}"),
            "submission.deadline",
            key,
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let city = city_with(|_, text| {
        let text = set(&text, "[paths]", "inbox", "\"no-inbox\"");
        let text = set(&text, "[paths]", "plan", "\"no-plan\"");
        let text = set(&text, "[mail]", "max_attempts", "0");
        set(&text, "[schedule]", "annual_run", "\"0 0 9 30 2 *\"")
    });
    let output = city.hakusho(&["run", "--once"]);
    let err = stderr(&output);
    assert!(err.contains("設定に 4 件の問題があります"), "{err}");
    for key in [
        "paths.inbox",
        "paths.plan",
        "mail.max_attempts",
        "schedule.annual_run",
    ] {
        assert!(err.contains(&format!("設定 {key}: ")), "{key}: {err}");
    }
    assert_eq!(err.lines().count(), 5, "{err}");
}

#[test]
fn each_command_checks_what_it_uses() {
    // (command, broken key, value): each command refuses what it would trip over…
    let cases: [(&[&str], &str, &str); 6] = [
        (&["check", "x.xlsx"], "plan", "\"no-plan\""),
        (&["check", "x.xlsx"], "fonts", "\"no-fonts\""),
        (&["ingest", "x.xlsx"], "archive", "\"a-file\""),
        (&["send"], "outbox", "\"a-file\""),
        (
            &["template", "--fiscal-year", "R3", "--out", "t"],
            "templates",
            "\"no-templates\"",
        ),
        (&["preview-send"], "fonts", "\"no-fonts\""),
    ];
    for (command, key, value) in cases {
        let city = city_with(|_, text| set(&text, "[paths]", key, value));
        std::fs::write(city.path().join("a-file"), "not a folder").unwrap();
        let output = city.hakusho(command);
        assert_refused(
            &output,
            &format!("paths.{key}"),
            "",
            &format!("{command:?}"),
        );
    }
    // …and does not refuse what it does not use: status reads only the store.
    let city = city_with(|_, text| set(&text, "[paths]", "inbox", "\"no-inbox\""));
    let output = city.hakusho(&["status"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_missing_ca_file_or_password_variable_is_named() {
    let city = city_with(|_, text| {
        text.replace(
            "transport = \"file\"",
            "transport = \"smtp\"\n\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = 25\nsecurity = \"starttls\"\nuser = \"hakusho\"\npassword_env = \"HAKUSHO_TEST_UNSET_PASSWORD\"\nca_file = \"no-ca.pem\"",
        )
    });
    let output = city.hakusho(&["send"]);
    assert_refused(&output, "mail.smtp.ca_file", "no-ca.pem がありません", "ca");
    assert_refused(
        &output,
        "mail.smtp.password_env",
        "HAKUSHO_TEST_UNSET_PASSWORD",
        "password",
    );
}

/// The secret every malformed configuration below holds.
const SECRET: &str = "S3cr3t-Hunter2-xyz";

#[test]
fn a_secret_in_the_configuration_is_never_echoed() {
    let smtp =
        "[mail.smtp]\nhost = \"127.0.0.1\"\nport = 25\nsecurity = \"none\"\nuser = \"hakusho\"\n";
    let lines = [
        format!("{smtp}password = \"{SECRET}\""),
        format!("{smtp}password = {SECRET}"),
        format!("{smtp}password = \"{SECRET}"),
        format!("{smtp}password = '{SECRET}' # the password"),
        format!("{smtp}password = \"\"\"\n{SECRET}\n\"\"\""),
        format!("{smtp}password = {{ value = \"{SECRET}\" }}"),
        format!("{smtp}password_env = \"{SECRET}\""),
        format!("{smtp}password_env = \"{SECRET} with spaces\""),
        format!("{smtp}smtp_password = \"{SECRET}\""),
        format!("{smtp}port = \"{SECRET}\"\npassword = \"{SECRET}\""),
        format!("[secrets]\napi_token = \"{SECRET}\""),
    ];
    for (i, line) in lines.iter().enumerate() {
        let city =
            city_with(|_, text| text.replace("\n[managers]", &format!("\n{line}\n\n[managers]")));
        for format in ["text", "json"] {
            let output = city.hakusho(&["--log-format", format, "send"]);
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                stderr(&output)
            );
            assert_eq!(output.status.code(), Some(2), "case {i}: {all}");
            assert!(
                !all.contains("Hunter2"),
                "case {i} echoed the secret: {all}"
            );
            assert!(all.contains("設定ファイル"), "case {i}: {all}");
        }
    }
}

#[test]
fn a_secret_line_is_told_by_its_line_and_key() {
    let city = city_with(|_, text| {
        text.replace(
            "\n[managers]",
            &format!("\n[mail.smtp]\nhost = \"h\"\nport = 25\nsecurity = \"none\"\npassword = \"{SECRET}\"\n\n[managers]"),
        )
    });
    let err = stderr(&city.hakusho(&["status"]));
    assert!(err.contains("行目 (mail.smtp.password)"), "{err}");
    assert!(err.contains("環境変数"), "{err}");
}
