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
    common::stdout_of(&city.hakusho(&["run", "--once"]));
    let before = std::fs::read_dir(city.path().join("outbox"))
        .unwrap()
        .count();
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
    assert_eq!(
        std::fs::read_dir(city.path().join("outbox"))
            .unwrap()
            .count(),
        before
    );
}
