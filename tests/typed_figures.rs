//! What a clerk types into a figure cell (issue 11, rows 1–3): the same figure typed
//! many ways is checked and stored alike and printed in one form; every Japanese
//! minus sign is read, and a negative count is an error; provisional figures are
//! stored apart from their mark, warned about and printed with a note. And a
//! property test over the cell reading: every figure cell of the seed and the plan,
//! typed the ways people type, reads as the same number or is told as a finding.

mod common;

use std::path::PathBuf;

use common::grid::{Cell, Grid};
use common::{pdf_text_compact, repo, stdout_of, TestCity};
use hakusho::config::Config;
use hakusho::domain::{Doubt, ObservationKind, Period, RowForm, TypedFigure};
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

/// The report fonts' coverage, read once for the whole test program.
fn coverage(config: &Config) -> &'static Coverage {
    static COVERAGE: std::sync::OnceLock<Coverage> = std::sync::OnceLock::new();
    COVERAGE.get_or_init(|| Coverage::for_config(config).unwrap())
}

fn read(bytes: &[u8]) -> Reading {
    let config = config();
    read_submission(bytes, &config, &plan(), coverage(&config))
}

fn messages(reading: &Reading) -> Vec<String> {
    reading.findings.iter().map(ToString::to_string).collect()
}

fn assert_has(reading: &Reading, expected: &str) {
    let found = messages(reading);
    assert!(
        found.iter().any(|m| m == expected),
        "expected {expected}\nfound {found:#?}"
    );
}

/// The 企画部 sample with cells set to text, read back.
fn typed(cells: &[(&str, &str, &str)]) -> Reading {
    let mut grid = Grid::read(&sample("企画部"));
    for (sheet, cell, text) in cells {
        grid.text(sheet, cell, text);
    }
    read(&grid.to_xlsx())
}

#[test]
fn a_figure_typed_as_a_number_prints_as_its_row_does() {
    // 4-1.1 温室効果ガス総排出量: declared t-CO2, printed without a unit (`9,676`).
    let mut grid = Grid::read(&sample("生活環境部"));
    let cell = format!("J{}", grid.row_of(INDICATORS, 0, "4-1.1"));
    grid.set(INDICATORS, &cell, Cell::Number(9500.0));
    let reading = read(&grid.to_xlsx());
    assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
    let content = reading.content.unwrap();
    let entry = content.indicators.iter().find(|e| e.id == "4-1.1").unwrap();
    let actual = entry.reading(Period::Actual).unwrap();
    assert_eq!(
        (actual.printed.as_str(), actual.value),
        ("9,500", Some(9500.0))
    );
}

/// The cell of `column` in the row of `id` in the 企画部 sample: `J5`.
fn cell_of(sheet: &str, id: &str, column: char) -> String {
    let grid = Grid::read(&sample("企画部"));
    format!("{column}{}", grid.row_of(sheet, 0, id))
}

const INDICATORS: &str = "目標指標";
const KPIS: &str = "総合戦略KPI";

