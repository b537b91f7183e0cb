//! The datasets as plain tables (xlsx, one sheet per table, one row per fact, for
//! Power Query or pandas) and as JSON (the [`crate::consolidate`] records; see
//! `docs/export.md`). Both are deterministic for a given store and build time.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::consolidate::{
    ActionGroup, ActionItem, ActionSystem, Cell, CrossFinding, Datasets, DepartmentPlan, Goal,
    Indicator, Kpi, Policy, Source, WhitePaper,
};

/// A value in a table cell.
#[derive(Clone)]
enum V {
    T(String),
    N(Option<f64>),
}

fn t(s: impl Into<String>) -> V {
    V::T(s.into())
}

/// A whole number (a part's, goal's or paragraph's number) as a numeric cell.
fn n(number: impl Into<f64>) -> V {
    V::N(Some(number.into()))
}

/// One sheet of the workbook: its name, its header row and one row per fact.
struct Table {
    name: &'static str,
    headers: &'static [&'static str],
    rows: Vec<Vec<V>>,
}

// The header row of each sheet (docs/export.md describes the columns).
const POLICY_HEADERS: &[&str] = &[
    "部番号",
    "部",
    "施策コード",
    "施策名",
    "担当部",
    "担当課",
    "注記",
];
const INDICATOR_CELL_HEADERS: &[&str] = &[
    "指標ID",
    "施策コード",
    "指標名",
    "単位",
    "期間",
    "表記",
    "数値",
    "提出ID",
    "ファイル",
    "シート",
    "セル",
];
const INDICATOR_STANDING_HEADERS: &[&str] = &[
    "指標ID",
    "指標名",
    "方向",
    "状態",
    "進捗率",
    "前回からの変化",
    "説明・注記",
    "変更理由",
];
const PROGRESS_HEADERS: &[&str] = &[
    "施策コード",
    "段落",
    "本文",
    "提出ID",
    "ファイル",
    "シート",
    "セル",
];
const NUMERIC_GOAL_HEADERS: &[&str] = &[
    "基本目標",
    "基本目標名",
    "数値目標",
    "担当部",
    "期間",
    "表記",
    "数値",
];
const KPI_HEADERS: &[&str] = &[
    "KPI",
    "基本目標",
    "指標",
    "担当部",
    "基本計画の指標ID",
    "期間",
    "表記",
    "数値",
    "提出ID",
    "ファイル",
    "シート",
    "セル",
];
const ACTION_PLAN_HEADERS: &[&str] = &[
    "考え方",
    "考え方名",
    "体系",
    "体系名",
    "個別課題",
    "主要",
    "課題名",
    "担当部",
    "概要",
    "取組状況等",
    "出典",
];
const DEPARTMENT_PLAN_HEADERS: &[&str] = &[
    "部",
    "組織構成",
    "職員数",
    "予算規模",
    "運営方針",
    "新型コロナウイルス感染症への対応",
];
const PROJECT_HEADERS: &[&str] = &["部", "番号", "主要事業", "担当課", "目標指標", "目標"];
const GAP_HEADERS: &[&str] = &["部", "内容"];
const CROSS_FINDING_HEADERS: &[&str] = &["種類", "内容", "場所", "表記", "出典"];

impl Table {
    fn new(
        name: &'static str,
        headers: &'static [&'static str],
        rows: impl Iterator<Item = Vec<V>>,
    ) -> Table {
        let rows = rows.collect();
        Table {
            name,
            headers,
            rows,
        }
    }
}

/// The datasets as pretty-printed JSON.
pub fn to_json(datasets: &Datasets) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(datasets)? + "\n")
}

/// The datasets as one workbook of long tables.
pub fn to_xlsx(d: &Datasets, built_at: i64) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(d, built_at)?);
    let bold = Format::new().set_bold();
    for table in tables(d) {
        write_table(workbook.add_worksheet(), &bold, &table)?;
    }
    workbook.save_to_buffer()
}

/// Title, author and creation time: the build time, so that a rebuild is identical.
fn properties(d: &Datasets, built_at: i64) -> Result<DocProperties, XlsxError> {
    Ok(DocProperties::new()
        .set_title(format!("{} {} データセット", d.city, d.fiscal_year_label))
        .set_author("hakusho")
        .set_creation_datetime(&ExcelDateTime::from_timestamp(built_at)?))
}

