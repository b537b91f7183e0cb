//! One fact typed twice in one workbook (issue 11): a strategy KPI and the basic-plan
//! indicator it is must carry the same figure for the same year; the submitter is told
//! at intake, with both cells, on real workbooks.

mod common;

use common::grid::{Cell, Grid};
use common::{repo, stdout_of, TestCity};
use hakusho::config::Config;
use hakusho::domain::Severity;
use hakusho::intake::{read_submission, Reading};
use hakusho::plan::Plan;
use hakusho::report::Coverage;
use hakusho::workbook::cell_name;
use hakusho::workbook::layout::{indicator, kpi};

fn config() -> Config {
    Config::load(&repo().join("data/hakusho.toml")).unwrap()
}

fn fonts() -> &'static Coverage {
    static COVERAGE: std::sync::OnceLock<Coverage> = std::sync::OnceLock::new();
    COVERAGE.get_or_init(|| {
        let mut config = config();
        config.report.system_fonts.clear();
        Coverage::for_config(&config).unwrap()
    })
}

/// The 企画部 sample, whose K2-1 (転入者数) is the basic-plan indicator 1-1.2.
fn sample() -> Grid {
    Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"))
}

/// The cell of KPI K2-1 in `column` (a layout constant).
fn kpi_cell(grid: &Grid, column: usize) -> String {
    let row = grid.row_of("総合戦略KPI", kpi::ID, "K2-1");
    cell_name(row as u32 - 1, column as u16)
}

/// The cell of indicator 1-1.2 in `column` (a layout constant).
fn indicator_cell(grid: &Grid, column: usize) -> String {
    let row = grid.row_of("目標指標", indicator::ID, "1-1.2");
    cell_name(row as u32 - 1, column as u16)
}

/// The sample with the K2-1 and 1-1.2 cells of the given columns set, read back.
fn typed(kpi_cells: &[(usize, Cell)], indicator_cells: &[(usize, Cell)]) -> Reading {
    let mut grid = sample();
    for (column, value) in kpi_cells {
        let cell = kpi_cell(&grid, *column);
        grid.set("総合戦略KPI", &cell, value.clone());
    }
    for (column, value) in indicator_cells {
        let cell = indicator_cell(&grid, *column);
        grid.set("目標指標", &cell, value.clone());
    }
    let reading = read_submission(&grid.to_xlsx(), &config(), &plan(), fonts());
    assert!(reading.content.is_some());
    reading
}