#[test]
fn a_figure_typed_without_its_unit_or_in_full_width_is_checked_and_printed_in_one_form() {
    // 1-1.1 英語版ホームページのアクセス件数: 中期 293,478件; its note emptied.
    for text in [
        "12,345",
        "１２，３４５",
        "12345件",
        "１２，３４５ 件",
        "12345",
    ] {
        let reading = typed(&[(INDICATORS, "J2", text), (INDICATORS, "N2", "")]);
        assert_has(
            &reading,
            &format!("[注意] シート「目標指標」 J2: 中期（平成30年度）の値「293,478件」から「{text}」へ -96% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
        );
        let content = reading.content.unwrap();
        let actual = content.indicators[0].reading(Period::Actual).unwrap();
        assert_eq!(actual.printed, "12,345件", "{text}");
        assert_eq!(actual.value, Some(12345.0), "{text}");
    }
}

#[test]
fn a_pre_filled_figure_retyped_in_another_form_is_not_a_change() {
    let reading = typed(&[
        (INDICATORS, "F2", "３４６７７"),
        (INDICATORS, "G2", "60359件"),
    ]);
    assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
    let content = reading.content.unwrap();
    let entry = &content.indicators[0];
    assert_eq!(entry.reading(Period::Baseline).unwrap().printed, "34,677件");
    assert_eq!(entry.reading(Period::Early).unwrap().printed, "60,359件");
}

#[test]
fn every_japanese_minus_sign_is_read_and_a_negative_count_is_an_error() {
    // 1-2.1 平和推進関連事業の参加者数 (人): every planned figure is 0 or more.
    let cell = cell_of(INDICATORS, "1-2.1", 'J');
    let kpi = cell_of(KPIS, "K2-1", 'G');
    for text in ["▲5", "△5", "−5", "－5", "-5", "▲ 5", "▲５人"] {
        let reading = typed(&[(INDICATORS, &cell, text), (KPIS, &kpi, text)]);
        let told = "はマイナスの値です。この指標は負の値になりません(計画の値はすべて 0 以上です)。増減ではなく、その年度の値そのものを「▲」「△」「-」を付けずに記入してください";
        assert_has(
            &reading,
            &format!("[エラー] シート「目標指標」 {cell}: 「{text}」{told}"),
        );
        assert_has(
            &reading,
            &format!("[エラー] シート「総合戦略KPI」 {kpi}: 「{text}」{told}"),
        );
        assert!(!reading.is_acceptable(), "{text}");
        // One slip, one finding: the refused figure is not also asked about its move.
        for (sheet, at) in [("目標指標", &cell), ("総合戦略KPI", &kpi)] {
            let prefix = format!("シート「{sheet}」 {at}:");
            let here: Vec<String> = messages(&reading)
                .into_iter()
                .filter(|m| m.contains(&prefix))
                .collect();
            assert_eq!(here.len(), 1, "{text}: {here:#?}");
        }
        let content = reading.content.unwrap();
        let entry = content.indicators.iter().find(|e| e.id == "1-2.1").unwrap();
        assert_eq!(entry.reading(Period::Actual).unwrap().value, Some(-5.0));
    }
}

#[test]
fn provisional_figures_are_stored_apart_from_their_mark_and_warned_about() {
    // 1-1.2 通訳・翻訳ボランティア、防災ボランティア登録者数 (人), row 3; the
    // sample has 269人, as its KPI K2-1 (the same fact) has.
    let cases = [
        ("269人（速報値）", "速報値"),
        ("269人(見込み)", "見込み"),
        ("269人 暫定", "暫定値"),
        ("見込み 269人", "見込み"),
        ("269人（暫定値）", "暫定値"),
        ("269人 ※速報値", "速報値"),
    ];
    for (text, mark) in cases {
        let reading = typed(&[(INDICATORS, "J3", text)]);
        assert_has(
            &reading,
            &format!("[注意] シート「目標指標」 J3: 「{text}」は{mark}です。このまま白書に「269人 ({mark})」と載ります。確定値が出ていれば確定値を記入してください"),
        );
        assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
        let content = reading.content.unwrap();
        let actual = content.indicators[1].reading(Period::Actual).unwrap();
        assert_eq!(actual.printed, "269人", "{text}");
        assert_eq!(actual.value, Some(269.0), "{text}");
        assert_eq!(actual.provisional.as_deref(), Some(mark), "{text}");
    }
    let kpi = cell_of(KPIS, "K2-1", 'G');
    let reading = typed(&[(KPIS, &kpi, "２７０人（見込み）")]);
    assert_has(
        &reading,
        &format!("[注意] シート「総合戦略KPI」 {kpi}: 「２７０人（見込み）」は見込みです。このまま白書に「270人 (見込み)」と載ります。確定値が出ていれば確定値を記入してください"),
    );
    let content = reading.content.unwrap();
    let entry = content.kpis.iter().find(|k| k.id == "K2-1").unwrap();
    assert_eq!(entry.actual, "270人");
    assert_eq!(entry.actual_provisional.as_deref(), Some("見込み"));
}

#[test]
fn forms_that_could_be_misread_are_refused_or_warned_about() {
    let words = "でした。値が出ないときは「—」と記入し、「説明・注記」に理由を書いてください";
    for text in ["1,2345", "約202,850件", "R2: 202,850件", "202、850件"] {
        let reading = typed(&[(INDICATORS, "J2", text)]);
        assert_has(
            &reading,
            &format!("[エラー] シート「目標指標」 J2: 数値を期待しましたが「{text}」{words}"),
        );
    }
    let reading = typed(&[(INDICATORS, "J2", "202 850")]);
    assert_has(&reading, "[エラー] シート「目標指標」 J2: 「202 850」から数値が 2 つ(202、850)読み取れます。このセルには数値を 1 つ記入してください。桁区切りは「,」で、年度や注記は括弧で書いてください(例: 12,345人 (令和3年度))");
    let reading = typed(&[(INDICATORS, "J2", "202.850"), (INDICATORS, "N2", "")]);
    assert_has(&reading, "[注意] シート「目標指標」 J2: 「202.850」は小数の 202.85 として読みました。この指標の計画の値はすべて整数です。桁区切りのつもりなら「,」で記入してください(例: 202,850)");
    let reading = typed(&[(INDICATORS, "J2", "20万2,850件")]);
    assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
    let content = reading.content.unwrap();
    let actual = content.indicators[0].reading(Period::Actual).unwrap();
    assert_eq!(actual.printed, "202,850件");
    let kpi = cell_of(KPIS, "K2-1", 'G');
    let reading = typed(&[(KPIS, &kpi, "約270人")]);
    assert_has(
        &reading,
        &format!("[エラー] シート「総合戦略KPI」 {kpi}: 数値を期待しましたが「約270人」{words}"),
    );
    let reading = typed(&[(KPIS, &kpi, "270件")]);
    assert_has(
        &reading,
        &format!("[エラー] シート「総合戦略KPI」 {kpi}: 単位は「人」のはずですが「270件」と記入されています。数値は「人」で記入してください(単位を付けずに数値だけでも読めます)"),
    );
}

#[test]
fn the_sample_figures_are_stored_as_the_white_paper_printed_them() {
    for department in common::DEPARTMENTS {
        let reading = read(&std::fs::read(sample(department)).unwrap());
        for message in messages(&reading) {
            let new = ["マイナスの値", "このまま白書に", "数値が 2 つ", "小数の"];
            assert!(!new.iter().any(|n| message.contains(n)), "{message}");
        }
        let content = reading.content.unwrap();
        for entry in &content.indicators {
            let typed = &entry.indicator.observations;
            for (reading, observation) in entry.readings.iter().zip(typed) {
                assert_eq!(reading.printed, observation.printed, "{department}");
                assert_eq!(reading.provisional, None, "{department}");
            }
        }
    }
}

#[test]
fn the_department_report_prints_the_one_form_and_the_provisional_note() {
    let city = TestCity::new(None);
    let path = city.inbox().join("令和2年度_企画部.xlsx");
    let mut grid = Grid::read(&path);
    let kpi = format!("G{}", grid.row_of(KPIS, 0, "K2-1"));
    grid.text(INDICATORS, "J2", "２０３，８５０")
        .text(INDICATORS, "J3", "268人（速報値）")
        .text(KPIS, &kpi, "２６８（見込み）")
        .set(INDICATORS, "J4", Cell::Number(4051.0));
    std::fs::write(&path, grid.to_xlsx()).unwrap();
    stdout_of(&city.hakusho(&["run", "--once"]));
    let report = city
        .path()
        .join("reports/令和2年度/令和2年度_企画部_報告書.pdf");
    let text = pdf_text_compact(&report);
    for printed in ["203,850件", "268人(速報値)", "268人(見込み)", "4,051人"] {
        assert!(text.contains(printed), "{printed} not in the report");
    }
    assert!(!text.contains("２０３"), "full-width digits printed");
}

/// The findings about one cell.
fn findings_at(reading: &Reading, sheet: &str, cell: &str) -> Vec<String> {
    let prefix = format!("シート「{sheet}」 {cell}:");
    messages(reading)
        .into_iter()
        .filter(|m| m.contains(&prefix))
        .collect()
}

/// The year's figure of an indicator as stored: printed form and number.
fn stored(reading: Reading, id: &str) -> (String, Option<f64>) {
    let content = reading.content.unwrap();
    let entry = content.indicators.iter().find(|e| e.id == id).unwrap();
    let actual = entry.reading(Period::Actual).unwrap();
    (actual.printed.clone(), actual.value)
}

#[test]
fn a_figure_written_with_scale_characters_is_read_in_the_row_scale() {
    // 1-1.1 (件): 万 and 億 with digits after them, and a scale without the unit.
    for (text, printed, value) in [
        ("1万2千件", "12,000件", 12000.0),
        ("20万3千件", "203,000件", 203000.0),
        ("1億2,345万件", "123,450,000件", 123450000.0),
        ("20万", "200,000件", 200000.0),
        ("20.3万", "203,000件", 203000.0),
        ("203千", "203,000件", 203000.0),
        ("2千万件", "20,000,000件", 20000000.0),
    ] {
        let reading = typed(&[(INDICATORS, "J2", text)]);
        for message in findings_at(&reading, INDICATORS, "J2") {
            assert!(message.contains("変わっています"), "{text}: {message}");
        }
        assert_eq!(stored(reading, "1-1.1"), (printed.to_string(), Some(value)));
    }
    // 2-3.2 製造品出荷額 (百万円, 生活環境部).
    for (text, printed, value) in [
        ("3.4億円", "340百万円", 340.0),
        ("33,653,000千円", "33,653百万円", 33653.0),
        ("３３，６５３百万円", "33,653百万円", 33653.0),
    ] {
        let mut grid = Grid::read(&sample("生活環境部"));
        let cell = format!("J{}", grid.row_of(INDICATORS, 0, "2-3.2"));
        grid.text(INDICATORS, &cell, text);
        let reading = read(&grid.to_xlsx());
        for message in findings_at(&reading, INDICATORS, &cell) {
            assert!(message.contains("変わっています"), "{text}: {message}");
        }
        assert_eq!(stored(reading, "2-3.2"), (printed.to_string(), Some(value)));
    }
}

#[test]
fn text_glued_after_the_digits_that_is_no_unit_is_refused() {
    let told = "が読めないため、数値として受け付けられません。数字と桁区切りの「,」で「12,345件」のように記入してください。増減や説明は「説明・注記」に書いてください";
    for (text, tail) in [
        ("2.9e5", "e5"),
        ("0x47A5E", "x47A5E"),
        ("5件減", "件減"),
        ("5-件", "-件"),
        ("202,850件増", "件増"),
    ] {
        let reading = typed(&[(INDICATORS, "J2", text)]);
        assert_has(
            &reading,
            &format!("[エラー] シート「目標指標」 J2: 「{text}」は数値のあとの「{tail}」{told}"),
        );
        assert!(!reading.is_acceptable(), "{text}");
    }
    // A KPI printed without a unit is told too (no unit check reads it).
    let kpi = cell_of(KPIS, "K2-1", 'G');
    let reading = typed(&[(KPIS, &kpi, "5人減")]);
    let told = told.replace("12,345件", "12,345人");
    assert_has(
        &reading,
        &format!("[エラー] シート「総合戦略KPI」 {kpi}: 「5人減」は数値のあとの「人減」{told}"),
    );
    assert_eq!(findings_at(&reading, KPIS, &kpi).len(), 1);
}

#[test]
fn a_provisional_word_that_is_not_a_mark_alone_is_refused_with_the_form_to_use() {
    let form = "のように、数値のあとの括弧に注記の語だけを記入してください。";
    let indicator = "時点は「観測時点」の列に、その他の説明は「説明・注記」の列に記入してください";
    for (text, mark, example) in [
        (
            "203,000件 （速報値、令和3年3月末時点）",
            "速報値",
            "203,000件",
        ),
        ("12345件 ※R3.5.1時点の速報値", "速報値", "12,345件"),
        ("202,850件 (速報値", "速報値", "202,850件"),
        ("12,345件(見込み) 速報", "見込み", "12,345件"),
        ("12,345件暫定", "暫定値", "12,345件"),
    ] {
        let reading = typed(&[(INDICATORS, "J2", text)]);
        assert_has(&reading, &format!("[エラー] シート「目標指標」 J2: 「{text}」は{mark}の注記の書き方が読み取れません。{mark}などの注記は「{example}（{mark}）」{form}{indicator}"));
        assert!(!reading.is_acceptable(), "{text}");
    }
    let kpi = cell_of(KPIS, "K2-1", 'G');
    let reading = typed(&[(KPIS, &kpi, "270人（速報値、3月末）")]);
    assert_has(&reading, &format!("[エラー] シート「総合戦略KPI」 {kpi}: 「270人（速報値、3月末）」は速報値の注記の書き方が読み取れません。速報値などの注記は「270人（速報値）」{form}時点などの説明は「説明・注記」の列に記入してください"));
    // A mark alone in any bracket is a mark.
    for text in [
        "202,850件【速報値】",
        "202,850件［速報値］",
        "202,850件〔速報値〕",
        "202,850件 ※速報値",
    ] {
        let reading = typed(&[(INDICATORS, "J2", text)]);
        assert_has(&reading, &format!("[注意] シート「目標指標」 J2: 「{text}」は速報値です。このまま白書に「202,850件 (速報値)」と載ります。確定値が出ていれば確定値を記入してください"));
        assert_eq!(
            stored(reading, "1-1.1"),
            ("202,850件".to_string(), Some(202850.0))
        );
    }
}

#[test]
fn every_provisional_word_is_warned_about_with_its_label() {
    for (text, said, label) in [
        ("269人（推計）", "推計値", "推計値"),
        ("269人（推計値）", "推計値", "推計値"),
        ("269人（概数）", "概数", "概数"),
        ("269人 (概算)", "概算", "概算"),
        ("269人（予定）", "予定の値", "予定"),
        ("269人【集計中】", "集計中の値", "集計中"),
        ("269人 未確定", "未確定の値", "未確定"),
        ("仮 269人", "仮の値", "仮"),
        ("269人(仮)", "仮の値", "仮"),
        ("269人（推定）", "推計値", "推計値"),
        ("269人（推定値）", "推計値", "推計値"),
        ("269人（試算）", "概算", "概算"),
        ("269人（見通し）", "見込み", "見込み"),
        ("269人（予測）", "見込み", "見込み"),
        ("269人（中間値）", "暫定値", "暫定値"),
        ("269人（途中経過）", "暫定値", "暫定値"),
        ("269人（見込み値）", "見込み", "見込み"),
        ("269人（概数値）", "概数", "概数"),
        ("269人（暫定版）", "暫定値", "暫定値"),
        ("269人（仮集計）", "集計中の値", "集計中"),
        // Spaces or a line break (Alt+Enter) typed inside the word.
        ("269人（速 報 値）", "速報値", "速報値"),
        ("269人（速\n報値）", "速報値", "速報値"),
    ] {
        let reading = typed(&[(INDICATORS, "J3", text)]);
        // A line break in the cell is quoted as the space it is read as.
        let quoted = text.replace('\n', " ");
        assert_has(
            &reading,
            &format!("[注意] シート「目標指標」 J3: 「{quoted}」は{said}です。このまま白書に「269人 ({label})」と載ります。確定値が出ていれば確定値を記入してください"),
        );
        assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
        let content = reading.content.unwrap();
        let actual = content.indicators[1].reading(Period::Actual).unwrap();
        assert_eq!(actual.provisional.as_deref(), Some(label), "{text}");
        assert_eq!(actual.value, Some(269.0), "{text}");
    }
}

#[test]
fn a_negative_change_beside_the_figure_is_not_called_negative() {
    // 1-2.1 参加者数 (人): the figure is 4,050; the bracket holds its change, which is
    // a second number in this row (see the next test), but not a negative figure.
    let cell = cell_of(INDICATORS, "1-2.1", 'J');
    for text in [
        "4,050人 (▲5人)",
        "4,050人 (△5%)",
        "1,524人 (▲78人)",
        "4,050人（－5人）",
    ] {
        let reading = typed(&[(INDICATORS, &cell, text)]);
        let found = findings_at(&reading, INDICATORS, &cell);
        assert!(
            !found.iter().any(|m| m.contains("マイナス")),
            "{text}: {found:#?}"
        );
    }
    let reading = typed(&[(INDICATORS, &cell, "▲4,050人 (5人)")]);
    assert_has(&reading, &format!("[エラー] シート「目標指標」 {cell}: 「▲4,050人 (5人)」はマイナスの値です。この指標は負の値になりません(計画の値はすべて 0 以上です)。増減ではなく、その年度の値そのものを「▲」「△」「-」を付けずに記入してください"));
}

#[test]
fn any_decimals_in_a_row_of_whole_numbers_are_warned_about() {
    let told = "この指標の計画の値はすべて整数です。小数でよいか確かめてください";
    for (text, read) in [
        ("1.2345", "1.2345"),
        ("4.0500", "4.05"),
        ("202,850.5", "202,850.5"),
        ("29.8888888888889", "29.8888888888889"),
    ] {
        let reading = typed(&[(INDICATORS, "J2", text)]);
        assert_has(
            &reading,
            &format!(
                "[注意] シート「目標指標」 J2: 「{text}」は小数の {read} として読みました。{told}"
            ),
        );
    }
    // A number cell, as a formula's result comes.
    let mut grid = Grid::read(&sample("企画部"));
    grid.set(INDICATORS, "J2", Cell::Number(293478.6));
    let reading = read(&grid.to_xlsx());
    assert_has(
        &reading,
        &format!("[注意] シート「目標指標」 J2: 「293,478.6件」は小数の 293,478.6 として読みました。{told}"),
    );
    // Rescaled to a whole number: nothing to say about decimals.
    let reading = typed(&[(INDICATORS, "J2", "20.285万件")]);
    assert!(findings_at(&reading, INDICATORS, "J2").is_empty());
    assert_eq!(
        stored(reading, "1-1.1"),
        ("202,850件".to_string(), Some(202850.0))
    );
}

#[test]
fn invisible_characters_and_line_breaks_do_not_change_a_figure() {
    for text in [
        "202,850\u{200B}件",
        "\u{FEFF}202,850件",
        "202,850件\u{2060}",
        "2\u{200D}02,850",
        "202,850\u{200C}件",
    ] {
        let reading = typed(&[(INDICATORS, "J2", text)]);
        assert!(
            findings_at(&reading, INDICATORS, "J2").is_empty(),
            "{text:?}"
        );
        assert_eq!(
            stored(reading, "1-1.1"),
            ("202,850件".to_string(), Some(202850.0))
        );
    }
    let reading = typed(&[(INDICATORS, "J2", "202,850件\n（速報値）")]);
    assert_eq!(
        findings_at(&reading, INDICATORS, "J2"),
        vec!["[注意] シート「目標指標」 J2: 「202,850件 （速報値）」は速報値です。このまま白書に「202,850件 (速報値)」と載ります。確定値が出ていれば確定値を記入してください".to_string()]
    );
}

// The property test.

/// A small deterministic generator (xorshift64): the same cases on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Every figure cell of the seed and the plan with the form of its row.
fn seed_cells(plan: &Plan) -> Vec<(String, RowForm)> {
    let mut cells = Vec::new();
    for indicator in &plan.basic.indicators {
        let form = RowForm::of(
            &indicator.unit,
            &[
                &indicator.baseline,
                &indicator.early,
                &indicator.middle,
                &indicator.target,
            ],
        );
        for text in [
            &indicator.baseline,
            &indicator.early,
            &indicator.middle,
            &indicator.target,
        ] {
            cells.push((text.clone(), form.clone()));
        }
        if let Some(actual) = seed_actual(&indicator.id) {
            cells.push((actual, form.clone()));
        }
    }
    let seed = seed_table("strategy.toml");
    let seed_goals = seed["goals"].as_array().unwrap();
    for (goal, seed_goal) in plan.strategy.goals.iter().zip(seed_goals) {
        let seed_kpis = seed_goal["kpis"].as_array().unwrap();
        for (kpi, seed_kpi) in goal.kpis.iter().zip(seed_kpis) {
            let form = RowForm::of("", &[&kpi.earlier, &kpi.baseline, &kpi.target]);
            for key in ["h26", "baseline", "actual", "target"] {
                cells.push((seed_kpi[key].as_str().unwrap().to_string(), form.clone()));
            }
        }
    }
    cells
}

fn seed_table(file: &str) -> toml::Table {
    let path = repo().join("data/seed/fy2020").join(file);
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The seed's 達成値 of an indicator (`1-1.2`: policy 1-1, second indicator).
fn seed_actual(id: &str) -> Option<String> {
    let (policy, place) = id.rsplit_once('.')?;
    let place: usize = place.parse().ok()?;
    for entry in std::fs::read_dir(repo().join("data/seed/fy2020")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let seed = seed_table(&name);
        let Some(policies) = seed.get("policies").and_then(|p| p.as_array()) else {
            continue;
        };
        if let Some(p) = policies.iter().find(|p| p["code"].as_str() == Some(policy)) {
            let indicator = p["indicators"].as_array()?.get(place - 1)?;
            return indicator["actual"].as_str().map(String::from);
        }
    }
    None
}

/// A single figure's parts, from its one printed form: sign, number, unit, bound, rest.
struct Parts {
    number: String,
    unit: String,
    bound: &'static str,
    tail: String,
}

fn parts(figure: &TypedFigure) -> Option<Parts> {
    let o = &figure.observation;
    if o.kind != ObservationKind::Measured || o.quantities.len() != 1 || o.value()? < 0.0 {
        return None;
    }
    let printed = &figure.printed;
    let number: String = printed
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    let tail = printed
        .find('(')
        .map_or(String::new(), |i| printed[i..].to_string());
    Some(Parts {
        number,
        unit: o.quantities[0].unit.clone(),
        bound: o.bound.map_or("", |b| b.suffix()),
        tail,
    })
}

const SIGNS: [&str; 6] = ["▲", "△", "−", "－", "-", "▲ "];
const SPACES: [&str; 3] = ["", " ", "\u{3000}"];
/// Notes after the figure: years, note markers, and every provisional mark standing
/// alone (in each kind of bracket, after ※, after a space).
const NOTES: [&str; 26] = [
    " (令和3年)",
    "（2021年）",
    " (R3)",
    "（注１）",
    " (注 2)",
    "（速報値）",
    " 暫定",
    " ※速報値",
    " ※注1",
    " 令和3年度",
    " 2021年",
    "(平成 28 年度)",
    "(見込み)",
    "【速報値】",
    "［暫定値］",
    "〔見込み〕",
    "（推計値）",
    " (推計)",
    "（概数）",
    "（概算）",
    " 予定",
    "【集計中】",
    " ※未確定",
    "（仮）",
    "\n（速報値）",
    "\r\n(見込み)",
];
/// Provisional words standing with other text: each must be refused or told.
const MISPLACED: [&str; 7] = [
    " （速報値、令和3年3月末時点）",
    " ※R3.5.1時点の速報値",
    " (速報値",
    "(見込み) 速報",
    "暫定",
    " (推計値 3月末)",
    " 概数です",
];
/// Text glued after the digits that is no unit: each must be refused.
const JUNK: [&str; 6] = ["e5", "x47A5E", "減", "-", "増", "E+03"];
const BEFORE: [&str; 4] = [" ", "見込み ", "令和3年度 ", "R3: "];
/// Invisible characters pasted from the web.
const INVISIBLE: [char; 6] = [
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{AD}',
];

/// One way a person could type a figure.
struct Typed {
    text: String,
    /// A minus sign was typed.
    negative: bool,
    /// The figure as printed, typed another way: no sign, no word before it, no note
    /// added, its brackets kept.
    plain: bool,
    /// The unit was typed.
    with_unit: bool,
    /// What was typed is not the figure (junk after the digits, a provisional word
    /// not standing alone): it must be told, whatever number was read.
    must_tell: bool,
    /// The bracketed sub-figure was typed negative (`(▲198人)`).
    negative_sub: bool,
}

/// The figure written with scale characters: `29万3,478`, `29万3千478`, `1万2千`,
/// `29.3478万`, `293.478千`; the digits as they were when no such form says the same
/// number.
fn scaled(number: &str, value: f64, rng: &mut XorShift) -> String {
    if value.fract() != 0.0 || value < 1000.0 {
        return number.to_string();
    }
    let (myriads, rest) = ((value / 1e4).floor(), value % 1e4);
    let (thousands, units) = ((rest / 1e3).floor(), rest % 1e3);
    let mut forms = vec![format!("{}千", value / 1e3)];
    if format!("{}", value / 1e4).parse::<f64>().ok() == Some(value / 1e4) {
        forms.push(format!("{}万", value / 1e4));
    }
    if myriads > 0.0 && rest > 0.0 {
        let grouped = hakusho::domain::format_quantity(rest, "");
        forms.push(format!("{myriads}万{grouped}"));
        forms.push(format!("{myriads}万{rest}"));
    }
    if myriads > 0.0 && thousands > 0.0 {
        let units = if units > 0.0 {
            units.to_string()
        } else {
            String::new()
        };
        forms.push(format!("{myriads}万{thousands}千{units}"));
    }
    if myriads == 0.0 && units == 0.0 {
        forms.push(format!("{thousands}千"));
    }
    rng.pick(&forms).clone()
}

/// The digits as a person could type them: with or without separators, in another
/// scale (万, 千), in full width.
fn typed_number(parts: &Parts, value: f64, rng: &mut XorShift) -> String {
    let mut number = parts.number.clone();
    if rng.next() % 2 == 0 {
        number = number.replace(',', "");
    }
    if rng.next() % 4 == 0 {
        number = scaled(&number, value, rng);
    }
    if rng.next() % 2 == 0 {
        number = hakusho_full_width(&number);
    }
    number
}

/// The bracketed tail, kept or left out, its figure sometimes made negative.
fn typed_tail(parts: &Parts, rng: &mut XorShift) -> (String, bool) {
    let mut tail = if rng.next() % 2 == 0 {
        parts.tail.clone()
    } else {
        String::new()
    };
    let negative_sub = tail.starts_with('(')
        && tail[1..].starts_with(|c: char| c.is_ascii_digit())
        && rng.next() % 3 == 0;
    if negative_sub {
        tail.insert(1, '▲');
    }
    (tail, negative_sub)
}

/// One way a person could type the figure.
fn perturbed(parts: &Parts, value: f64, rng: &mut XorShift) -> Typed {
    let number = typed_number(parts, value, rng);
    // A sign, a word before and a note each in a few cases only: most are typed plainly.
    let mut sometimes = |items: &[&'static str], one_in: u64| match rng.next() % one_in {
        0 => *rng.pick(items),
        _ => "",
    };
    let sign = sometimes(&SIGNS, 4);
    let (before, note) = (sometimes(&BEFORE, 4), sometimes(&NOTES, 3));
    let junk = sometimes(&JUNK, 12);
    let misplaced = sometimes(&MISPLACED, 12);
    let unit = if rng.next() % 3 == 0 {
        ""
    } else {
        parts.unit.as_str()
    };
    let space = if unit.is_empty() || !junk.is_empty() {
        ""
    } else {
        *rng.pick(&SPACES)
    };
    let (tail, negative_sub) = typed_tail(parts, rng);
    let (junk_before, junk_after) = match rng.next() % 2 {
        0 => (junk, ""),
        _ => ("", junk),
    };
    let text = format!(
        "{before}{sign}{number}{junk_before}{space}{unit}{junk_after}{}{}{tail}{note}{misplaced}",
        parts.bound,
        if tail.is_empty() { "" } else { " " },
    );
    Typed {
        text,
        negative: !sign.is_empty(),
        plain: sign.is_empty()
            && before.trim().is_empty()
            && note.is_empty()
            && tail == parts.tail
            && junk.is_empty()
            && misplaced.is_empty(),
        with_unit: !unit.is_empty(),
        must_tell: !junk.is_empty() || !misplaced.is_empty(),
        negative_sub,
    }
}

/// The text with an invisible character at a random place.
fn with_invisible(text: &str, rng: &mut XorShift) -> String {
    let places: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let at = *rng.pick(&places);
    format!("{}{}{}", &text[..at], rng.pick(&INVISIBLE), &text[at..])
}

fn hakusho_full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' | ',' | '.' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            c => c,
        })
        .collect()
}

