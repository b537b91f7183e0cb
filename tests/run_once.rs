//! The spine end to end: the real binary on the sample data, a real SMTP server on
//! loopback, the reports read back with calamine and pdftotext, the mail with a MIME parser.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use common::grid::Grid;
use common::{
    compact, pdf_text_compact, repo, sample_indicators, stdout_of, SmtpSink, TestCity, DEPARTMENTS,
};
use mail_parser::{MessageParser, MimeHeaders};

#[test]
fn run_once_reads_the_inbox_writes_reports_and_mails_each_department() {
    let sink = SmtpSink::start();
    let city = TestCity::new(Some(sink.port));
    std::fs::write(
        city.inbox().join("壊れたファイル.xlsx"),
        b"this is not a workbook",
    )
    .unwrap();
    let out = city.path().join("out");

    let output = city.hakusho(&["run", "--once", "--out", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a file sent back: exit 1\n{stdout}"
    );

    // The broken file is reported and kept; the run went on with the others.
    assert!(stdout.contains("壊れたファイル.xlsx … 差戻し"), "{stdout}");
    assert!(
        stdout.contains("Excel/ODS のブックとして開けません"),
        "{stdout}"
    );
    assert!(city.inbox().join("壊れたファイル.xlsx").exists());
    assert_eq!(stdout.matches("… 受理").count(), 10, "{stdout}");

    let reports = out.join("令和2年度");
    check_workbook(&reports.join("令和2年度_白書データ_全庁.xlsx"));
    check_pdf(&reports.join("令和2年度_目標指標_全庁.pdf"));
    check_mail(&sink, &reports);
}

/// The consolidated workbook holds every sample indicator with its printed cells and numbers.
fn check_workbook(path: &Path) {
    let mut workbook = open_workbook_auto(path).unwrap();
    let sheet = workbook.worksheet_range("目標指標").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(rows[0][0], "部");
    let expected = sample_indicators();
    assert_eq!(expected.len(), 68);
    assert_eq!(rows.len() - 1, expected.len());
    for (department, name, cells) in &expected {
        let row = rows
            .iter()
            .find(|r| &r[4] == name)
            .unwrap_or_else(|| panic!("{name} not in the workbook"));
        assert_eq!(&row[0], department);
        assert_eq!(&row[6..11], &cells[..], "{name}");
    }
    let english_site = sheet
        .rows()
        .find(|r| r[4] == Data::String("英語版ホームページのアクセス件数".into()))
        .unwrap();
    assert_eq!(english_site[14], Data::Float(202850.0));
}

/// pdftotext gives back every indicator name and every printed cell, in Japanese.
fn check_pdf(path: &Path) {
    let text = pdf_text_compact(path);
    assert!(
        text.contains(&compact("三鷹市 令和2年度 目標指標の達成状況(全庁)")),
        "{text}"
    );
    for (_, name, cells) in sample_indicators() {
        assert!(
            text.contains(&compact(&name)),
            "{name} missing from the PDF"
        );
        for cell in cells {
            assert!(
                text.contains(&compact(&cell)),
                "{cell} of {name} missing from the PDF"
            );
        }
    }
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() < 2_000_000, "the PDF is {} bytes", bytes.len());
}

/// Each file gets a receipt; each department one message with its own two reports,
/// and the managers the whole-city one (and the receipt of the file nobody could claim).
fn check_mail(sink: &SmtpSink, reports: &Path) {
    let received = sink.wait_for(24);
    assert_eq!(received.len(), 24, "a copy per recipient: 12 receipts (the unreadable file's to both managers) and 12 report messages");
    let mut by_recipient: BTreeMap<String, usize> = BTreeMap::new();
    let mut receipts = 0;
    for (recipients, bytes) in &received {
        for r in recipients {
            *by_recipient.entry(r.clone()).or_default() += 1;
        }
        let message = MessageParser::default().parse(bytes).unwrap();
        let subject = message.subject().unwrap().to_string();
        if subject.contains("提出用ブックの受付結果") {
            receipts += 1;
            check_receipt(&subject, &message.body_text(0).unwrap());
        } else {
            check_report_message(&message, &subject, reports);
        }
    }
    assert_eq!(receipts, 12);
    assert_eq!(
        by_recipient.len(),
        12,
        "10 departments and 2 managers: {by_recipient:?}"
    );
    assert!(
        by_recipient.values().all(|n| *n == 2),
        "a receipt and a report each: {by_recipient:?}"
    );
}

