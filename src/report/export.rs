//! The datasets as plain tables (xlsx, one sheet per table, one row per fact, for
//! Power Query or pandas) and as JSON (the [`crate::consolidate`] records; see
//! `docs/export.md`). Both are deterministic for a given store and build time.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::consolidate::{Cell, Datasets, Source};

/// A value in a table cell.
#[derive(Clone)]
enum V {
    T(String),
    N(Option<f64>),
}

fn t(s: impl Into<String>) -> V {
    V::T(s.into())
}

/// Writes `<fiscal year>_データセット.xlsx` and `.json` into `out`.
pub fn write(datasets: &Datasets, out: &Path, built_at: i64) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let stem = format!("{}_データセット", datasets.fiscal_year_label);
    let xlsx = out.join(format!("{stem}.xlsx"));
    std::fs::write(&xlsx, to_xlsx(datasets, built_at)?)
        .with_context(|| format!("writing {}", xlsx.display()))?;
    let json = out.join(format!("{stem}.json"));
    std::fs::write(&json, to_json(datasets)?)
        .with_context(|| format!("writing {}", json.display()))?;
    Ok(vec![xlsx, json])
}

/// The datasets as pretty-printed JSON.
pub fn to_json(datasets: &Datasets) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(datasets)? + "\n")
}

