//! Log lines with the real binary: a file name holding a newline, an ESC or a Unicode
//! line separator cannot forge a log line or drive the terminal, in either log format.

mod common;

use common::TestCity;

/// A name built to forge a second log line and clear the screen.
const HOSTILE_NAME: &str =
    "令和2年度_総務部\n2026-01-01T00:00:00Z  INFO FORGED\r\u{1b}[2J\u{2028}\u{85}\t.xlsx";

/// A city whose 総務部 workbook sits in the inbox under [`HOSTILE_NAME`].
fn city_with_hostile_name() -> TestCity {
    let city = TestCity::new(None);
    let inbox = city.inbox();
    std::fs::rename(
        inbox.join("令和2年度_総務部.xlsx"),
        inbox.join(HOSTILE_NAME),
    )
    .unwrap();
    city
}

fn has_raw_control(text: &str) -> bool {
    text.chars()
        .any(|c| c != '\n' && (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')))
}

/// Every line is an event of the text format: it starts with its timestamp.
fn assert_text_events(stderr: &str) {
    for line in stderr.lines() {
        let stamp = line.get(..11).unwrap_or("");
        let looks_like_time = stamp.len() == 11
            && stamp[..4].bytes().all(|b| b.is_ascii_digit())
            && stamp.as_bytes()[4] == b'-'
            && stamp.as_bytes()[10] == b'T';
        assert!(looks_like_time, "not an event line: {line:?}\n{stderr}");
    }
}

#[test]
fn a_hostile_file_name_stays_on_one_text_log_line() {
    let city = city_with_hostile_name();
    let output = city.hakusho(&["run", "--once"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(!has_raw_control(&stderr), "{stderr:?}");
    assert_text_events(&stderr);
    let forged: Vec<&str> = stderr.lines().filter(|l| l.contains("FORGED")).collect();
    assert_eq!(forged.len(), 1, "{stderr}");
    assert!(forged[0].contains("file received"), "{}", forged[0]);
    assert!(forged[0].contains("総務部\\n2026"), "{}", forged[0]);
    // What is printed for the operator is escaped the same way.
    assert!(!has_raw_control(&stdout), "{stdout:?}");
    let printed: Vec<&str> = stdout.lines().filter(|l| l.contains("FORGED")).collect();
    assert_eq!(printed.len(), 1, "{stdout}");
    assert!(printed[0].contains("受理"), "{}", printed[0]);
}

#[test]
fn a_hostile_file_name_stays_in_one_json_log_object() {
    let city = city_with_hostile_name();
    let output = city.hakusho(&["--log-format", "json", "run", "--once"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert!(!has_raw_control(&stderr), "{stderr:?}");
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l:?}")))
        .collect();
    let received: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["fields"]["message"] == "file received")
        .filter(|e| e["fields"]["file"].as_str().unwrap().contains("FORGED"))
        .collect();
    assert_eq!(received.len(), 1, "{stderr}");
    let file = received[0]["fields"]["file"].as_str().unwrap();
    assert!(!has_raw_control(file), "{file:?}");
    assert!(file.starts_with("令和2年度_総務部\\n2026"), "{file}");
}

#[test]
fn a_refusal_naming_a_hostile_path_is_one_line() {
    let city = TestCity::new(None);
    let missing = city.path().join("no\nsuch\u{1b}[2J.xlsx");
    let output = city.hakusho(&["ingest", missing.to_str().unwrap()]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!has_raw_control(&stdout), "{stdout:?}");
    assert!(!has_raw_control(&stderr), "{stderr:?}");
    // A path that is not there is named, on one line, as the command's failure.
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("no\\nsuch\\u{1b}[2J.xlsx") && l.contains("がありません")),
        "{stderr}"
    );
}

/// The daemon's inbox watcher logs the same file on one line per event too.
#[test]
fn the_daemon_logs_a_hostile_file_name_one_line_per_event() {
    for format in ["text", "json"] {
        let city = city_with_hostile_name();
        for entry in std::fs::read_dir(city.inbox()).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().contains("FORGED") {
                std::fs::remove_file(path).unwrap();
            }
        }
        let log = serve_until_answered(&city, format);
        assert!(!has_raw_control(&log), "{log:?}");
        let forged: Vec<&str> = log.lines().filter(|l| l.contains("FORGED")).collect();
        assert_eq!(forged.len(), 2, "file received, taken in:\n{log}");
        assert!(
            forged.iter().any(|l| l.contains("taken in from the inbox")),
            "{log}"
        );
        match format {
            "json" => {
                for line in log.lines() {
                    let _: serde_json::Value =
                        serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line:?}"));
                }
            }
            _ => assert_text_events(&log),
        }
    }
}

/// Runs `serve` until the receipt of the inbox's file is written, stops it with
/// SIGTERM and returns its log.
fn serve_until_answered(city: &TestCity, format: &str) -> String {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let daemon = Command::new(env!("CARGO_BIN_EXE_hakusho"))
        .args(["--log-format", format, "serve", "--config"])
        .arg(city.config_path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let outbox = city.path().join("outbox");
    let count = || std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    let give_up = Instant::now() + Duration::from_secs(60);
    while count() < 1 && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = common::terminate(daemon);
    String::from_utf8(output.stderr).unwrap()
}
