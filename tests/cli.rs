//! The command line as a user meets it: help, and refusals that say what is wrong.

mod common;

use std::process::Command;

use common::TestCity;

fn hakusho(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hakusho"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn help_explains_each_command_in_a_sentence() {
    let output = hakusho(&["--help"]);
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains(
            "Runs the whole job: reads the inbox, builds the xlsx and PDF reports, mails them"
        ),
        "{help}"
    );
    assert!(
        help.contains("Starts the daemon, which runs the job on the configured schedule"),
        "{help}"
    );
    let run_help = String::from_utf8(hakusho(&["run", "--help"]).stdout).unwrap();
    assert!(
        run_help.contains("--once") && run_help.contains("--out"),
        "{run_help}"
    );
}

#[test]
fn an_unknown_configuration_key_stops_start_up_naming_it() {
    let city = TestCity::new(None);
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    std::fs::write(
        city.config_path(),
        text.replace("[report]", "[report]\nfont_size = 9"),
    )
    .unwrap();
    let output = city.hakusho(&["run", "--once"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("(report.font_size): 知らないキー `font_size` です"),
        "{stderr}"
    );
    assert!(stderr.contains("設定ファイル"), "{stderr}");
}

#[test]
fn run_without_once_points_to_serve() {
    let city = TestCity::new(None);
    let output = city.hakusho(&["run"]);
    assert!(!output.status.success());
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("hakusho serve"));
}

#[test]
fn logs_can_be_json_one_object_per_line() {
    let city = TestCity::new(None);
    let file = city.inbox().join("令和2年度_総務部.xlsx");
    let output = city.hakusho(&["--log-format", "json", "ingest", file.to_str().unwrap()]);
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let received = events
        .iter()
        .find(|e| e["fields"]["message"] == "file received")
        .expect("a file received event");
    assert_eq!(received["level"], "INFO");
    assert_eq!(received["fields"]["file"], "令和2年度_総務部.xlsx");
}

#[test]
fn preview_send_lists_the_next_run_without_sending() {
    let city = TestCity::new(None);
    let inbox: Vec<String> = std::fs::read_dir(city.inbox())
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    let mut ingest = vec!["ingest"];
    ingest.extend(inbox.iter().map(String::as_str));
    common::stdout_of(&city.hakusho(&ingest));
    let outbox_files = || {
        std::fs::read_dir(city.path().join("outbox"))
            .unwrap()
            .count()
    };
    let before = outbox_files();
    let stdout = common::stdout_of(&city.hakusho(&["preview-send"]));
    assert!(
        stdout.starts_with("次の実行で送るメール (11 通、送信はしません):"),
        "{stdout}"
    );
    assert!(
        stdout.contains("添付: 令和2年度_自治体経営白書.pdf ("),
        "{stdout}"
    );
    assert!(stdout.contains("送信待ちのメール: 0 件"), "{stdout}");
    assert_eq!(outbox_files(), before);
    // Once a run has mailed them, the preview says the next run sends none of them again.
    common::stdout_of(&city.hakusho(&["run", "--once"]));
    let stdout = common::stdout_of(&city.hakusho(&["preview-send"]));
    assert!(
        stdout.starts_with("次の実行で送るメール (0 通、送信はしません):"),
        "{stdout}"
    );
    assert!(
        stdout.contains("前回と同じ内容のため、次の実行でも報告書のメールは送りません（11 件）"),
        "{stdout}"
    );
    assert!(!stdout.contains("まだ受け付けていない"), "{stdout}");
    // A new file in the inbox: the preview, which reads the store, says the run may differ.
    let sample = common::repo().join("data/inbox/令和2年度_企画部.xlsx");
    let mut changed = common::grid::Grid::read(&sample);
    let row = changed.row_of("部の運営方針", 0, "運営方針");
    changed.text("部の運営方針", &format!("B{row}"), "新しい運営方針です。");
    std::fs::write(city.inbox().join("企画部_第2版.xlsx"), changed.to_xlsx()).unwrap();
    let stdout = common::stdout_of(&city.hakusho(&["preview-send"]));
    assert!(
        stdout.contains("まだ受け付けていないファイルが 1 件あります"),
        "{stdout}"
    );
}