/// The sheets in the order `docs/export.md` lists them.
fn tables(d: &Datasets) -> Vec<Table> {
    let wp = &d.white_paper;
    vec![
        policy_table(wp),
        indicator_cell_table(wp),
        indicator_standing_table(wp),
        progress_table(wp),
        numeric_goal_table(wp),
        kpi_table(wp),
        action_plan_table(wp),
        department_plan_table(&d.department_plans),
        project_table(&d.department_plans),
        gap_table(d),
        cross_finding_table(&d.findings),
    ]
}

/// Every policy of the white paper's parts.
fn policies(wp: &WhitePaper) -> impl Iterator<Item = &Policy> {
    wp.parts.iter().flat_map(|part| &part.policies)
}

fn policy_table(wp: &WhitePaper) -> Table {
    let rows = wp.parts.iter().flat_map(|part| {
        part.policies.iter().map(move |p| {
            vec![
                n(part.number),
                t(&part.title),
                t(&p.code),
                t(&p.name),
                t(&p.department),
                t(p.sections.join("・")),
                t(p.notes.join("\n")),
            ]
        })
    });
    Table::new("施策", POLICY_HEADERS, rows)
}

/// One row per indicator and period: the printed text, its number and where it came from.
fn indicator_cell_table(wp: &WhitePaper) -> Table {
    let rows = policies(wp).flat_map(|p| {
        p.indicators.iter().flat_map(move |i| {
            let labels = wp.period_labels.iter();
            i.cells.iter().zip(labels).map(move |(cell, label)| {
                let what = vec![t(&i.id), t(&p.code), t(&i.name), t(&i.unit), t(label)];
                [what, cell_values(cell)].concat()
            })
        })
    });
    Table::new("目標指標", INDICATOR_CELL_HEADERS, rows)
}

/// One row per indicator: its direction, status and progress.
fn indicator_standing_table(wp: &WhitePaper) -> Table {
    let rows = policies(wp).flat_map(|p| p.indicators.iter().map(indicator_standing));
    Table::new("指標の状態", INDICATOR_STANDING_HEADERS, rows)
}

fn indicator_standing(i: &Indicator) -> Vec<V> {
    vec![
        t(&i.id),
        t(&i.name),
        t(format!("{:?}", i.direction).to_lowercase()),
        t(&i.status_label),
        V::N(i.progress),
        V::N(i.change),
        t(&i.note),
        t(&i.amendment_reason),
    ]
}

/// One row per paragraph of a policy's 取組状況, numbered from 1.
fn progress_table(wp: &WhitePaper) -> Table {
    let rows = policies(wp).flat_map(|p| {
        p.progress.iter().enumerate().map(move |(number, text)| {
            let what = vec![t(&p.code), n(number as f64 + 1.0), t(text)];
            [what, source_values(p.progress_source.as_ref())].concat()
        })
    });
    Table::new("取組状況", PROGRESS_HEADERS, rows)
}

/// One row per 基本目標 and period of its 数値目標.
fn numeric_goal_table(wp: &WhitePaper) -> Table {
    let rows = wp.strategy.goals.iter().flat_map(|g| {
        g.numeric_goal.cells.iter().map(move |c| {
            vec![
                n(g.number),
                t(&g.title),
                t(&g.numeric_goal.name),
                t(&g.numeric_goal.department),
                t(&c.period),
                t(&c.printed),
                V::N(c.value),
            ]
        })
    });
    Table::new("総合戦略_数値目標", NUMERIC_GOAL_HEADERS, rows)
}

/// One row per KPI and period, with the cell it was read from.
fn kpi_table(wp: &WhitePaper) -> Table {
    let labels = &wp.strategy.period_labels;
    let rows = wp.strategy.goals.iter().flat_map(|g| {
        g.kpis.iter().flat_map(move |k| {
            let cells = k.cells.iter().zip(labels);
            cells.map(move |(c, label)| [kpi_values(g, k, label), cell_values(c)].concat())
        })
    });
    Table::new("総合戦略_KPI", KPI_HEADERS, rows)
}

fn kpi_values(g: &Goal, k: &Kpi, period_label: &str) -> Vec<V> {
    vec![
        t(&k.id),
        n(g.number),
        t(&k.name),
        t(&k.department),
        t(k.plan_indicator.clone().unwrap_or_default()),
        t(period_label),
    ]
}