fn check_receipt(subject: &str, body: &str) {
    if subject.contains("部名不明") {
        assert_eq!(
            subject,
            "【三鷹市】令和2年度 提出用ブックの受付結果（部名不明）: 差戻し"
        );
        assert!(
            body.contains("Excel/ODS のブックとして開けません"),
            "{body}"
        );
    } else {
        assert!(subject.contains(": 受理"), "{subject}");
        assert!(body.contains("結果: 受理"), "{body}");
    }
}

fn check_report_message(message: &mail_parser::Message, subject: &str, reports: &Path) {
    let department = DEPARTMENTS
        .iter()
        .find(|d| subject.ends_with(&format!("（{d}）")));
    let label = department.copied().unwrap_or("全庁");
    if department.is_none() {
        assert_eq!(subject, "【三鷹市】令和2年度 目標指標 全庁集計");
    } else {
        assert_eq!(
            subject,
            format!("【三鷹市】令和2年度 目標指標の集計結果（{label}）")
        );
    }
    let body = message.body_text(0).unwrap();
    assert!(body.contains("令和2年度"), "{body}");
    let mut names = Vec::new();
    for attachment in message.attachments() {
        let name = attachment.attachment_name().unwrap().to_string();
        let on_disk = std::fs::read(reports.join(&name)).unwrap();
        assert_eq!(
            attachment.contents(),
            &on_disk[..],
            "{name} changed in the mail"
        );
        names.push(name);
    }
    names.sort();
    let mut expected = if label == "全庁" {
        vec![
            format!("令和2年度_目標指標_{label}.pdf"),
            format!("令和2年度_白書データ_{label}.xlsx"),
            "令和2年度_自治体経営白書.pdf".to_string(),
            "令和2年度_管理者向け要約.pdf".to_string(),
            "令和2年度_各部の運営方針と目標.pdf".to_string(),
            "令和2年度_広報紙_各部の運営方針と目標.pdf".to_string(),
        ]
    } else {
        vec![
            format!("令和2年度_{label}_報告書.pdf"),
            format!("令和2年度_白書データ_{label}.xlsx"),
        ]
    };
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn a_second_run_recognises_the_same_files_and_mails_nothing_new() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    assert_eq!(stdout.matches("受付済み").count(), 10, "{stdout}");
    assert!(stdout.contains("送信したメール (0 通)"), "{stdout}");
    assert_eq!(
        count(&city.path().join("outbox")),
        10 + 12,
        "10 receipts and a report message per recipient (10 departments, 2 managers), once"
    );
    assert!(city
        .path()
        .join("reports/令和2年度/令和2年度_企画部_報告書.pdf")
        .exists());
    // The submissions' archive; outgoing attachments are kept apart, under outbox/.
    let archived =
        walk_files(&city.path().join("archive")) - walk_files(&city.path().join("archive/outbox"));
    assert_eq!(archived, 10, "each distinct file archived once");
}