/// The output of a command that must exit with `code`: stdout and stderr.
fn expect_exit(output: &std::process::Output, code: i32) -> (String, String) {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "{stdout}\n{stderr}");
    (stdout, stderr)
}

/// The 企画部 sample with a word where its first figure is due: sent back.
fn refused_workbook(city: &TestCity) -> std::path::PathBuf {
    let mut grid =
        common::grid::Grid::read(&common::repo().join("data/inbox/令和2年度_企画部.xlsx"));
    let first_figure =
        hakusho::workbook::cell_name(1, hakusho::workbook::layout::indicator::ACTUAL as u16);
    grid.text("目標指標", &first_figure, "未定");
    let path = city.path().join("企画部_差戻し.xlsx");
    std::fs::write(&path, grid.to_xlsx()).unwrap();
    path
}

#[test]
fn the_exit_status_says_accepted_refused_or_failed() {
    let city = TestCity::new(None);
    let good = city.inbox().join("令和2年度_総務部.xlsx");
    let warned = city.inbox().join("令和2年度_企画部.xlsx");
    let bad = refused_workbook(&city);
    let [good, warned, bad] = [&good, &warned, &bad].map(|p| p.to_str().unwrap().to_string());
    // 0: every file accepted, warnings allowed.
    expect_exit(&city.hakusho(&["check", &good, &warned]), 0);
    // 1: at least one file refused, by check and by ingest alike.
    let (_, stderr) = expect_exit(&city.hakusho(&["check", &good, &bad]), 1);
    assert!(
        stderr.contains("hakusho: 1 件のファイルに誤りがあります"),
        "{stderr}"
    );
    let (stdout, stderr) = expect_exit(&city.hakusho(&["ingest", &good, &bad]), 1);
    assert!(stdout.contains("企画部_差戻し.xlsx … 差戻し"), "{stdout}");
    assert!(
        stderr.contains("hakusho: 1 件のファイルを差し戻しました"),
        "{stderr}"
    );
    // The same refused bytes again: already received, and still refused.
    let (stdout, _) = expect_exit(&city.hakusho(&["ingest", &bad]), 1);
    assert!(
        stdout.contains(
            "受付済み (部名不明、前回差し戻したものと同じ内容のファイル。直してから送ってください)"
        ) || stdout.contains("前回差し戻したものと同じ内容のファイル"),
        "{stdout}"
    );
    expect_exit(&city.hakusho(&["ingest", &warned]), 0);
    // A mistyped path is the command failing, not a file to send back by mail.
    let missing = city.path().join("企画部_無い.xlsx");
    let missing = missing.to_str().unwrap();
    let outbox_before = std::fs::read_dir(city.path().join("outbox")).map_or(0, |d| d.count());
    for command in ["check", "ingest"] {
        let (_, stderr) = expect_exit(&city.hakusho(&[command, missing]), 2);
        assert!(
            stderr.contains("がありません。パスを確かめてください(何も受け付けていません)"),
            "{stderr}"
        );
    }
    let outbox_after = std::fs::read_dir(city.path().join("outbox")).map_or(0, |d| d.count());
    assert_eq!(
        outbox_after, outbox_before,
        "nothing mailed for a mistyped path"
    );
    // 2: the command itself failed (the store cannot be opened).
    city.make_store_unreachable();
    let (_, stderr) = expect_exit(&city.hakusho(&["ingest", &good]), 2);
    assert!(stderr.contains("データベース"), "{stderr}");
    expect_exit(&city.hakusho(&["status"]), 2);
    expect_exit(&city.hakusho(&["check", "--no-such-flag"]), 2);
}

