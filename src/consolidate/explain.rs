//! `hakusho explain ITEM`: where every value of an indicator, KPI or action-plan item
//! came from.

use std::fmt::Write;

use super::model::{ActionItem, Cell, Datasets, Indicator, Kpi, Policy, Source, WhitePaper};

/// The lineage of an indicator (`1-1.1`), a KPI (`K2-1`) or an action-plan item
/// (`1-(2)`), or `None` when the dataset has no such item. The id is read as people
/// type it: full-width (`１－１．１`, `Ｋ２－１`), any dash, spaces around it.
pub fn explain(datasets: &Datasets, item: &str) -> Option<String> {
    let item = item_id(item);
    let item = item.as_str();
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

/// An id as the plan writes it: half-width, ASCII hyphens, an upper-case `K`, no spaces.
pub fn item_id(typed: &str) -> String {
    crate::domain::japanese::fold_width(typed)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // ‐ ‑ ‒ – — ― − ー ｰ: the dashes a Japanese keyboard or a copy from Word gives.
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' => '-',
            'k' => 'K',
            c => c,
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::item_id;

    #[test]
    fn ids_typed_full_width_with_any_dash_or_spaces_read_as_the_plan_writes_them() {
        for typed in [
            "１－１．１",
            "１-１.１",
            " 1-1.1 ",
            "1ー1.1",
            "1−1.1",
            "1‐1．1",
            "　1-1.1　",
        ] {
            assert_eq!(item_id(typed), "1-1.1", "{typed}");
        }
        for typed in ["Ｋ２－１", "k2-1", "K2ー1"] {
            assert_eq!(item_id(typed), "K2-1", "{typed}");
        }
        assert_eq!(item_id("１－（２）"), "1-(2)");
    }
}
