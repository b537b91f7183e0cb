//! The consolidated workbook (xlsx): a sheet per table of the datasets, frozen header,
//! autofilter, widths for Japanese text and rows as tall as their wrapped text, figures
//! as numbers whose format shows their own unit (KPIs too), status coloured by
//! conditional formatting, a 進捗率 only where it means something (else the reason), a
//! chart per policy and unit, a 凡例 sheet, document properties, and A4 page setup.
//! The same for one department's part.

mod chart;
mod figures;
mod grid;
mod progress;

use rust_xlsxwriter::{
    Color, ConditionalFormatText, ConditionalFormatTextRule, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Note, Workbook, Worksheet, XlsxError,
};

use super::Edition;
use crate::consolidate::{ActionItem, Datasets, Indicator, Kpi, Policy};
use crate::domain::Status;
use crate::texts::workbook as texts;
use chart::{Plotted, PolicyRows};
use figures::Shown;
use grid::Grid;

const INDICATORS: &str = "目標指標";

/// The 進捗率 column of the 目標指標 sheet (R); its note is the next (S).
const PROGRESS_COLUMN: u16 = 17;
const FIXED: [(&str, f64); 6] = [
    ("部", 12.0),
    ("施策コード", 8.0),
    ("施策名", 22.0),
    ("担当課", 14.0),
    ("指標名", 38.0),
    ("単位", 8.0),
];

/// The header and width (characters) of each column of the other sheets.
const PROGRESS_COLUMNS: [(&str, f64); 4] = [
    ("施策コード", 10.0),
    ("施策名", 24.0),
    ("担当部", 12.0),
    ("取り組み状況", 100.0),
];
const KPI_COLUMNS: [(&str, f64); 4] = [
    ("KPI", 7.0),
    ("基本目標", 8.0),
    ("指標", 36.0),
    ("担当部", 12.0),
];
const ACTION_COLUMNS: [(&str, f64); 7] = [
    ("体系", 6.0),
    ("個別課題", 8.0),
    ("主要", 6.0),
    ("課題名", 30.0),
    ("担当部", 14.0),
    ("概要", 80.0),
    ("取組状況等", 80.0),
];
const PLAN_COLUMNS: [(&str, f64); 6] = [
    ("部", 14.0),
    ("番号", 6.0),
    ("主要事業", 50.0),
    ("担当課", 14.0),
    ("目標指標", 30.0),
    ("目標", 16.0),
];

fn owned(columns: &[(&str, f64)]) -> Vec<(String, f64)> {
    columns.iter().map(|(l, w)| (l.to_string(), *w)).collect()
}

/// The formats every sheet shares: the header, wrapped text, a share as a percentage.
struct Formats {
    header: Format,
    text: Format,
    percent: Format,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(Color::RGB(0xD9E1F2))
            .set_border(FormatBorder::Thin);
        let text = Format::new()
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top);
        // One decimal: a share of 99.7% must not show as the 100% of a target reached.
        let percent = text.clone().set_num_format("0.0%");
        Formats {
            header,
            text,
            percent,
        }
    }
}

/// Builds the workbook; `inputs_sha256` and the template version go into its properties.
pub fn build(datasets: &Datasets, edition: &Edition) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(datasets, edition)?);
    let f = Formats::new();
    let charted = indicator_sheet(workbook.add_worksheet(), datasets, &f)?;
    chart::chart_sheet(&mut workbook, &charted)?;
    progress_sheet(workbook.add_worksheet(), datasets, &f)?;
    kpi_sheet(workbook.add_worksheet(), datasets, &f)?;
    action_sheet(workbook.add_worksheet(), datasets, &f)?;
    plan_sheet(workbook.add_worksheet(), datasets, &f)?;
    legend_sheet(workbook.add_worksheet(), &f)?;
    workbook.save_to_buffer()
}

