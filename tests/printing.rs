//! What intake accepts, the reports can print: characters no font has, the 戸籍
//! characters of names, texts of Excel's longest cell, and a report that fails for
//! one department, each through the real binary's `run --once`.

mod common;

use std::path::{Path, PathBuf};

use common::grid::Grid;
use common::{corrupt_a_finding_of, pdf_text_compact, stdout_of, TestCity};

/// Excel's longest cell (32,767 characters), opening with `start`.
fn longest_cell(start: &str) -> String {
    let filler = "市民と協働して取り組みを進めた。".chars().cycle();
    start.chars().chain(filler).take(32_767).collect()
}

/// The 企画部 sample with a name kanji and an emoji in its submitter, narrative and
/// file name, and Excel's longest cell as a narrative and as a priority project.
fn put_hard_texts_in(city: &TestCity) -> String {
    let inbox = city.inbox();
    let original = inbox.join("令和2年度_企画部.xlsx");
    let mut grid = Grid::read(&original);
    let row = grid.row_of("提出情報", 0, "記入者");
    grid.text("提出情報", &format!("B{row}"), "𠮷田 花子")
        .text("取組状況", "C2", &longest_cell("𠮷田さんの提案😀で"))
        .text("主要事業", "B2", &longest_cell("長い主要事業"));
    std::fs::remove_file(&original).unwrap();
    let name = "令和2年度_企画部_𠮷田😀.xlsx".to_string();
    std::fs::write(inbox.join(&name), grid.to_xlsx()).unwrap();
    name
}

/// Uses only the fonts of `paths.fonts`, as a city without IPAmj明朝 does.
fn without_system_fonts(city: &TestCity) {
    let path = city.config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace("[report]\n", "[report]\nsystem_fonts = []\n");
    std::fs::write(&path, text).unwrap();
}

fn reports(city: &TestCity) -> PathBuf {
    city.path().join("reports/令和2年度")
}

/// The mails written to the outbox, as (subject, text body).
fn outbox_mails(city: &TestCity) -> Vec<(String, String)> {
    let mut mails = Vec::new();
    for entry in std::fs::read_dir(city.path().join("outbox")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let message = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        let subject = message.subject().unwrap_or_default().to_string();
        let body = message.body_text(0).unwrap_or_default().to_string();
        mails.push((subject, body));
    }
    mails
}

fn managers_mail(city: &TestCity) -> String {
    outbox_mails(city)
        .into_iter()
        .find(|(subject, _)| subject.contains("全庁集計"))
        .expect("the managers' mail")
        .1
}

fn receipt_of(city: &TestCity) -> String {
    outbox_mails(city)
        .into_iter()
        .find(|(subject, _)| subject.contains("受付結果（企画部）"))
        .expect("the receipt of 企画部")
        .1
}

#[test]
fn characters_no_font_has_print_as_geta_and_are_listed_for_the_managers() {
    let city = TestCity::new(None);
    without_system_fonts(&city);
    let file_name = put_hard_texts_in(&city);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let dir = reports(&city);

    let white_paper = pdf_text_compact(&dir.join("令和2年度_自治体経営白書.pdf"));
    assert!(white_paper.contains("〓田さんの提案〓で"));
    let own = pdf_text_compact(&dir.join("令和2年度_企画部_報告書.pdf"));
    assert!(own.contains("〓田さんの提案〓で"));
    let summary = pdf_text_compact(&dir.join("令和2年度_管理者向け要約.pdf"));
    assert!(
        summary.contains("令和2年度_企画部_〓田〓.xlsx"),
        "{summary}"
    );
    assert!(summary.contains("報告書の作成で問題があった点"));
    assert!(summary.contains("「〓」(U+20BB7)"), "{summary}");

    let mail = managers_mail(&city);
    assert!(mail.contains("報告書の作成で問題がありました:"), "{mail}");
    assert!(mail.contains("自治体経営白書: 「𠮷」(U+20BB7) はどのフォントにもないため「〓」で印刷しました(「〓田さんの提案〓で"), "{mail}");
    // Each character once for the summary, which lists them itself.
    assert_eq!(mail.matches("管理者向け要約:").count(), 0, "{mail}");
    assert!(mail.contains("「😀」(U+1F600)"), "{mail}");
    assert!(mail.contains("企画部の報告書: 「𠮷」(U+20BB7)"), "{mail}");

    // The submitter was told at intake, cell by cell, and the file was accepted.
    let receipt = receipt_of(&city);
    assert!(receipt.contains("受理"), "{receipt}");
    assert!(receipt.contains("ファイル名の「𠮷」(U+20BB7)、「😀」(U+1F600) は報告書のフォントにない字のため、報告書では「〓」と印刷されます"), "{receipt}");
    assert!(
        receipt.contains(
            "シート「取組状況」 C2: 「𠮷」(U+20BB7)、「😀」(U+1F600) は報告書のフォントにない字"
        ),
        "{receipt}"
    );
    let checked =
        stdout_of(&city.hakusho(&["check", city.inbox().join(&file_name).to_str().unwrap()]));
    assert!(checked.contains("受理(要確認の点あり)"), "{checked}");
    assert!(checked.contains("「〓」と印刷されます"), "{checked}");
}