/// One typed form of `cell`, read: its number or a finding, never another number
/// silently; true when it was told (a finding).
fn check_typed(
    typed: &Typed,
    (cell, form): (&str, &RowForm),
    (canonical, parts): (&TypedFigure, &Parts),
    rng: &mut XorShift,
) -> bool {
    let expected = canonical.observation.value().unwrap();
    let text = &typed.text;
    let figure = TypedFigure::read(text, form);
    let doubts = figure.doubts(form);
    let wanted = if typed.negative { -expected } else { expected };
    let value = figure.observation.value();
    assert!(
        value == Some(wanted) || !doubts.is_empty(),
        "「{text}」 (from 「{cell}」) read as {value:?} without a finding, expected {wanted}"
    );
    assert!(
        !typed.must_tell || !doubts.is_empty(),
        "「{text}」 (from 「{cell}」) read as {value:?} without a finding"
    );
    if typed.negative_sub && !typed.negative {
        assert!(!doubts.contains(&Doubt::Negative), "「{text}」: {doubts:?}");
    }
    let marked = figure.provisional.is_some() || !doubts.is_empty();
    assert!(
        marked || !PROVISIONAL_WORDS.iter().any(|w| text.contains(w)),
        "「{text}」 (from 「{cell}」): a provisional word neither taken as a mark nor told"
    );
    let same_unit = typed.with_unit || parts.unit == form.unit;
    if typed.plain && same_unit && doubts.is_empty() {
        assert_eq!(
            squashed(&figure.printed),
            squashed(&canonical.printed),
            "「{text}」 (from 「{cell}」)"
        );
    }
    // An invisible character anywhere reads as if it were not there.
    let hidden = with_invisible(text, rng);
    let seen = TypedFigure::read(&hidden, form);
    assert_eq!(
        (seen.observation.value(), seen.doubts(form), &seen.printed),
        (value, doubts.clone(), &figure.printed),
        "{hidden:?}"
    );
    !doubts.is_empty()
}

