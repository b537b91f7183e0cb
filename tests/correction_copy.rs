//! The correction copy of a file sent back (`<name>_要修正.xlsx`), read back with
//! calamine and unzipped: it opens on 指摘一覧 (one row per finding, each a link to its
//! cell, a legend of the tints), gives back every cell as it was typed, with its type,
//! and tints errors, warnings and input cells so that none is mistaken for another.

mod common;

use std::io::Read;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use common::grid::{Cell, Grid};
use common::repo;
use hakusho::config::Config;
use hakusho::domain::Severity;
use hakusho::intake::{read_submission, Reading};
use hakusho::plan::Plan;
use hakusho::report::Coverage;
use hakusho::workbook::layout::{indicator, FINDINGS_SHEET, INDICATOR_SHEET};
use hakusho::workbook::{
    cell_name, write_annotated_copy, Render, TINT_ERROR, TINT_INPUT, TINT_WARNING,
};

fn config() -> Config {
    Config::load(&repo().join("data/hakusho.toml")).unwrap()
}

fn plan() -> Plan {
    Plan::load(&repo().join("data/plan")).unwrap()
}

fn coverage(config: &Config) -> &'static Coverage {
    static COVERAGE: std::sync::OnceLock<Coverage> = std::sync::OnceLock::new();
    COVERAGE.get_or_init(|| Coverage::for_config(config).unwrap())
}

fn read(bytes: &[u8]) -> Reading {
    let config = config();
    read_submission(bytes, &config, &plan(), coverage(&config))
}

/// The 目標指標 cell in `column` of the indicator in 0-based sheet row `row` (1: the first).
fn indicator_cell(row: u32, column: usize) -> String {
    cell_name(row, column as u16)
}

/// The 企画部 sample as a clerk types it: 達成値 31 as a number, a date typed as a
/// date for 観測時点, and 「未定」 where a figure is due (so the file is sent back).
fn typed_by_a_clerk() -> Grid {
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.set(
        INDICATOR_SHEET,
        &indicator_cell(1, indicator::ACTUAL),
        Cell::Number(31.0),
    )
    .set(
        INDICATOR_SHEET,
        &indicator_cell(1, indicator::OBSERVED_AT),
        Cell::Date(2021, 3, 31),
    )
    .text(
        INDICATOR_SHEET,
        &indicator_cell(2, indicator::ACTUAL),
        "未定",
    );
    grid
}

/// The copy hakusho attaches to the receipt of `reading`.
fn copy_of(reading: &Reading) -> Vec<u8> {
    let config = config();
    let plan = plan();
    let content = reading.content.as_ref().unwrap();
    let render = Render {
        plan: &plan,
        fiscal_year: config.fiscal_year(),
        sections: &[],
        created: 0,
        findings: &reading.findings,
        guide: "記入のしかた",
    };
    write_annotated_copy(content, &render, &reading.typed).unwrap()
}

fn sheet(bytes: &[u8], name: &str) -> Range<Data> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    workbook.worksheet_range(name).unwrap()
}

/// The text of one member of the xlsx zip.
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn the_copy_opens_on_a_list_of_its_findings_each_a_link_to_its_cell() {
    let reading = read(&typed_by_a_clerk().to_xlsx());
    assert!(reading.has_errors());
    let copy = copy_of(&reading);
    let workbook: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(&copy)).unwrap();
    assert_eq!(workbook.sheet_names()[0], FINDINGS_SHEET);
    let list = sheet(&copy, FINDINGS_SHEET);
    let text = |row: usize, column: usize| -> String {
        list.get((row, column))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        [text(0, 0), text(0, 1), text(0, 2), text(0, 3)],
        ["重要度", "シート", "セル", "内容"]
    );
    for (i, finding) in reading.findings.iter().enumerate() {
        let row = i + 1;
        assert_eq!(text(row, 0), finding.severity.label());
        assert_eq!(
            text(row, 1),
            finding.sheet.clone().unwrap_or("(ファイル全体)".into())
        );
        assert_eq!(text(row, 2), finding.cell.clone().unwrap_or_default());
        assert_eq!(text(row, 3), finding.message);
    }
    assert_eq!(
        text(reading.findings.len() + 1, 0),
        "",
        "one row per finding"
    );
    let expected = format!(
        "[エラー] シート「目標指標」 {}: 数値を期待しましたが「未定」でした",
        indicator_cell(2, indicator::ACTUAL)
    );
    let found: Vec<String> = reading.findings.iter().map(ToString::to_string).collect();
    let i = found
        .iter()
        .position(|m| m.starts_with(&expected))
        .unwrap_or_else(|| panic!("{found:#?}"));
    // Each finding links to its cell: the sheet name quoted, in the list sheet's XML.
    let xml = part(&copy, "xl/worksheets/sheet1.xml");
    assert_eq!(
        xml.matches("<hyperlink ").count(),
        2 * reading
            .findings
            .iter()
            .filter(|f| f.sheet.is_some())
            .count(),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            r#"<hyperlink ref="C{}" location="'目標指標'!{}""#,
            i + 2,
            indicator_cell(2, indicator::ACTUAL)
        )),
        "{xml}"
    );
}