#[test]
fn texts_of_excels_longest_cell_break_across_pages() {
    let city = TestCity::new(None);
    put_hard_texts_in(&city);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let dir = reports(&city);
    // The narrative, whole, in the white paper (a paragraph over many pages)…
    let white_paper = pdf_text_compact(&dir.join("令和2年度_自治体経営白書.pdf"));
    let narrative = longest_cell("𠮷田さんの提案😀で").replace('😀', "〓");
    assert_printed_whole(&white_paper, &narrative);
    // …and the project, whole, in the booklet (a table cell taller than a page).
    let booklet = pdf_text_compact(&dir.join("令和2年度_各部の運営方針と目標.pdf"));
    assert_printed_whole(&booklet, &longest_cell("長い主要事業"));
    // The newsletter page keeps its one page, the project cut short.
    let newsletter = dir.join("令和2年度_広報紙_各部の運営方針と目標.pdf");
    assert_eq!(pdf_pages(&newsletter), 1);
    assert!(pdf_text_compact(&newsletter).contains("①長い主要事業市民と協働"));
}

#[test]
fn a_name_kanji_prints_itself_when_the_system_has_ipamj_mincho() {
    let Some(ipamj) = hakusho::report::find_system_font("ipamjm.ttf") else {
        eprintln!("IPAmj明朝 (fonts-ipamj-mincho) is not installed: skipped");
        return;
    };
    let city = TestCity::new(None);
    put_hard_texts_in(&city);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let dir = reports(&city);
    let white_paper = dir.join("令和2年度_自治体経営白書.pdf");
    assert!(pdf_text_compact(&white_paper).contains("𠮷田さんの提案〓で"));
    let own = dir.join("令和2年度_企画部_報告書.pdf");
    assert!(pdf_text_compact(&own).contains("𠮷田さんの提案〓で"));
    let summary = dir.join("令和2年度_管理者向け要約.pdf");
    assert!(pdf_text_compact(&summary).contains("令和2年度_企画部_𠮷田〓.xlsx"));
    // Only the emoji is listed; 𠮷 printed.
    let mail = managers_mail(&city);
    assert!(
        mail.contains("「😀」(U+1F600)") && !mail.contains("U+20BB7"),
        "{mail}"
    );
    // IPAmj明朝 is embedded as a subset of the glyphs used, not its 46 MB.
    let font_size = std::fs::metadata(ipamj).unwrap().len();
    let pdf_size = std::fs::metadata(&own).unwrap().len();
    assert!(pdf_size < font_size / 20, "{pdf_size} bytes");
}