#[test]
fn typed_figures_read_as_their_number_or_are_told_never_silently_as_another() {
    let plan = plan();
    let mut rng = XorShift(0x2026_1202_1100_0011);
    let (mut cases, mut read_alike, mut told) = (0, 0, 0);
    for (cell, form) in seed_cells(&plan) {
        let canonical = TypedFigure::read(&cell, &form);
        let Some(parts) = parts(&canonical) else {
            continue;
        };
        let expected = canonical.observation.value().unwrap();
        for _ in 0..200 {
            let typed = perturbed(&parts, expected, &mut rng);
            let told_of = check_typed(&typed, (&cell, &form), (&canonical, &parts), &mut rng);
            cases += 1;
            if told_of {
                told += 1;
            } else {
                read_alike += 1;
            }
        }
    }
    eprintln!("typed figures: {cases} cases, {read_alike} read as their figure without a finding, {told} told");
    assert!(cases >= 60_000, "only {cases} cases");
    assert!(read_alike >= cases / 5 && told >= cases / 5);
}

const PROVISIONAL_WORDS: [&str; 11] = [
    "速報",
    "見込",
    "暫定",
    "推計",
    "概数",
    "概算",
    "予定",
    "集計中",
    "未確定",
    "仮",
    "見込値",
];

fn squashed(text: &str) -> String {
    text.split_whitespace().collect()
}