fn plan() -> Plan {
    Plan::load(&repo().join("data/plan")).unwrap()
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// The findings that say two cells of one fact differ.
fn same_fact_findings(reading: &Reading) -> Vec<String> {
    reading
        .findings
        .iter()
        .filter(|f| f.message.contains("同じ指標の同じ年度の値です"))
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_years_kpi_figure_and_the_indicators_achieved_value_differ_and_both_cells_are_named() {
    let reading = typed(
        &[(kpi::ACTUAL, text("２７０人"))],
        &[(indicator::ACTUAL, text("260人"))],
    );
    let grid = sample();
    let expected = format!(
        "[エラー] シート「総合戦略KPI」 {}: 実績値(令和2年度)「270人」が目標指標 {}(1-1.2)の達成値(令和2年度)「260人」と違います。同じ指標の同じ年度の値です。どちらかを直してください",
        kpi_cell(&grid, kpi::ACTUAL),
        indicator_cell(&grid, indicator::ACTUAL),
    );
    // The KPI's figure is quoted in the one form the white paper prints it in.
    assert_eq!(same_fact_findings(&reading), [expected]);
    assert!(!reading.is_acceptable(), "one of the two figures is wrong");
}

#[test]
fn the_same_figure_typed_in_another_width_with_or_without_the_unit_agrees() {
    for (in_kpi, in_indicator) in [
        (text("２７０人"), text("270")),
        (text("270 人"), Cell::Number(270.0)),
        (Cell::Number(270.0), text("２７０人")),
        (text("270人（速報値）"), text("270人")),
    ] {
        let reading = typed(
            &[(kpi::ACTUAL, in_kpi.clone())],
            &[(indicator::ACTUAL, in_indicator.clone())],
        );
        assert_eq!(
            same_fact_findings(&reading),
            Vec::<String>::new(),
            "{in_kpi:?} / {in_indicator:?}"
        );
    }
}

#[test]
fn a_missing_figure_on_one_side_is_not_a_disagreement() {
    for missing in [Cell::Empty, text("—")] {
        let reading = typed(
            &[(kpi::ACTUAL, missing.clone())],
            &[(indicator::ACTUAL, text("260人"))],
        );
        assert_eq!(same_fact_findings(&reading), Vec::<String>::new());
    }
}

#[test]
fn an_earlier_years_figure_corrected_in_one_place_only_is_named_with_both_columns() {
    // 1-1.2's 中期 (平成30年度) corrected with a reason; K2-1's 戦略策定時 (平成30年度) left.
    let reading = typed(
        &[],
        &[
            (indicator::PERIODS[2], text("256人")),
            (indicator::REASON, text("住民基本台帳の確定値に訂正")),
        ],
    );
    let grid = sample();
    let expected = format!(
        "[エラー] シート「総合戦略KPI」 {}: 戦略策定時(平成30年度)「255人」が目標指標 {}(1-1.2)の中期(平成30年度)「256人」と違います。同じ指標の同じ年度の値です。どちらかを直してください",
        kpi_cell(&grid, kpi::BASELINE),
        indicator_cell(&grid, indicator::PERIODS[2]),
    );
    assert_eq!(same_fact_findings(&reading), [expected]);
}

#[test]
fn two_targets_are_left_to_the_summary() {
    let reading = typed(
        &[
            (kpi::TARGET, text("320 人")),
            (kpi::NOTE, text("戦略の改定")),
        ],
        &[],
    );
    assert_eq!(same_fact_findings(&reading), Vec::<String>::new());
    assert!(reading
        .findings
        .iter()
        .all(|f| f.severity == Severity::Warning));
}

#[test]
fn the_sample_submissions_have_no_such_disagreement() {
    for department in common::DEPARTMENTS {
        let path = repo().join(format!("data/inbox/令和2年度_{department}.xlsx"));
        let reading = read_submission(&std::fs::read(path).unwrap(), &config(), &plan(), fonts());
        assert_eq!(
            same_fact_findings(&reading),
            Vec::<String>::new(),
            "{department}"
        );
    }
}

/// The managers' summary judges a pair as intake does: the KPI typed as the number 270
/// beside the indicator's `270人` is one figure there too (it once compared the text).
#[test]
fn the_summary_judges_the_pair_as_intake_does() {
    let mut grid = sample();
    let cell = kpi_cell(&grid, kpi::ACTUAL);
    grid.set("総合戦略KPI", &cell, Cell::Number(270.0));
    let cell = indicator_cell(&grid, indicator::ACTUAL);
    grid.set("目標指標", &cell, text("２７０人"));
    let city = TestCity::new(None);
    std::fs::write(
        city.path().join("inbox/令和2年度_企画部.xlsx"),
        grid.to_xlsx(),
    )
    .unwrap();
    stdout_of(&city.hakusho(&["run", "--once"]));
    let out = city.path().join("export");
    let args = ["export", "--fiscal-year", "R2", "--format", "json", "--out"];
    stdout_of(&city.hakusho(&[&args[..], &[out.to_str().unwrap()]].concat()));
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("令和2年度_データセット.json")).unwrap(),
    )
    .unwrap();
    let k2_1 = data["white_paper"]["strategy"]["goals"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["kpis"].as_array().unwrap())
        .find(|k| k["id"] == "K2-1")
        .unwrap();
    assert_eq!(
        k2_1["cells"][2]["printed"], "270人",
        "the file was taken in, printed as its row"
    );
    let kinds: Vec<&str> = data["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["two_targets"], "{:#}", data["findings"]);
}

/// One slip, one finding: a cell already refused (words where a figure is due, a
/// negative count) is not also said to differ from its pair.
#[test]
fn a_refused_cell_is_not_also_said_to_differ_from_its_pair() {
    for (in_kpi, in_indicator) in [
        (text("269人"), text("未定")),
        (text("未定"), text("269人")),
        (text("▲5"), text("269人")),
        (text("269人"), text("△5")),
    ] {
        let reading = typed(
            &[(kpi::ACTUAL, in_kpi.clone())],
            &[(indicator::ACTUAL, in_indicator.clone())],
        );
        assert!(!reading.is_acceptable(), "{in_kpi:?} {in_indicator:?}");
        assert_eq!(
            same_fact_findings(&reading),
            Vec::<String>::new(),
            "{in_kpi:?} {in_indicator:?}"
        );
    }
}