/// Title, author, subject; the inputs' digest and the template version, so that a
/// published workbook can be traced; the build time as creation time.
fn properties(datasets: &Datasets, edition: &Edition) -> Result<DocProperties, XlsxError> {
    let title = format!(
        "{} {} 白書データ",
        datasets.city, datasets.fiscal_year_label
    );
    let template = crate::workbook::layout::TEMPLATE_VERSION;
    let created = ExcelDateTime::from_timestamp(edition.built_at.timestamp())?;
    Ok(DocProperties::new()
        .set_title(title)
        .set_author(datasets.city.as_str())
        .set_subject(datasets.white_paper.plan_name.as_str())
        .set_comment(format!("inputs-sha256:{}", edition.inputs_sha256))
        .set_keywords(format!("hakusho-template:{template}"))
        .set_creation_datetime(&created))
}

/// Header row, widths, frozen pane, autofilter, A4 landscape fitted to the width;
/// the grid the rows are written into.
fn frame<'a>(
    sheet: &'a mut Worksheet,
    name: &str,
    columns: &[(String, f64)],
    rows: u32,
    header: &Format,
) -> Result<Grid<'a>, XlsxError> {
    sheet.set_name(name)?;
    let widths = columns.iter().map(|(_, width)| *width).collect();
    let mut grid = Grid::new(sheet, widths)?;
    for (c, (label, _)) in columns.iter().enumerate() {
        grid.header(0, c as u16, label, header)?;
    }
    let sheet = grid.sheet();
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.max(1), columns.len() as u16 - 1)?;
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    Ok(grid)
}

/// Every policy of the white paper, in the plan's order.
fn all_policies(d: &Datasets) -> Vec<&Policy> {
    let parts = d.white_paper.parts.iter();
    parts.flat_map(|p| &p.policies).collect()
}

/// One row per indicator: printed cells, the numbers read from them, status, progress
/// and why a progress is blank or capped. Returns, per policy, what its charts plot.
fn indicator_sheet(
    sheet: &mut Worksheet,
    d: &Datasets,
    f: &Formats,
) -> Result<Vec<PolicyRows>, XlsxError> {
    let columns = indicator_columns(&d.white_paper.period_labels);
    let policies = all_policies(d);
    let total: u32 = policies.iter().map(|p| p.indicators.len() as u32).sum();
    let mut grid = frame(sheet, INDICATORS, &columns, total, &f.header)?;
    let rule = Note::new(texts::PROGRESS_RULE).add_author_prefix(false);
    grid.sheet()
        .insert_note(0, PROGRESS_COLUMN, &rule.set_width(360).set_height(160))?;
    let mut row = 0;
    let mut charted = Vec::new();
    for policy in policies {
        let mut plotted = Vec::new();
        for i in &policy.indicators {
            row += 1;
            grid.texts(row, 0, &fixed_cells(policy, i), &f.text)?;
            plotted.extend(write_figures(&mut grid, row, i, f)?);
            write_progress(&mut grid, row, i, f)?;
        }
        let (code, name) = (policy.code.clone(), policy.name.clone());
        let indicators = plotted;
        charted.push(PolicyRows {
            code,
            name,
            indicators,
        });
    }
    status_colours(grid.sheet(), total)?;
    grid.finish()?;
    Ok(charted)
}

/// The columns before the figures: 部, 施策コード, 施策名, 担当課, 指標名, 単位.
fn fixed_cells(policy: &Policy, i: &Indicator) -> [String; 6] {
    [
        policy.department.clone(),
        policy.code.clone(),
        policy.name.clone(),
        policy.sections.join("・"),
        i.name.clone(),
        i.unit.clone(),
    ]
}

/// The fixed columns, then each period printed, each period as a number, the status,
/// the progress and its note.
fn indicator_columns(periods: &[String]) -> Vec<(String, f64)> {
    let mut columns = owned(&FIXED);
    columns.extend(periods.iter().map(|p| (p.clone(), 16.0)));
    columns.extend(periods.iter().map(|p| (format!("{p}\n(数値)"), 14.0)));
    columns.extend([("状態".to_string(), 8.0), ("進捗率".to_string(), 8.0)]);
    columns.push((texts::PROGRESS_NOTE_HEADER.to_string(), 44.0));
    columns
}

