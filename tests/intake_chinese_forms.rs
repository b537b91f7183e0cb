//! Chinese character forms typed where Japanese ones were meant (issue 11): a warning
//! at the cell naming the character and its Japanese form, on real workbooks.

mod common;

use std::path::PathBuf;

use common::grid::Grid;
use common::repo;
use hakusho::config::Config;
use hakusho::intake::{read_submission, Reading};
use hakusho::plan::Plan;
use hakusho::report::Coverage;

fn config() -> Config {
    Config::load(&repo().join("data/hakusho.toml")).unwrap()
}

fn plan() -> Plan {
    Plan::load(&repo().join("data/plan")).unwrap()
}

fn sample(department: &str) -> PathBuf {
    repo().join(format!("data/inbox/令和2年度_{department}.xlsx"))
}

/// The configured fonts only (without IPAmj明朝, quick to read): 实 and the other
/// simplified forms print with the fallback font, so only this check names them.
fn fonts() -> &'static Coverage {
    static COVERAGE: std::sync::OnceLock<Coverage> = std::sync::OnceLock::new();
    COVERAGE.get_or_init(|| {
        let mut config = config();
        config.report.system_fonts.clear();
        Coverage::for_config(&config).unwrap()
    })
}

fn read(bytes: &[u8]) -> Reading {
    read_submission(bytes, &config(), &plan(), fonts())
}

/// The findings of this check: the ones that say a character is not Japanese.
fn chinese_form_findings(reading: &Reading) -> Vec<String> {
    reading
        .findings
        .iter()
        .map(ToString::to_string)
        .filter(|m| m.contains("日本語の文字では"))
        .collect()
}

/// The 企画部 sample with texts written into cells, read back.
fn with_texts(cells: &[(&str, &str, &str)]) -> Reading {
    let mut grid = Grid::read(&sample("企画部"));
    for (sheet, cell, text) in cells {
        grid.text(sheet, cell, text);
    }
    read(&grid.to_xlsx())
}

#[test]
fn the_seeds_simplified_character_is_named_at_its_cell() {
    let reading = with_texts(&[("取組状況", "C2", "改修工事实施設計業務を行った")]);
    assert!(reading.is_acceptable(), "a warning, not an error");
    assert_eq!(
        chinese_form_findings(&reading),
        ["[注意] シート「取組状況」 C2: 「实」は日本語の文字ではありません(簡体字)。「実」の誤りではありませんか"]
    );
}

#[test]
fn every_sheet_and_every_kind_of_chinese_form_is_named() {
    let reading = with_texts(&[
        ("部の運営方針", "B4", "这是说明"),
        ("主要事業", "B2", "门前広場の整備"),
        ("アクションプラン", "F2", "說明会を开催した"),
        ("総合戦略KPI", "H2", "经営の措置"),
    ]);
    let mut found = chinese_form_findings(&reading);
    found.sort();
    let mut expected = [
        "[注意] シート「部の運営方針」 B4: 日本語の文字ではない字があります。「这」(簡体字)は「這」、「说」(簡体字)は「説」の誤りではありませんか",
        "[注意] シート「主要事業」 B2: 「门」は日本語の文字ではありません(簡体字)。「門」の誤りではありませんか",
        "[注意] シート「アクションプラン」 F2: 「說」は日本語の文字ではありません(繁体字)。「説」の誤りではありませんか",
        "[注意] シート「総合戦略KPI」 H2: 「经」は日本語の文字ではありません(簡体字)。「経」の誤りではありませんか",
    ];
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn a_character_with_two_japanese_forms_names_both() {
    let reading = with_texts(&[("取組状況", "C2", "头发")]);
    assert_eq!(
        chinese_form_findings(&reading),
        ["[注意] シート「取組状況」 C2: 日本語の文字ではない字があります。「头」(簡体字)は「頭」、「发」(簡体字)は「発」か「髪」の誤りではありませんか"]
    );
}

#[test]
fn japanese_text_and_characters_without_a_counterpart_are_not_named() {
    // 区 is the same in both scripts; 开 (開) is a JIS X 0213 character all the same; 𠮷, 髙, 﨑 and emoji have no Chinese counterpart
    // (the font check names those it cannot print).
    let reading = with_texts(&[
        (
            "取組状況",
            "C2",
            "区域の実施計画を説明した。𠮷田、髙﨑 😀 开",
        ),
        ("部の運営方針", "B4", "這う・門・発・経"),
    ]);
    assert_eq!(chinese_form_findings(&reading), Vec::<String>::new());
}

#[test]
fn many_cells_are_named_up_to_fifty_then_counted() {
    let mut grid = Grid::read(&sample("企画部"));
    for row in 2..=81 {
        grid.text("主要事業", &format!("H{row}"), "实");
    }
    let reading = read(&grid.to_xlsx());
    let found = chinese_form_findings(&reading);
    assert_eq!(found.iter().filter(|m| m.contains("「实」")).count(), 50);
    assert!(found.contains(
        &"[注意] ほかに 30 個のセルにも、日本語の文字ではない中国語の字体(簡体字・繁体字)があります"
            .to_string()
    ));
}
