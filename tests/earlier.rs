//! A year's figures compared with the latest earlier figure (issue 11): last year's
//! accepted submission when there is one, else the plan's latest column before the
//! year; and the template showing last year's figure beside each input cell.
//!
//! The store is real: the sample 令和2年度_企画部.xlsx is taken in by intake into a
//! temporary SQLite store with the real migrations; the 令和3年度 workbooks are written
//! by `template::prefilled` and the workbook writer, filled in as a clerk would.

mod common;

use common::grid::Grid;
use common::repo;
use hakusho::config::Config;
use hakusho::domain::{ConfigFiscalYear, FiscalYear, Observation, Period};
use hakusho::intake::{ingest_file, read_submission_with, Intake, Outcome, Reading};
use hakusho::plan::Plan;
use hakusho::report::Coverage;
use hakusho::store::{EarlierFigures, FigureKind, Store, NO_EARLIER_FIGURES};
use hakusho::template::{guide_text, prefilled, write_templates};
use hakusho::workbook::{write_workbook, Render, SubmissionContent};

const CITY: &str = "132047";
const DEPARTMENT: &str = "企画部";
/// 令和2年度's accepted 達成値 of the 企画部 sample's row 7 (the example).
const LAST_YEAR: &str = "4,976,176件";

/// A temporary city: the sample configuration with its archive and store in `dir`.
struct City {
    dir: tempfile::TempDir,
    config: Config,
    plan: Plan,
    /// The store's database on the suite's PostgreSQL run.
    _database: Option<common::PgDatabase>,
}

impl City {
    fn new() -> City {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::load(&repo().join("data/hakusho.toml")).unwrap();
        config.paths.archive = dir.path().join("archive");
        config.paths.database = dir.path().join("hakusho.sqlite3");
        let database = common::PgDatabase::for_this_run();
        if let Some(database) = &database {
            common::store::point_at(&mut config, database);
        }
        let plan = Plan::load(&config.paths.plan).unwrap();
        City {
            dir,
            config,
            plan,
            _database: database,
        }
    }

    fn store(&self) -> Store {
        common::open_store(&self.config)
    }

    /// The configuration collecting another fiscal year.
    fn collecting(&self, year: i32) -> Config {
        let mut config = self.config.clone();
        config.city.fiscal_year = ConfigFiscalYear(FiscalYear(year));
        config
    }

    /// Takes in the 令和2年度 sample of 企画部 as the daemon would.
    fn with_last_year(self) -> City {
        let path = repo().join(format!("data/inbox/令和2年度_{DEPARTMENT}.xlsx"));
        let intake = Intake {
            config: &self.config,
            plan: &self.plan,
            fonts: fonts(&self.config),
            earlier: &NO_EARLIER_FIGURES,
            upload: None,
        };
        let received_at = hakusho::domain::Clock::system().tokyo();
        let report = ingest_file(&path, intake, &mut self.store(), received_at).unwrap();
        assert!(matches!(report.outcome, Outcome::Accepted { .. }));
        self
    }

    fn earlier(&self, year: i32) -> EarlierFigures {
        self.store()
            .earlier_figures(CITY, FiscalYear(year))
            .unwrap()
    }

    fn last_year_content(&self) -> SubmissionContent {
        let current = self.store().current_submissions(CITY, FiscalYear(2020));
        let found = current
            .unwrap()
            .into_iter()
            .find(|s| s.content.department == DEPARTMENT);
        found.unwrap().content
    }

    /// Checks a workbook of `year` against the figures before it.
    fn check(&self, year: i32, bytes: &[u8], earlier: &EarlierFigures) -> Reading {
        let config = self.collecting(year);
        let intake = Intake {
            config: &config,
            plan: &self.plan,
            fonts: fonts(&self.config),
            earlier,
            upload: None,
        };
        read_submission_with(bytes, intake)
    }
}

/// The report fonts' coverage, read once for the test program.
fn fonts(config: &Config) -> &'static Coverage {
    static COVERAGE: std::sync::OnceLock<Coverage> = std::sync::OnceLock::new();
    COVERAGE.get_or_init(|| Coverage::for_config(config).unwrap())
}

/// A 企画部 workbook of `year` as a careful clerk fills it in from the template: last
/// year's texts and figures again, with `changes` (indicator or KPI id → figure) typed.
fn filled_in(city: &City, year: i32, changes: &[(&str, &str)]) -> Vec<u8> {
    let last = city.last_year_content();
    let department = city.config.department(DEPARTMENT).unwrap();
    let mut content = prefilled(&city.plan, department, FiscalYear(year), Some(&last));
    content.submitter = last.submitter.clone();
    content.contact = last.contact.clone();
    content.profile = last.profile.clone();
    content.projects = last.projects.clone();
    content.progress = last.progress.clone();
    content.action_items = last.action_items.clone();
    for (entry, before) in content.indicators.iter_mut().zip(&last.indicators) {
        let printed = &before.reading(Period::Actual).unwrap().printed;
        entry.indicator.observations[3] = Observation::parse(typed(changes, &entry.id, printed));
    }
    for (entry, before) in content.kpis.iter_mut().zip(&last.kpis) {
        entry.actual = typed(changes, &entry.id, &before.actual).to_string();
    }
    write(city, &content, year)
}

