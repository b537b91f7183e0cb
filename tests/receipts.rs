//! What a submitter gets back: `hakusho check` and `ingest` output, the receipt mail,
//! and for a rejected file the annotated copy of their own workbook.

mod common;

use std::io::Read;

use common::grid::Grid;
use common::{repo, stdout_of, TestCity};
use mail_parser::{MessageParser, MimeHeaders};

fn rejected_workbook(city: &TestCity) -> std::path::PathBuf {
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("目標指標", "J2", "未定")
        .text("目標指標", "L3", "350人");
    let path = city.path().join("企画部_修正前.xlsx");
    std::fs::write(&path, grid.to_xlsx()).unwrap();
    path
}

#[test]
fn check_prints_findings_and_fails_only_on_errors() {
    let city = TestCity::new(None);
    let good = repo().join("data/inbox/令和2年度_総務部.xlsx");
    let output = city.hakusho(&["check", good.to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "令和2年度_総務部.xlsx … 問題なし\n"
    );

    let bad = rejected_workbook(&city);
    let output = city.hakusho(&["check", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("企画部_修正前.xlsx … 差戻し\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[エラー] シート「目標指標」 J2: 数値を期待しましたが「未定」でした"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "[エラー] シート「目標指標」 L3: 計画の値「300人」が「350人」に変わっています"
        ),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 件のファイルに誤りがあります"));
    assert!(city.store_is_untouched(), "check stores nothing");
}

#[test]
fn a_rejected_file_comes_back_annotated_in_its_receipt() {
    let city = TestCity::new(None);
    let bad = rejected_workbook(&city);
    let output = city.hakusho(&["ingest", bad.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "sent back: exit 1\n{stdout}");
    assert!(stdout.contains("企画部_修正前.xlsx … 差戻し"), "{stdout}");

    let outbox: Vec<_> = std::fs::read_dir(city.path().join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(outbox.len(), 1);
    let raw = std::fs::read(&outbox[0]).unwrap();
    let message = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        message.subject().unwrap(),
        "【三鷹市】令和2年度 提出用ブックの受付結果（企画部）: 差戻し"
    );
    assert_eq!(
        message.to().unwrap().first().unwrap().address().unwrap(),
        "kikaku-bu@mitaka.example"
    );
    let body = message.body_text(0).unwrap();
    assert!(
        body.contains("誤りのあるセルに色とコメントを付けたブックを添付しました"),
        "{body}"
    );
    assert!(
        body.contains("・[エラー] シート「目標指標」 J2: 数値を期待しましたが「未定」でした"),
        "{body}"
    );

    let attachment = message.attachments().next().expect("the annotated copy");
    assert_eq!(
        attachment.attachment_name().unwrap(),
        "企画部_修正前_要修正.xlsx"
    );
    let copy = city.path().join("copy.xlsx");
    std::fs::write(&copy, attachment.contents()).unwrap();
    // The submitter's own values are there, and each offending cell carries its note.
    let grid = Grid::read(&copy);
    let indicators = &grid.sheets.iter().find(|(n, _)| n == "目標指標").unwrap().1;
    assert_eq!(indicators[1][9], common::grid::Cell::Text("未定".into()));
    let notes = zip_text(&copy, "xl/comments");
    assert!(
        notes.contains("[エラー] 数値を期待しましたが「未定」でした"),
        "{notes}"
    );
    assert!(
        notes.contains("[エラー] 計画の値「300人」が「350人」に変わっています"),
        "{notes}"
    );
}

#[test]
fn an_accepted_file_gets_a_plain_receipt_and_the_same_bytes_are_recognised() {
    let city = TestCity::new(None);
    let good = repo().join("data/inbox/令和2年度_総務部.xlsx");
    let stdout = stdout_of(&city.hakusho(&["ingest", good.to_str().unwrap()]));
    assert!(
        stdout.contains("令和2年度_総務部.xlsx … 受理 (総務部、目標指標 4件)"),
        "{stdout}"
    );
    let again = stdout_of(&city.hakusho(&["ingest", good.to_str().unwrap()]));
    assert!(
        again.contains("受付済み (総務部、同じ内容のファイル)"),
        "{again}"
    );
    let outbox = std::fs::read_dir(city.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(outbox, 1, "the same bytes are not answered twice");
}

#[test]
fn templates_are_written_per_department_and_read_back_by_intake() {
    let city = TestCity::new(None);
    let out = city.path().join("templates");
    let stdout = stdout_of(&city.hakusho(&[
        "template",
        "--fiscal-year",
        "令和2年度",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(stdout.lines().count(), 10, "{stdout}");
    let planning = out.join("令和2年度_企画部_提出用.xlsx");
    let grid = Grid::read(&planning);
    let names: Vec<&str> = grid.sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "記入のしかた",
            "提出情報",
            "部の運営方針",
            "主要事業",
            "目標指標",
            "取組状況",
            "アクションプラン",
            "総合戦略KPI"
        ]
    );
    // A blank template reads cleanly: only the blanks are reported.
    let output = city.hakusho(&["check", planning.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("[エラー] シート「目標指標」 J2: 達成値が記入されていません"),
        "{stdout}"
    );
    assert!(!stdout.contains("見出し"), "{stdout}");
    assert!(!stdout.contains("計画の値"), "{stdout}");
    let protected = zip_text(&planning, "xl/worksheets/sheet5.xml");
    assert!(
        protected.contains("<sheetProtection"),
        "the sheet is protected"
    );
    let one = stdout_of(&city.hakusho(&[
        "template",
        "--fiscal-year",
        "R2",
        "--department",
        "教育部",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(
        one.trim_end(),
        out.join("令和2年度_教育部_提出用.xlsx")
            .display()
            .to_string()
    );
}

/// The text of the zip members whose names start with `prefix`.
fn zip_text(path: &std::path::Path, prefix: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        if entry.name().unwrap_or_default().starts_with(prefix) {
            entry.read_to_string(&mut text).unwrap();
        }
    }
    text
}