/// The datasets as one workbook of long tables.
pub fn to_xlsx(d: &Datasets, built_at: i64) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("{} {} データセット", d.city, d.fiscal_year_label))
            .set_author("hakusho")
            .set_creation_datetime(&ExcelDateTime::from_timestamp(built_at)?),
    );
    let bold = Format::new().set_bold();
    let wp = &d.white_paper;
    let mut add = |name: &str, headers: &[&str], rows: Vec<Vec<V>>| {
        table(workbook.add_worksheet(), &bold, name, headers, rows)
    };

    add(
        "施策",
        &[
            "部番号",
            "部",
            "施策コード",
            "施策名",
            "担当部",
            "担当課",
            "注記",
        ],
        wp.parts
            .iter()
            .flat_map(|part| {
                part.policies.iter().map(move |p| {
                    vec![
                        V::N(Some(f64::from(part.number))),
                        t(&part.title),
                        t(&p.code),
                        t(&p.name),
                        t(&p.department),
                        t(p.sections.join("・")),
                        t(p.notes.join("\n")),
                    ]
                })
            })
            .collect(),
    )?;
    let mut cells = Vec::new();
    let mut standing = Vec::new();
    for p in wp.parts.iter().flat_map(|part| &part.policies) {
        for i in &p.indicators {
            for (cell, label) in i.cells.iter().zip(&wp.period_labels) {
                cells.push(
                    [
                        vec![t(&i.id), t(&p.code), t(&i.name), t(&i.unit), t(label)],
                        cell_values(cell),
                    ]
                    .concat(),
                );
            }
            standing.push(vec![
                t(&i.id),
                t(&i.name),
                t(format!("{:?}", i.direction).to_lowercase()),
                t(&i.status_label),
                V::N(i.progress),
                V::N(i.change),
                t(&i.note),
                t(&i.amendment_reason),
            ]);
        }
    }
    add(
        "目標指標",
        &[
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
        ],
        cells,
    )?;
    add(
        "指標の状態",
        &[
            "指標ID",
            "指標名",
            "方向",
            "状態",
            "進捗率",
            "前回からの変化",
            "説明・注記",
            "変更理由",
        ],
        standing,
    )?;
    add(
        "取組状況",
        &[
            "施策コード",
            "段落",
            "本文",
            "提出ID",
            "ファイル",
            "シート",
            "セル",
        ],
        wp.parts
            .iter()
            .flat_map(|part| &part.policies)
            .flat_map(|p| {
                p.progress.iter().enumerate().map(move |(n, text)| {
                    [
                        vec![t(&p.code), V::N(Some(n as f64 + 1.0)), t(text)],
                        source_values(p.progress_source.as_ref()),
                    ]
                    .concat()
                })
            })
            .collect(),
    )?;
    let goals = &wp.strategy.goals;
    add(
        "総合戦略_数値目標",
        &[
            "基本目標",
            "基本目標名",
            "数値目標",
            "担当部",
            "期間",
            "表記",
            "数値",
        ],
        goals
            .iter()
            .flat_map(|g| {
                g.numeric_goal.cells.iter().map(move |c| {
                    vec![
                        V::N(Some(f64::from(g.number))),
                        t(&g.title),
                        t(&g.numeric_goal.name),
                        t(&g.numeric_goal.department),
                        t(&c.period),
                        t(&c.printed),
                        V::N(c.value),
                    ]
                })
            })
            .collect(),
    )?;
    add(
        "総合戦略_KPI",
        &[
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
        ],
        goals
            .iter()
            .flat_map(|g| {
                g.kpis.iter().flat_map(move |k| {
                    k.cells
                        .iter()
                        .zip(&wp.strategy.period_labels)
                        .map(move |(c, label)| {
                            [
                                vec![
                                    t(&k.id),
                                    V::N(Some(f64::from(g.number))),
                                    t(&k.name),
                                    t(&k.department),
                                    t(k.plan_indicator.clone().unwrap_or_default()),
                                    t(label),
                                ],
                                cell_values(c),
                            ]
                            .concat()
                        })
                })
            })
            .collect(),
    )?;
    let plan = &wp.action_plan;
    add(
        "アクションプラン",
        &[
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
        ],
        plan.groups
            .iter()
            .flat_map(|g| {
                g.systems.iter().flat_map(move |s| {
                    s.items.iter().map(move |i| {
                        vec![
                            V::N(Some(f64::from(g.number))),
                            t(&g.title),
                            V::N(Some(f64::from(s.number))),
                            t(&s.title),
                            t(&i.id),
                            t(if i.major { "主要" } else { "" }),
                            t(&i.title),
                            t(i.departments.join("・")),
                            t(i.overview.join("\n")),
                            t(i.progress.join("\n")),
                            t(i.sources
                                .iter()
                                .map(Source::describe)
                                .collect::<Vec<_>>()
                                .join("\n")),
                        ]
                    })
                })
            })
            .collect(),
    )?;
    add(
        "部の運営方針",
        &[
            "部",
            "組織構成",
            "職員数",
            "予算規模",
            "運営方針",
            "新型コロナウイルス感染症への対応",
        ],
        d.department_plans
            .iter()
            .map(|p| {
                vec![
                    t(&p.department),
                    t(p.sections.join("\n")),
                    t(&p.staff_count),
                    t(&p.budget),
                    t(&p.operating_policy),
                    t(&p.covid_response),
                ]
            })
            .collect(),
    )?;
    add(
        "主要事業",
        &["部", "番号", "主要事業", "担当課", "目標指標", "目標"],
        d.department_plans
            .iter()
            .flat_map(|p| {
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
            })
            .collect(),
    )?;
    add(
        "不足",
        &["部", "内容"],
        d.gaps
            .iter()
            .map(|g| vec![t(&g.department), t(&g.what)])
            .collect(),
    )?;
    add(
        "照合",
        &["種類", "内容", "場所", "表記", "出典"],
        d.findings
            .iter()
            .flat_map(|f| {
                f.places.iter().map(move |p| {
                    vec![
                        t(&f.kind),
                        t(&f.message),
                        t(&p.location),
                        t(&p.printed),
                        t(p.source.as_ref().map(Source::describe).unwrap_or_default()),
                    ]
                })
            })
            .collect(),
    )?;
    workbook.save_to_buffer()
}

fn cell_values(cell: &Cell) -> Vec<V> {
    [
        vec![t(&cell.printed), V::N(cell.value)],
        source_values(cell.source.as_ref()),
    ]
    .concat()
}

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

fn table(
    sheet: &mut Worksheet,
    bold: &Format,
    name: &str,
    headers: &[&str],
    rows: Vec<Vec<V>>,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (c, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *header, bold)?;
        sheet.set_column_width(c as u16, 14)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match value {
                V::T(text) if !text.is_empty() => sheet.write_string(r, c, text).map(|_| ())?,
                V::N(Some(n)) => sheet.write_number(r, c, *n).map(|_| ())?,
                _ => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, headers.len() as u16 - 1)?;
    Ok(())
}
