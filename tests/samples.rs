//! The sample submissions in `data/inbox/` are what a careful department submits: every
//! move the 2021 white paper explains carries that explanation as its 説明・注記, and the
//! only findings left are the ones data/README.md lists on purpose (moves the white paper
//! gives no reason for; the sample does not invent one).

mod common;

use std::path::PathBuf;

use common::grid::{Cell, Grid};
use common::repo;
use hakusho::config::Config;
use hakusho::intake::{read_submission, Reading};
use hakusho::plan::Plan;
use hakusho::report::Coverage;

/// 目標指標 説明・注記.
const NOTE_COLUMN: usize = hakusho::workbook::layout::indicator::NOTE;
/// Its column letter.
const NOTE_LETTER: char = (b'A' + NOTE_COLUMN as u8) as char;

/// The findings the samples keep on purpose (data/README.md), by department.
const DELIBERATE: [(&str, &[&str]); 7] = [
    ("企画部", &["[注意] シート「目標指標」 J9: 中期（平成30年度）の値「2.3%」から「1.0%」へ -57% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"]),
    ("生活環境部", &[
        "[注意] シート「目標指標」 J17: 中期（平成30年度）の値「977,210人」から「285,946人」へ -71% 変わっています。誤りでなければ理由を「説明・注記」に記入してください",
        "[注意] シート「目標指標」 J18: 中期（平成30年度）の値「52,070人」から「16,818人」へ -68% 変わっています。誤りでなければ理由を「説明・注記」に記入してください",
        "[注意] シート「目標指標」 J20: 中期（平成30年度）の値「11,900人」から「4,971人」へ -58% 変わっています。誤りでなければ理由を「説明・注記」に記入してください",
    ]),
    ("スポーツと文化部", &["[注意] シート「目標指標」 J3: 「—」(値なし)と記入されていますが、理由が「説明・注記」にありません。値が出ない理由を記入してください", "[注意] シート「目標指標」 J6: 中期（平成30年度）の値「71,751人」から「22,566人」へ -69% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"]),
    ("健康福祉部", &["[注意] シート「目標指標」 J5: 中期（平成30年度）の値「20団体」から「52団体」へ +160% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"]),
    ("子ども政策部", &["[注意] シート「目標指標」 J2: 中期（平成30年度）の値「67,943人」から「25,521人」へ -62% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"]),
    ("都市整備部", &[
        "[注意] シート「目標指標」 J8: 中期（平成30年度）の値「1,214,481人」から「491,340人」へ -60% 変わっています。誤りでなければ理由を「説明・注記」に記入してください",
        "[注意] シート「目標指標」 J9: 中期（平成30年度）の値「45km」から「80km」へ +78% 変わっています。誤りでなければ理由を「説明・注記」に記入してください",
    ]),
    ("教育部", &["[注意] シート「目標指標」 J4: 中期（平成30年度）の値「1校」から「3校」へ +200% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"]),
];

/// What each sample's notes answer: the warning its department gets without them.
const ANSWERED: [(&str, &str); 7] = [
    ("企画部", "[注意] シート「目標指標」 J7: 中期（平成30年度）の値「2,740,984件」から「4,976,176件」へ +82% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
    ("生活環境部", "[注意] シート「目標指標」 J9: 中期（平成30年度）の値「30,996人」から「9,410人」へ -70% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
    ("生活環境部", "[注意] シート「目標指標」 J11: 中期（平成30年度）の値「30,097人」から「5,264人」へ -83% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
    ("健康福祉部", "[注意] シート「目標指標」 J11: 中期（平成30年度）の値「12,348人」から「2,949人」へ -76% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
    ("子ども政策部", "[注意] シート「目標指標」 J3: 中期（平成30年度）の値「190人」から「92人」へ -52% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
    ("教育部", "[注意] シート「目標指標」 J5: 中期（平成30年度）の値「205,093人」から「88,325人」へ -57% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
    ("スポーツと文化部", "[注意] シート「目標指標」 J2: 中期（平成30年度）の値「171,489人」から「35,699人」へ -79% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
];

fn sample(department: &str) -> PathBuf {
    repo().join(format!("data/inbox/令和2年度_{department}.xlsx"))
}

fn read(bytes: &[u8]) -> Reading {
    let config = Config::load(&repo().join("data/hakusho.toml")).unwrap();
    let plan = Plan::load(&repo().join("data/plan")).unwrap();
    let coverage = Coverage::for_config(&config).unwrap();
    read_submission(bytes, &config, &plan, &coverage)
}

fn messages(reading: &Reading) -> Vec<String> {
    reading.findings.iter().map(ToString::to_string).collect()
}

/// The expected findings of a department's sample, in sheet order.
fn deliberate(department: &str) -> Vec<String> {
    DELIBERATE
        .iter()
        .filter(|(d, _)| *d == department)
        .flat_map(|(_, findings)| findings.iter().map(|f| f.to_string()))
        .collect()
}

#[test]
fn the_samples_show_only_the_findings_they_keep_on_purpose() {
    for department in common::DEPARTMENTS {
        let reading = read(&std::fs::read(sample(department)).unwrap());
        assert!(reading.is_acceptable(), "{department}");
        assert_eq!(messages(&reading), deliberate(department), "{department}");
    }
}

/// Every note of the samples answers a move: emptied, its warning comes back. So no
/// note is there only to fill a cell, and a note the seed lost would show.
#[test]
fn every_note_of_the_samples_answers_the_move_beside_it() {
    let mut answered = Vec::new();
    for department in common::DEPARTMENTS {
        let mut grid = Grid::read(&sample(department));
        let rows = noted_rows(&grid);
        if rows.is_empty() {
            continue;
        }
        for row in &rows {
            grid.set("目標指標", &format!("{NOTE_LETTER}{row}"), Cell::Empty);
        }
        let before = deliberate(department);
        for message in messages(&read(&grid.to_xlsx())) {
            if !before.contains(&message) {
                answered.push((department, message));
            }
        }
    }
    let mut expected: Vec<(&str, String)> =
        ANSWERED.iter().map(|(d, m)| (*d, m.to_string())).collect();
    answered.sort();
    expected.sort();
    assert_eq!(answered, expected);
}

/// The 1-based rows of the 目標指標 sheet whose 説明・注記 is filled in.
fn noted_rows(grid: &Grid) -> Vec<usize> {
    let (_, rows) = grid.sheets.iter().find(|(n, _)| n == "目標指標").unwrap();
    rows.iter()
        .enumerate()
        .skip(1)
        .filter(|(_, row)| matches!(row.get(NOTE_COLUMN), Some(Cell::Text(t)) if !t.is_empty()))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The published white paper typed 「工事实施」 twice with the simplified Chinese 实; the
/// samples are the corrected submissions.
#[test]
fn the_samples_carry_the_corrected_実() {
    let mut texts = Vec::new();
    for department in common::DEPARTMENTS {
        for (_, rows) in Grid::read(&sample(department)).sheets {
            for cell in rows.into_iter().flatten() {
                if let Cell::Text(text) = cell {
                    texts.push(text);
                }
            }
        }
    }
    assert!(texts.iter().all(|t| !t.contains('实')));
    assert!(texts
        .iter()
        .any(|t| t.contains("第五小学校大規模改修工事実施設計業務")));
    assert!(texts.iter().any(|t| t.contains("改修工事実施後の交通状況")));
}