/// Excel stores `35.6%` typed into a General cell as 0.356 (and `100%` as 1) and the
/// format does not come through: a number cell in a row of % is refused naming both
/// readings, whatever its value.
#[test]
fn a_number_cell_in_a_percent_row_is_refused_naming_both_readings() {
    // 1-3.1 市の行政委員会・審議会等における女性委員の割合 (%).
    let mut grid = Grid::read(&sample("企画部"));
    let cell = format!("J{}", grid.row_of(INDICATORS, 0, "1-3.1"));
    for (number, itself, hundredfold, example) in [
        (0.356, "0.356%", "35.6%", "35.6%"),
        (1.0, "1%", "100%", "1%"),
        (1.05, "1.05%", "105%", "1.05%"),
        (35.6, "35.6%", "3,560%", "35.6%"),
    ] {
        grid.set(INDICATORS, &cell, Cell::Number(number));
        let reading = read(&grid.to_xlsx());
        assert!(!reading.is_acceptable(), "{number}");
        let here: Vec<String> = messages(&reading)
            .into_iter()
            .filter(|m| m.contains(&format!("シート「目標指標」 {cell}:")))
            .collect();
        assert_eq!(
            here,
            [format!("[エラー] シート「目標指標」 {cell}: 数値のセルに {number} が入っています。Excel では「35.6%」と入力すると 0.356 として保存され、書式は読み取れないため、{itself} か {hundredfold} か決められません。「{example}」のように「%」を付けて文字で記入してください(先頭に「'」を付けると文字になります)")]
        );
    }
    // Typed as text, it is read as typed.
    grid.set(INDICATORS, &cell, Cell::Text("35.6%".into()));
    let reading = read(&grid.to_xlsx());
    assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
}