/// An indicator's cells as printed (G–K) and as numbers in their own unit (L–P),
/// and its status (Q); a cell without a number stays blank. Returns what its chart
/// plots: the numbers from the baseline to the year, when it has any.
fn write_figures(
    grid: &mut Grid,
    row: u32,
    i: &Indicator,
    f: &Formats,
) -> Result<Option<Plotted>, XlsxError> {
    let mut unit = None;
    let mut values = Vec::new();
    for (k, cell) in i.cells.iter().enumerate() {
        grid.text(row, (6 + k) as u16, &cell.printed, &f.text)?;
        let column = (11 + k) as u16;
        let Some(shown) = Shown::of(&cell.printed, cell.value, &i.unit) else {
            grid.text(row, column, "", &f.text)?;
            continue;
        };
        grid.number(row, column, shown.value, &shown.format(&f.text))?;
        if k < chart::PLOTTED_PERIODS as usize {
            unit.get_or_insert_with(|| shown.unit.clone());
            values.push(shown.value);
        }
    }
    grid.text(row, 16, &i.status_label, &f.text)?;
    Ok(unit.map(|unit| Plotted { row, unit, values }))
}

/// The 進捗率 (R) where it means something, and why not or why capped (S).
fn write_progress(grid: &mut Grid, row: u32, i: &Indicator, f: &Formats) -> Result<(), XlsxError> {
    let p = progress::progress(i);
    match p.value {
        Some(share) => grid.number(row, PROGRESS_COLUMN, share, &f.percent)?,
        None => grid.text(row, PROGRESS_COLUMN, "", &f.text)?,
    }
    grid.text(row, PROGRESS_COLUMN + 1, &p.note, &f.text)
}

/// 達成 green, 順調 light green, 要注意 yellow, 後退 red.
fn status_colours(sheet: &mut Worksheet, rows: u32) -> Result<(), XlsxError> {
    let colours = [
        (Status::Achieved, 0xC6EFCE),
        (Status::OnTrack, 0xE2F0D9),
        (Status::Caution, 0xFFEB9C),
        (Status::Regressed, 0xFFC7CE),
    ];
    for (status, colour) in colours {
        let rule = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::Contains(
                status.label().to_string(),
            ))
            .set_format(Format::new().set_background_color(Color::RGB(colour)));
        sheet.add_conditional_format(1, 16, rows.max(1), 16, &rule)?;
    }
    Ok(())
}

fn progress_sheet(sheet: &mut Worksheet, d: &Datasets, f: &Formats) -> Result<(), XlsxError> {
    let columns = owned(&PROGRESS_COLUMNS);
    let policies = all_policies(d);
    let rows = policies.len() as u32;
    let mut grid = frame(sheet, "取組状況", &columns, rows, &f.header)?;
    for (i, p) in policies.iter().enumerate() {
        let cells = [&p.code, &p.name, &p.department, &p.progress.join("\n")];
        grid.texts(i as u32 + 1, 0, &cells, &f.text)?;
    }
    grid.finish()
}

/// One row per KPI: each period's figure as a number in its unit (text where the cell
/// is not a figure: 維持, 同左, —), and what the cells printed besides their numbers.
fn kpi_sheet(sheet: &mut Worksheet, d: &Datasets, f: &Formats) -> Result<(), XlsxError> {
    let strategy = &d.white_paper.strategy;
    let mut columns = owned(&KPI_COLUMNS);
    columns.extend(strategy.period_labels.iter().map(|p| (p.clone(), 14.0)));
    columns.push((texts::KPI_NOTE_HEADER.to_string(), 36.0));
    let kpis: Vec<_> = strategy
        .goals
        .iter()
        .flat_map(|g| g.kpis.iter().map(move |k| (g.number, k)))
        .collect();
    let mut grid = frame(sheet, "総合戦略KPI", &columns, kpis.len() as u32, &f.header)?;
    for (n, (goal, k)) in kpis.iter().enumerate() {
        let row = n as u32 + 1;
        let cells = [
            k.id.clone(),
            goal.to_string(),
            k.name.clone(),
            k.department.clone(),
        ];
        grid.texts(row, 0, &cells, &f.text)?;
        let notes = kpi_figures(&mut grid, row, k, &strategy.period_labels, f)?;
        let column = (KPI_COLUMNS.len() + strategy.period_labels.len()) as u16;
        grid.text(row, column, &notes.join("\n"), &f.text)?;
    }
    grid.finish()
}