/// One row per action-plan item, under its 考え方 and 体系.
fn action_plan_table(wp: &WhitePaper) -> Table {
    let rows = wp.action_plan.groups.iter().flat_map(|g| {
        g.systems
            .iter()
            .flat_map(move |s| s.items.iter().map(move |i| action_item(g, s, i)))
    });
    Table::new("アクションプラン", ACTION_PLAN_HEADERS, rows)
}

fn action_item(g: &ActionGroup, s: &ActionSystem, i: &ActionItem) -> Vec<V> {
    let sources: Vec<_> = i.sources.iter().map(Source::describe).collect();
    vec![
        n(g.number),
        t(&g.title),
        n(s.number),
        t(&s.title),
        t(&i.id),
        t(if i.major { "主要" } else { "" }),
        t(&i.title),
        t(i.departments.join("・")),
        t(i.overview.join("\n")),
        t(i.progress.join("\n")),
        t(sources.join("\n")),
    ]
}

/// One row per department's 運営方針.
fn department_plan_table(plans: &[DepartmentPlan]) -> Table {
    let rows = plans.iter().map(|p| {
        vec![
            t(&p.department),
            t(p.sections.join("\n")),
            t(&p.staff_count),
            t(&p.budget),
            t(&p.operating_policy),
            t(&p.covid_response),
        ]
    });
    Table::new("部の運営方針", DEPARTMENT_PLAN_HEADERS, rows)
}

/// One row per department's 主要事業.
fn project_table(plans: &[DepartmentPlan]) -> Table {
    let rows = plans.iter().flat_map(|p| {
        p.projects.iter().map(move |x| {
            vec![
                t(&p.department),
                t(&x.number),
                t(&x.title),
                t(&x.section),
                t(&x.indicator),
                t(&x.target),
            ]
        })
    });
    Table::new("主要事業", PROJECT_HEADERS, rows)
}

/// What a department has not submitted yet.
fn gap_table(d: &Datasets) -> Table {
    let rows = d.gaps.iter().map(|g| vec![t(&g.department), t(&g.what)]);
    Table::new("不足", GAP_HEADERS, rows)
}

/// One row per place a cross-check finding points at.
fn cross_finding_table(findings: &[CrossFinding]) -> Table {
    let rows = findings.iter().flat_map(|f| {
        f.places.iter().map(move |p| {
            vec![
                t(&f.kind),
                t(&f.message),
                t(&p.location),
                t(&p.printed),
                t(p.source.as_ref().map(Source::describe).unwrap_or_default()),
            ]
        })
    });
    Table::new("照合", CROSS_FINDING_HEADERS, rows)
}

fn cell_values(cell: &Cell) -> Vec<V> {
    [
        vec![t(&cell.printed), V::N(cell.value)],
        source_values(cell.source.as_ref()),
    ]
    .concat()
}

/// The submission, file, sheet and cell a value was read from; blank where unknown.
fn source_values(source: Option<&Source>) -> Vec<V> {
    match source {
        Some(s) => vec![
            V::N(Some(s.submission_id as f64)),
            t(&s.file),
            t(&s.sheet),
            t(&s.cell),
        ],
        None => vec![V::N(None), t(""), t(""), t("")],
    }
}

/// A bold header row, one row per fact, the header frozen and filtered.
fn write_table(sheet: &mut Worksheet, bold: &Format, table: &Table) -> Result<(), XlsxError> {
    sheet.set_name(table.name)?;
    for (c, header) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *header, bold)?;
        sheet.set_column_width(c as u16, 14)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        write_row(sheet, r as u32 + 1, row)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_column = table.headers.len() as u16 - 1;
    sheet.autofilter(0, 0, table.rows.len() as u32, last_column)?;
    Ok(())
}

/// Empty texts and missing numbers stay blank cells.
fn write_row(sheet: &mut Worksheet, r: u32, row: &[V]) -> Result<(), XlsxError> {
    for (c, value) in row.iter().enumerate() {
        let c = c as u16;
        match value {
            V::T(text) if !text.is_empty() => sheet.write_string(r, c, text).map(|_| ())?,
            V::N(Some(n)) => sheet.write_number(r, c, *n).map(|_| ())?,
            _ => {}
        }
    }
    Ok(())
}