/// The indexes of the cell styles (`cellXfs`) of `styles.xml` whose number format is
/// text: built-in 49, or a custom format whose code is `@`.
fn text_styles(styles: &str) -> Vec<usize> {
    let mut text_ids = vec!["49".to_string()];
    for numfmt in styles.split("<numFmt ").skip(1) {
        if numfmt.contains("formatCode=\"@\"") {
            let id = numfmt
                .split("numFmtId=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next();
            text_ids.push(id.unwrap().to_string());
        }
    }
    let xfs = styles.split("<cellXfs").nth(1).unwrap();
    let xfs = xfs.split("</cellXfs>").next().unwrap();
    xfs.split("<xf ")
        .skip(1)
        .enumerate()
        .filter(|(_, xf)| {
            let format = |id: &String| format!("numFmtId=\"{id}\"");
            text_ids.iter().any(|id| xf.starts_with(&format(id)))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The style index (`s`) of `cell` in a worksheet's XML.
fn style_of(sheet: &str, cell: &str) -> usize {
    let at = sheet
        .find(&format!("r=\"{cell}\""))
        .unwrap_or_else(|| panic!("{cell}"));
    let s = sheet[at..].split("s=\"").nth(1).unwrap().split('"').next();
    s.unwrap().parse().unwrap()
}

/// The template's figure cells are formatted as text, so Excel keeps what is typed
/// (`35.6%`, `1/2`) instead of turning it into a fraction or a date.
#[test]
fn the_templates_figure_cells_are_text_so_excel_keeps_what_is_typed() {
    use std::io::Read;
    let out = tempfile::tempdir().unwrap();
    let config = config();
    let (store, _database) = common::store::scratch_store();
    let year = hakusho::domain::FiscalYear(2021);
    let path = hakusho::template::write_templates(
        &config,
        &plan(),
        &store,
        year,
        Some("企画部"),
        out.path(),
        0,
    )
    .unwrap()
    .remove(0);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut part = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let text_style = text_styles(&part("xl/styles.xml"));
    assert!(!text_style.is_empty());
    // 目標指標 is the fifth sheet: 記入のしかた, 提出情報, 部の運営方針, 主要事業, 目標指標.
    let sheet = part("xl/worksheets/sheet5.xml");
    for cell in ["F2", "G2", "H2", "J2", "L2"] {
        assert!(
            text_style.contains(&style_of(&sheet, cell)),
            "{cell} is not text"
        );
    }
    for cell in ["I2", "K2", "N2"] {
        assert!(
            !text_style.contains(&style_of(&sheet, cell)),
            "{cell} is text"
        );
    }
}

/// A figure that moves from 0 has no share of change, and is still told.
#[test]
fn a_move_from_zero_is_told_without_a_share() {
    // 4-2.2 (生活環境部): the plan's 中期 is `0m³`.
    let mut grid = Grid::read(&sample("生活環境部"));
    let row = grid.row_of(INDICATORS, 0, "4-2.2");
    grid.text(INDICATORS, &format!("J{row}"), "5,000")
        .text(INDICATORS, &format!("N{row}"), "");
    let reading = read(&grid.to_xlsx());
    assert_has(
        &reading,
        &format!("[注意] シート「目標指標」 J{row}: 中期（平成30年度）の値「0m³」から「5,000」へ変わっています(前回は 0 のため増減率は出せません)。誤りでなければ理由を「説明・注記」に記入してください"),
    );
}

/// A formula whose result the file does not hold (written by a program, never opened
/// in Excel) is quoted as its formula, not told as an empty cell.
#[test]
fn a_formula_without_its_result_is_quoted_not_called_empty() {
    use std::io::{Read, Write};
    let mut grid = Grid::read(&sample("企画部"));
    grid.set(INDICATORS, "J2", Cell::Number(424_242.0));
    let xlsx = grid.to_xlsx();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&xlsx)).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).unwrap();
        let name = member.name().unwrap().to_string();
        let mut bytes = Vec::new();
        member.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet5.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            assert!(xml.contains("<v>424242</v>"), "the 目標指標 sheet");
            bytes = xml
                .replace("<v>424242</v>", "<f>200000+2850</f>")
                .into_bytes();
        }
        writer.start_file(name, options).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    let bytes = writer.finish().unwrap().into_inner();
    let reading = read(&bytes);
    assert_has(
        &reading,
        "[エラー] シート「目標指標」 J2: 数値を期待しましたが「=200000+2850」でした。値が出ないときは「—」と記入し、「説明・注記」に理由を書いてください",
    );
    assert!(
        !messages(&reading)
            .iter()
            .any(|m| m.contains("記入されていません")),
        "{:#?}",
        messages(&reading)
    );
}