/// A KPI's cells from column E: numbers with their unit, or the text as printed.
/// Returns the notes for the cells whose number does not show all they printed.
fn kpi_figures(
    grid: &mut Grid,
    row: u32,
    k: &Kpi,
    labels: &[String],
    f: &Formats,
) -> Result<Vec<String>, XlsxError> {
    let mut notes = Vec::new();
    for (n, (cell, label)) in k.cells.iter().zip(labels).enumerate() {
        let column = (KPI_COLUMNS.len() + n) as u16;
        match Shown::of(&cell.printed, cell.value, "") {
            Some(shown) => {
                grid.number(row, column, shown.value, &shown.format(&f.text))?;
                if shown.loses_something_of(&cell.printed) {
                    notes.push(texts::kpi_note(label, &cell.printed));
                }
            }
            None => grid.text(row, column, &cell.printed, &f.text)?,
        }
    }
    Ok(notes)
}

fn action_sheet(sheet: &mut Worksheet, d: &Datasets, f: &Formats) -> Result<(), XlsxError> {
    let columns = owned(&ACTION_COLUMNS);
    let items: Vec<_> = d
        .white_paper
        .action_plan
        .groups
        .iter()
        .flat_map(|g| &g.systems)
        .flat_map(|s| s.items.iter().map(move |i| (s.number, i)))
        .collect();
    let rows = items.len() as u32;
    let mut grid = frame(sheet, "アクションプラン", &columns, rows, &f.header)?;
    for (n, (system, item)) in items.iter().enumerate() {
        grid.texts(n as u32 + 1, 0, &action_cells(*system, item), &f.text)?;
    }
    grid.finish()
}

/// 体系, 個別課題, 主要, 課題名, 担当部, 概要 and 取組状況等 of one item.
fn action_cells(system: u32, item: &ActionItem) -> [String; 7] {
    [
        system.to_string(),
        item.id.clone(),
        if item.major { "主要" } else { "" }.to_string(),
        item.title.clone(),
        item.departments.join("・"),
        item.overview.join("\n"),
        item.progress.join("\n"),
    ]
}

fn plan_sheet(sheet: &mut Worksheet, d: &Datasets, f: &Formats) -> Result<(), XlsxError> {
    let columns = owned(&PLAN_COLUMNS);
    let projects: Vec<_> = d
        .department_plans
        .iter()
        .flat_map(|p| p.projects.iter().map(move |x| (&p.department, x)))
        .collect();
    let rows = projects.len() as u32;
    let mut grid = frame(sheet, "主要事業", &columns, rows, &f.header)?;
    for (n, (department, p)) in projects.iter().enumerate() {
        let cells = [
            *department,
            &p.number,
            &p.title,
            &p.section,
            &p.indicator,
            &p.target,
        ];
        grid.texts(n as u32 + 1, 0, &cells, &f.text)?;
    }
    grid.finish()
}

/// The 凡例 sheet: what the 進捗率, 状態, numeric columns, KPI sheet and charts mean.
fn legend_sheet(sheet: &mut Worksheet, f: &Formats) -> Result<(), XlsxError> {
    let columns: Vec<(String, f64)> = texts::LEGEND_HEADERS
        .iter()
        .zip([16.0, 100.0])
        .map(|(h, w)| (h.to_string(), w))
        .collect();
    // The 状態 rule is the one every report prints, made from the rule's own code.
    let status_rule = crate::domain::status::status_rule_text();
    let mut legend: Vec<(&str, &str)> = texts::LEGEND.to_vec();
    legend.insert(1, (crate::texts::report::STATUS_COLUMN, &status_rule));
    let mut grid = frame(
        sheet,
        texts::LEGEND_SHEET,
        &columns,
        legend.len() as u32,
        &f.header,
    )?;
    for (n, (item, meaning)) in legend.iter().enumerate() {
        grid.texts(n as u32 + 1, 0, &[item, meaning], &f.text)?;
    }
    grid.finish()
}