fn typed<'a>(changes: &[(&str, &'a str)], id: &str, otherwise: &'a str) -> &'a str {
    let change = changes.iter().find(|(changed, _)| *changed == id);
    change.map_or(otherwise, |(_, figure)| figure)
}

fn write(city: &City, content: &SubmissionContent, year: i32) -> Vec<u8> {
    let department = city.config.department(DEPARTMENT).unwrap();
    let guide = guide_text(&city.config).unwrap();
    let render = Render {
        plan: &city.plan,
        fiscal_year: FiscalYear(year),
        sections: &department.sections,
        created: 0,
        findings: &[],
        guide: &guide,
    };
    write_workbook(content, &render).unwrap()
}

fn messages(reading: &Reading) -> Vec<String> {
    reading.findings.iter().map(ToString::to_string).collect()
}

/// The id of the 企画部 indicator whose 令和2年度 達成値 was 4,976,176件.
fn moved_indicator(city: &City) -> String {
    let last = city.last_year_content();
    let entry = last
        .indicators
        .iter()
        .find(|e| e.reading(Period::Actual).map(|r| r.printed.as_str()) == Some(LAST_YEAR));
    entry.unwrap().id.clone()
}

/// The 企画部 KPI with a 令和2年度 実績値 that is a number, and that figure.
fn moved_kpi(city: &City) -> (String, String) {
    let last = city.last_year_content();
    let kpi = last
        .kpis
        .iter()
        .find(|k| Observation::parse(&k.actual).value().is_some());
    let kpi = kpi.expect("企画部 reports a KPI with a figure");
    (kpi.id.clone(), kpi.actual.clone())
}

#[test]
fn a_figure_close_to_last_years_is_not_a_finding_though_far_from_the_plans() {
    let city = City::new().with_last_year();
    let id = moved_indicator(&city);
    // +2.5% on 令和2年度, +86% on the plan's 中期 (平成30年度): no finding.
    let bytes = filled_in(&city, 2021, &[(&id, "5,100,000件")]);
    let reading = city.check(2021, &bytes, &city.earlier(2021));
    assert!(reading.findings.is_empty(), "{:#?}", messages(&reading));
}

#[test]
fn a_slip_against_last_years_figure_is_a_warning_naming_that_year() {
    let city = City::new().with_last_year();
    let id = moved_indicator(&city);
    let bytes = filled_in(&city, 2021, &[(&id, "200,000件")]);
    let reading = city.check(2021, &bytes, &city.earlier(2021));
    assert!(reading.is_acceptable());
    assert_eq!(
        messages(&reading),
        ["[注意] シート「目標指標」 J7: 前年度（令和2年度）の実績「4,976,176件」から「200,000件」へ -96% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"]
    );
}

#[test]
fn without_an_earlier_submission_the_plans_latest_earlier_column_is_compared() {
    let city = City::new().with_last_year();
    let id = moved_indicator(&city);
    let bytes = filled_in(&city, 2021, &[(&id, "5,100,000件")]);
    let reading = city.check(2021, &bytes, &NO_EARLIER_FIGURES);
    assert!(
        messages(&reading).contains(&"[注意] シート「目標指標」 J7: 中期（平成30年度）の値「2,740,984件」から「5,100,000件」へ +86% 変わっています。誤りでなければ理由を「説明・注記」に記入してください".to_string()),
        "{:#?}",
        messages(&reading)
    );
}

#[test]
fn an_older_submission_is_compared_when_last_year_has_none_and_named_so() {
    let city = City::new().with_last_year();
    let id = moved_indicator(&city);
    let bytes = filled_in(&city, 2022, &[(&id, "200,000件")]);
    let reading = city.check(2022, &bytes, &city.earlier(2022));
    assert_eq!(
        messages(&reading),
        ["[注意] シート「目標指標」 J7: 令和2年度の実績（前年度の提出はありません）「4,976,176件」から「200,000件」へ -96% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"]
    );
}