#[test]
fn run_once_exits_1_when_a_file_of_the_run_was_sent_back() {
    let city = TestCity::new(None);
    refused_workbook(&city);
    std::fs::rename(
        city.path().join("企画部_差戻し.xlsx"),
        city.inbox().join("企画部_差戻し.xlsx"),
    )
    .unwrap();
    let (stdout, _) = expect_exit(&city.hakusho(&["run", "--once"]), 1);
    assert!(
        stdout.contains("作成した報告書"),
        "the reports were built: {stdout}"
    );
    // The next run finds nothing new refused: the file left in the inbox is not
    // counted again at every run.
    expect_exit(&city.hakusho(&["run", "--once"]), 0);
}

#[test]
fn help_and_readme_document_the_exit_statuses() {
    let help = String::from_utf8(hakusho(&["--help"]).stdout).unwrap();
    assert!(
        help.contains("Exit status: 0 every file accepted (warnings allowed), 1 at least one file refused (sent back: check, ingest, run --once), 2 the command itself failed"),
        "{help}"
    );
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    assert!(readme.contains("| 2 | the command itself failed"), "README");
}

const PLAN_PERIOD: &str = "(第4次三鷹市基本計画（第2次改定）の計画期間は平成22年度から令和4年度まで)。計画期間内の年度を指定してください";

#[test]
fn years_outside_the_plan_period_are_refused_by_every_command_naming_the_period() {
    let city = TestCity::new(None);
    common::stdout_of(&city.hakusho(&["run", "--once"]));
    let out = city.path().join("out");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["template", "--fiscal-year", "令和99", "--out", out],
            "令和99年度",
        ),
        (
            &["template", "--fiscal-year", "H21", "--out", out],
            "平成21年度",
        ),
        (
            &["export", "--fiscal-year", "令和5年度", "--out", out],
            "令和5年度",
        ),
        (
            &[
                "export",
                "--fiscal-year",
                "2023",
                "--format",
                "json",
                "--out",
                out,
            ],
            "令和5年度",
        ),
        (
            &["explain", "1-1.1", "--fiscal-year", "令和5年度"],
            "令和5年度",
        ),
    ];
    for (command, year) in cases {
        let (_, stderr) = expect_exit(&city.hakusho(command), 2);
        assert!(
            stderr.contains(&format!("hakusho: {year}は計画期間の外です{PLAN_PERIOD}")),
            "{command:?}: {stderr}"
        );
        assert!(
            !std::path::Path::new(out).exists(),
            "{command:?} wrote files"
        );
    }
    // Nothing was pinned to a year outside the plan: the store keeps 令和2年度 only.
    let years = city.raw_store().integers(
        "SELECT fiscal_year FROM plan_snapshots ORDER BY fiscal_year",
        &[],
    );
    assert_eq!(years, [2020]);
}

#[test]
fn explain_reads_ids_typed_full_width_or_with_other_dashes() {
    let city = TestCity::new(None);
    common::stdout_of(&city.hakusho(&["run", "--once"]));
    let plain = common::stdout_of(&city.hakusho(&["explain", "1-1.1"]));
    assert!(plain.starts_with("指標 1-1.1 "), "{plain}");
    for typed in ["１－１．１", "１-１.１", " 1-1.1 ", "1ー1.1"] {
        assert_eq!(
            common::stdout_of(&city.hakusho(&["explain", typed])),
            plain,
            "{typed}"
        );
    }
    let kpi = common::stdout_of(&city.hakusho(&["explain", "K2-1"]));
    assert_eq!(
        common::stdout_of(&city.hakusho(&["explain", "Ｋ２－１"])),
        kpi
    );
    let item = common::stdout_of(&city.hakusho(&["explain", "1-(6)"]));
    assert_eq!(
        common::stdout_of(&city.hakusho(&["explain", "１－（６）"])),
        item
    );
}
