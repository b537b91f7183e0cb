//! `hakusho explain ITEM`: where every value of an indicator, KPI or action-plan item
//! came from.

use std::fmt::Write;

use super::model::{ActionItem, Cell, Datasets, Indicator, Kpi, Policy, Source, WhitePaper};

/// The lineage of an indicator (`1-1.1`), a KPI (`K2-1`) or an action-plan item
/// (`1-(2)`), or `None` when the dataset has no such item.
pub fn explain(datasets: &Datasets, item: &str) -> Option<String> {
    let wp = &datasets.white_paper;
    let mut out = String::new();
    if let Some((policy, indicator)) = wp
        .parts
        .iter()
        .flat_map(|p| &p.policies)
        .flat_map(|p| p.indicators.iter().map(move |i| (p, i)))
        .find(|(_, i)| i.id == item)
    {
        write_indicator(&mut out, wp, policy, indicator);
    } else if let Some(kpi) = wp
        .strategy
        .goals
        .iter()
        .flat_map(|g| &g.kpis)
        .find(|k| k.id == item)
    {
        write_kpi(&mut out, wp, kpi);
    } else {
        let action = wp
            .action_plan
            .groups
            .iter()
            .flat_map(|g| &g.systems)
            .flat_map(|s| &s.items)
            .find(|i| i.id == item)?;
        write_action_item(&mut out, action);
    }
    Some(out)
}

fn write_indicator(out: &mut String, wp: &WhitePaper, policy: &Policy, indicator: &Indicator) {
    let _ = writeln!(
        out,
        "指標 {} {}({} {}、{})",
        indicator.id, indicator.name, policy.code, policy.name, policy.department
    );
    let _ = writeln!(
        out,
        "  状態: {}{}",
        indicator.status_label,
        indicator
            .progress
            .map(|p| format!("(進捗 {:.0}%)", p * 100.0))
            .unwrap_or_default()
    );
    write_cells(out, &indicator.cells, &wp.period_labels);
    for figure in &indicator.history {
        let _ = writeln!(
            out,
            "  {}年度の達成値: {} ← {}",
            figure.fiscal_year,
            figure.printed,
            figure.source.describe()
        );
    }
}

fn write_kpi(out: &mut String, wp: &WhitePaper, kpi: &Kpi) {
    let _ = writeln!(
        out,
        "総合戦略KPI {} {}({})",
        kpi.id, kpi.name, kpi.department
    );
    if let Some(id) = &kpi.plan_indicator {
        let _ = writeln!(out, "  基本計画の指標 {id} と同じ指標");
    }
    write_cells(out, &kpi.cells, &wp.strategy.period_labels);
}

fn write_action_item(out: &mut String, action: &ActionItem) {
    let _ = writeln!(
        out,
        "個別課題 {}{} {}({})",
        action.id,
        if action.major { " 【主要】" } else { "" },
        action.title,
        action.departments.join("・")
    );
    let _ = writeln!(
        out,
        "  概要: 計画の参照データ{}",
        if action.sources.is_empty() {
            ""
        } else {
            "(主担当の部の提出で更新されていればその提出)"
        }
    );
    for source in &action.sources {
        let _ = writeln!(out, "  取組状況等: {}", source.describe());
    }
    if action.sources.is_empty() {
        let _ = writeln!(out, "  取組状況等: 提出なし");
    }
}

fn write_cells(out: &mut String, cells: &[Cell], labels: &[String]) {
    for (cell, label) in cells.iter().zip(labels) {
        let from = cell
            .source
            .as_ref()
            .map_or_else(|| "計画の参照データ".to_string(), Source::describe);
        let printed = if cell.printed.is_empty() {
            "(空欄)"
        } else {
            cell.printed.as_str()
        };
        let _ = writeln!(out, "  {label}: {printed} ← {from}");
    }
}