#[test]
fn a_report_that_fails_for_one_department_stops_neither_the_others_nor_any_mail() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&[
        "ingest",
        city.inbox().join("令和2年度_企画部.xlsx").to_str().unwrap(),
    ]));
    // A stored finding of 企画部's submission that is not text (a damaged row): only
    // 企画部's report reads it.
    corrupt_a_finding_of(&city, "企画部");
    let output = city.hakusho(&["run", "--once"]);
    stdout_of(&output);
    let dir = reports(&city);
    assert!(!dir.join("令和2年度_企画部_報告書.pdf").exists());
    for department in &common::DEPARTMENTS[1..] {
        assert!(
            dir.join(format!("令和2年度_{department}_報告書.pdf"))
                .exists(),
            "{department}"
        );
    }
    assert!(dir.join("令和2年度_自治体経営白書.pdf").exists());
    the_failure_is_told_and_every_department_mailed(&city, &dir);
    // The log names the report and the cause.
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("企画部の報告書") && log.contains("reading the findings of submission"),
        "{log}"
    );
    // The cause as the database said it: text that is bytes (SQLite), NULL (PostgreSQL).
    let cause = if common::on_postgres() {
        "NULL"
    } else {
        "Invalid column type Blob"
    };
    assert!(log.contains(cause), "{log}");
    once_repaired_the_report_is_built_and_mailed_once(&city, &dir);
}

/// The managers' mail and summary, and 企画部's own mail, say its report failed; every
/// department that submitted still gets its mail.
fn the_failure_is_told_and_every_department_mailed(city: &TestCity, dir: &Path) {
    let mail = managers_mail(city);
    assert!(mail.contains("・企画部の報告書を作成できませんでした。この報告書は送られません(原因は hakusho のログにあります)"), "{mail}");
    let summary = pdf_text_compact(&dir.join("令和2年度_管理者向け要約.pdf"));
    assert!(summary.contains("企画部の報告書を作成できませんでした"));
    let own = outbox_mails(city)
        .into_iter()
        .find(|(s, _)| s.contains("目標指標の集計結果（企画部）"))
        .unwrap()
        .1;
    assert!(
        own.contains("・企画部の報告書を作成できませんでした"),
        "{own}"
    );
    let mails = outbox_mails(city);
    for department in common::DEPARTMENTS {
        assert!(
            mails
                .iter()
                .any(|(s, _)| s.contains(&format!("目標指標の集計結果（{department}）"))),
            "{department}"
        );
    }
}

/// Once the damage is repaired, the next run with the same inputs builds 企画部's
/// report and mails it (the mail's key covers what it carries, not only the inputs);
/// a third run with nothing changed sends nothing new.
fn once_repaired_the_report_is_built_and_mailed_once(city: &TestCity, dir: &Path) {
    city.raw_store()
        .execute("DELETE FROM findings WHERE position = 999", &[]);
    let before = outbox_mails(city).len();
    stdout_of(&city.hakusho(&["run", "--once"]));
    assert!(dir.join("令和2年度_企画部_報告書.pdf").exists());
    let mails = outbox_mails(city);
    let again: Vec<_> = mails
        .iter()
        .filter(|(s, _)| s.contains("目標指標の集計結果（企画部）"))
        .collect();
    assert_eq!(again.len(), 2, "企画部's mail with its report");
    assert!(mails.len() > before);
    stdout_of(&city.hakusho(&["run", "--once"]));
    assert_eq!(outbox_mails(city).len(), mails.len());
}

/// The text's start and end are printed, and all its sentences between them, but for
/// those a page break cut by the running header and page number.
fn assert_printed_whole(printed: &str, text: &str) {
    let start: String = text.chars().take(30).collect();
    let end: String = text.chars().skip(32_767 - 30).collect();
    assert!(printed.contains(&start) && printed.contains(&end));
    let sentence = "市民と協働して取り組みを進めた。";
    let (wanted, found) = (
        text.matches(sentence).count(),
        printed.matches(sentence).count(),
    );
    assert!(found >= wanted * 9 / 10, "{found} of {wanted} sentences");
}

/// The number of pages of a PDF (`pdfinfo`).
fn pdf_pages(pdf: &Path) -> usize {
    let output = std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

#[test]
fn the_sample_reports_list_no_problem() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let mail = managers_mail(&city);
    assert!(!mail.contains("問題がありました"), "{mail}");
}