/// A bracket holding a figure is a second number in the cell, not a note, unless the
/// plan's row has such bracketed figures itself (`4,372人 (198人)`): one number per
/// cell, or an error naming what was read. Never the first number stored silently.
#[test]
fn a_bracketed_figure_where_the_row_has_none_is_a_second_number() {
    let told = "このセルには数値を 1 つ記入してください。桁区切りは「,」で、年度や注記は括弧で書いてください(例: 12,345人 (令和3年度))";
    for (id, text, read) in [
        ("1-2.1", "405人 (4,050人)", "405人、4,050人"),
        ("1-2.1", "4,050人（405人）", "4,050人、405人"),
        ("1-2.1", "4,050人 (▲5人)", "4,050人、-5人"),
        ("1-3.1", "0.356(35.6%)", "0.356%、35.6%"),
    ] {
        let cell = cell_of(INDICATORS, id, 'J');
        let reading = typed(&[
            (INDICATORS, &cell, text),
            (INDICATORS, &format!("N{}", &cell[1..]), "説明あり"),
        ]);
        assert!(!reading.is_acceptable(), "{text}");
        assert_eq!(
            findings_at(&reading, INDICATORS, &cell),
            [format!("[エラー] シート「目標指標」 {cell}: 「{text}」から数値が 2 つ({read})読み取れます。{told}")],
            "{text}"
        );
    }
}

