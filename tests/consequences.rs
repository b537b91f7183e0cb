//! One slip, one finding: what only follows from an earlier finding (a workbook of
//! another fiscal year, template version or department) is not piled on top of it.

mod common;

use common::grid::Grid;
use common::repo;
use hakusho::config::Config;
use hakusho::domain::FiscalYear;
use hakusho::intake::{read_submission, Reading};
use hakusho::plan::Plan;
use hakusho::report::Coverage;
use hakusho::workbook::cell_name;
use hakusho::workbook::layout::action_columns;

fn config() -> Config {
    Config::load(&repo().join("data/hakusho.toml")).unwrap()
}

fn plan() -> Plan {
    Plan::load(&repo().join("data/plan")).unwrap()
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

/// The 企画部 workbook `hakusho template` writes for `year`, as a department gets it.
fn template(year: &str) -> Grid {
    let out = tempfile::tempdir().unwrap();
    let config = config();
    let (store, _database) = common::store::scratch_store();
    let year = FiscalYear::parse(year).unwrap();
    let paths = hakusho::template::write_templates(
        &config,
        &plan(),
        &store,
        year,
        Some("企画部"),
        out.path(),
        0,
    )
    .unwrap();
    Grid::read(&paths[0])
}

/// The 企画部 sample as a department fills the workbook `hakusho template` wrote for
/// `year`: the year cell and the headings that carry the year are that year's.
fn filled_for(year: &str) -> Grid {
    let fiscal_year = FiscalYear::parse(year).unwrap();
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("提出情報", "B4", year);
    for (c, column) in action_columns(fiscal_year).iter().enumerate() {
        if column.header.contains(&fiscal_year.to_string()) {
            grid.text("アクションプラン", &cell_name(0, c as u16), &column.header);
        }
    }
    grid
}

/// Reads the workbook and asserts it drew exactly `expected`: a workbook of another
/// year is that one error, so not even the sample's own warnings are drawn.
fn assert_only(grid: &Grid, expected: &[&str]) {
    let wanted: Vec<String> = expected.iter().map(|m| m.to_string()).collect();
    let found = messages(&read(&grid.to_xlsx()));
    assert_eq!(found, wanted, "{found:#?}");
}

const OTHER_YEAR: &str =
    "[エラー] シート「提出情報」 B4: 令和3年度のブックです。いま受け付けているのは令和2年度分です";

#[test]
fn a_workbook_of_another_year_is_one_error_whatever_its_headings_say() {
    // Made with `hakusho template --fiscal-year 令和3年度`, filled in, sent as 令和2年度.
    assert_only(&filled_for("令和3年度"), &[OTHER_YEAR]);
    // The year cell typed over in a 令和2年度 workbook: its headings are right.
    let mut typed_over = filled_for("令和2年度");
    typed_over.text("提出情報", "B4", "令和3年度");
    assert_only(&typed_over, &[OTHER_YEAR]);
    // Earlier years, in every spelling the year cell takes.
    for (year, named) in [
        ("令和元年度", "令和元年度"),
        ("H30", "平成30年度"),
        ("2019", "令和元年度"),
    ] {
        let mut grid = filled_for("令和元年度");
        grid.text("提出情報", "B4", year);
        let message = format!(
            "[エラー] シート「提出情報」 B4: {named}のブックです。いま受け付けているのは令和2年度分です"
        );
        assert_only(&grid, &[&message]);
    }
}

#[test]
fn an_unreadable_year_is_one_error_and_the_headings_are_read_with_their_own_year() {
    let mut grid = filled_for("令和3年度");
    grid.text("提出情報", "B4", "来年度");
    let found = messages(&read(&grid.to_xlsx()));
    assert_eq!(
        found.iter().filter(|m| m.starts_with("[エラー]")).count(),
        1,
        "{found:#?}"
    );
    assert!(
        found[0].starts_with("[エラー] シート「提出情報」 B4: "),
        "{found:#?}"
    );
}

#[test]
fn an_unfilled_template_of_another_year_draws_no_heading_finding() {
    for year in ["令和元年度", "令和3年度", "令和4年度"] {
        // Nothing filled in: still only the year, no heading nor empty-cell finding.
        let found = messages(&read(&template(year).to_xlsx()));
        assert_eq!(found.len(), 1, "{year}: {found:#?}");
        assert!(
            found[0].contains(&format!("B4: {year}のブックです")),
            "{found:#?}"
        );
    }
}

#[test]
fn a_year_outside_the_plan_period_is_one_error_naming_the_period() {
    for (typed, named) in [
        ("令和99年度", "令和99年度"),
        ("令和5年度", "令和5年度"),
        ("平成21年度", "平成21年度"),
    ] {
        let mut grid = filled_for("令和2年度");
        grid.text("提出情報", "B4", typed);
        let message = format!(
            "[エラー] シート「提出情報」 B4: {named}のブックです。{named}は計画期間の外です(第4次三鷹市基本計画（第2次改定）の計画期間は平成22年度から令和4年度まで)。いま受け付けているのは令和2年度分です"
        );
        assert_only(&grid, &[&message]);
    }
}

#[test]
fn a_template_of_another_version_is_one_error() {
    let mut grid = filled_for("令和2年度");
    grid.text("提出情報", "B2", "1");
    // Another version's layout: a column moved, every row's cells shifted.
    grid.swap_columns("目標指標", 8, 9);
    // Nothing else is read: not even the sample's own warnings.
    assert_eq!(
        messages(&read(&grid.to_xlsx())),
        [format!(
            "[エラー] シート「提出情報」 B2: テンプレート版「1」のブックは読めません(読める版: {0})。版{0}の提出用ブックに記入し直してください(このブックのほかのシートは読んでいません)",
            hakusho::workbook::layout::TEMPLATE_VERSION
        )],
    );
}

#[test]
fn an_unknown_department_is_one_error_not_one_per_row_it_does_not_own() {
    let mut grid = filled_for("令和2年度");
    grid.text("提出情報", "B3", "企画課");
    let found = messages(&read(&grid.to_xlsx()));
    assert_eq!(
        found.iter().filter(|m| m.starts_with("[エラー]")).count(),
        1,
        "{found:#?}"
    );
    assert!(
        found[0].starts_with("[エラー] シート「提出情報」 B3: 部名「企画課」は登録されていません(登録済み: 企画部、総務部"),
        "{found:#?}"
    );
}

#[test]
fn another_departments_workbook_renamed_is_one_error_at_the_department_cell() {
    let mut grid = filled_for("令和2年度");
    grid.text("提出情報", "B3", "総務部");
    let found = messages(&read(&grid.to_xlsx()));
    assert_eq!(
        found,
        ["[エラー] シート「提出情報」 B3: 部名は「総務部」ですが、表の行はすべて企画部の担当です。総務部の提出用ブックに記入してください(この部名のまま企画部のブックは提出できません)"],
        "{found:#?}"
    );
    // One row of another department's in the department's own workbook is that row's
    // error, as before.
    let mut grid = filled_for("令和2年度");
    grid.text("目標指標", "A2", "2-2.1");
    let found = messages(&read(&grid.to_xlsx()));
    assert!(found.contains(&"[エラー] シート「目標指標」 A2: 指標ID「2-2.1」は生活環境部の担当です。企画部の提出には含められません".to_string()), "{found:#?}");
}

#[test]
fn a_year_or_version_typed_as_a_number_or_full_width_is_read_as_typed() {
    // 2020 typed as a number reads back as `2,020`; `２０２０`, `３` in full width.
    let mut grid = filled_for("令和2年度");
    grid.set("提出情報", "B4", common::grid::Cell::Number(2020.0))
        .text("提出情報", "B2", "３");
    let sample = std::fs::read(repo().join("data/inbox/令和2年度_企画部.xlsx")).unwrap();
    assert_eq!(
        messages(&read(&grid.to_xlsx())),
        messages(&read(&sample)),
        "the same findings as the sample itself"
    );
}

/// Last year's workbook with only its year cell typed over: its headings still carry
/// its year. One error says so, once, wherever the headings show it; not a moved
/// column, and never accepted.
#[test]
fn another_years_workbook_with_its_year_typed_over_is_one_error() {
    let mut grid = filled_for("令和2年度");
    grid.text("目標指標", "I1", "前年度実績\n(平成30年度)")
        .text("目標指標", "J1", "達成値\n(令和元年度)")
        .text("アクションプラン", "F1", "令和元年度の取組状況等");
    let found = messages(&read(&grid.to_xlsx()));
    let year_errors: Vec<&String> = found
        .iter()
        .filter(|m| m.contains("見出しの年度"))
        .collect();
    assert_eq!(
        year_errors,
        ["[エラー] シート「目標指標」 I1: 見出しの年度が「平成30年度」です(「令和元年度」のはず)。ほかの年度の提出用ブックの年度だけを書き換えたようです。いま受け付けている年度の提出用ブックに記入してください"],
        "{found:#?}"
    );
    assert!(
        !found.iter().any(|m| m.contains("列を動かしたり")),
        "{found:#?}"
    );
    // The clerk who only fixes the heading named first is told again, at the next one.
    grid.text("目標指標", "I1", "前年度実績\n(令和元年度)");
    let found = messages(&read(&grid.to_xlsx()));
    assert!(
        found.iter().any(|m| m.starts_with(
            "[エラー] シート「目標指標」 J1: 見出しの年度が「令和元年度」です(「令和2年度」のはず)"
        )),
        "{found:#?}"
    );
}
