//! Rebuilding without mailing: `hakusho build` writes the files `run --once` writes,
//! the same bytes, and queues and sends nothing; a `run --once` repeated with the same
//! inputs (at another build time, on another day) sends nothing new and says why.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{stdout_of, TestCity, BUILD_EPOCH};

/// Every file under `dir`, by its path below `dir`, with its bytes.
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            for (below, bytes) in files_under(&path) {
                files.insert(format!("{name}/{below}"), bytes);
            }
        } else {
            files.insert(name, std::fs::read(&path).unwrap());
        }
    }
    files
}

/// What the city has sent or queued: the outbox folder's files and the store's
/// messages and deliveries.
fn mail_state(city: &TestCity) -> (BTreeMap<String, Vec<u8>>, i64, i64) {
    let mut store = city.raw_store();
    let mut count = |table: &str| -> i64 { store.count(&format!("SELECT count(*) FROM {table}")) };
    let outbox = files_under(&city.path().join("outbox"));
    (outbox, count("messages"), count("deliveries"))
}

#[test]
fn build_writes_what_run_once_writes_and_mails_nothing() {
    let city = TestCity::new(None);
    // Before anything is taken in: the reports of an empty year, and no mail.
    let stdout = stdout_of(&city.hakusho(&["build"]));
    assert!(
        stdout.contains("令和2年度 の報告書を作成しました"),
        "{stdout}"
    );
    assert!(stdout.contains("メールは送っていません"), "{stdout}");
    assert!(files_under(&city.path().join("outbox")).is_empty());
    // The run after it still mails everyone: build marked nothing as sent.
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    assert!(stdout.contains("送信したメール (21 通)"), "{stdout}");
    let by_run = files_under(&city.path().join("reports"));
    // The 26 reports and their index (`index.json`: whose each file is).
    assert_eq!(by_run.len(), 27);
    let mail_before = mail_state(&city);
    let store_before = city.store_snapshot();

    let out = city.path().join("rebuilt");
    let stdout = stdout_of(&city.hakusho(&["build", "--out", out.to_str().unwrap()]));
    assert_eq!(files_under(&out), by_run, "the same files, the same bytes");
    // Each report is listed (not their index).
    for name in by_run.keys().filter(|n| !n.ends_with("index.json")) {
        let shown = out.join(name).display().to_string();
        assert!(stdout.contains(&shown), "{shown} not listed:\n{stdout}");
    }
    assert!(
        stdout.contains("令和2年度 の報告書を作成しました (26 件)"),
        "{stdout}"
    );
    assert!(mail_state(&city) == mail_before, "nothing queued or sent");
    let store_after = city.store_snapshot();
    assert!(store_after == store_before, "the store is only read");
    into_the_reports_folder_for_a_named_year(&city, &by_run);
}

/// Without `--out`, into the configured reports folder; the year named as `R2` is the
/// configured year's files again; a year outside the plan is refused (exit 2).
fn into_the_reports_folder_for_a_named_year(city: &TestCity, by_run: &BTreeMap<String, Vec<u8>>) {
    let reports = city.path().join("reports");
    std::fs::remove_dir_all(&reports).unwrap();
    stdout_of(&city.hakusho(&["build", "--fiscal-year", "R2"]));
    assert!(&files_under(&reports) == by_run);
    let refused = city.hakusho(&["build", "--fiscal-year", "令和99"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("計画期間"));
}

#[test]
fn a_repeated_run_on_another_day_mails_nothing_new_and_says_why() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let first_reports = files_under(&city.path().join("reports"));
    let mail_before = mail_state(&city);
    // A day and an hour later: the reports print another build date.
    let later = (BUILD_EPOCH.parse::<i64>().unwrap() + 25 * 3600).to_string();
    for epoch in [later.as_str(), BUILD_EPOCH] {
        let env = [("SOURCE_DATE_EPOCH", epoch)];
        let stdout = stdout_of(&city.hakusho_with_env(&["run", "--once"], &env));
        assert!(stdout.contains("送信したメール (0 通)"), "{stdout}");
        assert!(
            stdout.contains("前回と同じ内容のため、報告書のメールは送りません（11 件）"),
            "{stdout}"
        );
        assert!(
            mail_state(&city) == mail_before,
            "no new message at {epoch}"
        );
        // The reports were rebuilt all the same, printing the run's build date.
        let rebuilt = files_under(&city.path().join("reports"));
        let white_paper = "令和2年度/令和2年度_自治体経営白書.pdf";
        let same = rebuilt[white_paper] == first_reports[white_paper];
        assert_eq!(same, epoch == BUILD_EPOCH, "rebuilt at {epoch}");
    }
}

#[test]
fn a_changed_department_mails_its_own_report_and_the_managers_only() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let sample = common::repo().join("data/inbox/令和2年度_企画部.xlsx");
    let mut changed = common::grid::Grid::read(&sample);
    let row = changed.row_of("部の運営方針", 0, "運営方針");
    changed.text("部の運営方針", &format!("B{row}"), "新しい運営方針です。");
    std::fs::write(city.inbox().join("企画部_第2版.xlsx"), changed.to_xlsx()).unwrap();
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    // The receipt, 企画部's own report and the managers' whole-city mail; the nine
    // other departments print nothing of 企画部's and are not mailed again.
    assert!(stdout.contains("送信したメール (3 通)"), "{stdout}");
    assert!(stdout.contains("目標指標の集計結果（企画部）"), "{stdout}");
    assert!(stdout.contains("全庁集計"), "{stdout}");
    assert!(!stdout.contains("集計結果（総務部）"), "{stdout}");
    assert!(
        stdout.contains("前回と同じ内容のため、報告書のメールは送りません（9 件）"),
        "{stdout}"
    );
}

#[test]
fn a_new_publication_month_mails_every_report_again() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let config = std::fs::read_to_string(city.config_path()).unwrap();
    let (old, new) = ("published = \"2021-07\"", "published = \"2021-09\"");
    assert!(config.contains(old), "the sample config sets {old}");
    std::fs::write(city.config_path(), config.replace(old, new)).unwrap();
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    // Every cover changed: every report mail goes again, nothing is called unchanged.
    assert!(stdout.contains("送信したメール (11 通)"), "{stdout}");
    assert!(!stdout.contains("前回と同じ内容のため"), "{stdout}");
}
