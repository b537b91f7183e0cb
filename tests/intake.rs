//! Intake on real workbooks: every format calamine reads (LibreOffice re-saves the
//! sample as ods and xls), numbers typed as numbers, and each refusal a submitter can meet.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use common::{repo, TestCity};
use hakusho::config::Config;
use hakusho::intake::{ingest_file, read_submission, Outcome, Severity};
use hakusho::store::Store;
use rust_xlsxwriter::Workbook;

const HEADER: [&str; 10] = [
    "施策コード",
    "施策名",
    "担当課",
    "指標名",
    "単位",
    "計画策定時\n(平成22年度)",
    "前期",
    "中期",
    "達成値",
    "目標値",
];

enum Cell<'a> {
    Text(&'a str),
    Number(f64),
}

/// A workbook with the given info rows and indicator rows, header as given.
fn workbook(info: &[(&str, &str)], header: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("提出情報").unwrap();
    for (i, (label, value)) in info.iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, *label).unwrap();
        sheet.write_string(i as u32 + 1, 1, *value).unwrap();
    }
    let sheet = book.add_worksheet().set_name("目標指標").unwrap();
    for (column, label) in header.iter().enumerate() {
        sheet.write_string(0, column as u16, *label).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Text(t) => sheet.write_string(r, c, *t).unwrap(),
                Cell::Number(n) => sheet.write_number(r, c, *n).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

const INFO: [(&str, &str); 3] = [
    ("テンプレート版", "1"),
    ("部名", "企画部"),
    ("年度", "令和2年度"),
];

fn english_site_row<'a>(actual: Cell<'a>) -> Vec<Cell<'a>> {
    use Cell::Text;
    vec![
        Text("1-1"),
        Text("国際化の推進"),
        Text("企画経営課"),
        Text("英語版ホームページのアクセス件数"),
        Text("件"),
        Text("34,677件"),
        Text("60,359件"),
        Text("293,478件"),
        actual,
        Text("400,000件"),
    ]
}

fn config() -> Config {
    Config::load(&repo().join("data/hakusho.toml")).unwrap()
}

fn messages(bytes: &[u8]) -> Vec<String> {
    read_submission(bytes, &config())
        .findings
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_figure_typed_as_a_number_reads_with_the_row_unit() {
    let bytes = workbook(&INFO, &HEADER, &[english_site_row(Cell::Number(202850.0))]);
    let reading = read_submission(&bytes, &config());
    assert!(reading.is_acceptable(), "{:?}", reading.findings);
    let indicator = &reading.content.unwrap().indicators[0];
    assert_eq!(indicator.observations[3].printed, "202,850件");
    assert_eq!(indicator.observations[3].value(), Some(202850.0));
    assert_eq!(reading.indicator_rows, vec![1]);
}

#[test]
fn another_department_or_year_is_refused_at_its_cell() {
    let info = [
        ("テンプレート版", "1"),
        ("部名", "企画課"),
        ("年度", "令和3年度"),
    ];
    let found = messages(&workbook(&info, &HEADER, &[]));
    assert!(found[0].starts_with("[エラー] シート「提出情報」 B3: 部名「企画課」は登録されていません(登録済み: 企画部、総務部"), "{found:?}");
    assert_eq!(found[1], "[エラー] シート「提出情報」 B4: 令和3年度のブックです。いま受け付けているのは令和2年度分です");
}

#[test]
fn an_old_template_version_and_a_missing_field_are_refused() {
    let info = [("テンプレート版", "0"), ("部名", ""), ("年度", "令和2年度")];
    let found = messages(&workbook(&info, &HEADER, &[]));
    assert!(
        found.contains(&"[エラー] シート「提出情報」 B3: 「部名」が記入されていません".to_string()),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.starts_with(
            "[エラー] シート「提出情報」 B2: テンプレート版「0」のブックは読めません"
        )),
        "{found:?}"
    );
}

#[test]
fn a_moved_column_is_named_by_its_header_cell() {
    let mut header = HEADER;
    header.swap(3, 4);
    let found = messages(&workbook(&INFO, &header, &[]));
    assert_eq!(found[0], "[エラー] シート「目標指標」 D1: 見出しは「指標名」のはずですが「単位」でした。列を動かさずに記入してください");
}