/// Report mails are keyed by what they print: a run with changed inputs sends the
/// reports whose inputs changed, and only those.
#[test]
fn a_run_with_changed_inputs_sends_the_new_reports() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let outbox = city.path().join("outbox");
    let sample = repo().join("data/inbox/令和2年度_企画部.xlsx");

    // A file sent back changes only what the managers' summary prints.
    let mut rejected = Grid::read(&sample);
    rejected.text("目標指標", "J2", "未定");
    std::fs::write(city.inbox().join("企画部_差戻し.xlsx"), rejected.to_xlsx()).unwrap();
    let output = city.hakusho(&["run", "--once"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a file sent back: exit 1\n{stdout}"
    );
    assert!(stdout.contains("送信したメール (2 通)"), "{stdout}");
    assert_eq!(
        count(&outbox),
        22 + 1 + 2,
        "its receipt and the managers' report"
    );

    // A new version accepted changes what 企画部's report and the managers' reports
    // print: those go out again (the receipt, 企画部, the managers: 1 + 1 + 2 files);
    // the nine other departments' reports print nothing of 企画部's and are not resent.
    let mut changed = Grid::read(&sample);
    let row = changed.row_of("部の運営方針", 0, "運営方針");
    changed.text("部の運営方針", &format!("B{row}"), "新しい運営方針です。");
    std::fs::write(city.inbox().join("企画部_第2版.xlsx"), changed.to_xlsx()).unwrap();
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    assert!(stdout.contains("企画部_第2版.xlsx … 受理"), "{stdout}");
    assert!(stdout.contains("送信したメール (3 通)"), "{stdout}");
    assert_eq!(count(&outbox), 25 + 4);
}

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

fn walk_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk_files(&p) } else { 1 })
        .sum()
}

#[test]
fn the_same_data_and_build_time_give_byte_identical_reports() {
    let (first, second) = two_runs_in_one_minute();
    let dir = |city: &TestCity| city.path().join("reports/令和2年度");
    let mut names: Vec<_> = std::fs::read_dir(dir(&first))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    // The 26 reports and their index (whose each file is: the portal's).
    assert_eq!(names.len(), 27);
    assert!(names.iter().any(|n| n == "index.json"));
    for name in names {
        let a = std::fs::read(dir(&first).join(&name)).unwrap();
        let b = std::fs::read(dir(&second).join(&name)).unwrap();
        if name == "index.json" {
            // The index records when each file used came in: a fact of each run.
            assert_eq!(without_receipt_times(&a), without_receipt_times(&b));
            continue;
        }
        assert!(a == b, "{name:?} differs between two runs");
    }
}

/// An index with every `received_at` taken out.
fn without_receipt_times(index: &[u8]) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("received_at");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(index).unwrap();
    strip(&mut value);
    value
}

/// Two cities run once each within one clock minute: the managers' summary prints
/// when each file was received, to the minute, so runs either side of a minute's
/// turn differ by that alone. Tried again (a few times at most) until they do not.
fn two_runs_in_one_minute() -> (TestCity, TestCity) {
    let minute = || chrono::Utc::now().format("%H:%M").to_string();
    for _ in 0..3 {
        let started = minute();
        let (first, second) = (TestCity::new(None), TestCity::new(None));
        stdout_of(&first.hakusho(&["run", "--once"]));
        stdout_of(&second.hakusho(&["run", "--once"]));
        if minute() == started {
            return (first, second);
        }
    }
    panic!("no two runs fitted in one minute");
}

/// A file that cannot be taken in for a reason of hakusho's own (here its archive
/// folder is blocked by a file) stops neither the other files nor their receipts; the
/// run fails without reports, and the next run takes the file in and sends them.
#[test]
fn a_file_that_fails_for_our_own_reason_waits_for_the_next_run_and_stops_no_other() {
    let city = TestCity::new(None);
    let blocked = city.inbox().join("令和2年度_総務部.xlsx");
    let hash = hakusho::archive::sha256_hex(&std::fs::read(&blocked).unwrap());
    let archive = city.path().join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::write(archive.join(&hash[..2]), b"not a folder").unwrap();

    let first = city.hakusho(&["run", "--once"]);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1 件のファイルを取り込めませんでした") && stderr.contains("総務部"),
        "{stderr}"
    );
    let outbox = city.path().join("outbox");
    assert_eq!(
        count(&outbox),
        common::DEPARTMENTS.len() - 1,
        "the other receipts"
    );
    assert!(!city.path().join("reports").exists(), "no reports yet");

    std::fs::remove_file(archive.join(&hash[..2])).unwrap();
    let second = city.hakusho(&["run", "--once"]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(
        count(&outbox),
        22,
        "the last receipt, then every report once"
    );
}