#[test]
fn the_copy_gives_back_each_cell_as_typed_with_its_type() {
    let reading = read(&typed_by_a_clerk().to_xlsx());
    let indicators = sheet(&copy_of(&reading), INDICATOR_SHEET);
    let at = |row: u32, column: usize| indicators.get_value((row, column as u32)).cloned();
    // The number 31 comes back as the number 31, not the text 「31件」 intake reads.
    assert_eq!(at(1, indicator::ACTUAL), Some(Data::Float(31.0)));
    assert!(
        matches!(at(1, indicator::OBSERVED_AT), Some(Data::DateTime(_))),
        "{:?}",
        at(1, indicator::OBSERVED_AT)
    );
    assert_eq!(at(2, indicator::ACTUAL), Some(Data::String("未定".into())));
    // Text typed as text stays text, the unit with it.
    let sample = sheet(
        &std::fs::read(repo().join("data/inbox/令和2年度_企画部.xlsx")).unwrap(),
        INDICATOR_SHEET,
    );
    assert_eq!(
        at(3, indicator::ACTUAL),
        sample.get_value((3, indicator::ACTUAL as u32)).cloned()
    );
}

#[test]
fn errors_warnings_and_input_cells_have_tints_told_apart_and_a_legend() {
    let reading = read(&typed_by_a_clerk().to_xlsx());
    assert!(reading
        .findings
        .iter()
        .any(|f| f.severity == Severity::Warning));
    let copy = copy_of(&reading);
    let styles = part(&copy, "xl/styles.xml");
    for tint in [TINT_ERROR, TINT_WARNING, TINT_INPUT] {
        assert!(
            styles.contains(&format!("FF{tint:06X}")),
            "{tint:06X} in {styles}"
        );
    }
    // Far apart in RGB: the warning amber is not the input cells' pale yellow.
    let distance = |a: u32, b: u32| -> f64 {
        let channel = |c: u32, shift: u32| ((c >> shift) & 0xFF) as f64;
        [16, 8, 0]
            .iter()
            .map(|s| (channel(a, *s) - channel(b, *s)).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    for (a, b) in [
        (TINT_WARNING, TINT_INPUT),
        (TINT_ERROR, TINT_INPUT),
        (TINT_ERROR, TINT_WARNING),
    ] {
        assert!(
            distance(a, b) > 80.0,
            "{a:06X} vs {b:06X}: {}",
            distance(a, b)
        );
    }
    let list = sheet(&copy, FINDINGS_SHEET);
    let legend: Vec<String> = (0..4)
        .map(|row| {
            list.get_value((row, 5))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(legend, ["凡例", "エラー", "注意", "入力欄"]);
}

#[test]
fn the_corrected_copy_is_read_again_without_a_word_on_its_list_sheet() {
    let reading = read(&typed_by_a_clerk().to_xlsx());
    let path = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(path.path(), copy_of(&reading)).unwrap();
    let mut corrected = Grid::read(path.path());
    corrected.set(
        INDICATOR_SHEET,
        &indicator_cell(2, indicator::ACTUAL),
        // The figure its KPI K2-1 carries too (the same fact).
        Cell::Number(269.0),
    );
    let again = read(&corrected.to_xlsx());
    let messages: Vec<String> = again.findings.iter().map(ToString::to_string).collect();
    assert!(!again.has_errors(), "{messages:#?}");
    assert!(
        !messages.iter().any(|m| m.contains(FINDINGS_SHEET)),
        "{messages:#?}"
    );
}

#[test]
fn locked_cells_of_the_copy_say_what_is_taken_in_not_what_was_sent() {
    let mut grid = typed_by_a_clerk();
    grid.text("提出情報", "B4", "令和3年度");
    let reading = read(&grid.to_xlsx());
    let copy = copy_of(&reading);
    let info = sheet(&copy, "提出情報");
    // The year cell is locked: the copy names the year being taken in, so the
    // corrected copy can be accepted; the clerk's own entries come back as typed.
    assert_eq!(
        info.get_value((3, 1)),
        Some(&Data::String("令和2年度".into()))
    );
    let indicators = sheet(&copy, INDICATOR_SHEET);
    assert_eq!(
        indicators.get_value((1, indicator::ACTUAL as u32)),
        Some(&Data::Float(31.0))
    );
}