#[test]
fn a_row_without_a_name_is_an_error_and_a_wrong_unit_a_warning() {
    let mut row = english_site_row(Cell::Text("202,850人"));
    row[3] = Cell::Text("");
    let reading = read_submission(&workbook(&INFO, &HEADER, &[row]), &config());
    assert!(!reading.is_acceptable());
    let found: Vec<String> = reading.findings.iter().map(ToString::to_string).collect();
    assert!(
        found.contains(&"[エラー] シート「目標指標」 D2: 「指標名」が空です".to_string()),
        "{found:?}"
    );
    assert!(found.contains(&"[注意] シート「目標指標」 I2: 単位は「件」のはずですが「202,850人」と記入されています".to_string()), "{found:?}");
    assert_eq!(
        reading
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count(),
        1
    );
}

#[test]
fn a_file_that_is_no_workbook_or_lacks_our_sheets_is_refused() {
    assert!(messages(b"%PDF-1.7 not a workbook")[0]
        .starts_with("[エラー] Excel/ODS のブックとして開けません"));
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Sheet1").unwrap();
    let found = messages(&book.save_to_buffer().unwrap());
    assert_eq!(
        found[0],
        "[エラー] シート「提出情報」がありません。hakusho が配布した提出用ブックに記入してください"
    );
}

#[test]
fn a_zip_bomb_is_refused_before_calamine_opens_it_and_kept() {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer
        .start_file("xl/worksheets/sheet1.xml", options)
        .unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        writer.write_all(&zeros).unwrap();
    }
    let bomb = writer.finish().unwrap().into_inner();
    assert!(bomb.len() < 1024 * 1024);

    let city = TestCity::new(None);
    let config = Config::load(&city.config_path()).unwrap();
    let path = city.inbox().join("爆弾.xlsx");
    std::fs::write(&path, &bomb).unwrap();
    let mut store = Store::open(&config.paths.database).unwrap();
    let report = ingest_file(&path, &config, &mut store, "2021-04-10T09:00:00+09:00").unwrap();
    assert_eq!(report.outcome, Outcome::Rejected);
    let message = report.findings[0].to_string();
    assert!(message.contains("このファイルは開けません: ZIP の項目「xl/worksheets/sheet1.xml」が異常に圧縮されています"), "{message}");
    let archived = config
        .paths
        .archive
        .join(&report.sha256[..2])
        .join(format!("{}.xlsx", report.sha256));
    assert_eq!(
        std::fs::read(archived).unwrap(),
        bomb,
        "the original is kept"
    );
    assert!(path.exists());
}

#[test]
fn a_renamed_workbook_is_still_read_from_its_content() {
    let bytes = std::fs::read(repo().join("data/inbox/令和2年度_企画部.xlsx")).unwrap();
    let city = TestCity::new(None);
    let config = Config::load(&city.config_path()).unwrap();
    let path = city.path().join("提出.dat");
    std::fs::write(&path, bytes).unwrap();
    let mut store = Store::open(&config.paths.database).unwrap();
    let report = ingest_file(&path, &config, &mut store, "now").unwrap();
    assert_eq!(
        report.outcome,
        Outcome::Accepted {
            department: "企画部".into(),
            indicators: 9
        }
    );
}

/// LibreOffice re-saves the sample workbook as ods and xls; both read the same as the xlsx.
#[test]
fn workbooks_re_saved_by_libreoffice_read_the_same() {
    let source = repo().join("data/inbox/令和2年度_生活環境部.xlsx");
    let original = read_submission(&std::fs::read(&source).unwrap(), &config())
        .content
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for format in ["ods", "xls", "xlsx"] {
        let converted = convert_with_libreoffice(&source, format, dir.path());
        let reading = read_submission(&std::fs::read(&converted).unwrap(), &config());
        assert!(reading.is_acceptable(), "{format}: {:?}", reading.findings);
        assert_eq!(reading.content.unwrap(), original, "{format}");
    }
}

fn convert_with_libreoffice(source: &Path, format: &str, dir: &Path) -> std::path::PathBuf {
    let out = dir.join(format);
    let profile = dir.join(format!("profile-{format}"));
    let status = Command::new("soffice")
        .arg("--headless")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--convert-to", format, "--outdir"])
        .arg(&out)
        .arg(source)
        .status()
        .expect("LibreOffice (soffice) is needed: scripts/test.sh installs libreoffice-calc-nogui");
    assert!(status.success());
    out.join(source.file_stem().unwrap()).with_extension(format)
}