/// `—` (no value) where the plan's row has figures asks for its reason, as the
/// 「値が出ないときは「—」と記入し、…理由を書いてください」 message tells the clerk to.
#[test]
fn no_value_without_a_reason_is_asked_about() {
    let cell = cell_of(INDICATORS, "1-2.1", 'J');
    let note = format!("N{}", &cell[1..]);
    let kpi = cell_of(KPIS, "K2-1", 'G');
    let kpi_note = format!("I{}", &kpi[1..]);
    let asked = "「—」(値なし)と記入されていますが、理由が「説明・注記」にありません。値が出ない理由を記入してください";
    for dash in ["—", "-", "ー", "―"] {
        let reading = typed(&[(INDICATORS, &cell, dash), (INDICATORS, &note, "")]);
        assert_eq!(
            findings_at(&reading, INDICATORS, &cell),
            [format!("[注意] シート「目標指標」 {cell}: {asked}")],
            "{dash}"
        );
    }
    let reading = typed(&[
        (INDICATORS, &cell, "—"),
        (INDICATORS, &note, "事業を中止したため"),
    ]);
    assert!(findings_at(&reading, INDICATORS, &cell).is_empty());
    let reading = typed(&[
        (KPIS, &kpi, "—"),
        (INDICATORS, "J3", "—"),
        (INDICATORS, "N3", "調査中"),
    ]);
    assert_eq!(
        findings_at(&reading, KPIS, &kpi),
        [format!("[注意] シート「総合戦略KPI」 {kpi}: {asked}")]
    );
    let reading = typed(&[
        (KPIS, &kpi, "—"),
        (KPIS, &kpi_note, "調査中"),
        (INDICATORS, "J3", "—"),
        (INDICATORS, "N3", "調査中"),
    ]);
    assert!(findings_at(&reading, KPIS, &kpi).is_empty());
}

/// A year's figure typed as a range is printed as typed but judged as its number:
/// the clerk is told so, and asked for the figure itself.
#[test]
fn a_range_typed_for_the_years_figure_is_told() {
    let cell = cell_of(INDICATORS, "1-3.1", 'J');
    for (text, judged) in [("35.6%未満", "35.6%"), ("35%以上", "35%"), ("36%超", "36%")] {
        let reading = typed(&[(INDICATORS, &cell, text)]);
        assert_eq!(
            findings_at(&reading, INDICATORS, &cell),
            [format!("[注意] シート「目標指標」 {cell}: 「{text}」は範囲を表す値です。白書にはこのまま載り、達成状況は {judged} として判定されます。その年度の値そのものがわかれば記入してください")],
            "{text}"
        );
    }
    let kpi = cell_of(KPIS, "K2-1", 'G');
    let reading = typed(&[(KPIS, &kpi, "269人以上"), (INDICATORS, "J3", "269人以上")]);
    assert_eq!(
        findings_at(&reading, KPIS, &kpi),
        [format!("[注意] シート「総合戦略KPI」 {kpi}: 「269人以上」は範囲を表す値です。白書にはこのまま載り、達成状況は 269人 として判定されます。その年度の値そのものがわかれば記入してください")]
    );
}

/// 観測時点 typed as a bare number is a time (a year, or a date whose format was lost),
/// never a second figure beside the year's.
#[test]
fn an_observation_time_typed_as_a_number_is_a_time() {
    for (typed, printed) in [
        (Cell::Number(2019.0), "202,850件 (2019年)"),
        (Cell::Number(44286.0), "202,850件 (2021年3月31日)"),
        (Cell::Text("2019".into()), "202,850件 (2019年)"),
    ] {
        let mut grid = Grid::read(&sample("企画部"));
        grid.text(INDICATORS, "J2", "202,850件")
            .set(INDICATORS, "K2", typed);
        let reading = read(&grid.to_xlsx());
        let found = findings_at(&reading, INDICATORS, "J2");
        assert!(found.is_empty(), "{printed}: {found:#?}");
        let content = reading.content.unwrap();
        let actual = content.indicators[0].reading(Period::Actual).unwrap();
        assert_eq!(actual.printed, printed);
    }
}