#[test]
fn a_kpi_figure_is_compared_with_last_years_too_and_a_note_answers_it() {
    let city = City::new().with_last_year();
    let (id, before) = moved_kpi(&city);
    let value = Observation::parse(&before).value().unwrap();
    let unit = Observation::parse(&before)
        .unit()
        .unwrap_or_default()
        .to_string();
    let slip = format!("{}{unit}", (value * 30.0).round() / 10.0);
    // K2-1 is also indicator 1-1.2: both cells carry the figure, or intake says they differ.
    let paired = city.plan.kpi(&id).unwrap().plan_indicator.clone().unwrap();
    let bytes = filled_in(&city, 2021, &[(&id, &slip), (&paired, &slip)]);
    let reading = city.check(2021, &bytes, &city.earlier(2021));
    let on_kpis = |reading: &Reading| -> Vec<String> {
        messages(reading)
            .into_iter()
            .filter(|m| m.contains("シート「総合戦略KPI」"))
            .collect()
    };
    let found = on_kpis(&reading);
    assert_eq!(found.len(), 1, "{:#?}", messages(&reading));
    let expected = format!("前年度（令和2年度）の実績「{before}」から「{slip}」へ +200% 変わっています。誤りでなければ理由を「説明・注記」に記入してください");
    assert!(
        found[0].starts_with("[注意] シート「総合戦略KPI」 G"),
        "{found:#?}"
    );
    assert!(found[0].ends_with(&expected), "{found:#?}");
    let cell = found[0]
        .split(' ')
        .nth(2)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    let path = city.dir.path().join("令和3年度_企画部.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let mut grid = Grid::read(&path);
    let note = cell.replacen('G', "I", 1);
    grid.text("総合戦略KPI", &note, "新たな事業の開始で利用が増えたため");
    let reading = city.check(2021, &grid.to_xlsx(), &city.earlier(2021));
    assert!(on_kpis(&reading).is_empty(), "{:#?}", messages(&reading));
}

/// The text of a cell of a written workbook.
fn cell(grid: &Grid, sheet: &str, name: &str) -> String {
    let (row, column) = hakusho::workbook::cell_position(name).unwrap();
    let rows = &grid.sheets.iter().find(|(n, _)| n == sheet).unwrap().1;
    match rows.get(row as usize).and_then(|r| r.get(column as usize)) {
        Some(common::grid::Cell::Text(text)) => text.clone(),
        other => panic!("{sheet} {name}: {other:?}"),
    }
}

#[test]
fn the_template_shows_last_years_figure_beside_each_input_cell() {
    let city = City::new().with_last_year();
    let config = city.collecting(2021);
    let out = city.dir.path().join("templates");
    let written = write_templates(
        &config,
        &city.plan,
        &city.store(),
        FiscalYear(2021),
        None,
        &out,
        0,
    );
    let grid = |department: &str| {
        let name = format!("令和3年度_{department}_提出用.xlsx");
        Grid::read(
            &written
                .as_ref()
                .unwrap()
                .iter()
                .find(|p| p.ends_with(&name))
                .unwrap()
                .clone(),
        )
    };
    let planning = grid(DEPARTMENT);
    assert_eq!(cell(&planning, "目標指標", "I1"), "前年度実績\n(令和2年度)");
    assert_eq!(cell(&planning, "目標指標", "J1"), "達成値\n(令和3年度)");
    assert_eq!(cell(&planning, "目標指標", "I7"), LAST_YEAR);
    let last = city.last_year_content();
    for (i, entry) in last.indicators.iter().enumerate() {
        let shown = cell(&planning, "目標指標", &format!("I{}", i + 2));
        assert_eq!(shown, entry.reading(Period::Actual).unwrap().printed);
    }
    assert_eq!(
        cell(&planning, "総合戦略KPI", "F1"),
        "前年度実績\n(令和2年度)"
    );
    for (i, kpi) in last.kpis.iter().enumerate() {
        assert_eq!(
            cell(&planning, "総合戦略KPI", &format!("F{}", i + 2)),
            kpi.actual
        );
    }
    // 総務部 sent nothing for 令和2年度 in this store: the column says so.
    assert_eq!(cell(&grid("総務部"), "目標指標", "I2"), "—");
}

#[test]
fn a_workbook_of_the_previous_template_version_is_one_clear_error() {
    let city = City::new();
    let mut grid = Grid::read(&repo().join(format!("data/inbox/令和2年度_{DEPARTMENT}.xlsx")));
    grid.text("提出情報", "B2", "2");
    let reading = city.check(2020, &grid.to_xlsx(), &NO_EARLIER_FIGURES);
    assert_eq!(
        messages(&reading),
        ["[エラー] シート「提出情報」 B2: テンプレート版「2」のブックは読めません(読める版: 3)。版3の提出用ブックに記入し直してください(このブックのほかのシートは読んでいません)"]
    );
    // The copy sent back is this version's workbook with the department's rows.
    let content = reading.content.unwrap();
    assert_eq!(content.department, DEPARTMENT);
    assert_eq!(
        content.indicators.len(),
        city.plan.indicators_of(DEPARTMENT).count()
    );
    assert!(content.indicators.iter().all(|e| e.previous == "—"));
}

#[test]
fn a_previous_version_workbook_comes_back_with_last_years_figures_shown() {
    let city = City::new().with_last_year();
    let mut grid = Grid::read(&repo().join(format!("data/inbox/令和2年度_{DEPARTMENT}.xlsx")));
    grid.text("提出情報", "B2", "2")
        .text("提出情報", "B4", "令和3年度");
    let reading = city.check(2021, &grid.to_xlsx(), &city.earlier(2021));
    assert_eq!(reading.findings.len(), 1, "{:#?}", messages(&reading));
    let content = reading.content.unwrap();
    let id = moved_indicator(&city);
    let entry = content.indicators.iter().find(|e| e.id == id).unwrap();
    assert_eq!(entry.previous, LAST_YEAR);
}

/// The store's file bytes, or every row of its database, to see that a command left
/// it as it was.
fn store_bytes(city: &common::TestCity) -> Vec<String> {
    city.store_snapshot()
}

#[test]
fn check_compares_with_the_store_and_writes_nothing_to_it() {
    let city = common::TestCity::new(None);
    // No store yet: check compares with the plan and creates none.
    let sample = city.inbox().join(format!("令和2年度_{DEPARTMENT}.xlsx"));
    let output = city.hakusho(&["check", sample.to_str().unwrap()]);
    assert!(output.status.success(), "{}", common::stdout_of(&output));
    assert!(city.store_is_untouched());
    let stdout = common::stdout_of(&city.hakusho(&["ingest", sample.to_str().unwrap()]));
    assert!(stdout.contains("受理"), "{stdout}");
    // 令和3年度: the sample again, one figure mistyped.
    let config = std::fs::read_to_string(city.config_path()).unwrap();
    let config = config
        .replace("fiscal_year = \"令和2年度\"", "fiscal_year = \"令和3年度\"")
        .replace("published = \"2021-07\"", "published = \"2022-07\"");
    std::fs::write(city.config_path(), config).unwrap();
    let mut grid = Grid::read(&sample);
    grid.text("提出情報", "B4", "令和3年度")
        .text("アクションプラン", "F1", "令和3年度の取組状況等")
        .text("目標指標", "J7", "200,000件")
        .text("目標指標", "N7", "");
    let next = city.path().join("令和3年度_企画部.xlsx");
    std::fs::write(&next, grid.to_xlsx()).unwrap();
    let before = store_bytes(&city);
    let output = city.hakusho(&["check", next.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("[注意] シート「目標指標」 J7: 前年度（令和2年度）の実績「4,976,176件」から「200,000件」へ -96% 変わっています。誤りでなければ理由を「説明・注記」に記入してください"),
        "{stdout}"
    );
    assert_eq!(store_bytes(&city), before, "check wrote to the store");
}

/// Last year's provisional figure is shown with its mark beside this year's input
/// cell, so the clerk knows it was not final.
#[test]
fn last_years_provisional_figure_is_shown_with_its_mark() {
    let city = City::new();
    let sample = repo().join(format!("data/inbox/令和2年度_{DEPARTMENT}.xlsx"));
    let mut grid = Grid::read(&sample);
    let row = grid.row_of("目標指標", 0, "1-2.1");
    grid.text("目標指標", &format!("J{row}"), "4,050人（速報値）");
    let path = city.dir.path().join("令和2年度_企画部_速報.xlsx");
    std::fs::write(&path, grid.to_xlsx()).unwrap();
    let intake = Intake {
        config: &city.config,
        plan: &city.plan,
        fonts: fonts(&city.config),
        earlier: &NO_EARLIER_FIGURES,
        upload: None,
    };
    let received_at = hakusho::domain::Clock::system().tokyo();
    let report = ingest_file(&path, intake, &mut city.store(), received_at).unwrap();
    assert!(matches!(report.outcome, Outcome::Accepted { .. }));
    let earlier = city.earlier(2021);
    let figure = earlier
        .of(FigureKind::Indicator, DEPARTMENT, "1-2.1")
        .unwrap();
    assert_eq!(figure.shown(), "4,050人 (速報値)");
    let out = city.dir.path().join("templates");
    let config = city.collecting(2021);
    let written = write_templates(
        &config,
        &city.plan,
        &city.store(),
        FiscalYear(2021),
        Some(DEPARTMENT),
        &out,
        0,
    )
    .unwrap();
    let template = Grid::read(&written[0]);
    assert_eq!(
        cell(&template, "目標指標", &format!("I{row}")),
        "4,050人 (速報値)"
    );
}
